"""Pages with their own scripts run under the Content Security Policy (the `page` fixture fails a
test on anything the policy blocks)."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_page_switches_language_and_api_docs_render(page, staff_user):
    page.goto("/accounts/login/")
    page.click("#lang-form button")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.click("#lang-form button")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    page.fill("input[name=username]", "sales")
    page.fill("input[name=password]", "pass-word-123")
    page.click("main form:not(#lang-form) button[type=submit]")
    expect(page.locator("#global-search")).to_be_visible()
    # Swagger UI draws the sections near the screen only: open the contacts' section by its link.
    page.goto("/api/docs/#/contacts")
    expect(page.locator(".swagger-ui")).to_contain_text("Tawasul API")
    expect(page.locator(".swagger-ui")).to_contain_text("/api/contacts/")
