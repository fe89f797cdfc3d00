"""The frame as people see it, in Debian's Chromium: right-to-left text, tabs, saved views,
searchable selects and the phone layout."""

import re

import pytest
from playwright.sync_api import expect

from tawasul.conftest import BROWSER_TIMEOUT_MS, CONTACT_PERMS
from tawasul.contacts.tests.factories import AreaFactory, make_contact
from tawasul.core.models import SavedFilter, UserPreference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where the first and the last character of an element's text are drawn, and its direction.
GLYPHS = """(el) => {
  const text = [...el.childNodes].find((n) => n.nodeType === Node.TEXT_NODE);
  const range = document.createRange();
  const n = text.textContent.length;
  range.setStart(text, 0); range.setEnd(text, 1);
  const first = range.getBoundingClientRect().left;
  range.setStart(text, n - 1); range.setEnd(text, n);
  const last = range.getBoundingClientRect().left;
  return {tag: el.tagName, direction: getComputedStyle(el).direction, first, last};
}"""


def _sign_in(page, username="sales", password="pass-word-123"):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form:not(#lang-form) button[type=submit]")
    expect(page.locator("#global-search")).to_be_visible()


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None
    return box


def test_arabic_pages_keep_latin_names_whole(page, staff_user, company, customer_type):
    UserPreference.objects.create(user=staff_user, language="ar")
    contact = make_contact(
        company=company,
        contact_type=customer_type,
        name="Al Bayan Hotels Co.",
        notes="\n".join(f"Visit {n}: asked for the price list." for n in range(60)),
        persons=[{"name": "Faisal", "phone": "0551234567", "is_primary": True}],
    )
    page.set_viewport_size({"width": 1366, "height": 768})
    _sign_in(page)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    # In the list and in the page's heading the name reads left to right, its period at the end.
    page.goto("/contacts/")
    glyphs = page.locator("#contact-table td.card-title-cell a bdi").first.evaluate(GLYPHS)
    assert glyphs["tag"] == "BDI" and glyphs["direction"] == "ltr"
    assert glyphs["last"] > glyphs["first"], glyphs  # "." right of "A": no ".Al Bayan Hotels Co"
    page.goto(f"/contacts/{contact.pk}/")
    glyphs = page.locator("h1 bdi").first.evaluate(GLYPHS)
    assert glyphs["direction"] == "ltr" and glyphs["last"] > glyphs["first"], glyphs
    # A date after an Arabic label keeps its order: the year is drawn left of the day.
    when = page.locator(".timeline .small bdi").first
    glyphs = when.evaluate(GLYPHS)
    assert glyphs["direction"] == "ltr" and glyphs["last"] > glyphs["first"], glyphs

    # The dark sidebar runs the whole height of a long page.
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height > 2 * 768
    assert _box(page.locator("#sidebar"))["height"] >= height - 1

    # Another tab opens right under the tab row, not below the hidden panes' room.
    page.click("#persons-tab")
    expect(page.locator("#tab-persons")).to_contain_text("Faisal")
    gap = _box(page.locator("#tab-persons"))["y"] - (
        _box(page.locator("#record-tabs"))["y"] + _box(page.locator("#record-tabs"))["height"]
    )
    assert gap < 40, gap
    expect(page.locator("#tab-details")).to_be_hidden()

    # A missing record: the framed Arabic page, whose "back" arrow points to the right.
    response = page.goto("/contacts/999999/")
    assert response.status == 404
    expect(page.locator("#error-page")).to_be_visible()
    expect(page.locator("#sidebar")).to_be_attached()
    transform = page.locator("#error-back i").evaluate(
        "(i) => getComputedStyle(i, '::before').transform"
    )
    assert transform.startswith("matrix(-1"), transform


def test_a_saved_view_keeps_the_filters_and_sort_on_screen(page, staff_user, company):
    for name in ("Najd Polymers", "Najd Plastics", "Riyadh Steel"):
        make_contact(company=company, name=name)
    _sign_in(page)
    page.goto("/contacts/")
    page.fill("#id_q", "najd")
    page.dispatch_event("#filter-form", "submit")
    expect(page).to_have_url(re.compile(r"q=najd"))  # htmx swapped the table and the address
    expect(page.locator("#contact-table tbody tr")).to_have_count(2)
    page.click("#contact-table thead a:has-text('Code')")
    expect(page).to_have_url(re.compile(r"sort=code"))

    page.click("#save-view-toggle")
    page.fill("#saved-name", "Najd accounts")
    page.click("#save-view-submit")
    expect(page.locator("#saved-views .nav-link.active")).to_have_text("Najd accounts")
    saved = SavedFilter.objects.get(user=staff_user, name="Najd accounts")
    assert "q=najd" in saved.query and "sort=code" in saved.query, saved.query
    expect(page.locator("#contact-table tbody tr")).to_have_count(2)

    # Opened later from its tab, the view shows the same rows.
    page.goto("/contacts/")
    expect(page.locator("#contact-table tbody tr")).to_have_count(3)
    page.click("#saved-views a:has-text('Najd accounts')")
    expect(page.locator("#contact-table tbody tr")).to_have_count(2)


def test_searchable_select_shows_only_the_server_s_matches(page, staff_user, company):
    for n in range(30):
        AreaFactory(company=company, name=f"District {n:02d}")
    AreaFactory(company=company, name="Al Olaya")
    _sign_in(page)
    page.goto("/contacts/")
    control = page.locator("#id_area-ts-control")
    control.click()
    options = page.locator(".ts-dropdown .option")
    expect(options).to_have_count(20)  # the first page of areas, before typing
    control.type("olaya")
    expect(options).to_have_count(1)
    expect(options).to_have_text(re.compile("Al Olaya"))
    # A query with no match leaves no option of an earlier answer behind.
    control.fill("")
    control.type("zzz")
    expect(page.locator(".ts-dropdown .no-results")).to_be_visible()
    expect(options).to_have_count(0)


def test_phone_layout_in_arabic(browser, live_server, settings, company, customer_type):
    from tawasul.conftest import grant_all_contacts
    from tawasul.org.tests.factories import EmployeeFactory, UserFactory

    settings.DEMO_MODE = True
    user = UserFactory(username="rep", perms=CONTACT_PERMS)
    EmployeeFactory(company=company, user=user, name="Rep One", name_ar="مندوب واحد", code="R1")
    grant_all_contacts(user, company)
    UserPreference.objects.create(user=user, language="ar")
    contact = make_contact(company=company, contact_type=customer_type, name="Al Bayan Hotels Co.")
    make_contact(company=company, contact_type=customer_type, name="Najd Polymers")

    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        base_url=live_server.url,
    )
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    try:
        _sign_in(page, "rep")
        # The demo banner takes one line.
        assert _box(page.locator(".demo-banner"))["height"] < 34

        # Cards: a checkbox for bulk actions and links large enough for a thumb.
        page.goto("/contacts/")
        cards = page.locator("#contact-table tbody tr")
        expect(cards).to_have_count(2)
        check = cards.first.locator("td.card-check")
        expect(check).to_be_visible()
        assert min(_box(check)["width"], _box(check)["height"]) >= 44
        assert _box(cards.first.locator("td.card-title-cell a"))["height"] >= 44
        check.locator("input").tap()
        expect(page.locator(".bulk-bar")).to_be_visible()
        expect(page.locator("[data-bulk-count]")).to_have_text("1")

        # No tab hides behind the screen's edge: the row wraps on a phone.
        page.goto(f"/contacts/{contact.pk}/")
        last = _box(page.locator("#record-tabs .nav-link").last)
        assert last["x"] >= 0 and last["x"] + last["width"] <= 390, last

        # The toast's close button is a 44 px target.
        page.goto("/contacts/")
        page.click("#save-view-toggle")
        page.fill("#saved-name", "Mine")
        page.click("#save-view-submit")
        close = page.locator(".toast .toast-close").first
        expect(close).to_be_visible()
        assert min(_box(close)["width"], _box(close)["height"]) >= 44
    finally:
        context.close()
