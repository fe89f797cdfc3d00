"""Contact search gives the same answers as a plain substring test, whichever index serves it
(PostgreSQL's trigram index; SQLite's FTS5 trigram table, kept in step by triggers)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tawasul.contacts.models import Contact
from tawasul.contacts.services import contact_delete, contact_update
from tawasul.contacts.tests.factories import make_contact
from tawasul.core.search import text_filter

NAMES = [
    "Al Noor Trading",
    "النور للتجارة",
    "Noorah Foods",
    'O"Brien & Sons',
    "Bravo Steel",
    "Zed",
]
WORDS = ["noor", "النور", "al", 'o"b', "steel", "zed", "no", "trading noor", "missing"]


@pytest.fixture
def contacts(company, customer_type):
    return [make_contact(company=company, contact_type=customer_type, name=n) for n in NAMES]


def _expected(word_query: str) -> set[str]:
    from tawasul.core.text import search_terms

    rows = Contact.objects.values_list("name", "search_text")
    words = search_terms(word_query).split()
    return {name for name, text in rows if all(w in text for w in words)}


def _found(word_query: str) -> set[str]:
    return set(text_filter(Contact.objects.all(), word_query).values_list("name", flat=True))


def test_every_search_matches_a_plain_substring_test(contacts):
    for word in WORDS:
        assert _found(word) == _expected(word), word
    assert _found("noor") == {"Al Noor Trading", "Noorah Foods"}
    assert _found("النور") == {"النور للتجارة"}


def test_the_index_follows_edits_and_deletions(contacts, staff_user):
    bravo = next(c for c in contacts if c.name == "Bravo Steel")
    contact_update(actor=staff_user, contact=bravo, data={"name": "Bravo Noor Metals"})
    assert "Bravo Noor Metals" in _found("noor") and _found("steel") == _expected("steel")
    noorah = next(c for c in contacts if c.name == "Noorah Foods")
    contact_delete(actor=staff_user, contact=noorah)
    assert _found("noor") == _expected("noor") == {"Al Noor Trading", "Bravo Noor Metals"}


def test_words_of_three_letters_use_the_index(contacts):
    # The keys are collected first (both engines); the probe is the query that names the index.
    with CaptureQueriesContext(connection) as captured:
        text_filter(Contact.objects.all(), "noor al")
    sql = captured.captured_queries[0]["sql"]
    if connection.vendor == "sqlite":
        assert "contacts_contact_fts" in sql and "MATCH" in sql  # "noor" through the index
        assert "LIKE" in sql  # "al" is too short for trigrams: a scan
    else:
        assert "contacts_contact_fts" not in sql  # PostgreSQL's own trigram index
