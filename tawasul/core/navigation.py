"""The sidebar: the modules a user may open, grouped; modules not built yet folded into one group.

Modules declare their sections and entries in their `module.py` (`core.registry`). An entry
declared with the `key` of a "Coming soon" entry (`COMING`) takes its place: the module that
lands edits nothing here.
"""

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .registry import Registry, get_registry


@dataclass(frozen=True)
class NavItem:
    label: Any  # str or a lazily translated string
    icon: str
    url_name: str | None = None
    perm: str | None = None
    # Names the entry across modules: a declared entry hides the `COMING` one of the same key.
    key: str | None = None

    @property
    def url(self) -> str | None:
        if not self.url_name:
            return None
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


# Modules not built yet, in the order the sidebar's "Coming soon" lists them. The modules that
# exist declare their own sections and entries in their `module.py` (`core.registry`); an entry
# a module declares with one of these keys hides the one here (`coming`), so a module that is
# built leaves this list as it is.
COMING = [
    # Communicator
    NavItem(_("Tasks"), "check2-square", key="tasks"),
    NavItem(_("Follow-ups"), "arrow-repeat", key="follow_ups"),
    NavItem(_("Reminders"), "alarm", key="reminders"),
    NavItem(_("E-mail"), "envelope", key="email"),
    NavItem(_("Documents"), "folder2", key="documents"),
    # Sales
    NavItem(_("Inquiries"), "question-circle", key="inquiries"),
    NavItem(_("Quotations"), "file-earmark-text", key="quotations"),
    NavItem(_("Orders"), "cart", key="orders"),
    NavItem(_("Samples"), "box-seam", key="samples"),
    NavItem(_("Complaints"), "exclamation-triangle", key="complaints"),
    # Field
    NavItem(_("Calls & visits"), "geo-alt", key="calls_visits"),
    NavItem(_("Sale agreements"), "file-earmark-check", key="sale_agreements"),
    NavItem(_("Stock"), "boxes", key="stock"),
    NavItem(_("Budgets"), "graph-up", key="budgets"),
    # Service
    NavItem(_("Service visits"), "tools", key="service_visits"),
    NavItem(_("Workshop"), "wrench", key="workshop"),
    # Collection
    NavItem(_("Installment bills"), "receipt", key="installment_bills"),
    NavItem(_("Cash & custody"), "cash-stack", key="cash_custody"),
    NavItem(_("Ledger"), "journal-text", key="ledger"),
    # Reports
    NavItem(_("Reports"), "bar-chart", key="reports"),
]

# The section every module's settings pages go in (declared by core's module.py).
SETTINGS = "settings"


def sections(registry: Registry | None = None) -> list[tuple[str, list[NavItem]]]:
    """The sidebar's sections as the modules declared them (in `registry`, by default the
    project's): (title, entries), each in order.

    Sections by their `order`, entries within a section by theirs (then by registration, which
    is layer order); a section no entry went into is left out.
    """
    registry = registry or get_registry()
    entries: dict[str, list] = {key: [] for key in registry.nav_sections}
    for entry in registry.nav_entries:
        if entry.section not in entries:
            raise LookupError(f"{entry.app}: no navigation section {entry.section!r}")
        entries[entry.section].append(entry)
    ordered = sorted(registry.nav_sections.values(), key=lambda section: section.order)
    return [
        (section.label, [e.item for e in sorted(entries[section.key], key=lambda e: e.order)])
        for section in ordered
        if entries[section.key]
    ]


def coming(registry: Registry | None = None) -> list[NavItem]:
    """The "Coming soon" entries no module has declared yet (in `registry`, by default the
    project's): those of `COMING` whose key no declared entry carries, in their order."""
    registry = registry or get_registry()
    declared = {entry.item.key for entry in registry.nav_entries if entry.item.key}
    return [item for item in COMING if item.key not in declared]


@dataclass(frozen=True)
class Navigation:
    """What the sidebar shows one user: the modules they may open, grouped, and the modules
    not built yet, folded into one group."""

    groups: list[tuple[str, list[dict]]]
    soon: list[dict]


def navigation_for(user, path: str = "", *, registry: Registry | None = None) -> Navigation:
    """The sidebar for `user` on the page at `path`.

    A module the user has no permission for is not shown at all (a link that answers 403 is
    no help); modules not built yet are listed once, under "Coming soon" (an entry whose page
    is not there yet, too). The entry whose address is the longest prefix of `path` is the
    active one.
    """
    groups: list[tuple[Any, list[dict[str, Any]]]] = []
    soon: list[dict[str, Any]] = [
        {"label": item.label, "icon": item.icon} for item in coming(registry)
    ]
    for title, items in sections(registry):
        rows: list[dict[str, Any]] = []
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
    items = [item for _title, group in sections() for item in group if item.url_name]
    names = {id(item): item.url_name or "" for item in items}
    exact = next((item for item in items if item.url_name == view_name), None)
    if exact is not None:
        return str(exact.label)
    same_module = [item for item in items if names[id(item)].rpartition(":")[0] == namespace]
    if not namespace or not same_module:
        return capfirst(view_name.replace(":", " · ").replace("_", " ").replace("-", " "))
    stem = name.split("_")[0]
    item = next(
        (i for i in same_module if names[id(i)].rpartition(":")[2].split("_")[0] == stem),
        same_module[0],
    )
    action = _PAGE_ACTIONS.get(name.rsplit("_", 1)[-1])
    return f"{item.label} · {action}" if action else str(item.label)
