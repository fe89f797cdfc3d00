"""Imports of our own code sit at the top of a module (issue 11 §1).

An import inside a function hides a module's dependencies and mostly existed to dodge import
cycles, which the layers (core <- org <- access <- contacts <- portal) no longer have. An import
of a `tawasul` module (or a relative one) inside a function of these apps' code (outside tests
and migrations) fails here unless `ALLOWED` names it with its reason, as the line itself should.
Imports of other libraries may wait in a function for their own reasons (a heavy library only a
rare path needs) and are not checked.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the tawasul package
APPS = ("core", "org", "access", "contacts", "portal")

# (file, function, module as written) -> why it is imported in the function. An entry that no
# longer occurs fails the test: take it out.
ALLOWED = {
    ("core/apps.py", "CoreConfig.ready", "."): "signals and lookups need the models loaded",
    ("core/apps.py", "CoreConfig.ready", ".registry"): "discovery imports every app's module.py, "
    "which need the models loaded",
    ("core/text.py", "phone_query_digits", ".phones"): "a cycle: core.phones builds on core.text",
    ("core/timezones.py", "preferred_zone_name", ".models"): "apps.py modules import "
    "core.timezones before the models are loaded",
    ("org/apps.py", "OrgConfig.ready", "."): "the work calendar's cache listens to model saves",
    ("access/apps.py", "AccessConfig.ready", "."): "the event handlers need the models loaded",
    ("access/apps.py", "AccessConfig.ready", ".models"): "models load once the registry is ready",
    ("access/apps.py", "AccessConfig.ready", ".querysets"): "imports the models",
    ("access/apps.py", "_default_roles", ".roles"): "roles reads models: imported once apps are "
    "ready",
    ("access/testkit.py", "build_world", "tawasul.org.tests.factories"): "test code: the kit "
    "loads the test factories only when a test builds its world",
    ("contacts/apps.py", "ContactsConfig.ready", "."): "the event handlers and the start-up "
    "registrations need the models loaded",
    ("contacts/imports.py", "ContactImporter.enqueue", ".tasks"): "a cycle: the task calls "
    "this module's service",
}


def _source_files() -> list[Path]:
    files = []
    for app in APPS:
        folder = ROOT / app
        files += [
            path
            for path in folder.rglob("*.py")
            if not {"tests", "migrations"} & set(path.relative_to(folder).parts[:-1])
        ]
    return sorted(files)


def function_imports(source: str) -> list[tuple[str, str, int]]:
    """Imports of `tawasul` modules and relative imports inside functions of `source`:
    (qualified name of the function, module as written, line)."""
    found: list[tuple[str, str, int]] = []

    def visit(node: ast.AST, scope: list[str], in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = in_function or not isinstance(child, ast.ClassDef)
                visit(child, [*scope, child.name], inner)
                continue
            if in_function and isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name == "tawasul" or alias.name.startswith("tawasul."):
                        found.append((".".join(scope), alias.name, child.lineno))
            elif in_function and isinstance(child, ast.ImportFrom):
                module = "." * child.level + (child.module or "")
                if child.level or module == "tawasul" or module.startswith("tawasul."):
                    found.append((".".join(scope), module, child.lineno))
            visit(child, scope, in_function)

    visit(ast.parse(source), [], False)
    return found


def test_own_code_is_imported_at_the_top():
    unexplained, seen = [], set()
    for path in _source_files():
        name = str(path.relative_to(ROOT))
        for function, module, line in function_imports(path.read_text(encoding="utf-8")):
            key = (name, function, module)
            if key in ALLOWED:
                seen.add(key)
            else:
                unexplained.append(f"{name}:{line} in {function}: {module}")
    assert not unexplained, (
        "imports inside functions: move them to the top of the module, or say why they "
        f"must wait in ALLOWED: {unexplained}"
    )
    stale = set(ALLOWED) - seen
    assert not stale, f"no longer imported in a function, remove from ALLOWED: {sorted(stale)}"


def test_every_allowed_import_says_why():
    assert all(reason.strip() for reason in ALLOWED.values())


def test_the_check_sees_what_it_forbids():
    """Guard the guard: own and relative imports in functions, methods and nested functions
    count; module-level ones, other libraries and `if TYPE_CHECKING` blocks do not."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "from .models import Contact\n"
        "if TYPE_CHECKING:\n"
        "    from tawasul.org.models import Company\n"
        "def service():\n"
        "    from tawasul.org.models import Employee\n"
        "    import openpyxl\n"
        "    import tawasul.core.text\n"
        "    def inner():\n"
        "        from . import tasks\n"
        "class View:\n"
        "    from .forms import ContactForm\n"
        "    def get(self):\n"
        "        from ..core import clock\n"
        "    async def post(self):\n"
        "        from .selectors import contact_list\n"
    )
    assert function_imports(source) == [
        ("service", "tawasul.org.models", 6),
        ("service", "tawasul.core.text", 8),
        ("service.inner", ".", 10),
        ("View.get", "..core", 14),
        ("View.post", ".selectors", 16),
    ]
