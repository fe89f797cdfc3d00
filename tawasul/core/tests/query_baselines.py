"""Committed query-count baselines: a page or API list runs exactly the queries it ran before.

"Does not grow with rows" catches N+1 reads; it does not catch a page that gains a query per
request. Each app keeps the exact count of every page and API list it measures in
`tests/query_counts.json` beside its test file, per database engine (SQLite and PostgreSQL
differ, e.g. in savepoints and sequence reads), as NetBox does; a test fails when a count moves
either way:

- it grew: the message lists the queries so the new one can be found (and removed, or accepted
  by updating the baseline in the same commit, saying why);
- it shrank: well done; the message says how to record the smaller number.

To (re)write the baselines after a deliberate change, on both engines::

    UPDATE_QUERY_BASELINES=1 TAWASUL_TESTING=1 .venv/bin/pytest -p no:cacheprovider \\
        tawasul/<app>/tests/test_query_counts.py
    DATABASE_URL=postgresql://... UPDATE_QUERY_BASELINES=1 ...  (the same, on PostgreSQL)

Usage in a test::

    def test_contact_list(staff_client, query_baseline):
        staff_client.get(url)  # warm the per-user caches first
        with query_baseline("contacts", "contact_list"):
            assert staff_client.get(url).status_code == 200
"""

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

FILE_NAME = "query_counts.json"
UPDATE_VARIABLE = "UPDATE_QUERY_BASELINES"
TAWASUL = Path(__file__).resolve().parents[2]


def baseline_path(app: str) -> Path:
    """`tawasul/<app>/tests/query_counts.json`: where the app's baselines are committed."""
    return TAWASUL / app / "tests" / FILE_NAME


def _read(path: Path) -> dict:
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if text.strip() else {}


def record_baseline(path: Path, name: str, engine: str, count: int) -> None:
    """Write `count` for `name` on `engine` into `path`, keys sorted (safe across xdist workers:
    the file is locked while it is read and rewritten)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        text = handle.read()
        data = json.loads(text) if text.strip() else {}
        data.setdefault(name, {})[engine] = count
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(data, indent=2, sort_keys=True) + "\n")


def _update_hint(path: Path) -> str:
    relative = path.relative_to(TAWASUL.parent) if path.is_relative_to(TAWASUL.parent) else path
    test_file = relative.parent / "test_query_counts.py"
    return (
        f"Record it with: {UPDATE_VARIABLE}=1 TAWASUL_TESTING=1 .venv/bin/pytest "
        f"-p no:cacheprovider {test_file} (and again with DATABASE_URL on PostgreSQL), "
        f"then commit {relative}."
    )


def compare(path: Path, name: str, engine: str, count: int, sql: list[str]) -> None:
    """Fail unless `count` is the committed baseline of `name` on `engine` (or record it when
    UPDATE_QUERY_BASELINES is set). Raises AssertionError with the queries and the fix."""
    if os.environ.get(UPDATE_VARIABLE, "").strip() in {"1", "true", "yes"}:
        record_baseline(path, name, engine, count)
        return
    expected = _read(path).get(name, {}).get(engine)
    if expected == count:
        return
    listing = "\n".join(f"  {n}. {query[:300]}" for n, query in enumerate(sql, 1))
    if expected is None:
        raise AssertionError(
            f"No query baseline for {name!r} on {engine} in {path.name} ({count} queries now). "
            f"{_update_hint(path)}\n{listing}"
        )
    if count > expected:
        raise AssertionError(
            f"{name!r} runs {count} queries on {engine}, {count - expected} more than its "
            f"baseline of {expected}. Find the new query below and remove it; if it is needed, "
            f"say why in the commit. {_update_hint(path)}\n{listing}"
        )
    raise AssertionError(
        f"{name!r} runs {count} queries on {engine}, {expected - count} fewer than its baseline "
        f"of {expected}: well done. {_update_hint(path)}"
    )


@contextmanager
def query_baseline(app: str, name: str):
    """Capture the queries of the block and compare their count with the app's baseline.

    `app` is the folder under tawasul/ whose tests/query_counts.json holds the baseline; `name`
    a stable key (the URL name, say). The engine is the test database's vendor.
    """
    with CaptureQueriesContext(connection) as captured:
        yield captured
    sql = [query["sql"] for query in captured.captured_queries]
    compare(baseline_path(app), name, connection.vendor, len(sql), sql)


def assert_get_queries(client, url: str, *, app: str, name: str, **extra) -> None:
    """GET `url` twice with `client`; the second answer's queries must match the baseline.

    The first request warms what a user's session caches (permissions, compiled rules,
    content types), so the count is the steady one every later request pays.
    """
    assert client.get(url, **extra).status_code == 200, url
    with query_baseline(app, name):
        response = client.get(url, **extra)
    assert response.status_code == 200, url
