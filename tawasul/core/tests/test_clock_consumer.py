"""A real Huey consumer reads the test's clock (core.clock), not the wall clock.

Escalations, reminders and other sweeps are tested across real consumers, so a test sets the
time for the processes it starts too. This test starts a consumer as an operator would (its own
database: a SQLite file, or a fresh PostgreSQL database when the suite runs on PostgreSQL; the
production queue, Redis), then moves the clock through the clock file while the consumer runs:

- an import task stamps the contacts it creates (`created_at`, automatic) and its job with the
  time the test set after the consumer started;
- the stale-import sweep, run by the consumer three hours later on the test's clock, fails a
  job left running, which it never would on the wall clock (the job's time is in 2031).
"""

import json
import os
import secrets
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from tawasul.core import clock

BASE_DIR = Path(__file__).resolve().parents[3]
REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"

STARTED = datetime(2031, 3, 10, 8, 0, tzinfo=UTC)  # the clock when the consumer starts
IMPORTED = datetime(2031, 3, 12, 9, 15, tzinfo=UTC)  # set while it runs, before the import
SWEPT = IMPORTED + timedelta(hours=3)  # past the two hours after which a running job is stale

pytestmark = pytest.mark.slow

SETUP = textwrap.dedent(
    """
    import json
    from django.contrib.auth.models import Permission, User
    from django.core.files.base import ContentFile
    from tawasul.access.services import rule_save
    from tawasul.contacts.imports import import_job_create, import_job_start
    from tawasul.contacts.models import ContactType, ImportJob
    from tawasul.core import clock
    from tawasul.org.models import Company, Employee

    company = Company.objects.create(code="CLOCK", name="Clock Co")
    ContactType.objects.create(company=company, code="customer", name="Customer")
    user = User.objects.create(username="clerk")
    user.user_permissions.set(Permission.objects.filter(
        codename__in=["import_contact", "add_contact", "view_contact", "view_importjob"]))
    Employee.objects.create(company=company, user=user, code="E1", name="Clerk")
    rule_save(actor=None, company=company, name="All contacts", model="contacts.contact",
              actions=["view", "change"], user=user, all_records=True)

    def upload(name):
        rows = "".join(f"{name}-{n},Contact {name} {n},customer\\n" for n in range(5))
        return import_job_create(actor=user, company=company, uploaded_file=ContentFile(
            ("Code,Name,Type\\n" + rows).encode(), name=f"{name}.csv"))

    imported = upload("T")
    import_job_start(actor=user, job=imported, dry_run=False)  # the task, after commit
    stale = upload("S")  # a job whose worker died mid-run, last heard of now
    ImportJob.objects.filter(pk=stale.pk).update(status="running", updated_at=clock.now())
    print(json.dumps({"imported": imported.pk, "stale": stale.pk}))
    """
)

SWEEP = "from tawasul.contacts.tasks import import_jobs_sweep; import_jobs_sweep()"


class Database:
    """The consumer's database, read directly by the test (it is not the test's own)."""

    def __init__(self, tmp_path: Path):
        suite = os.environ.get("DATABASE_URL", "")
        self.postgres = suite.startswith(("postgres://", "postgresql://"))
        self.name = f"tawasul_clock_{secrets.token_hex(4)}"
        if self.postgres:
            self.server = urlsplit(suite)._replace(path="/postgres").geturl()
            self.url = urlsplit(suite)._replace(path=f"/{self.name}").geturl()
            with psycopg.connect(self.server, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
        else:
            self.path = tmp_path / "tawasul.sqlite3"  # settings' file under TAWASUL_VAR_DIR

    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.url} if self.postgres else {}

    def rows(self, sql: str, *params) -> list[tuple]:
        if self.postgres:
            with psycopg.connect(self.url) as conn:
                return conn.execute(sql, params).fetchall()
        with sqlite3.connect(self.path, timeout=10) as conn:
            found = conn.execute(sql.replace("%s", "?"), params).fetchall()
        # Django keeps an aware time on SQLite as text in UTC.
        return [
            tuple(
                datetime.fromisoformat(value).replace(tzinfo=UTC)
                if isinstance(value, str) and value.startswith("20") and ":" in value
                else value
                for value in row
            )
            for row in found
        ]

    def drop(self) -> None:
        if self.postgres:
            with psycopg.connect(self.server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def consumer(tmp_path):
    """A migrated database and a Huey consumer on a Redis queue of its own, started with the
    clock at STARTED; `run(script)` runs Django code beside it, `job(pk)` reads an import job."""
    clock.set_frozen(STARTED)  # makes the clock file, whose path the processes inherit
    database = Database(tmp_path)
    queue = f"tawasul_clock_{secrets.token_hex(4)}"
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TAWASUL_", "HUEY_")) and k not in {"DATABASE_URL", "REDIS_URL"}
        },
        **database.env(),
        clock.ENV_VAR: os.environ[clock.ENV_VAR],
        "TAWASUL_TESTING": "1",
        "TAWASUL_VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "REDIS_URL": REDIS,
        "HUEY_NAME": queue,
        "HUEY_IMMEDIATE": "0",
        "HUEY_WORKERS": "1",
        "DJANGO_SETTINGS_MODULE": "tawasul.settings",
    }
    manage = [sys.executable, str(BASE_DIR / "manage.py")]

    def run(*args: str) -> str:
        done = subprocess.run(
            manage + list(args), env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    log = tmp_path / "consumer.log"
    process = None
    try:
        run("migrate", "--noinput", "-v", "0")
        with open(log, "w") as log_file:
            process = subprocess.Popen(
                manage + ["run_huey", "--no-periodic"],
                env=env,
                cwd=BASE_DIR,
                stdout=log_file,
                stderr=log_file,
            )

        def job(pk: int, until: str) -> tuple:
            """The job's (status, updated_at) once its status is `until` (or after a minute)."""
            deadline = time.monotonic() + 60
            while True:
                status, updated_at = database.rows(
                    "SELECT status, updated_at FROM contacts_importjob WHERE id = %s", pk
                )[0]
                if status == until or time.monotonic() > deadline:
                    return status, updated_at
                assert process.poll() is None, log.read_text()[-3000:]
                time.sleep(0.3)

        yield {
            "run": lambda script: run("shell", "-c", script),
            "job": job,
            "rows": database.rows,
            "log": log,
        }
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        import redis

        store = redis.Redis.from_url(REDIS)
        for key in store.scan_iter(f"huey.*{queue}*"):
            store.delete(key)
        database.drop()
        clock.reset()


def test_a_running_consumer_stamps_and_sweeps_by_the_clock_the_test_set(consumer):
    # The consumer runs, its clock at STARTED; the test moves it on before queueing the import.
    clock.set_frozen(IMPORTED)
    jobs = json.loads(consumer["run"](SETUP).strip().splitlines()[-1])
    status, updated_at = consumer["job"](jobs["imported"], until="imported")
    assert status == "imported", consumer["log"].read_text()[-3000:]
    assert updated_at == IMPORTED
    # Created by the consumer only: their automatic timestamps read its clock.
    stamps = consumer["rows"]("SELECT created_at, updated_at FROM contacts_contact")
    assert len(stamps) == 5
    assert set(stamps) == {(IMPORTED, IMPORTED)}
    # On the wall clock a job last heard of in 2031 is not stale; the sweep is not run yet.
    assert consumer["job"](jobs["stale"], until="running") == ("running", IMPORTED)

    clock.set_frozen(SWEPT)
    consumer["run"](SWEEP)
    status, updated_at = consumer["job"](jobs["stale"], until="failed")
    assert (status, updated_at) == ("failed", SWEPT), consumer["log"].read_text()[-3000:]
