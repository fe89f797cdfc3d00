"""The bell and the inbox as people see them in Debian's Chromium, in English and Arabic: the
bell loads after the page with the unread count, its menu lists the latest, "Mark all read"
clears the count in place; marking one row read in the inbox updates the row and the bell."""

import pytest
from playwright.sync_api import expect

from tawasul.activities.notify import notify
from tawasul.core.models import UserPreference
from tawasul.core.tests.test_browser_frame import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/notification-shots"


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_bell_and_the_inbox(page, sara, language):
    UserPreference.objects.create(user=sara, language=language)
    for n in range(3):
        notify([sara], kind="task.assigned", title=f"Task number {n}", body="Please look.")
    _sign_in(page, username="sara")
    page.goto("/activities/notifications/")
    count = page.locator("#notification-count")
    expect(count).to_have_text("3")
    row_button = page.locator("#notifications-table tbody tr button").first
    row_button.click()
    expect(count).to_have_text("2")  # the row's answer tells the bell to refresh
    expect(page.locator("#notifications-table tbody tr button")).to_have_count(2)
    page.screenshot(path=f"{SHOTS}-inbox-{language}.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366, width

    page.click("#notification-bell-button")
    items = page.locator("#notification-bell-items li")
    expect(items).to_have_count(3)
    expect(items.first).to_contain_text("Task number 2")
    page.screenshot(path=f"{SHOTS}-bell-{language}.png")
    page.click("#bell-read-all")
    expect(page.locator("#notification-count")).to_have_count(0)
