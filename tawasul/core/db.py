"""Keeping the database's query planner informed.

SQLite chooses indexes from the statistics that `ANALYZE` writes to `sqlite_stat1`; without them
it assumes that an equality on an index's first column narrows to about ten rows, whatever the
column. `company_id = ?` then looks as selective as `dealer_id = ?` or `name_normalized = ?`,
and SQLite prefers the contacts' covering name index (it also gives the sort order), reading the
whole company to answer a duplicate check or a dealer's customers: hundreds of milliseconds at
100,000 contacts where the right index answers in one or two. Statistics fix every such query at
once, so they are gathered after migrations, after bulk loads and imports, and daily
(`core.tasks.planner_statistics_refresh`). PostgreSQL's autovacuum keeps its own statistics; a
bulk load asks for them explicitly.
"""

from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connections

# Rows SQLite reads per index when gathering statistics: enough for the ratios the planner needs,
# and it keeps ANALYZE to tens of milliseconds however large the tables grow.
SQLITE_ANALYSIS_LIMIT = 1000


def planner_statistics_refresh(
    *, using: str = DEFAULT_DB_ALIAS, tables: Iterable[str] = ()
) -> None:
    """Gather the planner's statistics: every table on SQLite, `tables` (all when empty) on
    PostgreSQL. Safe to call at any time; takes a few tens of milliseconds on SQLite."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
            cursor.execute("ANALYZE")
            # The statistics are read when a statement is prepared; make every connection
            # (this one included) reload them.
            cursor.execute("ANALYZE sqlite_schema")
        elif connection.vendor == "postgresql":
            names = list(tables)
            if names:
                quoted = ", ".join(connection.ops.quote_name(name) for name in names)
                cursor.execute(f"ANALYZE {quoted}")
            else:
                cursor.execute("ANALYZE")
