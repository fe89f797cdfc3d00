"""What the followups area declares to the platform (called from `activities.module`): the
sidebar entries, the contact page's tab and timeline entries, the calendar's and the demo's
part."""

from django.utils.translation import gettext_lazy as _

from tawasul.core.navigation import SETTINGS, NavItem

SECTION = "activities"


def register(registry) -> None:
    registry.nav_item(
        SECTION,
        NavItem(
            _("Follow-ups"),
            "arrow-repeat",
            "activities:follow_up_list",
            "activities.view_followup",
            key="follow_ups",
        ),
        order=20,
    )
    registry.nav_item(
        SETTINGS,
        NavItem(
            _("Follow-up rules"),
            "arrow-repeat",
            "activities:follow_up_rule_list",
            "activities.view_followuprule",
        ),
        order=60,
    )
    registry.record_tab("contacts.contact", "tawasul.activities.followups_views.record_tab")
    registry.timeline_source(
        "contacts.contact", _contact_timeline, kind="follow_ups", kind_label=_("Follow-ups")
    )
    registry.calendar_source("follow_ups", _calendar)
    registry.demo_builder("followups", "tawasul.activities.followups_demo.build")


# Resolved when read, after the apps are loaded (this module runs before the models exist).
def _contact_timeline(user, record, *, before, limit):
    from .followups_selectors import contact_timeline

    return contact_timeline(user, record, before=before, limit=limit)


def _calendar(user, start, end):
    from .followups_selectors import calendar_entries

    return calendar_entries(user, start, end)


def _calendar_move(user, pk, start):
    from .followups_selectors import calendar_move

    return calendar_move(user, pk, start)


_calendar.move = _calendar_move  # type: ignore[attr-defined]
