"""What the organization module plugs into the platform (`tawasul.core.registry`)."""

from django.utils.translation import gettext_lazy as _

from tawasul.core.navigation import SETTINGS, NavItem


def register(registry) -> None:
    registry.nav_item(
        SETTINGS,
        NavItem(_("Organization"), "diagram-3", "org:overview", "org.view_employee"),
        order=10,
    )
    registry.nav_item(
        SETTINGS, NavItem(_("Org chart"), "diagram-2", "org:chart", "org.view_employee"), order=20
    )
    registry.urls("org/", "tawasul.org.urls", namespace="org")
    registry.api("tawasul.org.api.register")
    registry.matrix_section("org", _("Organization"), order=20)
    registry.demo_builder("organization", "tawasul.org.demo.build")
