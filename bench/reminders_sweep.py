"""One sweep of 10,000 due reminders on PostgreSQL (issue 12 §10: under a minute here).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tawasul_bench_reminders \\
        .venv/bin/python bench/reminders_sweep.py [--reminders 10000] [--output FILE]

The script migrates the database it is given (use one of its own: it adds a company, 200
staff users in four roles and the reminders, and deletes its previous run's company first),
makes `--reminders` reminders all due at the same minute — a mix of once, daily, weekly on
three days, monthly on a day and monthly on the last working day; each for its author, one in
four also for a colleague, one in ten for everyone with a role; one in five sends an e-mail —
then times one `reminders_fire_due()` (the periodic task's whole work) and checks that every
reminder fired exactly once. Results go to bench/results/reminders-sweep.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tawasul.settings")
os.environ.setdefault("TAWASUL_TESTING", "1")
# The consumer runs the sweep; the e-mails it hands on are tasks of their own, queued here (a
# throwaway SQLite queue) and sent after the timing, as another worker would.
os.environ["HUEY_IMMEDIATE"] = "0"
os.environ.pop("REDIS_URL", None)
os.environ["HUEY_SQLITE_PATH"] = f"/tmp/tawasul-bench-reminders-{os.getpid()}.sqlite3"

COMPANY = "BENCHREM"
USERS = 200
ROLES = ("Representative", "Coordinator", "Supervisor", "Sales manager")
DUE = dt.datetime(2031, 5, 6, 6, 0, tzinfo=dt.UTC)  # a Tuesday, 09:00 in Riyadh
RULES = (
    ("", False),
    ("FREQ=DAILY", False),
    ("FREQ=WEEKLY;BYDAY=SU,TU,TH", False),
    ("FREQ=MONTHLY;BYMONTHDAY=6", False),
    ("FREQ=MONTHLY;BYMONTHDAY=-1", True),
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--output", default=str(ROOT / "bench/results/reminders-sweep.md"))
    return parser.parse_args()


def build(count: int) -> None:
    """A company of its own with staff, roles and `count` reminders due at DUE."""
    from django.contrib.auth.models import Group, User
    from django.db import transaction

    from tawasul.activities.models import Reminder, ReminderRecipient
    from tawasul.org.models import Company, Employee

    with transaction.atomic():
        old = Company.objects.filter(code=COMPANY).first()
        if old is not None:
            Reminder.objects.filter(company=old).delete()
            users = list(Employee.objects.filter(company=old).values_list("user_id", flat=True))
            Employee.objects.filter(company=old).delete()
            User.objects.filter(pk__in=users).delete()
            old.delete()
        company = Company.objects.create(
            code=COMPANY, name="Bench reminders", timezone="Asia/Riyadh"
        )
        roles = [Group.objects.get_or_create(name=name)[0] for name in ROLES]
        users = User.objects.bulk_create(
            User(username=f"benchrem{n}", email=f"benchrem{n}@example.com") for n in range(USERS)
        )
        Employee.objects.bulk_create(
            Employee(company=company, user=user, code=f"BR{n}", name=f"Bench {n}")
            for n, user in enumerate(users)
        )
        through = User.groups.through
        through.objects.bulk_create(
            through(user_id=user.pk, group_id=roles[n % len(roles)].pk)
            for n, user in enumerate(users)
        )
        reminders = Reminder.objects.bulk_create(
            Reminder(
                company=company,
                author=users[n % USERS],
                title=f"Reminder {n}",
                body="Bench reminder",
                starts_at=DUE,
                timezone="Asia/Riyadh",
                rrule=RULES[n % len(RULES)][0],
                working_day_back=RULES[n % len(RULES)][1],
                next_at=DUE,
                email=n % 5 == 0,
            )
            for n in range(count)
        )
        recipients = []
        for n, reminder in enumerate(reminders):
            recipients.append(ReminderRecipient(reminder=reminder, user=users[n % USERS]))
            if n % 4 == 0:
                recipients.append(ReminderRecipient(reminder=reminder, user=users[(n + 1) % USERS]))
            if n % 10 == 0:
                recipients.append(ReminderRecipient(reminder=reminder, role=roles[n % len(roles)]))
        ReminderRecipient.objects.bulk_create(recipients, batch_size=5000)


def main() -> None:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of the benchmark's own.")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from tawasul.activities.models import Notification, Reminder, ReminderOccurrence
    from tawasul.activities.reminders_services import reminders_fire_due
    from tawasul.core import clock

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    build(args.reminders)
    built = time.perf_counter() - started
    now = DUE + dt.timedelta(seconds=20)
    clock.set_frozen(now)
    try:
        company = Reminder.objects.filter(company__code=COMPANY)
        notifications_before = Notification.objects.count()
        counted = [0]

        def count(execute, sql, params, many, context):
            counted[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            started = time.perf_counter()
            fired = reminders_fire_due(now=now, batch=args.batch)
            elapsed = time.perf_counter() - started
        statements = counted[0]
        second = reminders_fire_due(now=now, batch=args.batch)
        from huey.contrib.djhuey import HUEY

        mail_tasks = HUEY.pending_count()
        started = time.perf_counter()
        while (task := HUEY.dequeue()) is not None:
            HUEY.execute(task)
        mailing = time.perf_counter() - started
    finally:
        clock.reset()
        Path(os.environ["HUEY_SQLITE_PATH"]).unlink(missing_ok=True)
    per_reminder = (
        ReminderOccurrence.objects.filter(reminder__company__code=COMPANY)
        .values("reminder")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    occurrences = ReminderOccurrence.objects.filter(reminder__company__code=COMPANY).count()
    notifications = Notification.objects.count() - notifications_before
    still_due = company.filter(is_active=True, next_at__lte=now).count()
    assert fired == args.reminders == occurrences, (fired, occurrences)
    assert per_reminder == 0 and second == 0 and still_due == 0
    version = connection.cursor().connection.info.server_version
    load = os.getloadavg()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        "# Reminders sweep",
        "",
        f"`bench/reminders_sweep.py --reminders {args.reminders}` at {commit}, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, on {platform.node()} "
        f"({os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}), "
        f"PostgreSQL {version // 10000}, Python {platform.python_version()}.",
        "",
        "| what | value |",
        "|---|---|",
        f"| reminders due at one minute | {args.reminders:,} |",
        f"| fired by one sweep | {fired:,} |",
        f"| **sweep time** | **{elapsed:.1f} s** ({elapsed / max(fired, 1) * 1000:.2f} ms each) |",
        "| budget | 60 s |",
        f"| SQL statements | {statements:,} ({statements / max(fired, 1):.3f} per reminder) |",
        f"| notifications written | {notifications:,} |",
        f"| reminders with two occurrences | {per_reminder} |",
        f"| fired by a second sweep at the same minute | {second} |",
        f"| e-mail tasks queued by the sweep | {mail_tasks} |",
        f"| sending them afterwards (Django's {settings.EMAIL_BACKEND.rsplit('.', 2)[-2]} "
        f"backend; not in the sweep) | {mailing:.1f} s |",
        f"| building the data (not timed) | {built:.1f} s |",
        "",
        f"The sweep claims {args.batch} due reminders at a time (SELECT ... FOR UPDATE SKIP "
        "LOCKED) and fires them in one transaction: the occurrence rows, the notifications and "
        "the next occurrences are one statement each, e-mails go after commit. The mix: once, daily, "
        "weekly on three days, monthly on a day and on the last working day; each for its "
        "author, one in four also for a colleague, one in ten for a role's 50 members, one in "
        "five with an e-mail.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    Path(args.output).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
