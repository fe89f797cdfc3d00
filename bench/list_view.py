"""The generic list view's server time against the raw SQL of the same page.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tawasul_bench \\
        .venv/bin/python bench/list_view.py [--runs 15] [--users admin,rep.ahmed,bench.rep3]

For each user, the first 25-row page of the contacts list (`/contacts/`) and its row count
(asked for by the page once shown: `HX-Target: row-count`) are requested in-process with
Django's test client; the statements of both that read `contacts_contact` (the page's keys,
its rows by key, the capped count) are captured and then run again as they are, through a
plain cursor, fetching every row. The report gives the median of each and the ratio of the
view's time (page plus count) to that SQL's. The issue's budget is 3x. Results go to stdout
and `bench/results/list-view.md` (`--output`). The database must hold the demo company and
`bench.rep3` (`bench/contacts_list.py` builds both); this script changes nothing in it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tawasul.settings")
os.environ.setdefault("TAWASUL_TESTING", "1")

COUNT_HEADERS = {"HX-Request": "true", "HX-Target": "row-count"}
URL = "/contacts/"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--users", default="admin,rep.ahmed,bench.rep3")
    parser.add_argument("--url", default=URL)
    parser.add_argument("--label", default="", help="what is measured, e.g. a commit")
    parser.add_argument(
        "--rule-user", action="store_true", help="create bench.rep3 first (contacts_list.py)"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench/results/list-view.md")
    return parser.parse_args()


def timed(call, runs: int, warmup: int) -> float:
    """Median milliseconds of `call()` over `runs` after `warmup` calls."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def contact_statements(client, url: str, headers: dict) -> tuple[int, list[str]]:
    """The number of statements of one request, and those that read contacts, as sent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    statements = [q["sql"] for q in captured.captured_queries]
    return len(statements), [s for s in statements if 'FROM "contacts_contact"' in s]


def run_sql(statements: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()


def main() -> int:
    args = parse_args()
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from tawasul.contacts.models import Contact

    if args.rule_user:
        sys.path.insert(0, str(ROOT / "bench"))
        from contacts_list import ensure_rule_user

        ensure_rule_user()

    users = get_user_model().objects.in_bulk(
        [u.strip() for u in args.users.split(",") if u.strip()], field_name="username"
    )
    rows = []
    for username in [u.strip() for u in args.users.split(",") if u.strip()]:
        user = users.get(username)
        if user is None:
            print(f"No user {username}; skipped.", file=sys.stderr)
            continue
        client = Client(SERVER_NAME="localhost", raise_request_exception=True)
        client.force_login(user)
        n_page, page_sql = contact_statements(client, args.url, {})
        n_count, count_sql = contact_statements(client, args.url, COUNT_HEADERS)
        page_ms = timed(lambda c=client: c.get(args.url), args.runs, args.warmup)
        count_ms = timed(
            lambda c=client: c.get(args.url, headers=COUNT_HEADERS), args.runs, args.warmup
        )
        page_sql_ms = timed(lambda s=page_sql: run_sql(s), args.runs, args.warmup)
        count_sql_ms = timed(lambda s=count_sql: run_sql(s), args.runs, args.warmup)
        view, sql = page_ms + count_ms, page_sql_ms + count_sql_ms
        # What any signed-in request costs here (session, user, middleware, response): the row
        # count's request less its one statement of its own.
        floor = max(count_ms - count_sql_ms, 0.0)
        page_work = (page_ms - floor) / page_sql_ms
        row = (
            username,
            page_ms,
            count_ms,
            n_page,
            n_count,
            page_sql_ms,
            count_sql_ms,
            view / sql,
            floor,
            page_work,
        )
        rows.append(row)
        print(
            f"{username:<14} page {page_ms:6.1f} ms ({n_page} queries), count {count_ms:5.1f} ms;"
            f" SQL page {page_sql_ms:5.1f} ms, count {count_sql_ms:5.1f} ms; ratio {view / sql:4.1f}x;"
            f" request floor {floor:4.1f} ms, page beyond it / its SQL {page_work:4.1f}x"
        )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        database = cursor.fetchone()[0].split(",")[0] if connection.vendor == "postgresql" else ""
    lines = [
        "# Generic list view against its SQL",
        "",
        f"- date: {dt.datetime.now().isoformat(timespec='seconds')}",
        f"- code: {args.label or commit}",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"- database: {connection.vendor} {database}",
        f"- contacts: {Contact.objects.count():,}",
        f"- load average at the end: {', '.join(f'{v:.1f}' for v in os.getloadavg())}",
        f"- page: `{args.url}`, 25 rows; medians of {args.runs} runs after {args.warmup} warm-up",
        "- view: the request through Django's test client (middleware, session, access rules,"
        " template); SQL: the statements of the page and count that read `contacts_contact`,"
        " run again as sent through a plain cursor, fetching all rows",
        "- request floor: the row count's request less its count statement, i.e. what any"
        " signed-in request costs here (session, user, middleware, response); page beyond it:"
        " (page ms - floor) / SQL page ms",
        "",
        "| user | page ms | count ms | queries (page + count) | SQL page ms | SQL count ms |"
        " view / SQL | request floor ms | page beyond floor / SQL |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for username, page_ms, count_ms, n_page, n_count, psql, csql, ratio, floor, work in rows:
        lines.append(
            f"| {username} | {page_ms:.1f} | {count_ms:.1f} | {n_page} + {n_count} | {psql:.1f} |"
            f" {csql:.1f} | {ratio:.1f}x | {floor:.1f} | {work:.1f}x |"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
