"""What the reminders area declares to the platform (called from `activities.module`): the
sidebar entry, the calendar's occurrences (a reminder that happens once moves by dragging),
the contact timeline's reminders and the demo's part."""

from django.utils.translation import gettext_lazy as _

from tawasul.core.navigation import NavItem

SECTION = "activities"


def register(registry) -> None:
    registry.nav_item(
        SECTION,
        NavItem(
            _("Reminders"),
            "alarm",
            "activities:reminder_list",
            "activities.view_reminder",
            key="reminders",
        ),
        order=30,
    )
    registry.calendar_source("reminders", _calendar)
    registry.timeline_source(
        "contacts.contact", _contact_timeline, kind="reminders", kind_label=_("Reminders")
    )
    registry.demo_builder("reminders", "tawasul.activities.reminders_demo.build")


# Resolved when read, after the apps are loaded (this module runs before the models exist).
def _calendar(user, start, end):
    from .reminders_selectors import reminder_calendar

    return reminder_calendar(user, start, end)


def _calendar_move(user, pk, start):
    from .reminders_selectors import reminder_calendar_move

    return reminder_calendar_move(user, pk, start)


_calendar.move = _calendar_move  # type: ignore[attr-defined]


def _contact_timeline(user, record, *, before, limit):
    from .reminders_selectors import contact_timeline

    return contact_timeline(user, record, before=before, limit=limit)
