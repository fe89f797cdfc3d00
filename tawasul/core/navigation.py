"""The sidebar: the modules a user may open, grouped; modules not built yet folded into one group."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
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


@dataclass(frozen=True)
class Navigation:
    """What the sidebar shows one user: the modules they may open, grouped, and the modules
    not built yet, folded into one group."""

    groups: list[tuple[str, list[dict]]]
    soon: list[dict]


def navigation_for(user, path: str = "") -> Navigation:
    """The sidebar for `user` on the page at `path`.

    A module the user has no permission for is not shown at all (a link that answers 403 is
    no help); modules not built yet are listed once, under "Coming soon". The entry whose
    address is the longest prefix of `path` is the active one.
    """
    groups = []
    soon = []
    for title, items in NAVIGATION:
        rows = []
        for item in items:
            url = item.url
            if url is None:
                soon.append({"label": item.label, "icon": item.icon})
                continue
            if item.perm is not None and not user.has_perm(item.perm):
                continue
            rows.append(
                {
                    "label": item.label,
                    "icon": item.icon,
                    "url": url,
                    "perm": item.perm,
                    "active": False,
                }
            )
        if rows:
            groups.append((title, rows))
    if not any(row["perm"] for _title, rows in groups for row in rows):
        # Someone who may open no module (a portal account) has no use for the open entries
        # either, such as the API documentation: nothing to show.
        groups = []
    matches = [row for _title, rows in groups for row in rows if path.startswith(row["url"])]
    if matches:
        max(matches, key=lambda row: len(row["url"]))["active"] = True
    return Navigation(groups=groups, soon=soon)


# What a page does, from the end of its URL name, for `page_label`.
_PAGE_ACTIONS = {
    "create": pgettext_lazy("page", "new"),
    "update": pgettext_lazy("page", "edit"),
    "delete": pgettext_lazy("page", "delete"),
}


def page_label(view_name: str) -> str:
    """A page's name as people know it from the sidebar, for a URL name such as
    `access:rule_list`; used where an internal name would otherwise reach them (the audit).

    The sidebar entry of the same name, else the entry of the same module whose name starts
    alike (`contacts:contact_delete` is under "Contacts"), else the module's first entry; with
    what the page does when it is not a list ("Roles & rules · edit").
    """
    namespace, _sep, name = view_name.rpartition(":")
    items = [item for _title, group in NAVIGATION for item in group if item.url_name]
    exact = next((item for item in items if item.url_name == view_name), None)
    if exact is not None:
        return str(exact.label)
    same_module = [item for item in items if item.url_name.rpartition(":")[0] == namespace]
    if not namespace or not same_module:
        return capfirst(view_name.replace(":", " · ").replace("_", " ").replace("-", " "))
    stem = name.split("_")[0]
    item = next(
        (i for i in same_module if i.url_name.rpartition(":")[2].split("_")[0] == stem),
        same_module[0],
    )
    action = _PAGE_ACTIONS.get(name.rsplit("_", 1)[-1])
    return f"{item.label} · {action}" if action else str(item.label)
