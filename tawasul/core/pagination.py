"""Keyset (seek) pagination shared by list pages and the API.

Pages are addressed by an opaque cursor holding the sort value and primary key of the row at
the page's edge, so every page costs one index range scan however deep it is; no page ever
issues a COUNT(*) over the whole table.
"""

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.db.models.sql.where import WhereNode

COUNT_CAP = 10_000
# A query marked with this alias sorts by an expression no index serves, so that PostgreSQL
# sorts the rows its filters' own indexes find rather than walking the sort index
# (see core.search.text_filter). The order is the same.
UNINDEXED_SORT = "_tawasul_unindexed_sort"


class InvalidCursor(ValueError):
    """The cursor in the request cannot be decoded."""


@dataclass
class KeysetPage:
    rows: list[Any]
    has_next: bool
    has_previous: bool
    next_cursor: str | None
    previous_cursor: str | None


def _encode(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor(str(exc)) from exc
    if not isinstance(data, dict) or data.get("d") not in ("n", "p") or "k" not in data:
        raise InvalidCursor("malformed cursor")
    if not isinstance(data["k"], int):
        raise InvalidCursor("malformed cursor")
    return data


def _value(row: Any, field: str) -> Any:
    value = getattr(row, field)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def keyset_paginate(
    queryset: QuerySet, *, sort: str, cursor: str | None, size: int, keys_first: bool = False
) -> KeysetPage:
    """Return one page of `queryset` ordered by `sort` (a field name, '-' for descending) then pk.

    With `keys_first`, the page's keys are read first, then its rows by key. When the sort index
    carries the columns the conditions test (the contacts' name index does, for every link field
    a record rule may test), the first step is an index-only scan: a user whose rules match few
    of the rows in sort order no longer fetches every row passed over from the table.
    """
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    direction = "n"
    if cursor:
        data = _decode(cursor)
        direction = data["d"]
        value, pk = data.get("v"), data["k"]
        # Going backwards walks the index the other way round.
        forward = descending if direction == "p" else not descending
        op = "gt" if forward else "lt"
        edge = "gte" if forward else "lte"
        if value is None:
            queryset = queryset.filter(**{f"pk__{op}": pk})
        else:
            queryset = queryset.filter(**{f"{field}__{edge}": value}).filter(
                Q(**{f"{field}__{op}": value}) | Q(**{f"pk__{op}": pk})
            )
    walk_desc = descending != (direction == "p")
    order = [f"-{field}", "-pk"] if walk_desc else [field, "pk"]
    if UNINDEXED_SORT in queryset.query.annotations:
        same = Coalesce(F(field), F(field))  # sorts like the field; no index matches it
        order[0] = same.desc() if walk_desc else same.asc()
    ordered = queryset.order_by(*order)
    if keys_first:
        keys = list(ordered.values_list("pk", flat=True)[: size + 1])
        found = {row.pk: row for row in with_keys(queryset, keys).order_by()} if keys else {}
        rows = [found[key] for key in keys if key in found]
    else:
        rows = list(ordered[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if direction == "p":
        rows.reverse()
        has_previous, has_next = more, True
    else:
        has_previous, has_next = bool(cursor), more
    next_cursor = previous_cursor = None
    if rows and has_next:
        last = rows[-1]
        next_cursor = _encode({"d": "n", "v": _value(last, field), "k": last.pk})
    if rows and has_previous:
        first = rows[0]
        previous_cursor = _encode({"d": "p", "v": _value(first, field), "k": first.pk})
    return KeysetPage(rows, has_next, has_previous, next_cursor, previous_cursor)


def with_keys(queryset: QuerySet, keys: list) -> QuerySet:
    """The rows of `queryset` with these keys, found by key alone.

    `keys` must have been read from `queryset` itself (so they satisfy its conditions, access
    rules included): the conditions are dropped, keeping the joins, related rows and annotations,
    so that the planner looks the rows up by primary key instead of re-running the filters.
    """
    narrowed = queryset.all()
    narrowed.query.where = WhereNode()
    return narrowed.filter(pk__in=list(keys))


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Count rows up to `cap`; returns (count, more_than_cap) without scanning past the cap."""
    n = queryset.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


KEYS_CAP = 5_000


def narrow_to_keys(queryset: QuerySet, cap: int = KEYS_CAP) -> tuple[QuerySet, int | None]:
    """For a filtered list: collect the matching keys first when they are few.

    Sorting by name makes the database (PostgreSQL and SQLite alike) walk the name index and test
    every row until a page is full; when the filters (and access rules) match only a few rows,
    that walk crosses most of the table.
    An unordered, limited query for the keys lets the planner use the filters' own indexes; with at
    most `cap` keys the page is then sorted from that short list, and the keys give the row count.
    Returns the (possibly narrowed) queryset and the exact count when it is known.
    """
    keys = list(queryset.order_by().values_list("pk", flat=True)[: cap + 1])
    if len(keys) > cap:
        return queryset, None
    return with_keys(queryset, keys), len(keys)
