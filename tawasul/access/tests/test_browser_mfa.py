"""A user turns on two-factor authentication from the user menu and signs in with a code
(browser)."""

import os
from urllib.parse import urlparse

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tawasul.access.mfa import mfa_enabled
from tawasul.access.tests.test_mfa import totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username="sales", password="pass-word-123"):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form:not(#lang-form) button[type=submit]")


def test_turn_on_two_factor_and_sign_in_with_a_code(page, staff_user):
    cache.clear()
    sign_in(page)
    page.click("#user-menu")
    page.click("#menu-two-factor")
    expect(page.locator("#mfa-off")).to_be_visible()
    page.click("#mfa-set-up")
    expect(page.locator("#mfa-qr svg")).to_be_visible()
    secret = page.locator("#mfa-secret").get_attribute("data-secret")
    shots = os.environ.get("TAWASUL_SHOTS")
    if shots:  # for looking at the page: TAWASUL_SHOTS=/some/folder
        page.screenshot(path=f"{shots}/two-factor-setup-1366.png", full_page=True)
    page.fill("#mfa-setup-form input[name=code]", totp(secret))
    page.click("#mfa-setup-form button[type=submit]")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert mfa_enabled(staff_user)
    page.click("#codes-done")
    expect(page.locator("#mfa-on")).to_be_visible()

    page.click("#user-menu")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page)
    expect(page.locator("#code-step")).to_be_visible()
    page.fill("input[name=code]", "000000")
    page.click("main form:not(#lang-form) button[type=submit]")
    expect(page.locator(".invalid-feedback")).to_be_visible()
    page.fill("input[name=code]", totp(secret, 1))  # the set-up's code is spent
    page.click("main form:not(#lang-form) button[type=submit]")
    expect(page.locator("#user-menu")).to_be_visible()
    assert urlparse(page.url).path == "/"
