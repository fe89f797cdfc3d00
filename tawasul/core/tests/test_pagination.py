import base64
import json

import pytest

from tawasul.contacts.models import Contact
from tawasul.contacts.tests.factories import make_contact
from tawasul.core.pagination import InvalidCursor, capped_count, keyset_paginate


@pytest.fixture
def contacts(company, customer_type):
    names = ["Delta", "alpha", "Charlie", "Bravo", "Echo", "Alpha", "Alpha"]
    return [make_contact(company=company, contact_type=customer_type, name=n) for n in names]


def _walk(queryset, sort, size, keys_first=False):
    seen, cursor = [], None
    while True:
        page = keyset_paginate(queryset, sort=sort, cursor=cursor, size=size, keys_first=keys_first)
        seen.extend(page.rows)
        if not page.has_next:
            return seen
        cursor = page.next_cursor


@pytest.mark.parametrize("keys_first", [False, True])
@pytest.mark.parametrize("sort", ["name", "-name", "code", "-created_at"])
@pytest.mark.parametrize("size", [1, 2, 3, 10])
def test_walking_all_pages_returns_every_row_once_in_order(contacts, sort, size, keys_first):
    queryset = Contact.objects.select_related("contact_type")
    expected = list(queryset.order_by(sort, "pk" if not sort.startswith("-") else "-pk"))
    assert _walk(queryset, sort, size, keys_first) == expected


def test_keys_first_reads_keys_then_rows_in_two_queries(contacts, django_assert_num_queries):
    queryset = Contact.objects.select_related("contact_type").exclude(name__in=["Echo", "alpha"])
    with django_assert_num_queries(2) as captured:
        page = keyset_paginate(queryset, sort="-name", cursor=None, size=3, keys_first=True)
    assert [c.name for c in page.rows] == ["Delta", "Charlie", "Bravo"]
    assert page.rows[0].contact_type.code == "customer"  # the related row came with it
    assert captured.captured_queries[0]["sql"].startswith(
        'SELECT "contacts_contact"."id" AS "pk" FROM'
    )


def test_previous_cursor_returns_the_page_before(contacts):
    queryset = Contact.objects.all()
    first = keyset_paginate(queryset, sort="name", cursor=None, size=3)
    second = keyset_paginate(queryset, sort="name", cursor=first.next_cursor, size=3)
    back = keyset_paginate(queryset, sort="name", cursor=second.previous_cursor, size=3)
    assert back.rows == first.rows
    assert not back.has_previous and back.has_next


def test_bad_cursor_is_rejected(contacts):
    with pytest.raises(InvalidCursor):
        keyset_paginate(Contact.objects.all(), sort="name", cursor="not-a-cursor!!", size=3)


@pytest.mark.parametrize(
    "value", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"], ids=["after", "before"]
)
@pytest.mark.parametrize("direction", ["n", "p"])
def test_a_cursor_time_outside_the_calendar_is_rejected(contacts, value, direction):
    """A forged cursor on a date sort whose UTC time falls outside years 1-9999 is an invalid
    cursor, not a database error (the list then shows its first page)."""
    raw = json.dumps({"d": direction, "k": 1, "v": value}).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    with pytest.raises(InvalidCursor):
        keyset_paginate(Contact.objects.all(), sort="created_at", cursor=cursor, size=3)


def test_capped_count(contacts):
    assert capped_count(Contact.objects.all(), cap=5) == (5, True)
    assert capped_count(Contact.objects.all(), cap=50) == (7, False)


def test_narrow_to_keys_keeps_the_same_rows(contacts):
    from tawasul.core.pagination import narrow_to_keys

    queryset = Contact.objects.filter(name__startswith="A")
    narrowed, count = narrow_to_keys(queryset, cap=10)
    assert set(narrowed) == set(queryset)
    # Both engines narrow (SQLite walked the name index for a representative's filtered list).
    assert count == queryset.count() > 0
    assert narrow_to_keys(Contact.objects.all(), cap=2)[1] is None  # too many: unchanged
