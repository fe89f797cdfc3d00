"""What the notifications area declares to the platform (called from `activities.module`)."""

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from tawasul.core.dashboard import Widget
from tawasul.core.navigation import NavItem

SECTION = "activities"


def _widget_context(user) -> dict:
    # Resolved when the home page asks: this module is read before the app is ready.
    return import_string("tawasul.activities.notifications_selectors.notification_widget")(user)


def register(registry) -> None:
    registry.nav_item(
        SECTION,
        NavItem(_("Inbox"), "bell", "activities:notification_list", "activities.view_notification"),
        order=40,
    )
    registry.nav_item(
        SECTION,
        NavItem(
            _("Messages"),
            "chat-left-text",
            "activities:message_list",
            "activities.view_messagethread",
        ),
        order=41,
    )
    registry.dashboard_widget(
        Widget(
            title=_("Unread notifications"),
            template="activities/notifications/_widget.html",
            context=_widget_context,
            perm="activities.view_notification",
        )
    )
    registry.demo_builder("notifications", "tawasul.activities.notifications_demo.build")
