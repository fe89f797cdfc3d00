"""A select filtered on the page finds its options however their names are spelt, as the
server's searches do (issue 10, section 6), in Debian's Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tawasul.contacts.models import Industry
from tawasul.contacts.services import masterdata_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_short_select_folds_what_is_typed(page, staff_user, company):
    for name, name_ar in [
        ("Ahmad Trading", "أحمد للتجارة"),
        ("Al Momin Foods", "أغذية المؤمن"),
        ("Karim Steel", "حديد كريم"),
        ("Other", "أخرى"),
    ]:
        masterdata_save(actor=None, model=Industry, company=company, name=name, name_ar=name_ar)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "sales")
    page.fill("input[name=password]", "pass-word-123")
    page.click("main form:not(#lang-form) button[type=submit]")
    expect(page.locator("#global-search")).to_be_visible()
    page.goto("/contacts/")
    control = page.locator("#id_industry-ts-control")
    control.click()
    options = page.locator(".ts-dropdown:visible .option")
    expect(options).to_have_count(4)
    for typed, found in [
        ("احمد", "Ahmad Trading"),  # no hamza typed
        ("المومن", "Al Momin Foods"),  # hamza on waw left out
        ("کریم", "Karim Steel"),  # a Persian keyboard
        ("AHMAD", "Ahmad Trading"),  # case
    ]:
        control.fill("")
        control.type(typed)
        expect(options).to_have_count(1)
        expect(options).to_have_text(re.compile(found))
    control.fill("")
    control.type("**")  # only symbols: nothing, as in every search
    expect(options).to_have_count(0)
