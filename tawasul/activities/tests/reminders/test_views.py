"""The reminder pages: list (mine, needs attention, administrators'), page with the next
occurrences in the reader's zone, the form with the recurrence builder, pause, delete."""

import datetime as dt

import pytest
from django.urls import reverse

from tawasul.activities.models import Reminder
from tawasul.activities.reminders_recurrence import DAILY, LAST_WORKING_DAY, MONTHLY, Recurrence
from tawasul.core.models import UserPreference

from .test_services import at, save

DAY = dt.date(2027, 1, 5)


@pytest.fixture
def login(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def test_the_list_shows_mine_and_those_for_me(staff, login):
    save(staff.author, title="Author's own")
    save(staff.colleague, title="For the role", roles=[staff.role])
    save(staff.colleague, title="Colleague's own")
    page = login(staff.rep).get(reverse("activities:reminder_list")).content.decode()
    assert "For the role" in page
    assert "Author&#x27;s own" not in page and "Author's own" not in page
    assert "Colleague&#x27;s own" not in page and "Colleague's own" not in page
    page = login(staff.admin).get(reverse("activities:reminder_list")).content.decode()
    assert "For the role" in page and "Colleague" in page and "Author" in page


def test_needs_attention_filter(staff, login):
    save(staff.author, title="Still fine", users=[staff.author])
    save(staff.author, title="Lost a reader", users=[staff.colleague])
    staff.colleague.is_active = False
    staff.colleague.save()
    client = login(staff.author)
    page = client.get(reverse("activities:reminder_list"), {"attention": "true"}).content.decode()
    assert "Lost a reader" in page and "Still fine" not in page
    assert "Needs attention" in page


def test_the_page_shows_the_next_five_in_the_reader_s_zone(staff, login):
    reminder = save(
        staff.author, users=[staff.author, staff.colleague], recurrence=Recurrence(DAILY)
    )
    UserPreference.objects.create(user=staff.colleague, timezone="Europe/Berlin")
    page = login(staff.colleague).get(reminder.get_absolute_url()).content.decode()
    # 09:00 in Riyadh is 07:00 in Berlin (winter).
    upcoming = page[page.index('id="reminder-upcoming"') :].split("</ol>")[0]
    assert upcoming.count("<li>") == 5
    assert upcoming.count("7 a.m.") == 5
    assert "Every day" in page
    assert 'id="reminder-edit"' not in page  # a recipient does not edit
    page = login(staff.author).get(reminder.get_absolute_url()).content.decode()
    assert 'id="reminder-edit"' in page


def test_strangers_get_404(staff, login):
    reminder = save(staff.author)
    for name in ("reminder_detail", "reminder_update", "reminder_delete"):
        url = reverse(f"activities:{name}", args=[reminder.pk])
        assert login(staff.rep).get(url).status_code == 404
    assert (
        login(staff.colleague)
        .post(reverse("activities:reminder_toggle", args=[reminder.pk]))
        .status_code
        == 404
    )


def form_data(**changes):
    data = {
        "title": "Monthly report",
        "body": "Send it.",
        "starts_at": "2027-01-10T10:00",
        "timezone": "Asia/Riyadh",
        "frequency": "monthly",
        "interval": "1",
        "month_mode": "last_working_day",
        "ends": "never",
        "notify": "on",
    }
    data.update(changes)
    return data


def test_create_through_the_form(staff, login):
    client = login(staff.author)
    assert client.get(reverse("activities:reminder_create")).status_code == 200
    answer = client.post(reverse("activities:reminder_create"), form_data())
    reminder = Reminder.objects.get()
    assert answer.status_code == 302 and answer.url == reminder.get_absolute_url()
    assert reminder.rrule == "FREQ=MONTHLY;BYMONTHDAY=-1" and reminder.working_day_back
    assert reminder.starts_at == at(dt.date(2027, 1, 10), 10)
    assert reminder.next_at == at(dt.date(2027, 1, 31), 10)
    # The edit form shows the choices back.
    page = client.get(reverse("activities:reminder_update", args=[reminder.pk])).content.decode()
    assert 'value="2027-01-10T10:00"' in page
    assert 'value="last_working_day" ' in page and "checked" in page


def test_the_form_reads_the_first_time_on_the_chosen_zone(staff, login):
    login(staff.author).post(
        reverse("activities:reminder_create"),
        form_data(timezone="Europe/Berlin", frequency="once"),
    )
    reminder = Reminder.objects.get()
    assert reminder.starts_at == dt.datetime(2027, 1, 10, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": "2027-01-01T10:00", "frequency": "once"}, "starts_at"),
        ({"frequency": "monthly", "month_mode": "day", "month_day": ""}, "month_day"),
        (
            {
                "frequency": "monthly",
                "month_mode": "day",
                "month_day": "31",
                "starts_at": "2027-04-01T10:00",
                "ends": "on",
                "until": "2027-04-30",
            },
            "until",
        ),
    ],
)
def test_the_form_shows_the_service_s_refusal_at_the_field(staff, login, changes, field):
    answer = login(staff.author).post(reverse("activities:reminder_create"), form_data(**changes))
    assert answer.status_code == 200
    assert field in answer.context["form"].errors
    assert not Reminder.objects.exists()


def test_pause_resume_and_delete(staff, login):
    reminder = save(staff.author, recurrence=Recurrence(MONTHLY, month_mode=LAST_WORKING_DAY))
    client = login(staff.author)
    client.post(reverse("activities:reminder_toggle", args=[reminder.pk]))
    reminder.refresh_from_db()
    assert not reminder.is_active
    client.post(reverse("activities:reminder_toggle", args=[reminder.pk]))
    reminder.refresh_from_db()
    assert reminder.is_active
    assert client.get(reverse("activities:reminder_delete", args=[reminder.pk])).status_code == 200
    client.post(reverse("activities:reminder_delete", args=[reminder.pk]))
    assert not Reminder.objects.exists()


def test_calendar_source_expands_occurrences(staff):
    from tawasul.activities.reminders_selectors import reminder_calendar

    save(staff.author, users=[staff.colleague], recurrence=Recurrence(DAILY), title="Daily")
    save(staff.author, title="Not for the colleague")
    start, end = at(DAY, 0), at(DAY + dt.timedelta(days=7), 0)
    entries = reminder_calendar(staff.colleague, start, end)
    assert [e["title"] for e in entries] == ["Daily"] * 7
    assert entries[0]["start"] == at(DAY)
    assert len(reminder_calendar(staff.author, start, end)) == 8
    assert reminder_calendar(staff.rep, start, end) == []


def test_create_for_colleagues_and_a_role(staff, login):
    client = login(staff.author)
    answer = client.post(
        reverse("activities:reminder_create"),
        form_data(
            frequency="weekly",
            weekdays=["7", "3"],
            users=[staff.colleague.employee.pk, staff.rep.employee.pk],
            roles=[staff.role.pk],
        ),
    )
    assert answer.status_code == 302, answer.context["form"].errors
    reminder = Reminder.objects.get()
    assert reminder.rrule == "FREQ=WEEKLY;BYDAY=WE,SU"
    kept = {(r.user_id, r.role_id) for r in reminder.recipients.all()}
    assert kept == {(staff.colleague.pk, None), (staff.rep.pk, None), (None, staff.role.pk)}


def test_a_once_reminder_moves_on_the_calendar_a_repeating_one_does_not(staff):
    from django.core.exceptions import ValidationError
    from django.http import Http404

    from tawasul.activities.reminders_selectors import reminder_calendar, reminder_calendar_move

    once = save(staff.author, users=[staff.colleague], title="Once")
    daily = save(staff.author, recurrence=Recurrence(DAILY), title="Daily")
    start, end = at(DAY, 0), at(DAY + dt.timedelta(days=2), 0)
    editable = {e["title"]: e["editable"] for e in reminder_calendar(staff.author, start, end)}
    assert editable == {"Once": True, "Daily": False}
    reminder_calendar_move(staff.author, once.pk, at(DAY, 15))
    once.refresh_from_db()
    assert once.next_at == at(DAY, 15)
    assert [r.user_id for r in once.recipients.all()] == [staff.colleague.pk]
    with pytest.raises(ValidationError):
        reminder_calendar_move(staff.author, daily.pk, at(DAY, 15))
    with pytest.raises(Http404):
        reminder_calendar_move(staff.colleague, once.pk, at(DAY, 16))


def test_reminders_about_a_contact_are_on_its_timeline(staff, customer_type):
    from tawasul.activities.reminders_selectors import contact_timeline
    from tawasul.conftest import grant_all_contacts
    from tawasul.contacts.tests.factories import make_contact

    contact = make_contact(company=staff.company, contact_type=customer_type, name="Al Noor")
    grant_all_contacts(staff.author, staff.company, actions=("view",))
    save(staff.author, users=[staff.colleague], record=contact, title="Call them")
    save(staff.author, title="Not about it")
    entries = contact_timeline(staff.colleague, contact, before=None, limit=10)
    assert [e.title for e in entries] == ["Reminder: Call them (Once)"]
    assert contact_timeline(staff.rep, contact, before=None, limit=10) == []
