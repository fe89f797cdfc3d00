"""The contacts flow in a real browser: Debian's Chromium driven by Playwright."""

import re

import pytest
from playwright.sync_api import expect

from tawasul.contacts.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username, password):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page.locator("#global-search")).to_be_visible()


def test_create_find_filter_and_switch_to_arabic(page, staff_user, customer_type):
    from tawasul.contacts.tests.factories import ContactTypeFactory

    ContactTypeFactory(company=customer_type.company, code="supplier", name="Supplier")
    _sign_in(page, "sales", "pass-word-123")

    # Create a contact with two persons.
    page.goto("/contacts/new/")
    page.select_option("#id_contact_type", label="Customer")
    page.fill("#id_name", "Najd Polymers")
    page.fill("#id_name_ar", "نجد للبوليمرات")
    page.click("#add-persons")
    page.click("#add-persons")
    page.fill("#id_persons-0-name", "Faisal")
    page.fill("#id_persons-0-phone", "0551234567")
    page.check("#id_persons-0-is_primary")
    page.fill("#id_persons-1-name", "Reem")
    page.fill("#id_persons-1-email", "reem@najd.example")
    page.click("#save-contact")
    expect(page.locator("h1")).to_contain_text("Najd Polymers")
    page.click("#persons-tab")
    expect(page.locator("#tab-persons")).to_contain_text("Faisal")
    expect(page.locator("#tab-persons")).to_contain_text("Reem")
    page.click("#history-tab")  # the timeline is fetched when the tab opens
    expect(page.locator("#tab-history")).to_contain_text("Created")
    contact = Contact.objects.get(name="Najd Polymers")
    assert contact.persons.count() == 2

    # Find it with the global search box (keyboard shortcut "/").
    page.goto("/contacts/")
    # The row count arrives after the page is shown.
    expect(page.locator("#row-count")).to_have_text("1 contact")
    page.keyboard.press("/")
    page.keyboard.type("najd")
    result = page.locator("#global-search-results a", has_text="Najd Polymers")
    expect(result).to_be_visible()
    result.click()
    expect(page).to_have_url(re.compile(rf"/contacts/{contact.pk}/$"))

    # Find it by a filter on the list (htmx swaps only the table).
    page.goto(f"/contacts/?contact_type={customer_type.pk}")
    expect(page.locator("#contact-table")).to_contain_text("Najd Polymers")
    page.goto("/contacts/?lifecycle=customer")
    expect(page.locator("#contact-table")).not_to_contain_text("Najd Polymers")
    page.goto("/contacts/")
    page.fill("#id_q", "polymers")
    page.keyboard.press("Enter")
    expect(page.locator("#contact-table tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=polymers"))
    expect(page.locator("#row-count")).to_have_text("1 contact")

    # Switch to Arabic from the user menu: the page reads right to left.
    page.click("#user-menu")
    page.click("#switch-ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    page.goto(f"/contacts/{contact.pk}/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_contain_text("نجد للبوليمرات")
