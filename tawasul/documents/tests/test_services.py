import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tawasul.documents import services
from tawasul.documents.filetypes import download_name, sniff
from tawasul.documents.models import Document, DocumentVersion, Note

from .conftest import fresh
from .factories import PNG, docx_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


def test_attach_stores_encrypted_under_an_opaque_name(writer, contact, _media):
    data = pdf_bytes("Secret offer 4711")
    document = services.attachment_add(
        actor=writer, record=contact, upload=upload("../../etc/Offer ‮fdp.exe", data)
    )
    version = document.current_version
    assert version.number == 1 and document.version_count == 1
    assert version.media_type == "application/pdf"
    assert version.size == len(data)
    assert version.sha256 == hashlib.sha256(data).hexdigest()
    # Only the last part of the name, without the direction override that disguised it.
    assert version.original_name == "Offer fdp.exe"
    assert document.file_name == version.original_name
    assert version.file.name.startswith("attachments/")
    assert "Offer" not in version.file.name and "." not in version.file.name.rsplit("/", 1)[1]
    (path,) = stored_files(_media)
    raw = path.read_bytes()
    assert raw != data and b"Secret offer 4711" not in raw and raw.startswith(b"TWE1")
    with version.file.open("rb") as handle:
        assert handle.read() == data
    assert document.history.count() == 1  # one save, one history row
    assert document.history.first().history_user == writer


@pytest.mark.parametrize(
    "name,data",
    [
        ("tool.exe", b"MZ\x90\x00\x03" + b"\x00" * 100),
        ("run.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 50),
        ("page.html", b"<!doctype html><script>alert(1)</script>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
        ("logo.png", b'  <?xml version="1.0"?><svg/>'),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50),
        ("script.txt", b"#!/bin/sh\nrm -rf /\n"),
        ("binary.txt", b"abc\x00\x01def"),
    ],
)
def test_refused_types_change_nothing(writer, contact, _media, name, data):
    with pytest.raises(ValidationError) as caught:
        services.attachment_add(actor=writer, record=contact, upload=upload(name, data))
    assert "file" in caught.value.message_dict
    assert "not accepted" in caught.value.message_dict["file"][0]
    assert not Document.objects.exists() and not DocumentVersion.objects.exists()
    assert not stored_files(_media)


def test_a_plain_zip_archive_is_refused(writer, contact):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("setup.exe", b"MZ")
    with pytest.raises(ValidationError):
        services.attachment_add(
            actor=writer, record=contact, upload=upload("docs.zip", buffer.getvalue())
        )


def test_a_kind_left_out_of_the_setting_is_refused(writer, contact, settings):
    settings.ATTACHMENT_TYPES = ["pdf"]
    with pytest.raises(ValidationError) as caught:
        services.attachment_add(actor=writer, record=contact, upload=upload("a.png", PNG))
    assert "PDF" in caught.value.message_dict["file"][0]


def test_too_large_and_empty_files_are_refused_at_the_field(writer, contact, settings, _media):
    settings.ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as caught:
        services.attachment_add(actor=writer, record=contact, upload=upload("a.txt", b"x" * 101))
    assert caught.value.message_dict["file"] == [
        "The file is too large: the limit is 100\xa0bytes."
    ]
    with pytest.raises(ValidationError) as caught:
        services.attachment_add(actor=writer, record=contact, upload=upload("a.txt", b""))
    assert "empty" in caught.value.message_dict["file"][0]
    services.attachment_add(actor=writer, record=contact, upload=upload("a.txt", b"x" * 100))
    assert Document.objects.count() == 1 and len(stored_files(_media)) == 1


def test_accepted_kinds_are_read_from_the_content():
    assert sniff(pdf_bytes()).key == "pdf"
    assert sniff(PNG).key == "png"
    assert sniff(docx_bytes()).key == "docx"
    assert sniff(b"a,b\n1,2\n", "list.csv").key == "csv"
    assert sniff("ملاحظة\n".encode()).key == "txt"
    assert sniff(b"<html>", "a.txt") is None
    # A PDF named as a page is offered with its real extension.
    assert download_name("x.html", sniff(pdf_bytes())) == "x.html.pdf"
    assert download_name("Offer.PDF", sniff(pdf_bytes())) == "Offer.PDF"


def test_versions_number_up_and_the_newest_is_current(writer, contact):
    document = services.attachment_add(
        actor=writer, record=contact, upload=upload("offer.pdf"), title="Offer"
    )
    second = services.attachment_add_version(
        actor=writer, document=document, upload=upload("offer-v2.png", PNG)
    )
    document.refresh_from_db()
    assert second.number == 2
    assert document.current_version == second
    assert (document.version_count, document.file_name) == (2, "offer-v2.png")
    assert document.media_type == "image/png"
    assert [v.number for v in document.versions.all()] == [2, 1]
    assert [h.history_type for h in document.history.order_by("history_id")] == ["+", "~"]
    assert str(document) == "Offer"


def test_a_refused_version_changes_nothing(writer, contact, _media):
    document = services.attachment_add(actor=writer, record=contact, upload=upload())
    with pytest.raises(ValidationError):
        services.attachment_add_version(
            actor=writer, document=document, upload=upload("x.html", b"<html></html>")
        )
    document.refresh_from_db()
    assert document.version_count == 1 and len(stored_files(_media)) == 1


def test_a_file_stored_in_a_transaction_that_fails_is_deleted(writer, contact, _media):
    """A version refused after its file was stored (here: its number is taken) leaves no file."""
    document = services.attachment_add(actor=writer, record=contact, upload=upload())
    Document.objects.filter(pk=document.pk).update(version_count=0)
    with pytest.raises(ValidationError) as caught:
        services.attachment_add_version(actor=writer, document=document, upload=upload())
    assert "number" in caught.value.message_dict
    assert len(stored_files(_media)) == 1 and DocumentVersion.objects.count() == 1


def test_delete_removes_every_version_and_its_files(
    writer, contact, _media, django_capture_on_commit_callbacks
):
    document = services.attachment_add(actor=writer, record=contact, upload=upload())
    services.attachment_add_version(actor=writer, document=document, upload=upload())
    assert len(stored_files(_media)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_delete(actor=writer, document=document)
    assert not Document.objects.exists() and not DocumentVersion.objects.exists()
    assert not stored_files(_media)
    assert Document.history.filter(history_type="-").get().history_user == writer


def test_someone_who_cannot_see_the_record_adds_nothing(outsider, contact, _media):
    with pytest.raises(PermissionDenied):
        services.attachment_add(actor=outsider, record=contact, upload=upload())
    with pytest.raises(PermissionDenied):
        services.note_add(actor=outsider, record=contact, body="Hello")
    assert not Document.objects.exists() and not Note.objects.exists()
    assert not stored_files(_media)


def test_attaching_needs_the_right_to_change_the_record(writer, contact, company):
    """A user who may only view the contact adds notes, not files."""
    from tawasul.access.models import RecordRule

    RecordRule.objects.filter(user=writer).update(actions=["view"])
    writer = fresh(writer)
    with pytest.raises(PermissionDenied):
        services.attachment_add(actor=writer, record=contact, upload=upload())
    note = services.note_add(actor=writer, record=contact, body="Seen at the fair")
    assert note.author == writer


def test_permissions_of_the_module_are_needed(staff_user, contact):
    with pytest.raises(PermissionDenied):
        services.attachment_add(actor=staff_user, record=contact, upload=upload())
    with pytest.raises(PermissionDenied):
        services.note_add(actor=staff_user, record=contact, body="x")


def test_a_model_without_record_rules_takes_no_attachments(writer, company):
    with pytest.raises(ValidationError) as caught:
        services.note_add(actor=writer, record=company, body="x")
    assert "record" in caught.value.message_dict


def test_notes_are_written_edited_and_deleted_with_history(writer, contact):
    note = services.note_add(actor=writer, record=contact, body="  First call  ")
    assert note.body == "First call" and note.company_id == contact.company_id
    note = services.note_edit(actor=writer, note=note, body="First call, went well")
    assert note.edited_at is not None
    services.note_delete(actor=writer, note=note)
    assert not Note.objects.exists()
    rows = Note.history.order_by("history_id")
    assert [(r.history_type, r.history_user) for r in rows] == [
        ("+", writer),
        ("~", writer),
        ("-", writer),
    ]


@pytest.mark.parametrize("body", ["", "   ", "bad\x00text", "x" * 10001])
def test_bad_note_text_is_refused_at_the_field(writer, contact, body):
    with pytest.raises(ValidationError) as caught:
        services.note_add(actor=writer, record=contact, body=body)
    assert "body" in caught.value.message_dict
    assert not Note.objects.exists()


def test_only_the_author_or_a_holder_of_change_note_edits(writer, contact, company):
    from tawasul.conftest import grant_all_contacts
    from tawasul.org.tests.factories import EmployeeFactory, UserFactory

    colleague = UserFactory(
        username="colleague",
        perms=["contacts.view_contact", "contacts.change_contact", "documents.view_note"]
        + ["documents.add_note"],
    )
    EmployeeFactory(company=company, user=colleague, code="C002")
    grant_all_contacts(colleague, company)
    colleague = fresh(colleague)
    note = services.note_add(actor=writer, record=contact, body="Mine")
    with pytest.raises(PermissionDenied):
        services.note_edit(actor=colleague, note=note, body="Theirs")
    with pytest.raises(PermissionDenied):
        services.note_delete(actor=colleague, note=note)
    own = services.note_add(actor=colleague, record=contact, body="Colleague's")
    services.note_edit(actor=colleague, note=own, body="Colleague's, edited")
    # The writer holds change_note and delete_note: anyone's note on a record they may change.
    services.note_edit(actor=writer, note=own, body="Corrected")
    services.note_delete(actor=writer, note=own)
    note.refresh_from_db()
    assert note.body == "Mine"
