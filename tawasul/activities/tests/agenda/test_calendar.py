"""The calendar's entries, moves and the private feed, through a calendar source of the tests'
own (the real sources of tasks, follow-ups and reminders are tested with their areas)."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from icalendar import Calendar

from tawasul.activities.models import CalendarFeed
from tawasul.core.calendar import CalendarEntry
from tawasul.core.registry import get_registry
from tawasul.org.tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

RIYADH = zoneinfo.ZoneInfo("Asia/Riyadh")
MOVES: list = []


def source(user, start, end):
    """Two entries a day for the user named "cal", none for anyone else."""
    if user.username != "cal":
        return []
    day = start
    entries = []
    while day < end:
        entries.append(
            CalendarEntry("probe", int(day.timestamp()), f"Call {day:%d}", day, editable=True)
        )
        entries.append({"id": 1, "title": "Whole day", "start": day.date(), "all_day": True})
        day += dt.timedelta(days=1)
    return entries


def move(user, pk, start):
    if pk == 13:
        raise ValidationError({"due_at": "Not on a Friday."})
    MOVES.append((user.username, pk, start))


source.move = move


def broken(user, start, end):
    raise RuntimeError("a module's bug")


@pytest.fixture(autouse=True)
def _sources():
    sources = get_registry().calendar_sources
    saved = dict(sources)
    sources.clear()
    sources.update({"probe": source, "broken": broken})
    MOVES.clear()
    yield
    sources.clear()
    sources.update(saved)


@pytest.fixture
def cal_user(company):
    user = UserFactory(username="cal", perms=["activities.view_task"])
    EmployeeFactory(company=company, user=user, name="Cal Endar")
    return user


@pytest.fixture
def cal_client(client, cal_user):
    client.force_login(cal_user)
    return client


def test_entries_come_as_wall_clock_times_and_a_failing_source_is_left_out(cal_client, settings):
    settings.TIME_ZONE = "Asia/Riyadh"
    url = reverse("activities:calendar_entries")
    response = cal_client.get(url, {"start": "2027-03-01T00:00:00Z", "end": "2027-03-03T00:00:00Z"})
    assert response.status_code == 200
    data = response.json()
    timed = [e for e in data if not e["allDay"]]
    assert [e["start"] for e in timed] == ["2027-03-01T00:00:00", "2027-03-02T00:00:00"]
    assert timed[0]["id"].startswith("probe:") and timed[0]["editable"] is True
    assert [e["start"] for e in data if e["allDay"]] == ["2027-03-01", "2027-03-02"]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"start": "yesterday", "end": "2027-03-03"},
        {"start": "2027-03-03", "end": "2027-03-01"},
        {"start": "2027-01-01", "end": "2027-06-01"},
        {"start": "9999-12-31T23:59:59", "end": "10000-01-01"},
    ],
)
def test_bad_windows_get_a_clear_error(cal_client, query):
    response = cal_client.get(reverse("activities:calendar_entries"), query)
    assert response.status_code == 400
    assert response.json()["error"]


def test_moving_an_entry_goes_through_its_source(cal_client):
    url = reverse("activities:calendar_move")
    ok = cal_client.post(url, {"kind": "probe", "pk": "7", "start": "2027-03-02T10:30:00"})
    assert ok.status_code == 204
    (username, pk, start) = MOVES[0]
    assert (username, pk) == ("cal", 7) and start.tzinfo is not None
    refused = cal_client.post(url, {"kind": "probe", "pk": "13", "start": "2027-03-05T10:00:00"})
    assert refused.status_code == 400 and "Friday" in refused.json()["error"]
    for data in (
        {"kind": "broken", "pk": "7", "start": "2027-03-02T10:30:00"},
        {"kind": "nothing", "pk": "7", "start": "2027-03-02T10:30:00"},
        {"kind": "probe", "pk": "²", "start": "2027-03-02T10:30:00"},
    ):
        assert cal_client.post(url, data).status_code == 400
    assert cal_client.post(url, {"kind": "probe", "pk": "7", "start": "soon"}).status_code == 400
    assert len(MOVES) == 1


def test_the_calendar_needs_a_sign_in_and_the_permission(client, company):
    assert client.get(reverse("activities:calendar")).status_code == 302
    user = UserFactory(username="nocal")
    EmployeeFactory(company=company, user=user)
    client.force_login(user)
    assert client.get(reverse("activities:calendar")).status_code == 403
    assert client.get(reverse("activities:calendar_entries")).status_code == 403


def test_the_calendar_page_loads_the_library_from_our_own_static_files(cal_client):
    response = cal_client.get(reverse("activities:calendar"))
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        "vendor/fullcalendar/index.global.min.js" in body
        and "http" not in body.split("index.global.min.js")[0].rsplit("src=", 1)[1]
    )


def test_feed_token_is_private_renewable_and_revocable(cal_client, cal_user, client):
    manage = reverse("activities:calendar_feed")
    cal_client.post(manage, {"action": "create"})
    first = CalendarFeed.objects.get(user=cal_user).token
    assert len(first) >= 40
    feed = cal_client.get(reverse("activities:calendar_ics", args=[first]))
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.content)
    summaries = [str(e["summary"]) for e in calendar.walk("VEVENT")]
    assert any(s.startswith("Call") for s in summaries) and "Whole day" in summaries
    # Renewing cuts off the old address; revoking cuts off every address.
    cal_client.post(manage, {"action": "create"})
    second = CalendarFeed.objects.get(user=cal_user).token
    assert second != first
    anonymous = client.__class__()
    assert anonymous.get(reverse("activities:calendar_ics", args=[first])).status_code == 404
    assert anonymous.get(reverse("activities:calendar_ics", args=[second])).status_code == 200
    cal_client.post(manage, {"action": "revoke"})
    assert anonymous.get(reverse("activities:calendar_ics", args=[second])).status_code == 404


def test_a_deactivated_users_feed_stops(cal_client, cal_user, client):
    cal_client.post(reverse("activities:calendar_feed"), {"action": "create"})
    token = CalendarFeed.objects.get(user=cal_user).token
    cal_user.is_active = False
    cal_user.save()
    assert client.get(reverse("activities:calendar_ics", args=[token])).status_code == 404
