"""Files and notes on a contact's page in a real browser (Debian's Chromium, Playwright)."""

import pytest
from playwright.sync_api import expect

from tawasul.documents.models import Document, Note

from .factories import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_attach_a_file_write_a_note_and_see_them_in_the_history(page, writer, contact):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "sales")
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    expect(page.locator("#global-search")).to_be_visible()
    page.goto(f"/contacts/{contact.pk}/")

    # The Files tab loads its panel when opened; a refused file is told at the field.
    page.click("#documents-tab")
    panel = page.locator("#documents-panel-files")
    panel.get_by_text("Attach a file").click()
    panel.locator("input[name=file]").set_input_files(
        {"name": "page.html", "mimeType": "text/html", "buffer": b"<html></html>"}
    )
    panel.get_by_role("button", name="Upload").click()
    expect(page.locator("#documents-panel-files")).to_contain_text("not accepted")
    panel = page.locator("#documents-panel-files")
    panel.locator("input[name=file]").first.set_input_files(
        {"name": "Offer 2026.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    panel.locator("input[name=title]").fill("Price offer")
    panel.get_by_role("button", name="Upload").click()
    expect(page.locator("#documents-panel-files")).to_contain_text("Price offer")
    assert Document.objects.get().file_name == "Offer 2026.pdf"

    # A note, in the Notes tab.
    page.click("#notes-tab")
    notes = page.locator("#documents-panel-notes")
    notes.locator("textarea[name=body]").first.fill("Wants a visit on Sunday")
    notes.get_by_role("button", name="Add note").click()
    expect(page.locator("#documents-panel-notes")).to_contain_text("Wants a visit on Sunday")
    assert Note.objects.get().author == writer

    # Both are told in the history, newest first.
    page.click("#history-tab")
    history = page.locator("#tab-history")
    expect(history).to_contain_text("Note added")
    expect(history).to_contain_text("uploaded")
