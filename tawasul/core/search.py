"""The one search interface.

Modules register a provider per kind of record; the global search box asks each of them for
the matches the user may see. Text matching runs on a normalised `search_text` column: on
PostgreSQL a pg_trgm GIN index answers `LIKE '%term%'`; on SQLite an FTS5 trigram table over the
same column (registered with `register_text_index`) answers words of three letters or more, and
shorter words are matched by scanning.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connections, transaction
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.db.models.signals import post_migrate

from .pagination import UNINDEXED_SORT, with_keys
from .text import is_blank, search_terms, search_text_of


@dataclass(frozen=True)
class SearchHit:
    title: str
    subtitle: str
    url: str


@dataclass(frozen=True)
class SearchProvider:
    label: str
    icon: str
    search: Callable[..., list[SearchHit]]  # (user, query, limit) -> hits
    more_url: Callable[[str], str]


_PROVIDERS: dict[str, SearchProvider] = {}
# (model, field) -> the SQLite FTS5 trigram table indexing that field by the model's key.
_SQLITE_TEXT_INDEXES: dict[tuple, str] = {}


def register_text_index(model, field: str, table: str) -> None:
    """Declare the SQLite FTS5 table (trigram tokenizer, rowid = key) that indexes `field`."""
    _SQLITE_TEXT_INDEXES[(model, field)] = table


def _sqlite_text_index_sql(table: str, content: str, field: str, key: str) -> list[str]:
    """The FTS5 table over `content.field` and the triggers that keep it in step."""
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5({field}, "
        f"content='{content}', content_rowid='{key}', tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {table}_insert AFTER INSERT ON {content} BEGIN "
        f"INSERT INTO {table}(rowid, {field}) VALUES (new.{key}, new.{field}); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_delete AFTER DELETE ON {content} BEGIN "
        f"INSERT INTO {table}({table}, rowid, {field}) "
        f"VALUES ('delete', old.{key}, old.{field}); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_update AFTER UPDATE OF {field} "
        f"ON {content} BEGIN "
        f"INSERT INTO {table}({table}, rowid, {field}) "
        f"VALUES ('delete', old.{key}, old.{field}); "
        f"INSERT INTO {table}(rowid, {field}) VALUES (new.{key}, new.{field}); END",
        f"INSERT INTO {table}({table}) VALUES ('rebuild')",
    ]


def sqlite_text_indexes_ensure(using: str = "default") -> list[str]:
    """Re-create any missing SQLite FTS5 table or trigger and rebuild that index.

    SQLite cannot add a NOT NULL column in place: Django copies the table into a new one and
    drops the old, and the old table's triggers go with it, after which the index silently stops
    following edits. This runs after every `migrate` (and from migrations that remake an indexed
    table); it does nothing when everything is in place. Returns the tables it rebuilt.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        existing = {name for (name,) in cursor.fetchall()}
    rebuilt = []
    for (model, field), table in _SQLITE_TEXT_INDEXES.items():
        wanted = {table, f"{table}_insert", f"{table}_delete", f"{table}_update"}
        content = model._meta.db_table
        if wanted <= existing or content not in existing:
            continue
        column = model._meta.get_field(field).column
        with connection.cursor() as cursor:
            for statement in _sqlite_text_index_sql(table, content, column, model._meta.pk.column):
                cursor.execute(statement)
        rebuilt.append(table)
    return rebuilt


post_migrate.connect(
    lambda sender, using="default", **kw: sqlite_text_indexes_ensure(using),
    dispatch_uid="tawasul.core.search.sqlite_text_indexes_ensure",
    weak=False,
)


def _fts_phrase(word: str) -> str:
    """One word as an FTS5 string: matched as a substring by the trigram tokenizer. Inside a
    string FTS5 operators and `*` are plain text; only the quote needs doubling."""
    return '"' + word.replace('"', '""') + '"'


def register_provider(key: str, provider: SearchProvider) -> None:
    _PROVIDERS[key] = provider


def providers() -> dict[str, SearchProvider]:
    return dict(_PROVIDERS)


# On PostgreSQL a search first collects up to this many matching keys through the trigram index.
PREFETCH_CAP = 2000
# Beyond that, up to this many estimated matches are sorted from the trigram index's rows; more
# than that, and the page walks the sort index (a common word fills a page within a few rows).
SORT_MATCHES_UP_TO = 50_000


# The annotation a ranked search adds: a sort key of the match's tier then the name, used as the
# page's sort when the user has not chosen one (`ranked_sort`).
RANK = "search_rank"


def _rank_expression(words: list[str], names: Sequence[str], label: str) -> Concat:
    """Tier of each match, as a one-character prefix of `label`: 0 a name equals the query,
    1 a name starts with it, 2 a word of a name starts with it, 3 the rest (code, phone, e-mail,
    persons...). Names are the normalised columns, compared with the normalised query."""
    phrase = " ".join(words)

    def any_name(lookup: str, value: str) -> Q:
        condition = Q()
        for name in names:
            condition |= Q(**{f"{name}__{lookup}": value})
        return condition

    tier = Case(
        When(any_name("exact", phrase), then=Value("0")),
        When(any_name("startswith", phrase), then=Value("1")),
        When(any_name("contains", " " + phrase), then=Value("2")),
        default=Value("3"),
        output_field=CharField(),
    )
    return Concat(tier, F(label), output_field=CharField())


def ranked_sort(queryset: QuerySet, default: str) -> str:
    """The sort a list should use when the user chose none: best matches first when the search
    ranked its matches, else `default`."""
    return RANK if RANK in queryset.query.annotations else default


def text_filter(
    queryset: QuerySet,
    query: str,
    field: str = "search_text",
    *,
    rank_by: Sequence[str] = (),
    rank_label: str = "name",
) -> QuerySet:
    """Narrow `queryset` to rows whose normalised text contains every word of `query`.

    `query` is normalised as the text was (`tawasul.core.text.search_terms`): Arabic spelling
    variants folded, a phone number reduced to its digits, words of only symbols dropped; a
    query of only symbols matches nothing. On the scanning path Django escapes `%` and `_` in
    `contains`, so a word never acts as a pattern.

    A word sorted by name tempts PostgreSQL into walking the name index and testing every row
    until a page is full: hundreds of thousands of rows when the matches' names sort late (the
    text contains the name, so the planner's guess of where matches lie is wrong). On PostgreSQL:
    - up to PREFETCH_CAP matches: their keys are collected through the trigram index, and the
      page is sorted from that short list (which also gives the exact count);
    - up to SORT_MATCHES_UP_TO estimated matches: the query is marked so that the page sorts the
      matches the trigram index finds instead of walking the name index
      (`core.pagination.UNINDEXED_SORT`);
    - more: the plain plan, which finds a page of a very common word within a few rows.
    SQLite collects up to PREFETCH_CAP keys the same way (through its FTS5 trigram table).

    With `rank_by` (the model's normalised name columns), a search that collected its keys also
    ranks them: the queryset gains the `RANK` annotation (an exact name first, then names that
    start with the query, then names with a word that does, then the rest, each by
    `rank_label`), which `ranked_sort` offers as the default sort. Larger result sets are not
    ranked (sorting every match would cost a scan of them all); they keep the name order.
    """
    words = search_terms(query).split()
    if not words:
        # Nothing typed: no narrowing. Only symbols (`*`, `"`, `%`, `_`, an emoji, a dash):
        # nothing is indexed as such, so nothing matches ("No contacts match").
        return queryset if is_blank(query) else queryset.none()
    vendor = connections[queryset.db].vendor
    fts = _SQLITE_TEXT_INDEXES.get((queryset.model, field)) if vendor == "sqlite" else None
    for word in words:
        if fts and len(word) >= 3:  # the trigram index answers words of three letters or more
            matches = RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", [_fts_phrase(word)])
            queryset = queryset.filter(pk__in=matches)
        else:
            queryset = queryset.filter(**{f"{field}__contains": word})
    keys = list(queryset.order_by().values_list("pk", flat=True)[: PREFETCH_CAP + 1])
    if len(keys) <= PREFETCH_CAP:
        narrowed = with_keys(queryset, keys)
        if rank_by:
            narrowed = narrowed.annotate(**{RANK: _rank_expression(words, rank_by, rank_label)})
        return narrowed
    if vendor == "postgresql":
        if estimated_rows(queryset) <= SORT_MATCHES_UP_TO:
            return queryset.alias(**{UNINDEXED_SORT: Value(True)})
    return queryset


def estimated_rows(queryset: QuerySet) -> int:
    """PostgreSQL's estimate of how many rows `queryset` selects (planning only, no scan)."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def search_text_fill(model, sources: Sequence[str], *, using: str = "default", batch_size=2000):
    """Re-compute `model`'s `search_text` from its `sources` fields (`text.search_text_of`) in
    batches by key, each committed on its own, writing only rows that change; for migrations
    that add the column or change the normalisation (`model` may be a historical model).
    Running it again changes nothing. Returns how many rows changed."""
    changed_total, last = 0, 0
    while True:
        with transaction.atomic(using=using):
            batch = list(
                model._base_manager.using(using)
                .filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", "search_text", *sources)[:batch_size]
            )
            if not batch:
                return changed_total
            changed = []
            for pk, current, *values in batch:
                fresh = search_text_of(*values)
                if fresh != current:
                    changed.append((fresh, pk))
            if changed:
                connection = connections[using]
                table = connection.ops.quote_name(model._meta.db_table)
                column = connection.ops.quote_name(model._meta.get_field("search_text").column)
                key = connection.ops.quote_name(model._meta.pk.column)
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"UPDATE {table} SET {column} = %s WHERE {key} = %s", changed
                    )
            changed_total += len(changed)
            last = batch[-1][0]
