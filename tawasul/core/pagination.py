"""Keyset (seek) pagination shared by list pages and the API.

Pages are addressed by an opaque cursor holding the sort value and primary key of the row at
the page's edge, so every page costs one index range scan however deep it is; no page ever
issues a COUNT(*) over the whole table.
"""

import base64
import binascii
import datetime as dt
import json
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, FieldError, ValidationError
from django.db.models import F, Field, Q, QuerySet
from django.db.models.functions import Coalesce
from django.db.models.sql.where import WhereNode
from django.utils import timezone

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


# A cursor we write holds a direction, a key and one sort value: a few hundred characters.
MAX_CURSOR_LENGTH = 2_000
_BIGINT = 2**63


def _decode(cursor: str) -> dict[str, Any]:
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor("cursor too long")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeError, RecursionError) as exc:
        raise InvalidCursor(str(exc)) from exc
    if not isinstance(data, dict) or data.get("d") not in ("n", "p") or "k" not in data:
        raise InvalidCursor("malformed cursor")
    key = data["k"]
    if isinstance(key, bool) or not isinstance(key, int) or not -_BIGINT <= key < _BIGINT:
        raise InvalidCursor("malformed cursor")
    return data


def _sort_field(queryset: QuerySet, name: str) -> Field | None:
    """The model field (or annotation's output field) a page is sorted by, if one is known."""
    if name in queryset.query.annotations:
        try:
            return queryset.query.annotations[name].output_field
        except FieldError:
            return None
    opts = queryset.model._meta
    field = None
    for part in name.split("__"):
        try:
            field = opts.pk if part == "pk" else opts.get_field(part)
        except FieldDoesNotExist:
            return None
        if field.is_relation and field.related_model is not None:
            opts = field.related_model._meta
    if field is not None and field.is_relation and field.related_model is not None:
        field = field.target_field
    return field


def _cursor_value(field: Field | None, value: Any) -> Any:
    """The cursor's sort value as the database will compare it, or InvalidCursor.

    A cursor comes from the address bar, so anything may be in it: a value of another type, an
    empty date, a number no column holds, a character no database accepts.
    """
    if isinstance(value, (dict, list)):
        raise InvalidCursor("malformed cursor value")
    if field is None:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise InvalidCursor("malformed cursor value")
        python = value
    else:
        try:
            python = field.to_python(value)
        except (ValidationError, TypeError, ValueError, ArithmeticError) as exc:
            raise InvalidCursor("malformed cursor value") from exc
    if python is None:
        raise InvalidCursor("malformed cursor value")
    if isinstance(python, str):
        if "\x00" in python:
            raise InvalidCursor("malformed cursor value")
        try:
            python.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidCursor("malformed cursor value") from exc
    elif isinstance(python, bool):
        pass
    elif isinstance(python, int):
        if not -_BIGINT <= python < _BIGINT:
            raise InvalidCursor("malformed cursor value")
    elif isinstance(python, float):
        if not math.isfinite(python):
            raise InvalidCursor("malformed cursor value")
    elif isinstance(python, Decimal):
        if not python.is_finite() or python.adjusted() > 30:
            raise InvalidCursor("malformed cursor value")
    elif isinstance(python, dt.datetime):
        if timezone.is_naive(python) and settings.USE_TZ:
            raise InvalidCursor("malformed cursor value")
        if timezone.is_aware(python):
            # A time whose UTC value falls outside years 1-9999 (9999-12-31T23:59-14:00) cannot
            # be stored or compared by the database.
            try:
                python.astimezone(dt.UTC)
            except OverflowError as exc:
                raise InvalidCursor("malformed cursor value") from exc
    return python


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
        if value is not None:
            value = _cursor_value(_sort_field(queryset, field), value)
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
    order: list[Any] = [f"-{field}", "-pk"] if walk_desc else [field, "pk"]
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
