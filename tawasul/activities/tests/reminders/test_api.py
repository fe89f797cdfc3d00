"""/api/reminders/: mine (written or for me), writes through the service, refusals at the
same field names as the form."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from tawasul.activities.models import Reminder

from .test_services import at, save

URL = "/api/reminders/"


@pytest.fixture
def api():
    def as_user(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return as_user


def test_list_is_mine_and_for_me(staff, api):
    save(staff.author, title="Own")
    save(staff.colleague, title="Role", roles=[staff.role])
    titles = {r["title"] for r in api(staff.rep).get(URL).json()["results"]}
    assert titles == {"Role"}
    titles = {r["title"] for r in api(staff.admin).get(URL).json()["results"]}
    assert titles == {"Own", "Role"}


def test_create_with_a_recurrence(staff, api):
    answer = api(staff.author).post(
        URL,
        {
            "title": "Stand-up",
            "starts_at": "2027-01-05T09:00",
            "timezone": "Asia/Riyadh",
            "frequency": "weekly",
            "weekdays": [7, 1, 2, 3, 4],
            "ends": "after",
            "count": 10,
            "users": [staff.author.pk, staff.colleague.pk],
            "roles": [staff.role.pk],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["rrule"] == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,SU;COUNT=10"
    assert body["recurrence"]["weekdays"] == [1, 2, 3, 4, 7]
    assert body["users"] == sorted([staff.author.pk, staff.colleague.pk])
    assert body["roles"] == [staff.role.pk]
    reminder = Reminder.objects.get()
    assert reminder.next_at == at(dt.date(2027, 1, 5))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"starts_at": "2027-01-01T09:00:00+03:00"}, "starts_at"),
        (
            {
                "starts_at": "2027-04-01T09:00:00+03:00",
                "frequency": "monthly",
                "month_day": 31,
                "ends": "on",
                "until": "2027-04-30",
            },
            "until",
        ),
        ({"users": [999999]}, "users"),
        ({"timezone": "Nowhere/Land"}, "timezone"),
    ],
)
def test_refusals_name_the_field(staff, api, payload, field):
    data = {"title": "T", "starts_at": "2027-01-05T09:00:00+03:00", **payload}
    answer = api(staff.author).post(URL, data, format="json")
    assert answer.status_code == 400
    assert field in answer.json()
    assert not Reminder.objects.exists()


def test_patch_and_delete_only_my_own(staff, api):
    reminder = save(staff.author, users=[staff.colleague])
    url = f"{URL}{reminder.pk}/"
    assert api(staff.colleague).get(url).status_code == 200
    assert api(staff.colleague).patch(url, {"title": "X"}, format="json").status_code == 404
    answer = api(staff.author).patch(url, {"title": "Renamed"}, format="json")
    assert answer.status_code == 200, answer.json()
    reminder.refresh_from_db()
    assert reminder.title == "Renamed"
    assert [r.user_id for r in reminder.recipients.all()] == [staff.colleague.pk]
    assert api(staff.colleague).delete(url).status_code == 404
    assert api(staff.author).delete(url).status_code == 204
    assert not Reminder.objects.exists()
