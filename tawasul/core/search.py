"""The one search interface.

Modules register a provider per kind of record; the global search box asks each of them for
the matches the user may see. Text matching runs on a normalised `search_text` column: on
PostgreSQL a pg_trgm GIN index answers `LIKE '%term%'`; on SQLite the same query scans.
"""

from collections.abc import Callable
from dataclasses import dataclass

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


def text_filter(queryset: QuerySet, query: str, field: str = "search_text") -> QuerySet:
    """Narrow `queryset` to rows whose normalised text contains every word of `query`."""
    for word in search_terms(query).split():
        queryset = queryset.filter(**{f"{field}__contains": word})
    return queryset
