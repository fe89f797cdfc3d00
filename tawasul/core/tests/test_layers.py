"""The layers (issue 11): core <- org <- access <- contacts <- portal <- demo; nothing points up.

The contract is in pyproject.toml ([tool.importlinter]); `lint-imports` (import-linter, in
requirements/dev.txt) checks every import of the non-test code, including those inside
functions. The same contract is also checked with the layers read from INSTALLED_APPS (each app
listed after the apps it uses), so a new module appended there is held to the layers without
editing pyproject.toml. A missing tool fails the test rather than skipping it: CI must not pass
unchecked.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[3]


def _lint_imports() -> Path:
    """The `lint-imports` next to the running Python (.venv/bin), else the project's .venv."""
    for folder in (Path(sys.executable).parent, ROOT / ".venv" / "bin"):
        tool = folder / "lint-imports"
        if tool.exists():
            return tool
    pytest.fail("lint-imports is missing: install requirements/dev.txt (import-linter).")


def _run(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(_lint_imports()), "--config", str(config), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_layer_contract_is_kept():
    result = _run(ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def _with_layers(tmp_path, layers: list[str]) -> Path:
    """pyproject.toml's contract with these layers (top first), written to a temporary file."""
    text = (ROOT / "pyproject.toml").read_text()
    found = re.search(r"^layers = \[\n(.*?)^\]", text, re.S | re.M)
    assert found, "the layers contract is not in pyproject.toml"
    config = tmp_path / "pyproject.toml"
    config.write_text(text.replace(found.group(1), "".join(f'  "{n}",\n' for n in layers)))
    return config


def _installed_layers() -> list[str]:
    """The project's apps, top first: INSTALLED_APPS lists each after the apps it uses."""
    names = [config.name for config in apps.get_app_configs()]
    return [name for name in reversed(names) if name.startswith("tawasul.")]


def test_the_order_of_installed_apps_is_kept_as_layers(tmp_path):
    layers = _installed_layers()
    assert layers[-4:] == ["tawasul.contacts", "tawasul.access", "tawasul.org", "tawasul.core"]
    result = _run(_with_layers(tmp_path, layers))
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_import_pointing_up_breaks_the_contract(tmp_path):
    # The layers upside down: every real import (org -> core, ...) now points up, so the tool
    # must report it and fail. Guards against a contract that checks nothing (a wrong root
    # package, a layer list that no longer matches the apps).
    result = _run(_with_layers(tmp_path, list(reversed(_installed_layers()))))
    assert result.returncode != 0, result.stdout
    assert "tawasul.org is not allowed to import tawasul.core" in result.stdout
