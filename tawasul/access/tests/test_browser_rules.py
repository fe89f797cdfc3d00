"""An administrator writes a record rule in the browser; the representative then sees exactly it."""

import re

import pytest
from playwright.sync_api import expect

from tawasul.access.models import RecordRule
from tawasul.conftest import BROWSER_TIMEOUT_MS, ORG_VIEW_PERMS
from tawasul.contacts.tests.factories import AreaFactory, IndustryFactory, make_contact
from tawasul.org.tests.factories import EmployeeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"


def _sign_in(page, username, password=PASSWORD):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page.locator("#global-search")).to_be_visible()


def _pick(page, select_id: str, typed: str, option_text: str) -> None:
    """Choose an option of a Tom Select enhanced select by typing and clicking it."""
    page.click(f"#{select_id}-ts-control")
    page.keyboard.type(typed)
    # Tom Select searches (and asks the server) a moment after the last key: wait until it has.
    page.wait_for_function(
        "([id, query]) => { const ts = document.getElementById(id).tomselect;"
        " return ts.inputValue() === query && ts.refreshTimeout == null && !ts.loading; }",
        arg=[select_id, typed],
    )
    page.locator(f"#{select_id}-ts-dropdown .option", has_text=option_text).first.click()
    page.click("h1")  # leave the select, as a person moves on to the next field
    expect(page.locator(f"#{select_id}-ts-dropdown")).to_be_hidden()


def _settled(page, row: str) -> None:
    """Wait until htmx has swapped a condition row in and wired up its selects."""
    expect(page.locator(f"#{row}")).to_be_visible()
    expect(page.locator(f"#{row}.htmx-added, #{row} .htmx-added")).to_have_count(0)


def test_admin_writes_a_rule_previews_it_and_the_representative_sees_exactly_it(
    page, browser, live_server, admin_user, company, customer_type
):
    saudi = AreaFactory(company=company, name="Saudi Arabia", level="country")
    central = AreaFactory(company=company, name="Central", level="region", parent=saudi)
    riyadh = AreaFactory(company=company, name="Riyadh", level="city", parent=central)
    jeddah = AreaFactory(company=company, name="Jeddah", level="city", parent=saudi)
    steel = IndustryFactory(company=company, name="Steel")
    food = IndustryFactory(company=company, name="Food")
    rep_user = UserFactory(username="ahmed", perms=["contacts.view_contact", *ORG_VIEW_PERMS])
    EmployeeFactory(company=company, user=rep_user, name="Ahmed Ali", code="R001")
    for name, area, industry in [
        ("Riyadh Steel One", riyadh, steel),
        ("Riyadh Steel Two", riyadh, steel),
        ("Central Steel Works", central, steel),
        ("Riyadh Foods", riyadh, food),
        ("Jeddah Steel", jeddah, steel),
    ]:
        make_contact(
            company=company, contact_type=customer_type, name=name, area=area, industry=industry
        )

    # The administrator writes the rule.
    _sign_in(page, admin_user.username)
    page.goto("/access/rules/")
    page.click("#new-rule")
    expect(page.locator("h1")).to_contain_text("New rule")
    page.fill("#id_name", "Central steel for Ahmed")
    page.check("#id_actions_0")  # view
    _pick(page, "id_user", "ahmed", "Ahmed Ali (ahmed)")

    page.select_option("#id_conditions-0-field", "area")
    expect(page.locator("#id_conditions-0-operator")).to_have_value("in_subtree")
    _settled(page, "row-conditions-0")
    _pick(page, "id_conditions-0-values", "Central", "Central · Region")

    page.click("#add-condition")
    _settled(page, "row-conditions-1")
    page.select_option("#id_conditions-1-field", "industry")
    expect(page.locator("#id_conditions-1-operator")).to_have_value("in")
    _settled(page, "row-conditions-1")
    _pick(page, "id_conditions-1-values", "Steel", "Steel")

    # Preview before saving.
    _pick(page, "id_preview_user", "ahmed", "Ahmed Ali (ahmed)")
    page.click("#preview-rule")
    expect(page.locator("#preview-alone")).to_have_text("3")
    expect(page.locator("#preview-total")).to_have_text("3")
    expect(page.locator("#preview-result")).to_contain_text("As Ahmed Ali (ahmed)")
    assert not RecordRule.objects.exists()

    page.click("#save-rule")
    expect(page).to_have_url(re.compile(r"/access/rules/$"))
    expect(page.locator("#rule-table")).to_contain_text("Central steel for Ahmed")
    expect(page.locator("#rule-table")).to_contain_text("Industry is one of Steel")
    rule = RecordRule.objects.get()
    assert sorted(c.field for c in rule.conditions.all()) == ["area", "industry"]

    # The representative signs in elsewhere and sees exactly those contacts.
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        rep_page = context.new_page()
        _sign_in(rep_page, "ahmed")
        rep_page.goto("/contacts/")
        rows = rep_page.locator("#contact-table tbody tr")
        expect(rows).to_have_count(3)
        for name in ("Riyadh Steel One", "Riyadh Steel Two", "Central Steel Works"):
            expect(rep_page.locator("#contact-table")).to_contain_text(name)
        expect(rep_page.locator("#contact-table")).not_to_contain_text("Jeddah Steel")
        expect(rep_page.locator("#contact-table")).not_to_contain_text("Riyadh Foods")
    finally:
        context.close()
