"""Production settings pass Django's deployment checks with no warnings."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_check_deploy_has_no_warnings(tmp_path):
    env = {
        key: value for key, value in os.environ.items()
        if key not in {
            "TAWASUL_TESTING", "DEBUG", "DATABASE_URL", "HUEY_IMMEDIATE", "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        SECRET_KEY="x7Yk2-" + "a9Qz" * 14,
        ALLOWED_HOSTS="crm.example.com",
        TAWASUL_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="tawasul.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_required_in_production(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"TAWASUL_TESTING", "DEBUG", "SECRET_KEY"}}
    env.update(TAWASUL_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="tawasul.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
