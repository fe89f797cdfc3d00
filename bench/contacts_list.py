"""Benchmark the contact pages and API on a large PostgreSQL database.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tawasul_bench \\
        .venv/bin/python bench/contacts_list.py [--contacts 1000000] [--runs 7]

Makes sure the demo company holds at least `--contacts` contacts (`manage.py demo --contacts`),
then requests each page in-process with Django's test client, signed in as several demo users,
and reports the median server time after warm-up, the number of SQL queries, and the
PostgreSQL plans (EXPLAIN ANALYZE) of the queries that read contacts. Results go to stdout
and to `bench/results/latest.md`. See `bench/README.md`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.md"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tawasul.settings")
# The development key and plain-HTTP settings; no login lockout. Nothing else changes.
os.environ.setdefault("TAWASUL_TESTING", "1")

CURSOR = re.compile(r"[?&;]cursor=([A-Za-z0-9_\-]+)")


@dataclass
class Result:
    scenario: str
    user: str
    url: str
    status: int | str = ""
    times_ms: list[float] = field(default_factory=list)
    queries: int | None = None
    error: str = ""
    plans: list[tuple[float, str, str]] = field(default_factory=list)  # (ms, sql, plan)

    @property
    def median(self) -> float | None:
        return statistics.median(self.times_ms) if self.times_ms else None


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--contacts",
        type=int,
        default=1_000_000,
        help="contacts the demo company must hold at least (default 1,000,000)",
    )
    parser.add_argument("--runs", type=int, default=7, help="measured runs per request")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured runs first")
    parser.add_argument(
        "--users",
        default="admin,sales.manager,rep.ahmed,bench.rep3",
        help="demo users to sign in as, comma-separated",
    )
    parser.add_argument("--no-explain", action="store_true", help="skip the EXPLAIN plans")
    parser.add_argument("--output", type=Path, default=RESULTS, help="Markdown report file")
    parser.add_argument(
        "--allow-sqlite", action="store_true", help="run on SQLite too (plans are PostgreSQL-only)"
    )
    return parser.parse_args()


def ensure_contacts(minimum: int) -> tuple[int, float | None]:
    """Top the demo company up to `minimum` contacts; returns (count, seconds spent loading)."""
    from django.core.management import call_command

    from tawasul.contacts.models import Contact
    from tawasul.demo.builder import demo_company

    company = demo_company()
    have = Contact.objects.filter(company=company).count() if company else 0
    if have >= minimum:
        return have, None
    started = time.perf_counter()
    if company is None:
        call_command("demo")
        have = Contact.objects.filter(company=demo_company()).count()
    if have < minimum:
        call_command("demo", contacts=minimum - have)
    seconds = time.perf_counter() - started
    return Contact.objects.filter(company=demo_company()).count(), seconds


def ensure_rule_user() -> None:
    """`bench.rep3`: a representative whose rights come from exactly three rules of his own.

    1. area within the Riyadh region and industry one of two industries;
    2. product groups include one group (a many-to-many condition);
    3. representative is me or anyone in my reports-to tree.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from tawasul.access.models import RecordRule
    from tawasul.access.services import rule_save
    from tawasul.contacts.models import Area, Industry, ProductGroup
    from tawasul.demo.builder import demo_company
    from tawasul.org.models import Employee
    from tawasul.org.services import employee_save

    company = demo_company()
    user_model = get_user_model()
    user = user_model.objects.filter(username="bench.rep3").first()
    if user is None:
        user = user_model.objects.create_user("bench.rep3", password="demo")
        user.user_permissions.set(Group.objects.get(name="Representative").permissions.all())
        boss = Employee.objects.get(company=company, user__username="riyadh.supervisor")
        employee_save(
            actor=None,
            company=company,
            user=user,
            code="BENCH3",
            name="Bench Rep Three",
            reports_to=boss,
            branch=boss.branch,
            department=boss.department,
        )
    if RecordRule.objects.filter(user=user).count() == 3:
        return
    RecordRule.objects.filter(user=user).delete()
    region = Area.objects.filter(company=company, level="region").order_by("pk").first()
    industries = list(Industry.objects.filter(company=company).order_by("pk")[:2])
    group = ProductGroup.objects.filter(company=company).order_by("pk").first()
    actions = ["view", "change"]
    rule_save(
        actor=None,
        company=company,
        name="Bench: Riyadh region, two industries",
        model="contacts.contact",
        actions=actions,
        user=user,
        conditions=[
            {"field": "area", "operator": "in_subtree", "values": [region.pk]},
            {"field": "industry", "operator": "in", "values": [i.pk for i in industries]},
        ],
    )
    rule_save(
        actor=None,
        company=company,
        name="Bench: one product group",
        model="contacts.contact",
        actions=actions,
        user=user,
        conditions=[{"field": "product_groups", "operator": "any", "values": [group.pk]}],
    )
    rule_save(
        actor=None,
        company=company,
        name="Bench: my team",
        model="contacts.contact",
        actions=actions,
        user=user,
        conditions=[{"field": "representative", "operator": "is_me_or_team", "values": []}],
    )


def pick_values(rep_username: str, usernames: list[str]) -> dict[str, str]:
    """Filter and search values that exist in the data: an industry, words, one contact."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from tawasul.contacts.models import Contact, Industry
    from tawasul.demo.builder import demo_company

    company = demo_company()
    users = list(get_user_model().objects.filter(username__in=usernames))
    industry = (
        Industry.objects.filter(company=company)
        .annotate(n=Count("contacts"))
        .order_by("-n")
        .first()
    )
    # A contact every user measured can see (the representative's own), found by its full
    # name: a selective search. Prefer a generated individual: a typical, sparse record.
    theirs = Contact.objects.filter(company=company, representative__user__username=rep_username)
    for user in users:  # one every measured user may see, so that each detail page answers
        theirs = theirs.filter(pk__in=Contact.objects.restrict(user, "view").values("pk"))
    mine = (
        theirs.filter(kind="individual", code__startswith="B").order_by("pk").first()
        or theirs.order_by("pk").first()
        or Contact.objects.filter(company=company).order_by("pk").first()
    )
    # A dealer with customers (the page lists the customers it serves).
    dealer = (
        Contact.objects.filter(company=company, dealer_profile__isnull=False)
        .annotate(n=Count("served_contacts"))
        .order_by("-n", "pk")
        .first()
    )
    return {
        "industry": str(industry.pk) if industry else "",
        "contact": str(mine.pk),
        "name": mine.name,
        "dealer": str(dealer.pk) if dealer else "",
        "family": "Al-Harbi",
        "word": "noor",
        "word_ar": "النور",
    }


def scenarios(values: dict[str, str]) -> list[tuple[str, str]]:
    from urllib.parse import urlencode

    filtered = urlencode({"lifecycle": "customer", "industry": values["industry"]})
    return [
        ("list: first page", "/contacts/"),
        ("list: next page (cursor)", "next:/contacts/"),
        ("list: row count (loaded after the page)", "count:/contacts/"),
        ("list: lifecycle + industry", f"/contacts/?{filtered}"),
        ("list: search common word", "/contacts/?" + urlencode({"q": values["word"]})),
        ("list: search Arabic word", "/contacts/?" + urlencode({"q": values["word_ar"]})),
        ("list: search full name", "/contacts/?" + urlencode({"q": values["name"]})),
        ("list: search family name", "/contacts/?" + urlencode({"q": values["family"]})),
        ("detail page", f"/contacts/{values['contact']}/"),
        ("dealer page", f"/contacts/{values['dealer']}/"),
        ("api: first page", "/api/contacts/"),
        ("api: next page (cursor)", "next:/api/contacts/"),
        ("api: lifecycle + industry", f"/api/contacts/?{filtered}"),
        ("api: search common word", "/api/contacts/?" + urlencode({"q": values["word"]})),
        ("api: search family name", "/api/contacts/?" + urlencode({"q": values["family"]})),
        ("api: detail", f"/api/contacts/{values['contact']}/"),
    ]


def next_url(client, first: str) -> str | None:
    """The second page's URL, read from the first page (HTML link or API `next`)."""
    response = client.get(first)
    if response.status_code != 200:
        return None
    if first.startswith("/api/"):
        link = response.json().get("next")
        if not link:
            return None
        parts = urlsplit(link)
        return f"{parts.path}?{parts.query}"
    match = CURSOR.search(response.content.decode())
    return f"{first}?cursor={match.group(1)}" if match else None


# The row count of a list page is a separate htmx request made once the page is shown.
COUNT_HEADERS = {"HX-Request": "true", "HX-Target": "row-count"}


def measure(client, scenario: str, user: str, url: str, args, headers=None) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = Result(scenario, user, url)
    headers = headers or {}
    try:
        for _ in range(args.warmup):
            client.get(url, headers=headers)
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            result.times_ms.append((time.perf_counter() - started) * 1000)
        result.status = response.status_code
        with CaptureQueriesContext(connection) as captured:
            client.get(url, headers=headers)
        result.queries = len(captured.captured_queries)
        if not args.no_explain and connection.vendor == "postgresql":
            result.plans = explain(captured.captured_queries)
    except Exception as exc:  # a page under construction: report it and go on
        result.status = "error"
        result.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    return result


# Plans kept per request: the slowest statements reading contacts, if they take this long.
PLANS_PER_REQUEST = 2
PLAN_MIN_MS = 0.5
SQL_SHOWN = 3000  # characters of each statement shown above its plan
# A select list of plain columns, shown as "…" so that the FROM and WHERE clauses stay readable.
COLUMNS = re.compile(
    r'SELECT (DISTINCT )?(?:"\w+"\."\w+"(?: AS "\w+")?, )+"\w+"\."\w+"(?: AS "\w+")? FROM'
)


def shorten(sql: str) -> str:
    sql = COLUMNS.sub(lambda m: f"SELECT {m.group(1) or ''}… FROM", sql)
    return sql if len(sql) <= SQL_SHOWN else sql[:SQL_SHOWN] + " …"


def explain(queries) -> list[tuple[float, str, str]]:
    """EXPLAIN ANALYZE of the statements that read contacts, slowest first."""
    from django.db import connection

    plans = []
    for query in queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT") or '"contacts_contact"' not in sql:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        match = re.search(r"Execution Time: ([\d.]+) ms", plan)
        plans.append((float(match.group(1)) if match else 0.0, sql, plan))
    plans.sort(key=lambda item: -item[0])
    return [p for p in plans if p[0] >= PLAN_MIN_MS][:PLANS_PER_REQUEST]


def environment(count: int, load_seconds: float | None) -> list[str]:
    from django.db import connection

    lines = [f"- date: {dt.datetime.now().isoformat(timespec='seconds')}"]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        lines.append(f"- commit: {commit or 'unknown'} (plus uncommitted changes, if any)")
    except OSError:
        pass
    lines.append(
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            lines.append(f"- database: {cursor.fetchone()[0].split(',')[0]}")
            for name in ("shared_buffers", "work_mem", "jit"):
                cursor.execute(f"SHOW {name}")
                lines.append(f"- {name}: {cursor.fetchone()[0]}")
    else:
        lines.append(f"- database: {connection.vendor}")
    lines.append(f"- contacts in the demo company: {count:,}")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines.append(f"- load average when the report was written: {load}")
    if load_seconds is not None:
        lines.append(f"- loaded by this run in {load_seconds:.1f} s")
    return lines


def report(results: list[Result], env: list[str], args) -> str:
    out = [
        "# Contacts benchmark",
        "",
        *env,
        f"- {args.runs} measured runs after {args.warmup} warm-up runs; times are the "
        "median wall time of the request inside Django (test client, no network)",
        "",
        "| scenario | user | status | median ms | min–max ms | SQL queries |",
        "|---|---|---|---:|---:|---:|",
    ]
    for r in results:
        if r.times_ms:
            spread = f"{min(r.times_ms):.1f}–{max(r.times_ms):.1f}"
            median = f"{r.median:.1f}"
        else:
            spread = median = "–"
        queries = "–" if r.queries is None else str(r.queries)
        out.append(f"| {r.scenario} | {r.user} | {r.status} | {median} | {spread} | {queries} |")
    errors = [r for r in results if r.error or (isinstance(r.status, int) and r.status >= 400)]
    if errors:
        out += ["", "## Not measured or failing", ""]
        for r in errors:
            out.append(f"- {r.scenario} as {r.user} (`{r.url}`): {r.status} {r.error}")
    planned = [r for r in results if r.plans]
    if planned:
        out += [
            "",
            "## Query plans",
            "",
            f"EXPLAIN (ANALYZE, BUFFERS) of the {PLANS_PER_REQUEST} slowest statements reading "
            f"`contacts_contact` per request (from {PLAN_MIN_MS} ms).",
            "",
        ]
        for r in planned:
            out += [f"### {r.scenario} — {r.user}", ""]
            for ms, sql, plan in r.plans:
                out += [
                    f"{ms:.2f} ms",
                    "",
                    "```sql",
                    shorten(sql),
                    "```",
                    "",
                    "```",
                    plan,
                    "```",
                    "",
                ]
    return "\n".join(out) + "\n"


def main() -> int:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) and not args.allow_sqlite:
        print(
            "Set DATABASE_URL to a PostgreSQL database (see bench/README.md), "
            "or pass --allow-sqlite.",
            file=sys.stderr,
        )
        return 2
    import logging

    import django

    django.setup()
    # Pages that answer 404 are reported in the results; keep the console readable.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    count, load_seconds = ensure_contacts(args.contacts)
    if load_seconds is not None:
        print(f"Loaded contacts up to {count:,} in {load_seconds:.1f} s")
    ensure_rule_user()
    usernames = [u.strip() for u in args.users.split(",") if u.strip()]
    rep = next((u for u in usernames if u.startswith("rep.")), usernames[-1])
    values = pick_values(rep, usernames)
    results: list[Result] = []
    users = get_user_model().objects.in_bulk(usernames, field_name="username")
    for username in usernames:
        user = users.get(username)
        if user is None:
            print(f"No demo user {username}; skipped.", file=sys.stderr)
            continue
        client = Client(SERVER_NAME="localhost", raise_request_exception=True)
        client.force_login(user)
        for scenario, target in scenarios(values):
            if target.startswith("next:"):
                first = target[len("next:") :]
                try:
                    target = next_url(client, first)
                except Exception as exc:
                    results.append(
                        Result(
                            scenario,
                            username,
                            first,
                            "error",
                            error=f"{type(exc).__name__}: {exc}"[:300],
                        )
                    )
                    continue
                if target is None:
                    results.append(
                        Result(scenario, username, first, "–", error="no next page link found")
                    )
                    continue
            headers = None
            if target.startswith("count:"):
                target, headers = target[len("count:") :], COUNT_HEADERS
            result = measure(client, scenario, username, target, args, headers)
            median = f"{result.median:8.1f} ms" if result.median is not None else "       –   "
            print(
                f"{scenario:<30} {username:<14} {result.status!s:>5} {median} "
                f"{result.queries if result.queries is not None else '–':>4} queries "
                f"{result.error}"
            )
            results.append(result)
    text = report(results, environment(count, load_seconds), args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(
        f"\nWrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
