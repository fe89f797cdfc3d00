"""The rule of per-app registration: a module plugs itself in from its own files.

The platform's code (core and access, outside tests and migrations) names no app above it,
and the project-level files that used to list every module (the URL files, the sidebar) name
none: what a module offers, it declares in its `module.py` (`tawasul.core.registry`). So a new
module edits no file outside its own app except one line in INSTALLED_APPS.

"Naming" an app means importing it, or a string in code (not a docstring or a comment) that
starts with its label as a model, URL, template or permission name would ("contacts.contact",
"contacts:contact_list", "contacts/list.html"), or is its bare label in a tuple, list or set
(`("core", "org", "contacts")`). A bare word elsewhere (a tab or a context key called "portal")
is a word, not the app.
"""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]  # the tawasul package
PROJECT_FILES = ("urls.py", "api_urls.py", "core/navigation.py")
# Apps whose code must name no app above them in INSTALLED_APPS.
PLATFORM = ("core", "access")
# Names of an app above that are still there, each with why: (file, what) -> reason. Each is a
# debt to pay by a declaration; an entry that no longer occurs fails the test (remove it).
KNOWN = {
    ("core/documents.py", "'org.Company'"): "the abstract document's company: a lazy reference "
    "that only the concrete documents of modules above org resolve",
    ("core/documents.py", "'org.Branch'"): "the abstract document's branch, as its company",
    ("access/mfa_views.py", "'portal/base.html'"): "the two-factor pages of portal accounts "
    "sit in the portal's frame (the portal should declare its frame)",
}


def _project_apps() -> list[str]:
    return [c.label for c in apps.get_app_configs() if c.name.startswith("tawasul.")]


def _docstring_nodes(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def names_of(path: Path, labels: list[str]) -> list[str]:
    """Where the Python file at `path` names one of the apps `labels`: "line: what"."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstring_nodes(tree)
    string = re.compile(rf"^(?:{'|'.join(map(re.escape, labels))})[.:/]")
    collected = {
        id(element)
        for node in ast.walk(tree)
        if isinstance(node, ast.Tuple | ast.List | ast.Set)
        for element in node.elts
    }
    modules = re.compile(rf"^tawasul\.(?:{'|'.join(map(re.escape, labels))})(?:$|\.)")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                f"{node.lineno}: import {a.name}" for a in node.names if modules.match(a.name)
            ]
        elif isinstance(node, ast.ImportFrom) and node.module and modules.match(node.module):
            found.append(f"{node.lineno}: from {node.module}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and (
                string.match(node.value)
                or modules.match(node.value)
                or (id(node) in collected and node.value in labels)
            )
        ):
            found.append(f"{node.lineno}: {node.value!r}")
    return found


def _source_files(app: str) -> list[Path]:
    folder = ROOT / app
    return sorted(
        path
        for path in folder.rglob("*.py")
        if not {"tests", "migrations", "management"} & set(path.relative_to(folder).parts[:-1])
        and not path.name.startswith("test")
    )


@pytest.mark.parametrize("app", PLATFORM)
def test_the_platform_names_no_app_above_it(app):
    order = _project_apps()
    above = order[order.index(app) + 1 :]
    named, known = {}, set()
    for path in _source_files(app):
        name = str(path.relative_to(ROOT))
        for found in names_of(path, above):
            what = found.split(": ", 1)[1]
            if (name, what) in KNOWN:
                known.add((name, what))
            else:
                named.setdefault(name, []).append(found)
    assert not named, f"{app} names apps above it (declare it in their module.py): {named}"
    stale = {key for key in KNOWN if key[0].startswith(f"{app}/")} - known
    assert not stale, f"no longer named, remove from KNOWN: {stale}"


def test_project_files_name_no_module():
    modules = [label for label in _project_apps() if label != "core"]
    named = {name: found for name in PROJECT_FILES if (found := names_of(ROOT / name, modules))}
    assert not named, f"project-level files name modules: {named}"


def test_the_rule_sees_what_it_forbids(tmp_path):
    """Guard the guard: imports and code strings count; docstrings do not."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Mentions contacts.contact in prose."""\n'
        "from tawasul.contacts import models\n"
        "import tawasul.portal.views\n"
        'NAME = "contacts:contact_list"\n'
        'OTHER = "contactsheet"\n'
        'APPS = ("core", "contacts")\n'
        'ctx = {"portal": True}\n',
        encoding="utf-8",
    )
    assert names_of(sample, ["contacts", "portal"]) == [
        "2: from tawasul.contacts",
        "3: import tawasul.portal.views",
        "4: 'contacts:contact_list'",
        "6: 'contacts'",
    ]
