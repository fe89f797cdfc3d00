"""Per-app registration: what each module plugs into the platform, declared from its own files.

Every app of the project may have a `module.py` with `register(registry) -> None`. At start-up
(`CoreConfig.ready`) `autodiscover` imports the project's apps' ones in `INSTALLED_APPS` order, which is the layer
order (core, org, access, contacts, ...), and calls each with the one `Registry`. A module
declares there, and only there, what the central mechanisms read:

- navigation: `nav_section`, `nav_item` (the sidebar, `core.navigation`; an entry with the
  key of a "Coming soon" entry takes its place);
- URLs: `urls` (a prefix, a URL module and its namespace, included by the project's `urls.py`),
  `api` (a `register(router)` function) and `api_urls` (a URL module under `/api/`);
- access: `role_part` (permissions, "every permission of", record rules and rights given to a
  default role, `access.roles`), `role_rights` (a kind of per-role summary and its default),
  `matrix_section` (a section of the roles page's permission matrix);
- pages: `dashboard_widget`, `search_provider`, `timeline_source`, `calendar_source`,
  `record_tab` (tabs on other modules' record pages);
- the message builder: `template_kind` (a kind of record templates are written for);
- `demo_builder` (a step of `manage.py demo`, run in layer order).

Declarations are data or dotted paths, resolved when they are used: registering imports nothing
heavy, so `register` may run before the other apps' `ready`. Registering is idempotent per app:
`autodiscover` runs each app's `register` once.

The route classification of the access coverage test is a test concern: each app keeps it in
`<app>/tests/routes.py` (see `tawasul/access/tests/test_coverage_meta.py`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string

from .dashboard import register_widget
from .search import register_provider
from .timeline import register_source

MODULE = "module"  # the file name of an app's declarations


@dataclass(frozen=True)
class NavSection:
    """A group of the sidebar: `key` names it for `nav_item`; lower `order` comes first."""

    key: str
    label: Any
    order: int


@dataclass(frozen=True)
class NavEntry:
    """One sidebar entry (a `core.navigation.NavItem`) in a section, at `order` within it."""

    section: str
    item: Any
    order: int
    app: str


@dataclass(frozen=True)
class UrlInclude:
    """`include(module, namespace=namespace)` at `prefix` ("contacts/") of the project URLs."""

    prefix: str
    module: str
    namespace: str | None
    app: str


@dataclass(frozen=True)
class RolePart:
    """What one app gives one default role (by its stable English name).

    `permissions` are dotted names ("contacts.view_contact"); `all_permissions_of` app labels
    ("contacts") or models ("auth.user"); `rules` `access.roles.RuleSpec` rows, each naming its
    model; `rights` the app's summary of what the role comes to (see `role_rights`).
    """

    role: str
    permissions: tuple[str, ...] = ()
    all_permissions_of: tuple[str, ...] = ()
    rules: tuple = ()
    rights: dict[str, Any] = field(default_factory=dict)
    app: str = ""


@dataclass(frozen=True)
class MatrixSection:
    """A section of the permission matrix: the permissions of `app_label`, under `label`.

    `models` limits it to these models (None: all of the app's); `permission_labels` names the
    permissions beyond view/add/change/delete by their codename ("export_contact").
    """

    app_label: str
    label: Any
    order: int
    models: tuple[str, ...] | None = None
    permission_labels: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoBuilder:
    """A step of the demo company: `build` is a dotted path to `(context) -> None`."""

    name: str
    build: str
    app: str


class Registry:
    """The declarations of every module, in the order the modules registered them."""

    def __init__(self) -> None:
        self.modules: list[str] = []  # app labels whose module.py registered, in layer order
        self.current_app = ""
        self.nav_sections: dict[str, NavSection] = {}
        self.nav_entries: list[NavEntry] = []
        self.url_includes: list[UrlInclude] = []
        self.api_registrations: list[str] = []
        self.api_url_modules: list[str] = []
        self.role_parts: list[RolePart] = []
        self.role_rights_defaults: dict[str, Any] = {}
        self.role_modules: list[str] = []
        self.matrix_sections: dict[str, MatrixSection] = {}
        self.calendar_sources: dict[str, Callable] = {}
        self.timeline_sources: list[tuple[str, Callable]] = []
        self.record_tabs: list[tuple[str, str | Callable]] = []
        self.demo_builders: list[DemoBuilder] = []
        self.template_kinds: dict[str, Any] = {}

    # --- navigation ---------------------------------------------------------------------------

    def nav_section(self, key: str, label, *, order: int) -> None:
        """Declare a sidebar group; a key declared twice keeps its first declaration."""
        self.nav_sections.setdefault(key, NavSection(key=key, label=label, order=order))

    def nav_item(self, section: str, item, *, order: int = 0) -> None:
        """Add a `core.navigation.NavItem` to a section (declared by this app or a lower one).

        An item with the `key` of a `core.navigation.COMING` entry hides that entry."""
        self.nav_entries.append(
            NavEntry(section=section, item=item, order=order, app=self.current_app)
        )

    # --- URLs and the API ----------------------------------------------------------------------

    def urls(self, prefix: str, module: str, *, namespace: str | None = None) -> None:
        """Include the URL module `module` (dotted) at `prefix` with this namespace."""
        self.url_includes.append(UrlInclude(prefix, module, namespace, self.current_app))

    def api(self, register: str) -> None:
        """A dotted path to `register(router)`, which adds the app's viewsets to the API."""
        self.api_registrations.append(register)

    def api_urls(self, module: str) -> None:
        """A dotted URL module whose patterns are served under /api/ (before the router's)."""
        self.api_url_modules.append(module)

    # --- access --------------------------------------------------------------------------------

    def role_part(
        self,
        role: str,
        *,
        permissions: Iterable[str] = (),
        all_permissions_of: Iterable[str] = (),
        rules: Iterable = (),
        rights: dict[str, Any] | None = None,
    ) -> None:
        """Give the default role named `role` these permissions, rules and rights.

        The parts of all apps are added to the role in layer order (`access.roles`).
        """
        self.role_parts.append(
            RolePart(
                role=role,
                permissions=tuple(permissions),
                all_permissions_of=tuple(all_permissions_of),
                rules=tuple(rules),
                rights=dict(rights or {}),
                app=self.current_app,
            )
        )

    def role_rights(self, kind: str, default, *, names_from: str | None = None) -> None:
        """Declare a kind of per-role rights summary (`role.<kind>`) and its value for roles
        that get none. `names_from`: a dotted module whose public names `access.roles` also
        answers for (the vocabulary of the summary, for code written before it moved)."""
        self.role_rights_defaults[kind] = default
        if names_from:
            self.role_modules.append(names_from)

    def matrix_section(
        self,
        app_label: str,
        label,
        *,
        order: int,
        models: Iterable[str] | None = None,
        permission_labels: dict[str, Any] | None = None,
    ) -> None:
        """Offer the permissions of `app_label` on the roles page, as one section."""
        self.matrix_sections[app_label] = MatrixSection(
            app_label=app_label,
            label=label,
            order=order,
            models=tuple(models) if models is not None else None,
            permission_labels=dict(permission_labels or {}),
        )

    # --- what pages gather from every module ------------------------------------------------

    def dashboard_widget(self, widget) -> None:
        """A `core.dashboard.Widget` for the home page."""
        register_widget(widget)

    def search_provider(self, key: str, provider) -> None:
        """A `core.search.SearchProvider` for the global search, under `key`."""
        register_provider(key, provider)

    def timeline_source(
        self, model_label: str, source: Callable, *, kind: str = "changes", kind_label=None
    ) -> None:
        """A source of timeline entries for records of `model_label` ("contacts.contact", or
        "*" for every model): `(user, record) -> iterable of entries` or the paged protocol,
        handed to `core.timeline.register_source`; `kind` and `kind_label` ("tasks",
        _("Tasks")) let the page show that kind alone."""
        self.timeline_sources.append((model_label, source))
        register_source(model_label, source, kind=kind, kind_label=kind_label)

    def record_tab(self, model_label: str, factory: str | Callable) -> None:
        """Tabs this module adds to other modules' record pages (`core.records.RecordView`):
        `factory(request, record) -> iterable of core.records.Tab` (a callable or its dotted
        path), for records of `model_label` ("contacts.contact"), or of every model with "*"
        (the factory answers nothing, without a query, for records it has nothing about)."""
        self.record_tabs.append((model_label.lower(), factory))

    def calendar_source(self, key: str, source: Callable) -> None:
        """A source of calendar entries under `key`: `(user, start, end) -> iterable of entries`
        (aware datetimes, end exclusive). No calendar page reads them yet."""
        self.calendar_sources[key] = source

    # --- the message builder -------------------------------------------------------------------

    def template_kind(self, kind) -> None:
        """A `core.templating.TemplateKind`: a kind of record message templates are written
        for, its placeholders and the function that builds a record's context; read by
        `core.templating.get_kind` and `all_kinds`. A key declared twice keeps the last."""
        self.template_kinds[kind.key] = kind

    # --- the demo company -----------------------------------------------------------------------

    def demo_builder(self, name: str, build: str) -> None:
        """A step of `manage.py demo`: `build` is the dotted path of `(context) -> None`."""
        self.demo_builders.append(DemoBuilder(name=name, build=build, app=self.current_app))

    # --- reading ---------------------------------------------------------------------------------

    def resolve(self, dotted: str):
        return import_string(dotted)


registry = Registry()
_discovered = False


def autodiscover() -> Registry:
    """Import every installed app's `module.py` in `INSTALLED_APPS` order and call its
    `register(registry)`; once. Returns the registry."""
    global _discovered
    if _discovered:
        return registry
    _discovered = True
    project = __name__.split(".")[0]  # the project's own apps, not third-party ones
    for config in apps.get_app_configs():
        if config.name.split(".")[0] != project:
            continue
        try:
            module = importlib.import_module(f"{config.name}.{MODULE}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.{MODULE}":
                raise
            continue
        registry.current_app = config.label
        registry.modules.append(config.label)
        module.register(registry)
    registry.current_app = ""
    return registry


def get_registry() -> Registry:
    """The registry with every module's declarations (discovering them if not yet done)."""
    return autodiscover()
