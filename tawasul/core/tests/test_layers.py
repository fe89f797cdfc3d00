"""The layers (issue 11): core <- org <- access <- contacts <- portal <- demo; nothing points up.

The contract is in pyproject.toml ([tool.importlinter]); `lint-imports` (import-linter, in
requirements/dev.txt) checks every import of the non-test code, including those inside
functions. A missing tool fails the test rather than skipping it: CI must not pass unchecked.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_an_import_pointing_up_breaks_the_contract(tmp_path):
    # The same contract with the layers upside down: every real import (org -> core, ...) now
    # points up, so the tool must report it and fail. Guards against a contract that checks
    # nothing (a wrong root package, a layer list that no longer matches the apps).
    text = (ROOT / "pyproject.toml").read_text()
    layers = re.search(r"^layers = \[\n(.*?)^\]", text, re.S | re.M)
    assert layers, "the layers contract is not in pyproject.toml"
    upside_down = "".join(reversed(layers.group(1).splitlines(keepends=True)))
    config = tmp_path / "pyproject.toml"
    config.write_text(text.replace(layers.group(1), upside_down))
    result = _run(config)
    assert result.returncode != 0, result.stdout
    assert "tawasul.org is not allowed to import tawasul.core" in result.stdout
