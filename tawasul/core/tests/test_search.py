"""How a text search narrows a list, on each database, and that every path pages correctly."""

import pytest
from django.db import connection

from tawasul.contacts.models import Contact
from tawasul.contacts.tests.factories import make_contact
from tawasul.core import search
from tawasul.core.pagination import UNINDEXED_SORT, keyset_paginate

NAMES = ["Noor Beta", "Al Noor Alpha", "Zed Noor", "Noor Gamma", "Other", "Nooradin"]


@pytest.fixture
def contacts(company, customer_type):
    return [make_contact(company=company, contact_type=customer_type, name=n) for n in NAMES]


def _walk(queryset, sort):
    seen, cursor = [], None
    while True:
        page = keyset_paginate(queryset, sort=sort, cursor=cursor, size=2, keys_first=True)
        seen.extend(c.name for c in page.rows)
        if not page.has_next:
            return seen
        cursor = page.next_cursor


@pytest.mark.parametrize("path", ["keys", "sorted", "walk"])
@pytest.mark.parametrize("sort", ["name", "-name"])
def test_every_path_returns_the_same_matches_in_order(contacts, monkeypatch, path, sort):
    if path != "keys":
        monkeypatch.setattr(search, "PREFETCH_CAP", 1)  # more matches than keys collected
    if path == "walk":
        monkeypatch.setattr(search, "SORT_MATCHES_UP_TO", 0)  # "too many" to sort
    queryset = search.text_filter(Contact.objects.all(), "noor")
    expected = sorted((n for n in NAMES if "noor" in n.lower()), reverse=sort.startswith("-"))
    assert _walk(queryset, sort) == expected
    marked = UNINDEXED_SORT in queryset.query.annotations
    assert marked == (connection.vendor == "postgresql" and path == "sorted")
    page_sql = str(queryset.order_by("name").query)
    if connection.vendor == "postgresql" and path == "keys":
        assert '"contacts_contact"."id" IN (' in page_sql  # the few keys, collected first


def test_the_estimate_comes_from_the_planner(contacts):
    queryset = Contact.objects.filter(search_text__contains="noor")
    if connection.vendor != "postgresql":
        # No planner to ask on SQLite: the FTS5 trigram table gives the keys, and a page is
        # sorted from them.
        narrowed = search.text_filter(Contact.objects.all(), "noor")
        sql = str(narrowed.query)
        assert "contacts_contact_fts" not in sql and " IN (" in sql and narrowed.count() == 5
        return
    estimate = search.estimated_rows(queryset)
    assert isinstance(estimate, int) and 1 <= estimate
