"""Reads of the reminders: the calendar's occurrences, and what pages list."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from tawasul.core.access import get_restricted_or_404
from tawasul.core.timeline import TimelineEntry, older_than

from .reminders_recurrence import Recurrence, describe, schedule_for
from .reminders_services import for_user_q, reminder_save, visible_reminders

TIMELINE_SOURCE = "reminders"

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
        reminders = reminders.filter(for_user_q(user))
    entries = []
    for reminder in reminders:
        url = reverse("activities:reminder_detail", args=[reminder.pk])
        # A reminder that happens once moves by dragging it (its author, or an administrator).
        movable = not reminder.rrule and (
            reminder.author_id == user.pk or user.has_perm("activities.manage_reminder")
        )
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
                    "editable": movable and user.has_perm("activities.change_reminder"),
                }
            )
    return entries


def reminder_calendar_move(user, pk: int, start: dt.datetime) -> None:
    """Dragging a reminder that happens once on the calendar moves it (through
    `reminder_save`, which refuses a time already past); repeating ones move on their form."""
    reminder = get_restricted_or_404(visible_reminders(user, "change"), user, "change", pk=pk)
    if reminder.rrule:
        raise ValidationError(_("A repeating reminder is moved from its form."))
    rows = list(reminder.recipients.select_related("user", "role"))
    reminder_save(
        actor=user,
        reminder=reminder,
        title=reminder.title,
        body=reminder.body,
        template=reminder.template,
        starts_at=start,
        timezone=reminder.timezone,
        recurrence=Recurrence(),
        users=[row.user for row in rows if row.user_id],
        roles=[row.role for row in rows if row.role_id],
        notify=reminder.notify,
        email=reminder.email,
        create_task=reminder.create_task,
        record=_subject_record(reminder),
    )


reminder_calendar.move = reminder_calendar_move  # type: ignore[attr-defined]


def _subject_record(reminder):
    from .reminders_services import _subject_record as subject_record

    return subject_record(reminder)


def contact_timeline(user, record, *, before, limit: int) -> list[TimelineEntry]:
    """Reminders about the contact that `user` wrote or receives (administrators: all of the
    company's), newest first, as timeline entries (paged: `before`, `limit`)."""
    if not user.has_perm("activities.view_reminder"):
        return []
    queryset = (
        visible_reminders(user, "view")
        .filter(contact_id=record.pk)
        .filter(older_than(before, TIMELINE_SOURCE, "created_at"))
        .select_related("author")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        TimelineEntry(
            when=reminder.created_at,
            source=TIMELINE_SOURCE,
            key=reminder.pk,
            who=reminder.author,
            kind="event",
            title=_("Reminder: %(title)s (%(repeats)s)")
            % {
                "title": reminder.title,
                "repeats": describe(reminder.rrule, working_day_back=reminder.working_day_back),
            },
        )
        for reminder in queryset
    ]
