"""What the tasks area declares to the platform (called from `activities.module`): the
sidebar entry, the Tasks tab and timeline entries on contact pages, the calendar's part and
the demo's."""

from django.utils.translation import gettext_lazy as _

from tawasul.core.navigation import NavItem

SECTION = "activities"


def register(registry) -> None:
    registry.nav_item(
        SECTION,
        NavItem(
            _("Tasks"), "check2-square", "activities:task_list", "activities.view_task", key="tasks"
        ),
        order=10,
    )
    registry.record_tab("contacts.contact", "tawasul.activities.tasks_views.record_tab")
    registry.timeline_source(
        "contacts.contact", _contact_timeline, kind="tasks", kind_label=_("Tasks")
    )
    registry.calendar_source("tasks", _calendar)
    registry.demo_builder("tasks", "tawasul.activities.tasks_demo.build")


# Resolved when read, after the apps are loaded (this module runs before the models exist).
def _contact_timeline(user, record, *, before, limit):
    from .tasks_selectors import record_timeline

    return record_timeline(user, record, before=before, limit=limit)


def _calendar(user, start, end):
    from .tasks_selectors import calendar_entries

    return calendar_entries(user, start, end)


def _calendar_move(user, pk, start):
    from .tasks_selectors import calendar_move

    return calendar_move(user, pk, start)


_calendar.move = _calendar_move  # type: ignore[attr-defined]
