"""The sidebar: every module of the architecture, grouped; modules not built yet are disabled."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class NavItem:
    label: str
    icon: str
    url_name: str | None = None
    perm: str | None = None

    @property
    def url(self) -> str | None:
        if not self.url_name:
            return None
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


NAVIGATION = [
    (
        _("Contacts"),
        [
            NavItem(_("Contacts"), "people", "contacts:contact_list", "contacts.view_contact"),
            NavItem(_("Dealers & agents"), "shop", "contacts:dealer_list", "contacts.view_contact"),
            NavItem(_("My team"), "people-fill", "contacts:team", "contacts.view_contact"),
            NavItem(_("Import"), "upload", "contacts:import_list", "contacts.import_contact"),
        ],
    ),
    (
        _("Communicator"),
        [
            NavItem(_("Tasks"), "check2-square"),
            NavItem(_("Follow-ups"), "arrow-repeat"),
            NavItem(_("Reminders"), "alarm"),
            NavItem(_("E-mail"), "envelope"),
            NavItem(_("Documents"), "folder2"),
        ],
    ),
    (
        _("Sales"),
        [
            NavItem(_("Inquiries"), "question-circle"),
            NavItem(_("Quotations"), "file-earmark-text"),
            NavItem(_("Orders"), "cart"),
            NavItem(_("Samples"), "box-seam"),
            NavItem(_("Complaints"), "exclamation-triangle"),
        ],
    ),
    (
        pgettext_lazy("module", "Field"),
        [
            NavItem(_("Calls & visits"), "geo-alt"),
            NavItem(_("Sale agreements"), "file-earmark-check"),
            NavItem(_("Stock"), "boxes"),
            NavItem(_("Budgets"), "graph-up"),
        ],
    ),
    (
        _("Service"),
        [
            NavItem(_("Service visits"), "tools"),
            NavItem(_("Workshop"), "wrench"),
        ],
    ),
    (
        _("Collection"),
        [
            NavItem(_("Installment bills"), "receipt"),
            NavItem(_("Cash & custody"), "cash-stack"),
            NavItem(_("Ledger"), "journal-text"),
        ],
    ),
    (_("Reports"), [NavItem(_("Reports"), "bar-chart")]),
    (
        _("Settings"),
        [
            NavItem(_("Organization"), "diagram-3", "org:overview", "org.view_employee"),
            NavItem(_("Org chart"), "diagram-2", "org:chart", "org.view_employee"),
            NavItem(_("Master data"), "list-ul", "contacts:masterdata_index", "contacts.view_area"),
            NavItem(
                _("Roles & rules"), "shield-lock", "access:rule_list", "access.view_recordrule"
            ),
            NavItem(_("Access audit"), "journal-check", "access:audit", "access.view_audit"),
            NavItem(_("API"), "code-slash", "api-docs"),
        ],
    ),
]


def navigation_for(user) -> list[tuple[str, list[dict]]]:
    """The sidebar groups with each item's link, or None where it is disabled for this user."""
    groups = []
    for title, items in NAVIGATION:
        rows = []
        for item in items:
            url = item.url
            allowed = url is not None and (item.perm is None or user.has_perm(item.perm))
            rows.append({"label": item.label, "icon": item.icon, "url": url if allowed else None})
        groups.append((title, rows))
    return groups
