"""mypy with django-stubs over the platform packages (pyproject.toml [tool.mypy]) finds nothing.

Runs mypy as a subprocess from the repository root, so it reads the same configuration a
developer's `.venv/bin/mypy` does. Where mypy is not installed the test fails (`make test`
installs it from requirements/dev.txt), so the check can never silently disappear.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _mypy() -> list[str] | None:
    beside = Path(sys.executable).with_name("mypy")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("mypy")
    return [found] if found else None


def test_the_platform_packages_type_check():
    command = _mypy()
    if command is None:
        pytest.fail("mypy is not installed (requirements/dev.txt, make install-dev)")
    env = {**os.environ, "TAWASUL_TESTING": "1", "DJANGO_SETTINGS_MODULE": "tawasul.settings"}
    # No cache: test workers and developers' runs would write the same .mypy_cache at once.
    done = subprocess.run(
        [*command, "--cache-dir=/dev/null", "--no-error-summary", "--hide-error-context"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert done.returncode == 0 and not errors, (
        f"mypy found {len(errors)} errors (run .venv/bin/mypy from the repository root):\n"
        + (done.stdout + done.stderr)[-6000:]
    )
