"""Meta-test: no page or endpoint that returns governed records escapes the property tests.

Every route of the URLconf and every viewset of the API router must be classified by the app
that owns it, in `<app>/tests/routes.py` (the project's own few routes are classified here): either
COVERED (the property tests in `test_properties.py` compare what it returns or writes with the
oracle) or NOT_GOVERNED (with the reason it returns no governed records). A new module's routes
fail this test until its routes.py classifies them; a route that reads a governed model (by its
queryset, its model, or by naming the model or one of its selectors in its code) cannot be
waved through as NOT_GOVERNED unless REVIEWED explains why.
"""

import importlib
import inspect
import re
from dataclasses import dataclass

import pytest
from django.apps import apps as django_apps
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.viewsets import ViewSetMixin

from tawasul.access.api import RestrictedViewSetMixin
from tawasul.access.registry import all_governed
from tawasul.access.tests import test_properties
from tawasul.api_urls import router
from tawasul.core.dashboard import _WIDGETS
from tawasul.core.search import providers

# The project's own routes (tawasul/urls.py and the API's root): no module owns them.
PROJECT_NOT_GOVERNED = {
    "set_language": "switches the interface language",
    "api-root": "lists the endpoints' URLs",
    "api-schema": "the OpenAPI document",
    "api-docs": "Swagger UI for the OpenAPI document",
    "admin:*": "Django admin: no governed model is registered there (asserted below)",
}


def _app_classifications() -> list[tuple[str, object]]:
    """Each project app's `<app>/tests/routes.py`, in layer order: (app label, module)."""
    found = []
    for config in django_apps.get_app_configs():
        if config.name.split(".")[0] != "tawasul":
            continue
        try:
            found.append((config.label, importlib.import_module(f"{config.name}.tests.routes")))
        except ModuleNotFoundError as exc:
            if not exc.name or not exc.name.startswith(config.name):
                raise
    return found


def _gather(name: str, start: dict | None = None) -> dict[str, str]:
    merged = dict(start or {})
    for label, module in _app_classifications():
        for key, reason in getattr(module, name, {}).items():
            assert key not in merged, f"{key} is classified twice ({label}/tests/routes.py)"
            merged[key] = reason
    return merged


# Routes whose answers test_properties compares with the oracle: key -> what is checked.
COVERED = _gather("COVERED")
# Routes that return no governed records: key -> why.
NOT_GOVERNED = _gather("NOT_GOVERNED", PROJECT_NOT_GOVERNED)
# Routes the heuristics below flag as touching a governed model although they return none of
# its records: key -> why that is so.
REVIEWED: dict[str, str] = _gather("REVIEWED")

# Routes and dashboard widgets whose property tests live in the module that owns them (its
# `tests/routes.py` names them: key -> "tawasul.<app>.tests.<module>:<test function>"), so a
# module adds its routes' leak tests without editing test_properties.
CHECKED_IN_MODULES: dict[str, str] = _gather("CHECKED")
WIDGETS_CHECKED_IN_MODULES: dict[str, str] = _gather("CHECKED_WIDGETS")

NOT_GOVERNED_SEARCH_PROVIDERS: dict[str, str] = {}
NOT_GOVERNED_WIDGETS: dict[str, str] = {}


def _test_function(dotted: str):
    module_name, _sep, name = dotted.partition(":")
    return getattr(importlib.import_module(module_name), name, None)


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
    classes = list(view.__mro__) if inspect.isclass(view) else [view]
    # Generic views name what they read through what they are given: an export its list page,
    # an autocomplete its kinds.
    given = [getattr(view, "list_page", None), *dict(getattr(view, "kinds", None) or {}).values()]
    for other in given:
        if inspect.isclass(other):
            classes += other.__mro__
            other_model = getattr(other, "model", None)
            if other_model in governed_models:
                reasons.append(f"{other.__qualname__}'s model is {governed_models[other_model]}")
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
        | set(CHECKED_IN_MODULES)
    )
    for route, dotted in CHECKED_IN_MODULES.items():
        assert callable(_test_function(dotted)), f"{route}: no test {dotted}"
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
HEURISTIC_BLIND = _gather("HEURISTIC_BLIND")


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
    unchecked = (
        templates
        - test_properties.CHECKED_WIDGETS
        - set(WIDGETS_CHECKED_IN_MODULES)
        - set(NOT_GOVERNED_WIDGETS)
    )
    assert not unchecked, f"dashboard widgets not compared with the oracle: {unchecked}"
    for template, dotted in WIDGETS_CHECKED_IN_MODULES.items():
        assert callable(_test_function(dotted)), f"{template}: no test {dotted}"


@pytest.mark.parametrize("key", sorted(COVERED))
def test_each_covered_route_resolves(key):
    assert key in route_keys()
