"""Route classification for the access coverage meta-test: each area keeps its own dicts in
`tests/routes_<area>.py`, merged here."""

from importlib import import_module

COVERED: dict = {}
NOT_GOVERNED: dict = {}
REVIEWED: dict = {}
HEURISTIC_BLIND: dict = {}
# Routes and widgets whose property tests live here: key -> "module.path:test_function".
CHECKED: dict = {}
CHECKED_WIDGETS: dict = {}

for _area in ("tasks", "followups", "reminders", "notifications", "automation", "agenda"):
    try:
        _module = import_module(f"tawasul.activities.tests.routes_{_area}")
    except ModuleNotFoundError:
        continue
    for _name in (
        "COVERED",
        "NOT_GOVERNED",
        "REVIEWED",
        "HEURISTIC_BLIND",
        "CHECKED",
        "CHECKED_WIDGETS",
    ):
        globals()[_name].update(getattr(_module, _name, {}))
