"""The one search interface.

Modules register a provider per kind of record; the global search box asks each of them for
the matches the user may see. Text matching runs on a normalised `search_text` column: on
PostgreSQL a pg_trgm GIN index answers `LIKE '%term%'`; on SQLite the same query scans.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet

from .text import search_terms


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


def register_provider(key: str, provider: SearchProvider) -> None:
    _PROVIDERS[key] = provider


def providers() -> dict[str, SearchProvider]:
    return dict(_PROVIDERS)


# On PostgreSQL a search first collects up to this many matching keys through the trigram index.
PREFETCH_CAP = 2000


def text_filter(queryset: QuerySet, query: str, field: str = "search_text") -> QuerySet:
    """Narrow `queryset` to rows whose normalised text contains every word of `query`.

    A rare word sorted by name tempts PostgreSQL into walking the name index and testing every
    row until a page is full (hundreds of thousands of rows for a name late in the alphabet). So
    on PostgreSQL the matching keys are collected first through the trigram index; when they are
    few, the page is sorted from that short list. A common word keeps the plain plan, which
    finds a page of matches quickly.
    """
    words = search_terms(query).split()
    for word in words:
        queryset = queryset.filter(**{f"{field}__contains": word})
    if words and connections[queryset.db].vendor == "postgresql":
        keys = list(queryset.order_by().values_list("pk", flat=True)[: PREFETCH_CAP + 1])
        if len(keys) <= PREFETCH_CAP:
            return queryset.filter(pk__in=keys)
    return queryset
