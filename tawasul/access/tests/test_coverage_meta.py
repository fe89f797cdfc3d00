"""Meta-test: no page or endpoint that returns governed records escapes the property tests.

Every route of the URLconf and every viewset of the API router must be classified here: either
COVERED (the property tests in `test_properties.py` compare what it returns or writes with the
oracle) or NOT_GOVERNED (with the reason it returns no governed records). A new module's routes
fail this test until someone classifies them; a route that reads a governed model (by its
queryset, its model, or by naming the model or one of its selectors in its code) cannot be
waved through as NOT_GOVERNED unless REVIEWED explains why.
"""

import importlib
import inspect
import re
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.viewsets import ViewSetMixin

from tawasul.access.api import RestrictedViewSetMixin
from tawasul.access.registry import all_governed
from tawasul.access.tests import test_properties
from tawasul.api_urls import router
from tawasul.core.dashboard import _WIDGETS
from tawasul.core.search import providers

# Routes whose answers test_properties compares with the oracle: key -> what is checked.
COVERED = {
    "home": "the 'My contacts' widget count",
    "global_search": "the contact hits",
    "contacts:contact_list": "every row on every keyset page, plain and with ?q=",
    "contacts:dealer_list": "every row: visible dealers and agents",
    "contacts:contact_detail": "200 or 404 per contact; a dealer's customers-served list",
    "contacts:autocomplete": "contact (?q=) and dealer suggestions",
    "contacts:contact_export": "every CSV row",
    "contacts:contact_update": "404 outside the change set; moves out of it refused",
    "contacts:contact_lifecycle": "404 outside the change set; moves out of it refused",
    "contacts:contact_delete": "404 outside the delete set, nothing deleted",
    "contacts:contact_bulk": "bulk assign touches only contacts one may assign, all or none",
    "contacts:contact_create": "a new contact must land inside the change set",
    "router:contact": "list (every page), detail, PATCH, DELETE and POST",
    "contacts:team": "each subordinate's count of the contacts one may see",
    "access:value_autocomplete": "rule editor's search over contacts (the dealer field)",
    "access:condition_row": "rule editor's values select for the dealer field",
    "access:portal_account_list": "portal accounts of the contacts one may see",
    "access:portal_account_create": "no portal account for a contact one does not see",
    "access:portal_account_deactivate": "404 and nothing changed for an account of a contact "
    "one does not see (test_portal_deactivate)",
    "access:portal_account_reactivate": "as access:portal_account_deactivate",
    "portal:home": "a dealer's customers served (test_portal)",
}

ORG = "organisation records: company-scoped by restrict, not governed by record rules"
MASTER = "link-field master data: company-scoped by restrict, not governed by record rules"
AUTH = "authentication page: no business records"
NOT_GOVERNED = {
    "login": AUTH,
    "logout": AUTH,
    "password_change": AUTH,
    "password_change_done": AUTH,
    "password_reset": AUTH,
    "password_reset_done": AUTH,
    "password_reset_confirm": AUTH,
    "password_reset_complete": AUTH,
    "login_code": AUTH,
    "mfa_overview": "the signed-in user's own two-factor authentication",
    "mfa_setup": "the signed-in user's own two-factor authentication",
    "mfa_recovery_codes": "the signed-in user's own two-factor authentication",
    "mfa_disable": "the signed-in user's own two-factor authentication",
    "set_language": "switches the interface language",
    "preferences": "the signed-in user's own language and time zone",
    "org:overview": ORG,
    "org:chart": ORG,
    "org:company_list": ORG,
    "org:company_create": ORG,
    "org:company_update": ORG,
    "org:branch_list": ORG,
    "org:branch_create": ORG,
    "org:branch_update": ORG,
    "org:department_list": ORG,
    "org:department_create": ORG,
    "org:department_update": ORG,
    "org:employee_list": ORG,
    "org:employee_create": ORG,
    "org:employee_detail": ORG,
    "org:employee_update": ORG,
    "contacts:saved_filter": "the user's own saved list filters; no contacts",
    "contacts:import_list": "the company's import jobs; no contact rows",
    "contacts:import_upload": "uploads a file; contacts are created only by contact_create, "
    "which verifies each one lands inside the uploader's rights",
    "contacts:import_sample": "a static sample CSV",
    "contacts:import_detail": "one import job: the uploaded file's rows, not stored contacts",
    "contacts:import_mapping": "one import job's column mapping",
    "contacts:import_start": "starts an import job (rows created through contact_create)",
    "contacts:import_progress": "one import job's counters",
    "contacts:import_report": "one import job's error report (rows of the uploaded file)",
    "contacts:masterdata_index": MASTER,
    "contacts:masterdata_list": MASTER,
    "contacts:masterdata_create": MASTER,
    "contacts:masterdata_update": MASTER,
    "contacts:masterdata_active": MASTER,
    "access:rule_list": "record-rule administration: rules and their values' names",
    "access:rule_create": "rule editor: its condition rows come from the ConditionForm whose "
    "value lists are checked through access:condition_row",
    "access:rule_update": "rule editor: as access:rule_create",
    "access:rule_delete": "deletes one rule (rule administration)",
    "access:rule_model_parts": "rule editor: actions and one empty condition row (no values)",
    "access:rule_preview": "rule administration: counts of what a rule would grant someone",
    "access:role_list": "roles (groups) and their permissions",
    "access:role_create": "roles (groups) and their permissions",
    "access:role_update": "roles (groups) and their permissions",
    "access:role_delete": "roles (groups) and their permissions",
    "access:user_autocomplete": "users of the company (through the employees one may view)",
    "access:audit": "the access audit: rule changes and denied attempts",
    "api-token": "exchanges credentials for an API token",
    "api-token-list": "the signed-in user's own API tokens",
    "api-token-detail": "one of the signed-in user's own API tokens",
    "api-token-current": "revokes the API token the request carries",
    "access_tokens:mine": "the signed-in user's own API tokens",
    "access_tokens:company": "API tokens of the company's users (through company_users)",
    "access_tokens:revoke": "revokes one API token (owner or company administrator)",
    "api-root": "lists the endpoints' URLs",
    "api-schema": "the OpenAPI document",
    "api-docs": "Swagger UI for the OpenAPI document",
    "admin:*": "Django admin: no governed model is registered there (asserted below)",
    "router:company": ORG,
    "router:branch": ORG,
    "router:department": ORG,
    "router:employee": ORG,
    "router:contacttype": MASTER,
    "router:contactcategory": MASTER,
    "router:area": MASTER,
    "router:industry": MASTER,
    "router:segment": MASTER,
    "router:size": MASTER,
    "router:productgroup": MASTER,
    "router:referralsource": MASTER,
}
# Routes the heuristics below flag as touching a governed model although they return none of
# its records: key -> why that is so.
REVIEWED: dict[str, str] = {}

NOT_GOVERNED_SEARCH_PROVIDERS: dict[str, str] = {}
NOT_GOVERNED_WIDGETS: dict[str, str] = {}


# --- walking the URLconf -----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", "router:<basename>", "admin:*" or the raw pattern
    pattern: str  # the whole pattern from the root, e.g. "contacts/<int:pk>/"
    view: object  # view class, viewset class or function
    callback: object


def _basenames() -> dict[type, str]:
    return {viewset: basename for _prefix, viewset, basename in router.registry}


def iter_routes():
    """Every URL pattern of the project, with its classification key."""
    basenames = _basenames()

    def walk(resolver, prefix, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                yield from walk(entry, prefix + str(entry.pattern), inner)
                continue
            assert isinstance(entry, URLPattern)
            callback = entry.callback
            view = (
                getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
            )
            pattern = prefix + str(entry.pattern)
            if view in basenames:
                key = f"router:{basenames[view]}"
            elif namespace == "admin":
                key = "admin:*"
            elif entry.name:
                key = f"{namespace}:{entry.name}" if namespace else entry.name
            else:
                key = pattern
            yield Route(key=key, pattern=pattern, view=view, callback=callback)

    yield from walk(get_resolver(), "", None)


def route_keys() -> set[str]:
    return {route.key for route in iter_routes()}


# --- does a view read governed records? ------------------------------------------------------------


def _source(obj) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return ""


def _governed_words() -> dict[str, list[str]]:
    """Per governed model: regexes that betray code reading or writing it.

    Its class name, and calls of its app's `<model>_...` selectors and services.
    """
    words = {}
    for entry in all_governed():
        model = entry.model
        found = [rf"\b{model.__name__}\b"]
        package = model.__module__.rsplit(".", 1)[0]
        prefix = f"{model._meta.model_name}_"
        for module_name in ("selectors", "services"):
            try:
                module = importlib.import_module(f"{package}.{module_name}")
            except ImportError:
                continue
            for name, _function in inspect.getmembers(module, inspect.isfunction):
                if name.startswith(prefix):
                    found.append(rf"\b{name}\s*\(")
        words[entry.key] = found
    return words


def presumed_governed(view) -> list[str]:
    """Why `view` looks like it reads a governed model (empty when it does not)."""
    governed_models = {entry.model: entry.key for entry in all_governed()}
    reasons = []
    queryset = getattr(view, "queryset", None)
    model = getattr(view, "model", None) or getattr(queryset, "model", None)
    if model in governed_models:
        reasons.append(f"its model is {governed_models[model]}")
    classes = view.__mro__ if inspect.isclass(view) else (view,)
    words = _governed_words()
    for cls in classes:
        if not getattr(cls, "__module__", "").startswith("tawasul."):
            continue
        source = _source(cls)
        for key, patterns in words.items():
            for pattern in patterns:
                if re.search(pattern, source):
                    reasons.append(f"{cls.__qualname__} matches {pattern} ({key})")
    return reasons


# --- the tests ---------------------------------------------------------------------------------


def test_every_route_is_classified():
    keys = route_keys()
    both = set(COVERED) & set(NOT_GOVERNED)
    assert not both, f"classified twice: {sorted(both)}"
    missing = sorted(keys - set(COVERED) - set(NOT_GOVERNED))
    assert not missing, (
        "Routes nobody has classified. Add each to COVERED (and make test_properties check it "
        f"against the oracle) or to NOT_GOVERNED with the reason: {missing}"
    )


def test_no_classification_names_a_route_that_is_gone():
    keys = route_keys()
    stale = sorted((set(COVERED) | set(NOT_GOVERNED) | set(REVIEWED)) - keys)
    assert not stale, f"classified routes that no longer exist: {stale}"


def test_covered_routes_are_exactly_those_the_property_tests_check():
    from tawasul.access.tests import test_portal, test_portal_deactivate  # they import this

    assert set(COVERED) == (
        set(test_properties.CHECKED_ROUTES)
        | set(test_portal.CHECKED_ROUTES)
        | set(test_portal_deactivate.CHECKED_ROUTES)
    )
    for route, tests in test_properties.WRITE_CHECKS.items():
        for name in tests:
            assert callable(getattr(test_properties, name, None)), f"{route}: no test {name}"
    for route, check in test_properties.READ_CHECKS.items():
        assert callable(check), route


def test_routes_that_read_governed_models_are_covered():
    suspicious = {}
    for route in iter_routes():
        if route.key in COVERED or route.key in REVIEWED:
            continue
        reasons = presumed_governed(route.view)
        if reasons:
            suspicious[route.key] = reasons
    assert not suspicious, (
        "These routes seem to return governed records but the property tests do not check "
        f"them (cover them, or explain in REVIEWED): {suspicious}"
    )


# Covered routes the code heuristic cannot see, because they reach governed records through a
# registry or a declaration instead of naming the model (that is why they are listed by hand).
HEURISTIC_BLIND = {
    "home": "reads through the dashboard widgets' registry",
    "global_search": "reads through the search providers' registry",
    "access:value_autocomplete": "reads the model a link field declares",
    "access:condition_row": "reads the model a link field declares",
    "access:portal_account_list": "reads PortalAccount.contact's related model",
    "access:portal_account_create": "its form reads PortalAccount.contact's related model",
    "access:portal_account_deactivate": "reads PortalAccount.contact's related model",
    "access:portal_account_reactivate": "reads PortalAccount.contact's related model",
}


def test_the_heuristic_recognises_the_routes_we_know_are_governed():
    """Guard the guard: the detector flags every covered route it is not known to be blind to."""
    routes = {route.key: route for route in iter_routes()}
    assert set(HEURISTIC_BLIND) <= set(COVERED)
    for key in set(COVERED) - set(HEURISTIC_BLIND):
        assert presumed_governed(routes[key].view), f"{key} is not recognised as governed"


def test_every_governed_or_company_scoped_viewset_reads_through_restrict():
    for prefix, viewset, basename in router.registry:
        assert issubclass(viewset, ViewSetMixin)
        queryset = getattr(viewset, "queryset", None)
        assert queryset is not None, f"{prefix}: a viewset without a queryset cannot be checked"
        if hasattr(queryset, "restrict"):
            assert issubclass(viewset, RestrictedViewSetMixin), (
                f"/api/{prefix}/ ({basename}) does not read through restrict()"
            )


def test_no_governed_model_is_in_the_django_admin():
    governed_models = {entry.model for entry in all_governed()}
    exposed = sorted(m._meta.label for m in admin.site._registry if m in governed_models)
    assert not exposed, f"the Django admin bypasses record rules for {exposed}"


def test_every_search_provider_and_dashboard_widget_is_checked():
    unchecked = (
        set(providers())
        - test_properties.CHECKED_SEARCH_PROVIDERS
        - set(NOT_GOVERNED_SEARCH_PROVIDERS)
    )
    assert not unchecked, f"global search providers not compared with the oracle: {unchecked}"
    templates = {widget.template for widget in _WIDGETS}
    unchecked = templates - test_properties.CHECKED_WIDGETS - set(NOT_GOVERNED_WIDGETS)
    assert not unchecked, f"dashboard widgets not compared with the oracle: {unchecked}"


@pytest.mark.parametrize("key", sorted(COVERED))
def test_each_covered_route_resolves(key):
    assert key in route_keys()
