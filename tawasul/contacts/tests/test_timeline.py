"""A contact's timeline (`core.timeline`): its changes, its children's and its lifecycle moves,
newest first, in pages of constant cost, each entry once."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tawasul.contacts.services import contact_set_lifecycle, contact_update
from tawasul.contacts.tests.factories import make_contact
from tawasul.core import timeline as timeline_module
from tawasul.core.pagination import InvalidCursor
from tawasul.core.timeline import TimelineEntry, encode_cursor, register_source, timeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(company, customer_type, staff_user):
    return make_contact(
        company=company,
        contact_type=customer_type,
        actor=staff_user,
        name="Rename 0",
        persons=[{"name": "Omar", "is_primary": True}],
    )


def _rename(contact, actor, times: int) -> None:
    for n in range(1, times + 1):
        contact_update(actor=actor, contact=contact, data={"name": f"Rename {n}"})


def _all_pages(user, record, size: int) -> tuple[list[list[TimelineEntry]], list[int]]:
    pages, queries, cursor = [], [], None
    while True:
        with CaptureQueriesContext(connection) as captured:
            page = timeline(user, record, cursor=cursor, size=size)
        pages.append(page.entries)
        queries.append(len(captured))
        if not page.has_next:
            return pages, queries
        cursor = page.next_cursor


def test_pages_hold_every_entry_once_newest_first_at_a_constant_cost(staff_user, contact):
    _rename(contact, staff_user, 23)
    pages, queries = _all_pages(staff_user, contact, size=5)
    entries = [e for page in pages for e in page]
    # 23 renames, the contact's creation and its person's.
    assert len(entries) == 25 and len({e.position for e in entries}) == 25
    assert [e.position for e in entries] == sorted((e.position for e in entries), reverse=True)
    assert [str(e.changes[0].new) for e in entries[:3]] == ["Rename 23", "Rename 22", "Rename 21"]
    assert entries[-1].kind in ("created", "added")
    # No page costs more than the first, however deep (the last may skip reading older rows).
    assert max(queries) == queries[0] <= 8, queries


def test_a_lifecycle_move_is_one_event_with_its_reason(staff_user, contact):
    contact_set_lifecycle(actor=staff_user, contact=contact, stage="prospect", reason="Met them")
    newest = timeline(staff_user, contact).entries[0]
    assert newest.kind == "event" and newest.reason == "Met them"
    assert [(str(c.old), str(c.new)) for c in newest.changes] == [("Target", "Prospect")]
    # The contact's own save of the same move is told by the event only.
    assert [e.kind for e in timeline(staff_user, contact).entries].count("changed") == 0


def test_a_registered_source_is_merged_by_time(staff_user, contact, monkeypatch):
    later = contact.created_at + dt.timedelta(days=1)

    def calls(user, record, *, before, limit):
        entry = TimelineEntry(when=later, source="test:call", key=1, title="Called")
        return [entry] if before is None or entry.position < before else []

    monkeypatch.setattr(timeline_module, "_SOURCES", {})
    register_source("contacts.Contact", calls)
    register_source("contacts.Contact", calls)  # once only
    page = timeline(staff_user, contact, size=1)
    assert [e.title for e in page.entries] == ["Called"] and page.has_next
    rest = timeline(staff_user, contact, cursor=page.next_cursor, size=10).entries
    assert "Called" not in [e.title for e in rest] and rest


def test_a_bad_cursor_is_refused(staff_user, contact):
    for cursor in ("nonsense", "e30", encode_cursor((contact.created_at, "x", 1))[:-3] + "!!"):
        with pytest.raises(InvalidCursor):
            timeline(staff_user, contact, cursor=cursor)


def test_the_history_tab_loads_older_entries_on_demand(staff_client, staff_user, contact):
    _rename(contact, staff_user, 30)
    url = reverse("contacts:contact_detail", args=[contact.pk])
    first = staff_client.get(url, headers={"HX-Request": "true", "HX-Target": "contact-history"})
    body = first.content.decode()
    assert "Rename 30" in body and "Rename 3<" not in body
    assert 'id="contact-history-more"' in body
    cursor = first.context["timeline_page"].next_cursor
    older = staff_client.get(
        url,
        {"timeline": cursor},
        headers={"HX-Request": "true", "HX-Target": "contact-history-more"},
    )
    assert older.status_code == 200
    text = older.content.decode()
    assert "Rename 3<" in text and "Rename 30" not in text and "No history yet." not in text
    broken = staff_client.get(
        url,
        {"timeline": "%%%"},
        headers={"HX-Request": "true", "HX-Target": "contact-history-more"},
    )
    assert broken.status_code == 200 and "no longer valid" in broken.content.decode()


def test_a_source_without_paging_is_paged_here(staff_user, contact, monkeypatch):
    moments = [contact.created_at + dt.timedelta(days=d) for d in (1, 2, 3)]

    def notes(user, record):
        return [TimelineEntry(when=m, source="test:note", key=n) for n, m in enumerate(moments)]

    monkeypatch.setattr(timeline_module, "_SOURCES", {})
    register_source("contacts.Contact", notes)
    register_source("contacts.Contact", notes)  # once only
    first = timeline(staff_user, contact, size=2)
    assert [e.when for e in first.entries] == moments[:0:-1]
    rest = timeline(staff_user, contact, cursor=first.next_cursor, size=2).entries
    assert rest[0].when == moments[0] and all(e.source != "test:note" for e in rest[1:])


def test_one_kind_at_a_time_asks_only_its_sources_and_pages_keep_the_kind(
    staff_user, contact, staff_client, monkeypatch
):
    """The page offers a filter per kind of entry; a kind's pages hold only its entries and
    read only its sources, and "Show older" stays on that kind."""
    monkeypatch.setattr(timeline_module, "_SOURCES", {})
    monkeypatch.setattr(timeline_module, "_SOURCE_KINDS", {})
    monkeypatch.setattr(timeline_module, "_KIND_LABELS", {})
    asked = []

    def calls(user, record, *, before, limit):
        asked.append("calls")
        base = contact.created_at
        entries = [
            TimelineEntry(
                when=base + dt.timedelta(minutes=n), source="call", key=n, title=f"Call {n}"
            )
            for n in range(1, 4)
        ]
        return [e for e in reversed(entries) if before is None or e.position < before][:limit]

    register_source("contacts.contact", calls, kind="calls", kind_label="Calls")
    _rename(contact, staff_user, 2)
    assert [k for k, _label in timeline_module.kinds_for(type(contact))] == ["changes", "calls"]
    page = timeline(staff_user, contact, size=2, kind="calls")
    assert [e.title for e in page.entries] == ["Call 3", "Call 2"] and page.has_next
    rest = timeline(staff_user, contact, cursor=page.next_cursor, size=2, kind="calls")
    assert [e.title for e in rest.entries] == ["Call 1"]
    asked.clear()
    changes = timeline(staff_user, contact, size=10, kind="changes")
    assert asked == [] and all(not e.title.startswith("Call") for e in changes.entries)

    url = reverse("contacts:contact_detail", args=[contact.pk])
    headers = {"HX-Request": "true", "HX-Target": "contact-history"}
    body = staff_client.get(url, headers=headers).content.decode()
    assert "timeline_kind=calls" in body and "Call 3" in body
    body = staff_client.get(url + "?timeline_kind=calls", headers=headers).content.decode()
    assert "Call 3" in body and "Rename 2" not in body
    # An unknown kind shows everything rather than nothing.
    body = staff_client.get(url + "?timeline_kind=nope", headers=headers).content.decode()
    assert "Call 3" in body and "Rename 2" in body
