"""What the access module plugs into the platform (`tawasul.core.registry`).

The default roles themselves (names, who receives them, the organization every member of staff
sees) are access's own table (`roles.py`); the modules above give the roles their parts.
"""

from django.utils.translation import gettext_lazy as _

from tawasul.core.navigation import SETTINGS, NavItem


def register(registry) -> None:
    registry.nav_item(
        SETTINGS,
        NavItem(_("Roles & rules"), "shield-lock", "access:rule_list", "access.view_recordrule"),
        order=40,
    )
    registry.nav_item(
        SETTINGS,
        NavItem(_("Access audit"), "journal-check", "access:audit", "access.view_audit"),
        order=50,
    )
    registry.urls("accounts/", "tawasul.access.mfa_urls")  # sign-in and two-factor pages
    registry.urls("access/", "tawasul.access.urls", namespace="access")
    registry.urls("api-tokens/", "tawasul.access.token_urls", namespace="access_tokens")
    registry.api_urls("tawasul.access.token_api_urls")
    registry.matrix_section(
        "access",
        _("Access control"),
        order=30,
        permission_labels={"view_audit": _("See the access audit")},
    )
    registry.matrix_section("auth", _("Roles and users"), order=40, models=("group", "user"))
    registry.demo_builder("roles", "tawasul.access.demo.build")
