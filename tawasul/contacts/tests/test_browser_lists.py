"""Contact lists and pages as people see them in Debian's Chromium, in English and Arabic:
headers never cut, other-language names shown readably or not at all, numbers with a decimal
point, and every tab of a contact reachable on a phone."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tawasul.conftest import BROWSER_TIMEOUT_MS
from tawasul.contacts.tests.factories import ContactTypeFactory, make_contact
from tawasul.core.models import UserPreference
from tawasul.core.tests.test_browser_frame import _sign_in
from tawasul.org.tests.factories import EmployeeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Headers whose text does not fit their cell (cut with an ellipsis or clipped).
CUT_HEADERS = """() => [...document.querySelectorAll('#contact-table thead th')]
  .filter((th) => th.offsetParent !== null && th.scrollWidth > th.clientWidth + 1)
  .map((th) => th.textContent.trim())"""
# Other-language names on screen narrower than 5 letters' room (a few letters and an ellipsis).
STUBS = """() => [...document.querySelectorAll('#contact-table .alt-name')].filter((el) => {
  const box = el.getBoundingClientRect(), cell = el.parentElement.getBoundingClientRect();
  const shown = box.width > 0 && box.top < cell.bottom - 2;
  return shown && box.width < 5 * parseFloat(getComputedStyle(el).fontSize);
}).map((el) => el.textContent)"""


@pytest.fixture
def dealers(company, staff_user):
    dealer = ContactTypeFactory(company=company, code="dealer", name="Dealer", name_ar="موزع")
    rep = EmployeeFactory(
        company=company, user=None, code="R9", name="Faisal Al-Zahrani", name_ar="فيصل الزهراني"
    )
    for n, (name, name_ar) in enumerate(
        [
            ("Al Amal Logistics Services Est.", "مؤسسة الأمل للخدمات اللوجستية"),
            ("Al Nakheel Hotels Co.", "شركة النخيل للفنادق"),
            ("Al Jazeera Industries Group", "مجموعة الجزيرة للصناعة"),
        ]
    ):
        make_contact(
            company=company,
            contact_type=dealer,
            name=name,
            name_ar=name_ar,
            representative=rep,
            dealer_profile={"commission_rate": Decimal("9.25") + n, "agreement_end": "2027-04-02"},
        )


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_dealers_list_fits_at_desktop_width(page, staff_user, dealers, language):
    UserPreference.objects.create(user=staff_user, language=language)
    _sign_in(page)
    page.goto("/contacts/dealers/")
    expect(page.locator("#contact-table tbody tr")).to_have_count(3)
    assert page.evaluate(CUT_HEADERS) == []
    assert page.evaluate(STUBS) == []
    rates = page.locator("#contact-table tbody td[data-label] bdi").all_inner_texts()
    assert "9.25%" in rates and not any(re.fullmatch(r"\d+,\d+%", r) for r in rates), rates
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366, width  # no sideways scroll


def test_every_contact_tab_is_on_screen_on_a_phone_in_arabic(
    browser, live_server, staff_user, company, customer_type
):
    UserPreference.objects.create(user=staff_user, language="ar")
    contact = make_contact(
        company=company, contact_type=customer_type, name="Al Nakheel Hotels Co."
    )
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, base_url=live_server.url
    )
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    try:
        _sign_in(page)
        page.goto(f"/contacts/{contact.pk}/")
        tabs = page.locator("#record-tabs .nav-link")
        assert tabs.count() >= 7
        for index in range(tabs.count()):
            box = tabs.nth(index).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (
                tabs.nth(index).inner_text(),
                box,
            )
            assert box["height"] >= 44
        page.locator("#record-tabs .nav-link").last.click()
        expect(page.locator("#tab-inquiries")).to_be_visible()
    finally:
        context.close()
