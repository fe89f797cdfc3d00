import pytest
from rest_framework.test import APIClient

from tawasul.contacts.tests.factories import make_contact
from tawasul.documents import services
from tawasul.documents.models import Document, Note

from .factories import PNG, pdf_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(writer):
    client = APIClient()
    client.force_authenticate(writer)
    return client


def test_upload_list_and_download(api, contact):
    response = api.post(
        "/api/attachments/",
        {
            "record_type": "contacts.contact",
            "record_id": contact.pk,
            "file": upload("offer.pdf"),
            "title": "Offer",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["record"] == {"type": "contacts.contact", "id": contact.pk}
    assert body["file_name"] == "offer.pdf" and body["version_count"] == 1
    assert body["media_type"] == "application/pdf"
    assert body["download_url"].endswith(f"/api/attachments/{body['id']}/download/")
    assert body["versions"][0]["download_url"].endswith("download/?version=1")
    listed = api.get(
        "/api/attachments/", {"record_type": "contacts.contact", "record_id": contact.pk}
    ).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    download = api.get(body["download_url"])
    assert b"".join(download.streaming_content) == pdf_bytes()
    assert download["X-Content-Type-Options"] == "nosniff"
    first = api.get(body["versions"][0]["download_url"])
    assert b"".join(first.streaming_content) == pdf_bytes()
    assert api.get(body["download_url"] + "?version=7").status_code == 404
    assert api.get(body["download_url"] + "?version=x").status_code == 404


def test_new_version_through_the_api(api, writer, contact):
    document = services.attachment_add(actor=writer, record=contact, upload=upload())
    response = api.post(
        f"/api/attachments/{document.pk}/versions/",
        {"file": upload("b.png", PNG)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["number"] == 2


def test_refused_upload_names_the_field(api, contact, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    response = api.post(
        "/api/attachments/",
        {"record_type": "contacts.contact", "record_id": contact.pk, "file": upload()},
        format="multipart",
    )
    assert response.status_code == 400
    assert "too large" in response.json()["file"][0]
    response = api.post(
        "/api/attachments/",
        {"record_type": "contacts.contact", "record_id": 999999, "file": upload()},
        format="multipart",
    )
    assert response.status_code == 400 and "record_id" in response.json()
    assert not Document.objects.exists()


def test_notes_api(api, contact):
    response = api.post(
        "/api/notes/",
        {"record_type": "contacts.contact", "record_id": contact.pk, "body": "Hello"},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = api.patch(f"/api/notes/{pk}/", {"body": "Hello again"}, format="json")
    assert response.status_code == 200 and response.json()["body"] == "Hello again"
    response = api.post(
        "/api/notes/",
        {"record_type": "contacts.contact", "record_id": contact.pk, "body": "bad\x00"},
        format="json",
    )
    assert response.status_code == 400 and "body" in response.json()
    assert api.delete(f"/api/notes/{pk}/").status_code == 204
    assert not Note.objects.exists()


def test_lists_hold_only_rows_of_records_one_may_see(writer, outsider, contact, company):
    services.attachment_add(actor=writer, record=contact, upload=upload("secret.pdf"))
    services.note_add(actor=writer, record=contact, body="secret note")
    client = APIClient()
    client.force_authenticate(outsider)
    for url in ("/api/attachments/", "/api/notes/"):
        response = client.get(url)
        assert response.status_code == 200 and response.json()["results"] == []
    document, note = Document.objects.get(), Note.objects.get()
    assert client.get(f"/api/attachments/{document.pk}/").status_code == 404
    assert client.delete(f"/api/attachments/{document.pk}/").status_code == 404
    assert client.patch(f"/api/notes/{note.pk}/", {"body": "x"}, format="json").status_code == 404
    assert client.delete(f"/api/notes/{note.pk}/").status_code == 404
    response = client.post(
        "/api/notes/",
        {"record_type": "contacts.contact", "record_id": contact.pk, "body": "x"},
        format="json",
    )
    assert response.status_code == 400 and "record_id" in response.json()
    assert Note.objects.get().body == "secret note" and Document.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        {"record_type": "nope"},
        {"record_id": "²"},
        {"record_id": "9" * 40},
        {"record_type": "org.company", "record_id": "1"},
    ],
)
def test_bad_filters_answer_an_empty_list(api, writer, contact, query):
    services.note_add(actor=writer, record=contact, body="x")
    response = api.get("/api/notes/", query)
    assert response.status_code == 200 and response.json()["results"] == []


def test_filter_narrows_to_one_record(api, writer, contact, company, customer_type):
    other = make_contact(company=company, contact_type=customer_type, name="Other")
    services.note_add(actor=writer, record=contact, body="one")
    services.note_add(actor=writer, record=other, body="two")
    rows = api.get("/api/notes/", {"record_type": "contacts.contact", "record_id": other.pk})
    assert [row["body"] for row in rows.json()["results"]] == ["two"]
