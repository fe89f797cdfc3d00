"""Query-count baselines of the reminder list, page and API list (shared file
tawasul/activities/tests/query_counts.json, keys `reminders_*`), and that they do not grow
with rows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tawasul.activities.reminders_recurrence import DAILY, WEEKLY, Recurrence
from tawasul.core.tests.query_baselines import assert_get_queries

from .test_services import save


def _make(staff, n):
    for index in range(n):
        save(
            staff.author,
            title=f"Reminder {index}",
            users=[staff.author, staff.colleague],
            roles=[staff.role],
            recurrence=Recurrence(WEEKLY, weekdays=(1, 3)) if index % 2 else Recurrence(DAILY),
        )


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_page_and_api_baselines(staff, client):
    _make(staff, 3)
    client.force_login(staff.author)
    assert_get_queries(
        client, reverse("activities:reminder_list"), app="activities", name="reminders_list"
    )
    assert_get_queries(
        client,
        reverse("activities:reminder_list") + "?attention=true&scope=written",
        app="activities",
        name="reminders_list_filtered",
    )
    assert_get_queries(client, "/api/reminders/", app="activities", name="reminders_api_list")
    reminder = staff.author.reminders_written.first()
    assert_get_queries(
        client, reminder.get_absolute_url(), app="activities", name="reminders_detail"
    )


def test_counts_do_not_grow_with_rows(staff, client):
    client.force_login(staff.author)
    _make(staff, 3)
    few = [_count(client, reverse("activities:reminder_list")), _count(client, "/api/reminders/")]
    _make(staff, 20)
    many = [_count(client, reverse("activities:reminder_list")), _count(client, "/api/reminders/")]
    assert few == many
