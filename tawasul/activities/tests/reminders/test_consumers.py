"""For real: two Huey consumers on this machine's Redis and PostgreSQL fire 1,000 due reminders
exactly once each.

The test makes a PostgreSQL database of its own (on the server of `REMINDERS_POSTGRES`, else
the suite's `DATABASE_URL`, else 127.0.0.1:5432), migrates it, writes 1,000 reminders due at
the same minute (half of them daily, so each has a next occurrence to move to), and starts two
consumers as an operator would (`manage.py run_huey`, a Redis queue of its own, each with two
worker threads; one also runs the periodic schedule). With the clock (the clock file both
consumers read) just past that minute it queues the sweep eight times, so that up to four sweeps
race over the same rows. Every reminder must then have exactly one occurrence, one
notification, `fired_count` 1 and its next occurrence a day later.

Without Redis or PostgreSQL this test fails; it never skips.
"""

import json
import os
import secrets
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import redis

from tawasul.core import clock

BASE_DIR = Path(__file__).resolve().parents[4]
REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
REMINDERS = 1000
DUE = datetime(2031, 5, 6, 6, 0, tzinfo=UTC)
SWEEPS = 8

pytestmark = pytest.mark.slow


def _server() -> str:
    url = os.environ.get("REMINDERS_POSTGRES") or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgresql://postgres@127.0.0.1:5432/postgres"
    return urlsplit(url)._replace(path="/postgres").geturl()


SETUP = textwrap.dedent(
    f"""
    import datetime as dt, json
    from django.contrib.auth.models import Permission, User
    from tawasul.activities.models import Reminder, ReminderRecipient
    from tawasul.org.models import Company, Employee

    company = Company.objects.create(code="REM", name="Reminders Co", timezone="Asia/Riyadh")
    user = User.objects.create(username="author", email="author@example.com")
    Employee.objects.create(company=company, user=user, code="E1", name="Author")
    due = dt.datetime.fromisoformat("{DUE.isoformat()}")
    reminders = Reminder.objects.bulk_create(
        Reminder(company=company, author=user, title=f"Reminder {{n}}", starts_at=due,
                 timezone="Asia/Riyadh", rrule="FREQ=DAILY" if n % 2 else "", next_at=due)
        for n in range({REMINDERS})
    )
    ReminderRecipient.objects.bulk_create(
        ReminderRecipient(reminder=r, user=user) for r in reminders
    )
    print(json.dumps({{"count": Reminder.objects.count()}}))
    """
)

QUEUE = "from tawasul.activities.reminders_tasks import reminders_sweep\n" + "\n".join(
    ["reminders_sweep()"] * SWEEPS
)

COUNTS = textwrap.dedent(
    """
    SELECT
      (SELECT count(*) FROM activities_reminderoccurrence),
      (SELECT count(DISTINCT reminder_id) FROM activities_reminderoccurrence),
      (SELECT count(*) FROM activities_notification WHERE kind = 'reminder.fired'),
      (SELECT count(*) FROM activities_reminder WHERE next_at <= %s AND is_active)
    """
)


@pytest.fixture
def stack(tmp_path):
    """A fresh database and two consumers on a queue of their own; torn down afterwards."""
    server = _server()
    name = f"tawasul_reminders_{secrets.token_hex(4)}"
    database = urlsplit(server)._replace(path=f"/{name}").geturl()
    queue = name
    store = redis.Redis.from_url(REDIS)
    store.ping()  # no Redis: the test fails here
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    clock.set_frozen(DUE.replace(hour=5))  # before the reminders are due
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TAWASUL_", "HUEY_")) and k not in {"DATABASE_URL", "REDIS_URL"}
        },
        clock.ENV_VAR: os.environ[clock.ENV_VAR],
        "DATABASE_URL": database,
        "REDIS_URL": REDIS,
        "HUEY_NAME": queue,
        "HUEY_IMMEDIATE": "0",
        "HUEY_WORKERS": "2",
        "TAWASUL_TESTING": "1",
        "TAWASUL_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_SETTINGS_MODULE": "tawasul.settings",
    }
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    processes: list[tuple[subprocess.Popen, Path]] = []

    def run(*args: str) -> str:
        done = subprocess.run(
            manage + list(args), env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def rows(sql: str, *params) -> list[tuple]:
        with psycopg.connect(database) as conn:
            return conn.execute(sql, params).fetchall()

    try:
        run("migrate", "--noinput", "-v", "0")
        facts = json.loads(run("shell", "-c", SETUP).strip().splitlines()[-1])
        for index, extra in enumerate(([], ["--no-periodic"])):
            log = tmp_path / f"consumer{index}.log"
            with open(log, "w") as handle:
                process = subprocess.Popen(
                    manage + ["run_huey", *extra],
                    env=env,
                    cwd=BASE_DIR,
                    stdout=handle,
                    stderr=handle,
                )
            processes.append((process, log))
        yield {"run": run, "rows": rows, "processes": processes, **facts}
    finally:
        for process, _log in processes:
            process.terminate()
        for process, _log in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for key in store.scan_iter(f"huey.*{queue}*"):
            store.delete(key)
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        clock.reset()


def test_two_consumers_fire_1000_due_reminders_exactly_once(stack):
    assert stack["count"] == REMINDERS
    now = DUE.replace(second=30)
    clock.set_frozen(now)  # both consumers read the clock file
    stack["run"]("shell", "-c", QUEUE)
    deadline = time.monotonic() + 240
    while True:
        occurrences, distinct, notified, still_due = stack["rows"](COUNTS, now)[0]
        if still_due == 0 and occurrences >= REMINDERS:
            break
        for process, log in stack["processes"]:
            assert process.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, (occurrences, still_due)
        time.sleep(0.5)
    time.sleep(3)  # sweeps still running would show a second firing now
    occurrences, distinct, notified, still_due = stack["rows"](COUNTS, now)[0]
    assert (occurrences, distinct, notified, still_due) == (REMINDERS, REMINDERS, REMINDERS, 0)
    fired = stack["rows"](
        "SELECT fired_count, count(*) FROM activities_reminder GROUP BY fired_count"
    )
    assert fired == [(1, REMINDERS)]
    nexts = stack["rows"](
        "SELECT next_at, count(*) FROM activities_reminder GROUP BY next_at ORDER BY next_at"
    )
    tomorrow = DUE.replace(day=DUE.day + 1)
    assert [(row[0].astimezone(UTC) if row[0] else None, row[1]) for row in nexts] == [
        (tomorrow, REMINDERS // 2),
        (None, REMINDERS // 2),
    ]
    # Both consumers took part (each ran sweeps), and neither logged an error.
    logs = [log.read_text() for _process, log in stack["processes"]]
    assert all("reminders_sweep" in text for text in logs), [t[-2000:] for t in logs]
    assert not any("Traceback" in text for text in logs), [t[-3000:] for t in logs]
