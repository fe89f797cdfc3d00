"""Tasks in a real browser: a manager gives a task to two representatives, one reports
progress in place on their copy (htmx), the manager sees the copy's new status and the trail;
the same pages in Arabic read right to left."""

import pytest
from playwright.sync_api import expect

from tawasul.activities.tasks_services import task_create
from tawasul.core import clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    expect(page.locator("#global-search")).to_be_visible()


def test_report_progress_in_place_and_the_manager_sees_it(page, org):
    import datetime as dt

    parent = task_create(
        actor=org.lead.user,
        assignees=[org.rep1, org.rep2],
        title="Share the price list",
        due_at=clock.now() + dt.timedelta(days=2),
    )
    copy = parent.copies.get(assignee=org.rep1)

    _sign_in(page, "rep1")
    page.goto(f"/activities/tasks/{copy.pk}/")
    actions = page.locator(f"#task-actions-{copy.pk}")
    actions.locator("select[name=status]").select_option("in_progress")
    actions.locator("input[name=remark]").fill("Sent to half of them")
    actions.locator("button", has_text="Report").click()
    expect(page.locator(f"#task-actions-{copy.pk}")).to_contain_text("Progress reported")
    expect(page.locator("#task-trail")).to_contain_text("Sent to half of them")

    page.context.clear_cookies()
    _sign_in(page, "lead")
    page.goto(f"/activities/tasks/{parent.pk}/")
    expect(page.locator("#task-copies")).to_contain_text("In progress")
    page.goto("/activities/tasks/?scope=initiated")
    expect(page.locator("#tasks-table")).to_contain_text("Share the price list")

    page.click("#user-menu")
    page.click("#switch-ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.goto(f"/activities/tasks/{parent.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("#task-copies")).to_contain_text("Rami One")
