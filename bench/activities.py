"""The communicator at scale: the dashboard, the task list and a record's timeline.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tawasul_bench_activities \\
        .venv/bin/python bench/activities.py [--tasks 1000000] [--follow-ups 200000] \\
        [--users 2000] [--runs 9]

Builds (once; later runs reuse it) the demo company, 2,000 bench users (`bench.a0000`...) in a
reports-to tree (20 managers of 99 representatives each, under the demo's general manager),
then tasks and follow-ups in two stages: 20% of `--tasks`/`--follow-ups`, measured; then the
rest, measured again. Rows go in with `COPY` (tasks with their participants: initiator and
assignee; follow-ups about the demo's contacts). Then, for a representative and a manager,
in-process through Django's test client after warm-up: the home dashboard, the task list
(mine, my team's, filtered by status and priority), the follow-up list, and a contact's
timeline (the htmx request of its History tab); the median server time, the number of
queries, and the growth from 20% to 100% of the data. The issue's bar: a median of at most
50 ms, a constant number of queries, at most 1.3x growth. Results go to stdout and
`bench/results/activities.md`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tawasul.settings")
os.environ.setdefault("TAWASUL_TESTING", "1")

PREFIX = "bench.a"
MANAGERS = 20
STATUSES = ["open"] * 2 + ["in_progress", "waiting"] + ["done"] * 5 + ["cancelled"]
PRIORITIES = ["low", "normal", "normal", "normal", "high", "urgent"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--follow-ups", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--output", type=Path, default=ROOT / "bench/results/activities.md")
    return parser.parse_args()


def ensure_people(count: int):
    """The demo company and `count` bench employees with user accounts (made once)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from tawasul.access.roles import REPRESENTATIVE, SALES_MANAGER
    from tawasul.org.models import Company, Employee
    from tawasul.org.services import employee_save

    if not Company.objects.exists():
        call_command("demo")
    company = Company.objects.order_by("pk").first()
    User = get_user_model()
    have = User.objects.filter(username__startswith=PREFIX).count()
    if have < count:
        top = (
            Employee.objects.filter(company=company, reports_to__isnull=True).order_by("pk").first()
        )
        rep_group = Group.objects.get(name=REPRESENTATIVE)
        manager_group = Group.objects.get(name=SALES_MANAGER)
        password = User.objects.filter(username="admin").values_list("password", flat=True).first()
        users = User.objects.bulk_create(
            [
                User(username=f"{PREFIX}{i:04d}", password=password or "!")
                for i in range(have, count)
            ]
        )
        managers: list[Employee] = list(
            Employee.objects.filter(company=company, code__startswith="BA-M").order_by("pk")
        )
        for user in users:
            index = int(user.username[len(PREFIX) :])
            is_manager = index < MANAGERS
            boss = top if is_manager else managers[index % MANAGERS]
            employee = employee_save(
                actor=None,
                company=company,
                user=user,
                code=f"BA-{'M' if is_manager else 'R'}{index:04d}",
                name=f"Bench {'Manager' if is_manager else 'Rep'} {index:04d}",
                name_ar=f"مندوب {index:04d}",
                reports_to=boss,
            )
            (manager_group if is_manager else rep_group).user_set.add(user)
            if is_manager:
                managers.append(employee)
    employees = list(Employee.objects.filter(user__username__startswith=PREFIX).order_by("code"))
    return company, employees


def copy_rows(table: str, columns: list[str], rows) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def add_tasks(company, employees, target: int, rng: random.Random) -> None:
    """Top the bench tasks up to `target` (tasks whose title starts with "Bench task")."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from tawasul.activities.models import Task
    from tawasul.contacts.models import Contact

    have = Task.objects.filter(title__startswith="Bench task").count()
    if have >= target:
        return
    contacts = list(Contact.objects.filter(company=company).values_list("pk", flat=True)[:20000])
    contact_type = ContentType.objects.get_for_model(Contact).pk
    managers = [e for e in employees if e.code.startswith("BA-M")]
    reps = [e for e in employees if e.code.startswith("BA-R")]
    now = dt.datetime.now(dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM activities_task")
        next_id = cursor.fetchone()[0] + 1
    started = time.perf_counter()
    with transaction.atomic():
        tasks, participants = [], []
        for n in range(have, target):
            pk = next_id + (n - have)
            assignee = rng.choice(reps) if rng.random() < 0.9 else rng.choice(managers)
            initiator = (
                managers[reps.index(assignee) % MANAGERS]
                if assignee in reps and rng.random() < 0.7
                else rng.choice(employees)
            )
            status = rng.choice(STATUSES)
            due = now + dt.timedelta(minutes=rng.randint(-365 * 24 * 60, 60 * 24 * 60))
            created = due - dt.timedelta(days=rng.randint(1, 30))
            subject = rng.choice(contacts) if contacts and rng.random() < 0.2 else None
            tasks.append(
                (
                    pk,
                    company.pk,
                    f"Bench task {n}",
                    "",
                    rng.choice(PRIORITIES),
                    status,
                    due,
                    initiator.pk,
                    assignee.pk,
                    created,
                    created,
                    due if status == "done" else None,
                    "",
                    0,
                    contact_type if subject else None,
                    subject,
                    subject,
                )
            )
            participants.append((pk, initiator.pk))
            if assignee.pk != initiator.pk:
                participants.append((pk, assignee.pk))
        copy_rows(
            "activities_task",
            [
                "id",
                "company_id",
                "title",
                "description",
                "priority",
                "status",
                "due_at",
                "initiator_id",
                "assignee_id",
                "created_at",
                "updated_at",
                "completed_at",
                "origin_key",
                "escalation_level",
                "subject_type_id",
                "subject_id",
                "contact_id",
            ],
            tasks,
        )
        copy_rows("activities_taskparticipant", ["task_id", "employee_id"], participants)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('activities_task', 'id'), "
                "(SELECT MAX(id) FROM activities_task))"
            )
    print(f"tasks: {have:,} -> {target:,} in {time.perf_counter() - started:.0f} s")


def add_follow_ups(company, employees, target: int, rng: random.Random) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from tawasul.activities.models import FollowUp
    from tawasul.contacts.models import Contact

    have = FollowUp.objects.filter(purpose__startswith="Bench follow-up").count()
    if have >= target:
        return
    contacts = list(Contact.objects.filter(company=company).values_list("pk", flat=True)[:20000])
    contact_type = ContentType.objects.get_for_model(Contact).pk
    reps = [e for e in employees if e.code.startswith("BA-R")]
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    rows = []
    for n in range(have, target):
        due = now + dt.timedelta(minutes=rng.randint(-180 * 24 * 60, 60 * 24 * 60))
        status = rng.choice(["open", "done", "done", "cancelled"])
        contact = rng.choice(contacts)
        rows.append(
            (
                company.pk,
                rng.choice(reps).pk,
                due,
                due.date(),
                f"Bench follow-up {n}",
                rng.choice(["call", "visit", "email", "meeting"]),
                status,
                "",
                due if status == "done" else None,
                "",
                due - dt.timedelta(days=3),
                due - dt.timedelta(days=3),
                contact_type,
                contact,
                contact,
            )
        )
    with transaction.atomic():
        copy_rows(
            "activities_followup",
            [
                "company_id",
                "assignee_id",
                "due_at",
                "due_on",
                "purpose",
                "channel",
                "status",
                "outcome",
                "completed_at",
                "source",
                "created_at",
                "updated_at",
                "subject_type_id",
                "subject_id",
                "contact_id",
            ],
            rows,
        )
    print(f"follow-ups: {have:,} -> {target:,} in {time.perf_counter() - started:.0f} s")


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "activities_task",
            "activities_taskparticipant",
            "activities_followup",
            "org_employee",
        ):
            # VACUUM too: rows loaded with COPY have no visibility map until a vacuum, so no
            # index-only scan is possible (a live database's autovacuum keeps it; this server
            # runs with autovacuum off).
            cursor.execute(f"VACUUM ANALYZE {table}")


def timed(call, runs: int, warmup: int) -> float:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def queries(client, url: str, headers: dict) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


def scenarios(company) -> list[tuple[str, str, str, dict]]:
    """(user, what, url, headers): a representative and a manager."""
    from django.urls import reverse

    from tawasul.activities.models import Task

    contact_id = (
        Task.objects.filter(title__startswith="Bench task", contact__isnull=False)
        .values_list("contact_id", flat=True)
        .first()
    )
    timeline = {"HX-Request": "true", "HX-Target": "contact-history"}
    tasks = reverse("activities:task_list")
    out = []
    for user in (f"{PREFIX}0100", f"{PREFIX}0001"):
        out += [
            (user, "dashboard", "/", {}),
            (user, "tasks: mine", tasks, {}),
            (user, "tasks: my team", f"{tasks}?scope=team", {}),
            (user, "tasks: open, high", f"{tasks}?status=open&priority=high", {}),
            (user, "follow-ups: mine", reverse("activities:follow_up_list"), {}),
        ]
    if contact_id:
        out.append(
            (
                "admin",
                "contact timeline",
                reverse("contacts:contact_detail", args=[contact_id]),
                timeline,
            )
        )
    return out


def measure(stage: str, args, company) -> list[tuple]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=[f"{PREFIX}0100", f"{PREFIX}0001", "admin"]
        )
    }
    results = []
    for username, what, url, headers in scenarios(company):
        client = Client(SERVER_NAME="localhost", raise_request_exception=True)
        client.force_login(users[username])
        client.get(url, headers=headers)
        count = queries(client, url, headers)
        ms = timed(lambda c=client, u=url, h=headers: c.get(u, headers=h), args.runs, args.warmup)
        results.append((stage, username, what, ms, count))
        print(f"{stage:>5} {username:<14} {what:<22} {ms:7.1f} ms {count:3d} queries")
    return results


def main() -> int:
    args = parse_args()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        print("Run it on PostgreSQL (DATABASE_URL).", file=sys.stderr)
        return 2
    call_command("migrate", verbosity=0)
    company, employees = ensure_people(args.users)
    rng = random.Random(20261201)
    stages = []
    for share in (0.2, 1.0):
        add_tasks(company, employees, int(args.tasks * share), rng)
        add_follow_ups(company, employees, int(args.follow_ups * share), rng)
        analyze()
        stages.append(measure(f"{int(share * 100)}%", args, company))
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        "# The communicator at scale",
        "",
        f"- date: {dt.datetime.now().isoformat(timespec='seconds')}, code: {commit}",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()},"
        f" load average at the end {', '.join(f'{v:.1f}' for v in os.getloadavg())}",
        f"- data at 100%: {args.tasks:,} tasks, {args.follow_ups:,} follow-ups, {args.users:,} bench"
        " users (20 managers of 99 representatives); 20% is the first fifth of the same rows",
        f"- medians of {args.runs} runs after {args.warmup} warm-up, in-process (Django's test"
        " client: middleware, session, access rules, templates)",
        "",
        "| user | page | ms at 20% | ms at 100% | growth | queries at 20% | queries at 100% |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for small, large in zip(stages[0], stages[1], strict=True):
        lines.append(
            f"| {small[1]} | {small[2]} | {small[3]:.1f} | {large[3]:.1f} |"
            f" {large[3] / small[3]:.2f}x | {small[4]} | {large[4]} |"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
