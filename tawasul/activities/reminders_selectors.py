"""Reads of the reminders: the calendar's occurrences, and what pages list."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from .reminders_recurrence import schedule_for
from .reminders_services import visible_reminders

# Occurrences of one reminder shown in one calendar window at most (a daily reminder in a
# month view: 31).
CALENDAR_LIMIT = 62


def reminder_calendar(user, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Each occurrence in [start, end) of the active reminders `user` wrote or receives (as
    `core.calendar.CalendarEntry` fields); past ones from the first after the last fired on."""
    if not user.has_perm("activities.view_reminder"):
        return []
    reminders = (
        visible_reminders(user, "view")
        .filter(is_active=True, next_at__isnull=False, starts_at__lt=end)
        .select_related("author")
        .order_by("pk")
    )
    if user.is_superuser or user.has_perm("activities.manage_reminder"):
        # Administrators see every reminder's page, but their calendar is their own.
        from .reminders_services import for_user_q

        reminders = reminders.filter(for_user_q(user))
    entries = []
    for reminder in reminders:
        url = reverse("activities:reminder_detail", args=[reminder.pk])
        schedule = schedule_for(reminder)
        for moment in schedule.between(start, end, limit=CALENDAR_LIMIT):
            entries.append(
                {
                    "pk": reminder.pk,
                    "title": reminder.title,
                    "start": moment,
                    "url": url,
                    "status": "reminder",
                    "description": reminder.body,
                }
            )
    return entries
