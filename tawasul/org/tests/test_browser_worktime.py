"""The work calendar as an administrator sets it up in Debian's Chromium, in English and Arabic:
tick the working days, set the hours, see the week on the list and on the overview, and add a
holiday."""

import pytest
from playwright.sync_api import expect

from tawasul.core.models import UserPreference
from tawasul.core.tests.test_browser_frame import _sign_in
from tawasul.org.models import Holiday, WorkCalendar

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_an_administrator_sets_the_working_week_and_a_holiday(page, admin_user, language):
    UserPreference.objects.create(user=admin_user, language=language)
    _sign_in(page, "boss")
    page.goto("/org/work-calendars/")
    page.locator("#new-work_calendars").click()
    page.fill("#id_day_starts", "09:00")
    page.fill("#id_day_ends", "08:00")
    page.locator("main form button[type=submit]").click()
    # Nothing ticked and the day ending before it starts: both said at their fields.
    expect(page.locator(".invalid-feedback")).to_have_count(2)
    for day in ("1", "2", "3", "4", "5"):  # Monday to Friday
        page.check(f"input[name=working_days][value='{day}']")
    page.fill("#id_day_ends", "16:00")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#work_calendars-table tbody tr")).to_have_count(1)
    calendar = WorkCalendar.objects.get()
    assert calendar.working_days == [1, 2, 3, 4, 5] and calendar.branch is None
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366

    page.goto("/org/holidays/new/")
    page.fill("#id_name", "National Day")
    page.fill("#id_name_ar", "اليوم الوطني")
    page.fill("#id_starts_on", "2099-09-23")
    page.fill("#id_ends_on", "2099-09-23")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#holidays-table tbody tr")).to_have_count(1)
    assert Holiday.objects.get().name_ar == "اليوم الوطني"

    page.goto("/org/")
    card = page.locator("#working-time")
    expect(card).to_contain_text("09:00–16:00")
    expect(card).to_contain_text("اليوم الوطني" if language == "ar" else "National Day")
