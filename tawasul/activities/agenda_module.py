"""What the agenda area declares: the calendar page and the communication dashboard."""

from django.utils.translation import gettext_lazy as _

from tawasul.core.navigation import NavItem


def register(registry) -> None:
    registry.nav_item(
        "activities",
        NavItem(_("Calendar"), "calendar3", "activities:calendar", "activities.view_task"),
        order=90,
    )
