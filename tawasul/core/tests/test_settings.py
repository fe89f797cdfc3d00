"""Production settings pass Django's deployment checks with no warnings."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_check_deploy_has_no_warnings(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "TAWASUL_TESTING",
            "DEBUG",
            "DATABASE_URL",
            "HUEY_IMMEDIATE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
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
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_required_in_production(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in {"TAWASUL_TESTING", "DEBUG", "SECRET_KEY"}
    }
    env.update(TAWASUL_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="tawasul.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_pages_render_with_production_static_files(tmp_path):
    """Hashed static names (the manifest) resolve for every asset the frame links to."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"TAWASUL_TESTING", "DEBUG", "DATABASE_URL", "HUEY_IMMEDIATE"}
    }
    env.update(
        SECRET_KEY="x7Yk2-" + "a9Qz" * 14,
        ALLOWED_HOSTS="crm.example.com",
        TAWASUL_VAR_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
        SECURE_SSL_REDIRECT="false",
        DJANGO_SETTINGS_MODULE="tawasul.settings",
    )
    for command in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "for path in ('/accounts/login/', '/accounts/password/reset/'):\n"
        "    response = Client().get(path, HTTP_HOST='crm.example.com')\n"
        "    assert response.status_code == 200, (path, response.status_code)\n"
        "    assert b'bootstrap.min' in response.content or b'bootstrap.rtl.min' in response.content\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "ok" in done.stdout, done.stdout + done.stderr


def test_pages_carry_a_content_security_policy(client, staff_user):
    client.force_login(staff_user)
    for url in ("/", "/contacts/", "/accounts/login/", "/api/docs/"):
        policy = client.get(url).headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, url
        assert "unsafe-eval" not in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
