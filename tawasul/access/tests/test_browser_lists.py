"""The record rules list as an administrator sees it in Debian's Chromium, in English and Arabic:
it fits the screen with no header cut, a search and a filter swap the table in place and keep
the address, and a chip takes the filter off again."""

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tawasul.access.roles import SALES_MANAGER, ensure_default_roles
from tawasul.access.services import rule_save
from tawasul.access.tests.test_browser_rules import _sign_in
from tawasul.contacts.tests.factories import IndustryFactory
from tawasul.core.models import UserPreference
from tawasul.org.tests.factories import EmployeeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUT_HEADERS = """() => [...document.querySelectorAll('#rule-table thead th')]
  .filter((th) => th.offsetParent !== null && th.scrollWidth > th.clientWidth + 1)
  .map((th) => th.textContent.trim())"""


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_rule_list_searches_and_filters_in_place(page, admin_user, company, language):
    UserPreference.objects.create(user=admin_user, language=language)
    ensure_default_roles()
    steel = IndustryFactory(company=company, name="Steel", name_ar="الحديد")
    ahmed = UserFactory(username="ahmed")
    EmployeeFactory(company=company, user=ahmed, name="Ahmed Ali", name_ar="أحمد علي", code="R1")
    for n in range(4):
        rule_save(
            actor=None,
            company=company,
            name=f"Steel makers {n}",
            model="contacts.contact",
            actions=["view", "change", "export"],
            user=ahmed,
            is_active=n != 3,
            conditions=[{"field": "industry", "operator": "in", "values": [steel.pk]}],
        )
    rule_save(
        actor=None,
        company=company,
        name="Managers see all",
        model="contacts.contact",
        actions=["view"],
        role=Group.objects.get(name=SALES_MANAGER),
        all_records=True,
    )
    _sign_in(page, admin_user.username)
    page.goto("/access/rules/")
    rows = page.locator("#rule-table tbody tr")
    expect(rows).to_have_count(5)
    expect(page.locator("#row-count")).to_contain_text("5")
    assert page.evaluate(CUT_HEADERS) == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366, width  # no sideways scroll

    # Typing searches as one types (keyup); Playwright inserts Arabic letters without key events,
    # so a key that is on its keyboard ends the typing.
    page.fill("#id_q", "أحمد" if language == "ar" else "ahmed")
    page.press("#id_q", "End")
    expect(rows).to_have_count(4)
    expect(page).to_have_url(re.compile(r"[?&]q="))

    page.select_option("#id_status", "inactive")
    expect(rows).to_have_count(1)
    expect(page.locator("#rule-table")).to_contain_text("Steel makers 3")
    chip = page.locator(
        "#rule-table .filter-chip", has_text="غير نشط" if language == "ar" else "Inactive"
    )
    expect(chip).to_have_count(1)
    chip.click()
    expect(rows).to_have_count(4)
    assert "status=" not in page.url

    # Each rule's grant reads whole: its conditions and actions are not cut.
    expect(page.locator("#rule-table")).to_contain_text(
        "القطاع هو أحد" if language == "ar" else "Industry is one of"
    )
