"""The employee list as people see it in Debian's Chromium, in English and Arabic: it fits the
screen with no header cut, and a filter swaps the table in place, keeps the address and shows a
chip that takes it off again."""

import re

import pytest
from playwright.sync_api import expect

from tawasul.core.models import UserPreference
from tawasul.core.tests.test_browser_frame import _sign_in
from tawasul.org.tests.factories import BranchFactory, DepartmentFactory, EmployeeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUT_HEADERS = """() => [...document.querySelectorAll('#employee-results thead th')]
  .filter((th) => th.offsetParent !== null && th.scrollWidth > th.clientWidth + 1)
  .map((th) => th.textContent.trim())"""


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_employee_list_filters_in_place_and_fits(page, staff_user, company, language):
    UserPreference.objects.create(user=staff_user, language=language)
    riyadh = BranchFactory(company=company, code="RUH", name="Riyadh", name_ar="الرياض")
    jeddah = BranchFactory(company=company, code="JED", name="Jeddah", name_ar="جدة")
    sales = DepartmentFactory(company=company, name="Field sales", name_ar="المبيعات الميدانية")
    boss = EmployeeFactory(
        company=company, user=None, code="M1", name="Maha Al-Otaibi", name_ar="مها العتيبي"
    )
    for n in range(4):
        EmployeeFactory(
            company=company,
            user=None,
            code=f"R{n}",
            name=f"Faisal Al-Zahrani {n}",
            name_ar=f"فيصل الزهراني {n}",
            branch=jeddah if n % 2 else riyadh,
            department=sales,
            reports_to=boss,
        )
    _sign_in(page)
    page.goto("/org/employees/")
    rows = page.locator("#employee-results tbody tr")
    expect(rows).to_have_count(6)  # the four, their manager and the signed-in user
    expect(page.locator("#row-count")).to_contain_text("6")
    assert page.evaluate(CUT_HEADERS) == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366, width  # no sideways scroll

    page.select_option("#id_branch", str(jeddah.pk))
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(rf"[?&]branch={jeddah.pk}\b"))
    chip = page.locator("#employee-results .filter-chip")
    expect(chip).to_have_count(1)
    expect(chip).to_contain_text("جدة" if language == "ar" else "Jeddah")

    chip.click()
    expect(rows).to_have_count(6)
    expect(page.locator("#employee-results .filter-chip")).to_have_count(0)
    assert "branch=" not in page.url
