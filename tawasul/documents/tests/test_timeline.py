import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tawasul.core import clock
from tawasul.core.timeline import timeline
from tawasul.documents import services

from .factories import PNG, upload

pytestmark = pytest.mark.django_db


def titles(user, record) -> list[str]:
    """The entries' titles, without the isolates around quoted names (checked once below)."""
    entries = timeline(user, record, size=100).entries
    return [e.title.replace("\u2068", "").replace("\u2069", "") for e in entries if e.title]


def test_files_and_notes_are_told_newest_first_with_who(writer, contact):
    document = services.attachment_add(actor=writer, record=contact, upload=upload("offer.pdf"))
    services.attachment_add_version(actor=writer, document=document, upload=upload("o.png", PNG))
    note = services.note_add(actor=writer, record=contact, body="Called about the\nprice list")
    services.note_edit(actor=writer, note=note, body="Called about the price list again")
    gone = services.note_add(actor=writer, record=contact, body="Wrong contact")
    services.note_delete(actor=writer, note=gone)
    services.attachment_delete(actor=writer, document=document)
    assert titles(writer, contact)[:7] == [
        "File “o.png” removed",
        "Note deleted",
        "Note added",  # the deleted note is no longer quoted
        "Note edited: “Called about the price list again”",
        "Note added: “Called about the price list”",
        "File “o.png” version 2 uploaded",
        "File “offer.pdf” uploaded",
    ]
    page = timeline(writer, contact, size=100)
    assert {entry.who for entry in page.entries if entry.source.startswith("documents.")} == {
        writer
    }


def test_without_the_module_permissions_no_entry_shows(writer, staff_user, contact):
    services.attachment_add(actor=writer, record=contact, upload=upload("secret.pdf"))
    services.note_add(actor=writer, record=contact, body="secret")
    staff_user = type(staff_user).objects.get(pk=staff_user.pk)
    staff_user.user_permissions.filter(codename__in=["view_note", "view_document"]).delete()
    reader = type(staff_user).objects.get(pk=staff_user.pk)
    assert not reader.has_perm("documents.view_note")
    assert not [t for t in titles(reader, contact) if "secret" in t]


def test_the_contact_history_tab_shows_them(writer_client, writer, contact):
    from django.urls import reverse

    services.note_add(actor=writer, record=contact, body="Visible in history")
    response = writer_client.get(
        reverse("contacts:contact_detail", args=[contact.pk]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="contact-history",
    )
    assert "Note added: “\u2068Visible in history\u2069”" in response.content.decode()


def test_pages_cost_the_same_however_many_entries(writer, contact):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            timeline(writer, contact, size=5)
        return len(captured)

    services.note_add(actor=writer, record=contact, body="one")
    services.attachment_add(actor=writer, record=contact, upload=upload())
    few = queries()
    with clock.frozen(clock.now()):
        for number in range(12):
            services.note_add(actor=writer, record=contact, body=f"note {number}")
            services.attachment_add(actor=writer, record=contact, upload=upload())
    assert queries() == few


def test_pages_follow_each_other_without_gaps(writer, contact):
    with clock.frozen(clock.now()):  # all at one moment: the keys order them
        for number in range(7):
            services.note_add(actor=writer, record=contact, body=f"n{number}")
            services.attachment_add(actor=writer, record=contact, upload=upload(f"f{number}.pdf"))
    seen, cursor = [], None
    while True:
        page = timeline(writer, contact, cursor=cursor, size=4)
        seen += [entry.title for entry in page.entries if entry.source.startswith("documents.")]
        if not page.has_next:
            break
        cursor = page.next_cursor
    assert len(seen) == 14 and len(set(seen)) == 14
