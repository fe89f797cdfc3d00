"""reminder_save, deactivate, delete: what they keep, and what they refuse with field errors
(changing nothing)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tawasul.activities.models import Reminder, ReminderRecipient
from tawasul.activities.reminders_recurrence import (
    AFTER_COUNT,
    DAILY,
    LAST_WORKING_DAY,
    MONTHLY,
    ON_DATE,
    WEEKLY,
    Recurrence,
)
from tawasul.activities.reminders_services import (
    reminder_delete,
    reminder_save,
    reminder_set_active,
    reminders_fire_due,
    visible_reminders,
)
from tawasul.core import clock
from tawasul.org.tests.factories import CompanyFactory

from .conftest import NOW, make_staff

RIYADH = ZoneInfo("Asia/Riyadh")


def at(day, hour=9, minute=0, zone=RIYADH):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone).astimezone(dt.UTC)


def save(actor, **kwargs):
    kwargs.setdefault("title", "Weekly sales meeting")
    kwargs.setdefault("starts_at", at(dt.date(2027, 1, 5)))
    return reminder_save(actor=actor, **kwargs)


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_a_new_reminder_is_for_its_author_in_the_company_zone(staff):
    reminder = save(staff.author)
    assert reminder.timezone == "Asia/Riyadh"
    assert reminder.next_at == at(dt.date(2027, 1, 5))
    assert reminder.rrule == ""
    assert [r.user_id for r in reminder.recipients.all()] == [staff.author.pk]


def test_recipients_users_and_roles(staff):
    reminder = save(staff.author, users=[staff.author, staff.colleague], roles=[staff.role])
    kept = {(r.user_id, r.role_id) for r in reminder.recipients.all()}
    assert kept == {(staff.author.pk, None), (staff.colleague.pk, None), (None, staff.role.pk)}
    # Changing the recipients keeps the rows that stay.
    colleague_row = ReminderRecipient.objects.get(reminder=reminder, user=staff.colleague)
    save(staff.author, reminder=reminder, users=[staff.colleague])
    assert [r.pk for r in reminder.recipients.all()] == [colleague_row.pk]


def test_weekly_and_monthly_rules_are_stored_as_rrules(staff):
    weekly = save(staff.author, recurrence=Recurrence(WEEKLY, weekdays=(7, 3)))
    assert weekly.rrule == "FREQ=WEEKLY;BYDAY=WE,SU"
    assert weekly.next_at == at(dt.date(2027, 1, 6))  # the first Wednesday
    monthly = save(staff.author, recurrence=Recurrence(MONTHLY, month_mode=LAST_WORKING_DAY))
    assert monthly.working_day_back
    # 31 January 2027 is a Sunday: a working day of the default calendar (Sunday-Thursday).
    assert monthly.next_at == at(dt.date(2027, 1, 31))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"starts_at": NOW - dt.timedelta(minutes=1)}, "starts_at"),
        ({"starts_at": NOW}, "starts_at"),
        ({"title": "  "}, "title"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"recurrence": Recurrence(DAILY, interval=0)}, "interval"),
        ({"recurrence": Recurrence(MONTHLY, month_day=32)}, "month_day"),
        ({"recurrence": Recurrence(DAILY, ends=AFTER_COUNT, count=0)}, "count"),
        (
            {"recurrence": Recurrence(DAILY, ends=ON_DATE, until=dt.date(2027, 1, 1))},
            "until",
        ),
    ],
)
def test_bad_input_is_refused_at_its_field_and_changes_nothing(staff, kwargs, field):
    assert field in errors_of(lambda: save(staff.author, **kwargs))
    assert not Reminder.objects.exists()


@pytest.mark.parametrize(
    ("starts", "recurrence", "field"),
    [
        # April has no 31st, and it ends on 30 April.
        (
            dt.date(2027, 4, 1),
            Recurrence(MONTHLY, month_day=31, ends=ON_DATE, until=dt.date(2027, 4, 30)),
            "until",
        ),
        # Mondays only, from a Tuesday, ending on Sunday.
        (
            dt.date(2027, 1, 5),
            Recurrence(WEEKLY, weekdays=(1,), ends=ON_DATE, until=dt.date(2027, 1, 10)),
            "until",
        ),
    ],
)
def test_a_recurrence_with_no_occurrence_is_refused_at_the_recurrence(
    staff, starts, recurrence, field
):
    errors = errors_of(lambda: save(staff.author, starts_at=at(starts), recurrence=recurrence))
    assert field in errors
    assert not Reminder.objects.exists()


def test_the_31st_from_february_first_fires_in_march(staff):
    reminder = save(
        staff.author,
        starts_at=at(dt.date(2027, 2, 1)),
        recurrence=Recurrence(MONTHLY, month_day=31),
    )
    assert reminder.next_at == at(dt.date(2027, 3, 31))


def test_recipients_outside_the_company_or_deactivated_are_refused(staff):
    other = CompanyFactory(code="OTHER")
    stranger = make_staff(other, "stranger", "Sami Stranger")
    assert "users" in errors_of(lambda: save(staff.author, users=[stranger]))
    staff.colleague.is_active = False
    staff.colleague.save()
    assert "users" in errors_of(lambda: save(staff.author, users=[staff.colleague]))
    assert not Reminder.objects.exists()


def test_only_the_author_or_an_administrator_changes_a_reminder(staff):
    reminder = save(staff.author, users=[staff.colleague])
    with pytest.raises(PermissionDenied):
        save(staff.colleague, reminder=reminder, title="Mine now")
    save(staff.admin, reminder=reminder, title="Checked")
    reminder.refresh_from_db()
    assert reminder.title == "Checked"
    assert reminder.author == staff.author


def test_editing_never_fires_a_past_occurrence_again(staff):
    reminder = save(staff.author, recurrence=Recurrence(DAILY))
    clock.set_frozen(at(dt.date(2027, 1, 5), 9, 0))
    assert reminders_fire_due() == 1
    reminder.refresh_from_db()
    assert reminder.last_due_at == at(dt.date(2027, 1, 5))
    assert reminder.next_at == at(dt.date(2027, 1, 6))
    # Moving it earlier today: the 08:00 of today has passed; the next is tomorrow.
    clock.set_frozen(at(dt.date(2027, 1, 5), 9, 30))
    save(
        staff.author,
        reminder=reminder,
        starts_at=at(dt.date(2027, 1, 5), 9, 15),
        recurrence=Recurrence(DAILY),
    )
    reminder.refresh_from_db()
    assert reminder.next_at == at(dt.date(2027, 1, 6), 9, 15)
    # Moving it to 09:10 while the clock reads 09:05 after firing at 09:00: never 09:10 today
    # twice, but 09:10 is after the last fired (09:00) and after now: it fires.
    clock.set_frozen(at(dt.date(2027, 1, 5), 9, 5))
    save(
        staff.author,
        reminder=reminder,
        starts_at=at(dt.date(2027, 1, 5), 8, 0),
        recurrence=Recurrence(DAILY),
    )
    reminder.refresh_from_db()
    assert reminder.next_at == at(dt.date(2027, 1, 6), 8, 0)
    assert reminders_fire_due() == 0


def test_deactivate_and_resume_skip_what_passed(staff):
    reminder = save(staff.author, recurrence=Recurrence(DAILY))
    reminder_set_active(actor=staff.author, reminder=reminder, active=False)
    clock.set_frozen(at(dt.date(2027, 1, 8), 12))
    assert reminders_fire_due() == 0
    reminder_set_active(actor=staff.author, reminder=reminder, active=True)
    reminder.refresh_from_db()
    assert reminder.next_at == at(dt.date(2027, 1, 9))


def test_delete(staff):
    reminder = save(staff.author)
    with pytest.raises(PermissionDenied):
        reminder_delete(actor=staff.colleague, reminder=reminder)
    reminder_delete(actor=staff.author, reminder=reminder)
    assert not Reminder.objects.exists()


def test_who_sees_which_reminders(staff):
    mine = save(staff.author)
    for_role = save(staff.colleague, title="Role", roles=[staff.role])
    for_colleague = save(staff.colleague, title="Colleague's own")
    assert set(visible_reminders(staff.author)) == {mine}
    assert set(visible_reminders(staff.rep)) == {for_role}
    assert set(visible_reminders(staff.colleague)) == {for_role, for_colleague}
    assert set(visible_reminders(staff.admin)) == {mine, for_role, for_colleague}
    assert set(visible_reminders(staff.rep, "change")) == set()
