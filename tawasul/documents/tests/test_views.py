from urllib.parse import quote

import pytest
from django.urls import reverse

from tawasul.documents import services
from tawasul.documents.models import Document, Note

from .factories import PNG, pdf_bytes, upload

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def panel_url(contact, **query) -> str:
    url = reverse("documents:panel", args=["contacts.contact", contact.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_contact_page_has_files_and_notes_tabs_with_counts(writer_client, writer, contact):
    services.note_add(actor=writer, record=contact, body="Hello")
    services.attachment_add(actor=writer, record=contact, upload=upload())
    services.attachment_add(actor=writer, record=contact, upload=upload("b.png", PNG))
    response = writer_client.get(reverse("contacts:contact_detail", args=[contact.pk]))
    tabs = {tab.key: tab for tab in response.context["tabs"]}
    assert tabs["documents"].count == 2 and tabs["notes"].count == 1
    assert tabs["documents"].template == "documents/_tab.html"
    html = response.content.decode()
    assert panel_url(contact, kind="files", slot="files").replace("&", "&amp;") in html
    assert "when the Documents module is enabled" not in html


def test_without_the_module_permissions_the_placeholder_stays(staff_client, contact):
    response = staff_client.get(reverse("contacts:contact_detail", args=[contact.pk]))
    tabs = {tab.key: tab for tab in response.context["tabs"]}
    assert "notes" not in tabs and tabs["documents"].note


def test_panel_shows_files_and_notes_newest_first(writer_client, writer, contact):
    services.attachment_add(actor=writer, record=contact, upload=upload("offer.pdf"), title="Deal")
    services.note_add(actor=writer, record=contact, body="Called them <b>today</b>")
    response = writer_client.get(panel_url(contact), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Called them") < html.index("Deal")
    assert "&lt;b&gt;today&lt;/b&gt;" in html  # text, never markup
    assert 'id="documents-panel-all"' in html
    document = Document.objects.get()
    assert reverse("documents:download", args=[document.current_version_id]) in html
    files_only = writer_client.get(panel_url(contact, kind="files"), **HTMX).content.decode()
    assert "Deal" in files_only and "Called them" not in files_only


def test_panel_pages_with_a_cursor(writer_client, writer, contact, monkeypatch):
    from tawasul.documents import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for number in range(5):
        services.note_add(actor=writer, record=contact, body=f"Note number {number}")
    first = writer_client.get(panel_url(contact), **HTMX)
    panel = first.context["panel"]
    assert [item.row.body for item in panel.items] == ["Note number 4", "Note number 3"]
    seen = [item.row.body for item in panel.items]
    cursor = panel.next_cursor
    while cursor:
        page = writer_client.get(
            panel.url,
            {"before": cursor},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="documents-panel-all-more",
        )
        assert page.templates[0].name == "documents/_panel_items.html"
        seen += [item.row.body for item in page.context["panel"].items]
        cursor = page.context["panel"].next_cursor
    assert seen == [f"Note number {n}" for n in (4, 3, 2, 1, 0)]
    bad = writer_client.get(panel.url, {"before": "nonsense"}, **HTMX)
    assert bad.status_code == 200 and bad.context["panel"].error


def test_upload_through_the_panel(writer_client, contact):
    url = reverse("documents:attachment_add", args=["contacts.contact", contact.pk])
    response = writer_client.post(
        url,
        {"file": upload("Angebot.pdf"), "title": "Offer", "panel_slot": "files"},
        **HTMX,
    )
    assert response.status_code == 200
    assert response.context["panel"].id == "documents-panel-files"
    assert "Offer" in response.content.decode()
    assert Document.objects.get().file_name == "Angebot.pdf"


def test_refused_upload_shows_the_message_at_the_field_and_changes_nothing(
    writer_client, contact, settings
):
    settings.ATTACHMENT_MAX_BYTES = 10
    url = reverse("documents:attachment_add", args=["contacts.contact", contact.pk])
    response = writer_client.post(url, {"file": upload("big.pdf")}, **HTMX)
    form = response.context["panel"].attachment_form
    assert "too large" in form.errors["file"][0]
    settings.ATTACHMENT_MAX_BYTES = 10**6
    response = writer_client.post(url, {"file": upload("x.html", b"<html></html>")}, **HTMX)
    assert "not accepted" in response.context["panel"].attachment_form.errors["file"][0]
    assert "not accepted" in response.content.decode()
    assert not Document.objects.exists()


def test_notes_through_the_panel(writer_client, contact):
    url = reverse("documents:note_add", args=["contacts.contact", contact.pk])
    response = writer_client.post(url, {"body": ""}, **HTMX)
    assert "body" in response.context["panel"].note_form.errors
    writer_client.post(url, {"body": "First visit"}, **HTMX)
    note = Note.objects.get()
    writer_client.post(reverse("documents:note_edit", args=[note.pk]), {"body": "Changed"}, **HTMX)
    note.refresh_from_db()
    assert note.body == "Changed"
    writer_client.post(reverse("documents:note_delete", args=[note.pk]), **HTMX)
    assert not Note.objects.exists()


def test_without_htmx_the_writes_redirect_to_the_panel_page(writer_client, contact):
    url = reverse("documents:note_add", args=["contacts.contact", contact.pk])
    response = writer_client.post(url, {"body": "Plain form"})
    assert response.status_code == 302
    page = writer_client.get(response.url)
    assert page.status_code == 200 and "Plain form" in page.content.decode()
    assert page.templates[0].name == "documents/panel_page.html"


def test_download_streams_the_plain_file_with_its_name(writer_client, writer, contact):
    data = pdf_bytes("Signed")
    document = services.attachment_add(
        actor=writer, record=contact, upload=upload('عقد 2026 "final".pdf', data)
    )
    response = writer_client.get(reverse("documents:download", args=[document.current_version_id]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''" + quote('عقد 2026 "final".pdf', safe="") in disposition
    assert response["Content-Length"] == str(len(data))


def test_a_disguised_file_is_offered_under_its_real_extension(writer_client, writer, contact):
    document = services.attachment_add(actor=writer, record=contact, upload=upload("x.html"))
    response = writer_client.get(reverse("documents:download", args=[document.current_version_id]))
    assert "filename*=UTF-8''x.html.pdf" in response["Content-Disposition"]


def test_someone_who_cannot_see_the_contact_gets_404_and_never_the_name(
    client, writer, outsider, contact
):
    document = services.attachment_add(
        actor=writer, record=contact, upload=upload("Secret plan.pdf"), title="Secret plan"
    )
    note = services.note_add(actor=writer, record=contact, body="Secret remark")
    client.force_login(outsider)
    urls = [
        reverse("documents:download", args=[document.current_version_id]),
        panel_url(contact),
    ]
    for url in urls:
        response = client.get(url, **HTMX)
        assert response.status_code == 404, url
        assert b"Secret" not in response.content
    posts = [
        (
            reverse("documents:attachment_add", args=["contacts.contact", contact.pk]),
            {"file": upload()},
        ),
        (reverse("documents:attachment_version", args=[document.pk]), {"file": upload()}),
        (reverse("documents:attachment_delete", args=[document.pk]), {}),
        (reverse("documents:note_add", args=["contacts.contact", contact.pk]), {"body": "x"}),
        (reverse("documents:note_edit", args=[note.pk]), {"body": "x"}),
        (reverse("documents:note_delete", args=[note.pk]), {}),
    ]
    for url, data in posts:
        response = client.post(url, data, **HTMX)
        assert response.status_code == 404, url
        assert b"Secret" not in response.content
    assert Document.objects.get().version_count == 1
    assert Note.objects.get().body == "Secret remark"


@pytest.mark.parametrize("key", ["abc", "²", "9" * 30, "0", "-1"])
def test_bad_keys_answer_404(writer_client, key):
    for url in (
        reverse("documents:download", args=[key]),
        reverse("documents:panel", args=["contacts.contact", key]),
        reverse("documents:panel", args=["org.company", "1"]),
    ):
        assert writer_client.get(url).status_code == 404


def test_a_user_without_the_module_permissions_is_refused(staff_client, contact):
    assert staff_client.get(panel_url(contact)).status_code == 403
