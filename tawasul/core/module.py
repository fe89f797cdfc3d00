"""What core itself declares to the registry: the Settings section and the API's page."""

from django.utils.translation import gettext_lazy as _

from .navigation import SETTINGS, NavItem


def register(registry) -> None:
    registry.nav_section(SETTINGS, _("Settings"), order=900)
    registry.nav_item(SETTINGS, NavItem(_("API"), "code-slash", "api-docs"), order=90)
    registry.matrix_section("core", _("General"), order=50)
