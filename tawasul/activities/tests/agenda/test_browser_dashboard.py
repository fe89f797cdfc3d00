"""The main flow in Debian's Chromium, in English and Arabic: a manager gives a task to two
representatives; one of them reports progress from the dashboard without leaving it; the
manager sees that copy's new status on the task's page."""

import datetime as dt

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from tawasul.activities.choices import TaskStatus
from tawasul.activities.models import Task
from tawasul.activities.tests.tasks.conftest import make_staff
from tawasul.conftest import BROWSER_TIMEOUT_MS
from tawasul.core import clock
from tawasul.core.models import UserPreference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"


def _sign_in(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form:not(#lang-form) button[type=submit]")
    expect(page.locator("#global-search")).to_be_visible()


def _pick(page, select_id: str, typed: str, option_text: str) -> None:
    """Choose an option of a Tom Select enhanced select by typing and clicking it."""
    page.click(f"#{select_id}-ts-control")
    page.keyboard.type(typed)
    page.wait_for_function(
        "([id, query]) => { const ts = document.getElementById(id).tomselect;"
        " return ts.inputValue() === query && ts.refreshTimeout == null && !ts.loading; }",
        arg=[select_id, typed],
    )
    page.locator(f"#{select_id}-ts-dropdown .option", has_text=option_text).first.click()
    page.click("h1")
    expect(page.locator(f"#{select_id}-ts-dropdown")).to_be_hidden()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_task_for_two_reported_from_the_dashboard(page, browser, live_server, company, language):
    lead = make_staff(company, "lead", "Layla Lead")
    rami = make_staff(company, "rami", "Rami One", lead, name_ar="رامي")
    make_staff(company, "rana", "Rana Two", lead, name_ar="رنا")
    for user in (lead.user, rami.user):
        UserPreference.objects.create(user=user, language=language)

    _sign_in(page, "lead")
    page.goto("/activities/tasks/new/")
    page.fill("#id_title", "Visit the trade fair")
    _pick(page, "id_assignees", "Ram", "Rami One" if language == "en" else "رامي")
    _pick(page, "id_assignees", "Ran", "Rana Two" if language == "en" else "رنا")
    due = timezone.localtime(clock.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#id_due_at", due)
    page.click("#task-form button[type=submit]")
    expect(page.locator("#task-copies tbody tr")).to_have_count(2)
    parent = Task.objects.get(title="Visit the trade fair", parent__isnull=True)
    copy = Task.objects.get(parent=parent, assignee=rami)

    # Rami, in a browser of his own, acts from the dashboard.
    context = browser.new_context(viewport={"width": 390, "height": 800}, base_url=live_server.url)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    phone = context.new_page()
    _sign_in(phone, "rami")
    row = phone.locator(f"#dash-task-{copy.pk}")
    expect(row).to_contain_text("Visit the trade fair")
    phone.click(f"#dash-task-{copy.pk}-more")
    phone.select_option(f"#report-status-{copy.pk}", TaskStatus.IN_PROGRESS)
    phone.fill(f"#report-remark-{copy.pk}", "Booked the stand")
    phone.locator(f"#task-actions-{copy.pk} form").first.locator("button[type=submit]").click()
    expect(phone.locator(f"#task-actions-{copy.pk} [role=status]")).to_be_visible()
    assert phone.url == f"{live_server.url}/"  # never left the dashboard
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    context.close()

    copy.refresh_from_db()
    assert copy.status == TaskStatus.IN_PROGRESS
    # The manager sees the change on the task's page, in the page's language.
    with translation.override(language):
        in_progress = str(TaskStatus.IN_PROGRESS.label)
    page.reload()
    rami_row = page.locator(
        "#task-copies tbody tr", has_text="Rami One" if language == "en" else "رامي"
    )
    expect(rami_row).to_contain_text(in_progress)
