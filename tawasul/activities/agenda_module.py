"""What the agenda area declares: the calendar page and the communication dashboard."""

from django.utils.translation import gettext_lazy as _

from tawasul.core.dashboard import Widget
from tawasul.core.navigation import NavItem

from . import agenda_widgets as widgets

WIDGETS = (
    (_("My open tasks"), "_my_tasks.html", widgets.my_tasks, "activities.view_task", True),
    (
        _("Follow-ups due"),
        "_follow_ups_due.html",
        widgets.follow_ups_due,
        "activities.view_followup",
        False,
    ),
    (
        _("Tasks I initiated"),
        "_initiated_tasks.html",
        widgets.initiated_tasks,
        "activities.view_task",
        False,
    ),
    (
        _("Upcoming reminders"),
        "_reminders.html",
        widgets.upcoming_reminders,
        "activities.view_reminder",
        False,
    ),
    (_("My team"), "_team.html", widgets.team_summary, "activities.view_task", True),
)


def register(registry) -> None:
    registry.nav_item(
        "activities",
        NavItem(_("Calendar"), "calendar3", "activities:calendar", "activities.view_task"),
        order=90,
    )
    for title, template, context, perm, wide in WIDGETS:
        registry.dashboard_widget(
            Widget(
                title=title,
                template=f"activities/agenda/{template}",
                context=context,
                perm=perm,
                wide=wide,
            )
        )
