"""Writing work calendars and holidays: every refusal at its field, history with its author."""

from datetime import date, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tawasul.org.models import Holiday, WorkCalendar
from tawasul.org.services import (
    holiday_delete,
    holiday_save,
    work_calendar_delete,
    work_calendar_save,
)
from tawasul.org.tests.factories import BranchFactory, CompanyFactory, EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fields_of(call) -> dict:
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.message_dict


def test_a_calendar_is_saved_with_its_days_in_week_order_and_its_author(admin_user, company):
    calendar = work_calendar_save(
        actor=admin_user, company=company, working_days=[4, 1, 7, 3, 2, 2]
    )
    assert calendar.working_days == [7, 1, 2, 3, 4]
    assert (calendar.day_starts, calendar.day_ends) == (time(8), time(17))
    assert calendar.history.get().history_user == admin_user
    work_calendar_save(actor=admin_user, instance=calendar, day_ends=time(16))
    assert calendar.history.count() == 2


def test_one_calendar_for_the_company_and_one_per_branch(admin_user, company):
    branch = BranchFactory(company=company)
    work_calendar_save(actor=admin_user, company=company)
    work_calendar_save(actor=admin_user, company=company, branch=branch)
    errors = _fields_of(lambda: work_calendar_save(actor=admin_user, company=company))
    assert errors == {"branch": ["The company already has its calendar."]}
    errors = _fields_of(
        lambda: work_calendar_save(actor=admin_user, company=company, branch=branch)
    )
    assert errors == {"branch": ["This branch already has its calendar."]}
    # Another company has its own.
    other = CompanyFactory(code="OTH")
    work_calendar_save(actor=None, company=other)
    assert WorkCalendar.objects.count() == 3


@pytest.mark.parametrize("days", [[], [0], [8], [1, 1.5], ["1"], [True], "12345", None, {"1": 1}])
def test_working_days_must_be_weekday_numbers(admin_user, company, days):
    errors = _fields_of(
        lambda: work_calendar_save(actor=admin_user, company=company, working_days=days)
    )
    assert list(errors) == ["working_days"]


def test_the_day_must_end_after_it_starts(admin_user, company):
    errors = _fields_of(
        lambda: work_calendar_save(
            actor=admin_user, company=company, day_starts=time(17), day_ends=time(8)
        )
    )
    assert errors == {"day_ends": ["The working day must end after it starts."]}


def test_a_branch_of_another_company_is_refused(admin_user, company):
    foreign = BranchFactory(company=CompanyFactory(code="OTH"))
    errors = _fields_of(
        lambda: work_calendar_save(actor=admin_user, company=company, branch=foreign)
    )
    assert errors == {"branch": ["This branch belongs to another company."]}
    errors = _fields_of(
        lambda: holiday_save(
            actor=admin_user,
            company=company,
            branch=foreign,
            name="Local day",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 1, 1),
        )
    )
    assert errors == {"branch": ["This branch belongs to another company."]}


def test_holidays_end_on_or_after_their_first_day_and_last_at_most_a_year(admin_user, company):
    def save(starts, ends):
        return holiday_save(
            actor=admin_user, company=company, name="Eid", starts_on=starts, ends_on=ends
        )

    holiday = save(date(2026, 3, 19), date(2026, 3, 22))
    assert holiday.day_count == 4
    assert holiday.history.get().history_user == admin_user
    assert _fields_of(lambda: save(date(2026, 3, 19), date(2026, 3, 18))) == {
        "ends_on": ["A holiday cannot end before it starts."]
    }
    assert list(_fields_of(lambda: save(date(2026, 1, 1), date(2027, 1, 2)))) == ["ends_on"]
    assert save(date(2026, 1, 1), date(2026, 12, 31)).day_count == 365


def test_deleting_needs_the_permission_and_keeps_the_author(company, admin_user):
    holiday = holiday_save(
        actor=None,
        company=company,
        name="Day",
        starts_on=date(2026, 5, 1),
        ends_on=date(2026, 5, 1),
    )
    calendar = work_calendar_save(actor=None, company=company)
    viewer = UserFactory(username="viewer", perms=["org.view_holiday", "org.view_workcalendar"])
    EmployeeFactory(company=company, user=viewer)
    with pytest.raises(PermissionDenied):
        holiday_delete(actor=viewer, holiday=holiday)
    with pytest.raises(PermissionDenied):
        work_calendar_delete(actor=viewer, calendar=calendar)
    holiday_delete(actor=admin_user, holiday=holiday)
    work_calendar_delete(actor=admin_user, calendar=calendar)
    assert not Holiday.objects.exists() and not WorkCalendar.objects.exists()
    assert Holiday.history.filter(history_type="-").get().history_user == admin_user


def test_a_user_of_another_company_cannot_save_into_this_one(company):
    other = CompanyFactory(code="OTH")
    editor = UserFactory(username="editor", perms=["org.add_holiday", "org.view_holiday"])
    EmployeeFactory(company=other, user=editor)
    with pytest.raises(PermissionDenied):
        holiday_save(
            actor=editor,
            company=company,
            name="Day",
            starts_on=date(2026, 5, 1),
            ends_on=date(2026, 5, 1),
        )
