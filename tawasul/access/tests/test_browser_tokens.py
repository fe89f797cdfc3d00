"""A user makes an API token from the user menu, copies it once, and revokes it (browser)."""

import os

import pytest
from playwright.sync_api import expect

from tawasul.access.models import ApiToken

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_make_and_revoke_a_token_from_the_user_menu(page, staff_user):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "sales")
    page.fill("input[name=password]", "pass-word-123")
    page.click("main form:not(#lang-form) button[type=submit]")
    page.click("#user-menu")
    page.click("#menu-api-tokens")
    expect(page.locator("#no-tokens")).to_be_visible()
    page.fill("input[name=name]", "Power BI")
    page.click("#token-form button[type=submit]")
    key = page.locator("#new-token-key").input_value()
    assert key.startswith("tw_") and ApiToken.objects.get().name == "Power BI"
    shots = os.environ.get("TAWASUL_SHOTS")
    if shots:  # for looking at the page: TAWASUL_SHOTS=/some/folder
        page.screenshot(path=f"{shots}/api-tokens-1366.png", full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=f"{shots}/api-tokens-390.png", full_page=True)
        page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/api-tokens/")
    expect(page.locator("#token-table")).to_contain_text("Power BI")
    expect(page.locator("body")).not_to_contain_text(key)
    page.locator("#token-table a", has_text="Revoke").click()
    page.click("#confirm-revoke")
    expect(page.locator("#no-tokens")).to_be_visible()
    assert not ApiToken.objects.exists()
