"""Working time (`tawasul.org.worktime`): the schedule a company or branch works by, and counting
working days and hours through it, across weekends, holidays and clock changes."""

import datetime as dt
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tawasul.org import worktime
from tawasul.org.models import Holiday, WorkCalendar
from tawasul.org.tests.factories import BranchFactory, CompanyFactory
from tawasul.org.worktime import (
    WorkSchedule,
    add_working_days,
    add_working_hours,
    calendar_for,
    default_schedule,
    is_working_day,
    next_working_moment,
    working_time_between,
)

RIYADH = ZoneInfo("Asia/Riyadh")
BERLIN = ZoneInfo("Europe/Berlin")
SUN_THU = default_schedule("Asia/Riyadh")
# Monday to Friday, 09:00 to 17:00 in Berlin (the clocks change on Sundays at night).
BERLIN_WEEK = WorkSchedule(frozenset({1, 2, 3, 4, 5}), time(9), time(17), BERLIN)
EVERY_DAY_NIGHT = WorkSchedule(frozenset(range(1, 8)), time(1), time(4), BERLIN)


def riyadh(*args) -> datetime:
    return datetime(*args, tzinfo=RIYADH)


# --- the schedule -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_a_calendar_the_company_works_sunday_to_thursday_in_its_zone():
    company = CompanyFactory(code="BER", timezone="Europe/Berlin")
    schedule = calendar_for(company.pk)
    assert schedule.weekdays == frozenset({7, 1, 2, 3, 4})
    assert (schedule.starts, schedule.ends) == (time(8), time(17))
    assert schedule.zone == BERLIN
    assert schedule.holidays == frozenset()


@pytest.mark.django_db
def test_a_branch_calendar_replaces_the_company_calendar_and_holidays_add_up(
    django_assert_max_num_queries,
):
    company = CompanyFactory(code="KSA", timezone="Asia/Riyadh")
    jeddah, riyadh_branch = BranchFactory(company=company), BranchFactory(company=company)
    WorkCalendar.objects.create(
        company=company, working_days=[7, 1, 2, 3, 4, 6], day_starts=time(7, 30)
    )
    WorkCalendar.objects.create(
        company=company, branch=jeddah, working_days=[1, 2, 3, 4, 5], day_ends=time(16)
    )
    Holiday.objects.create(
        company=company, name="National Day", starts_on=date(2026, 9, 23), ends_on=date(2026, 9, 24)
    )
    Holiday.objects.create(
        company=company,
        branch=jeddah,
        name="Local",
        starts_on=date(2026, 10, 1),
        ends_on=date(2026, 10, 1),
    )
    Holiday.objects.create(
        company=company,
        branch=riyadh_branch,
        name="Other branch",
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 11, 1),
    )
    worktime.invalidate()
    with django_assert_max_num_queries(3):
        jeddah_schedule = calendar_for(company.pk, jeddah.pk)
    assert jeddah_schedule.weekdays == frozenset({1, 2, 3, 4, 5})
    assert (jeddah_schedule.starts, jeddah_schedule.ends) == (time(8), time(16))
    assert jeddah_schedule.holidays == {date(2026, 9, 23), date(2026, 9, 24), date(2026, 10, 1)}
    company_schedule = calendar_for(company.pk)
    assert company_schedule.weekdays == frozenset({7, 1, 2, 3, 4, 6})
    assert company_schedule.starts == time(7, 30)
    assert company_schedule.holidays == {date(2026, 9, 23), date(2026, 9, 24)}
    # A branch without its own calendar works by the company's, with its own holidays too.
    other = calendar_for(company.pk, riyadh_branch.pk)
    assert other.weekdays == company_schedule.weekdays
    assert date(2026, 11, 1) in other.holidays and date(2026, 10, 1) not in other.holidays


@pytest.mark.django_db
def test_the_schedule_is_cached_until_a_calendar_or_holiday_changes(django_assert_num_queries):
    company = CompanyFactory(code="CCH", timezone="Asia/Riyadh")
    first = calendar_for(company.pk)
    with django_assert_num_queries(0):
        assert calendar_for(company.pk) is first
    calendar = WorkCalendar.objects.create(company=company, working_days=[1, 2, 3])
    assert calendar_for(company.pk).weekdays == frozenset({1, 2, 3})
    Holiday.objects.create(
        company=company, name="Day off", starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 5)
    )
    assert calendar_for(company.pk).holidays == {date(2026, 1, 5)}
    calendar.delete()
    assert calendar_for(company.pk).weekdays == frozenset({7, 1, 2, 3, 4})
    company.timezone = "Europe/Berlin"
    company.save()
    assert calendar_for(company.pk).zone == BERLIN


@pytest.mark.django_db
def test_a_company_that_does_not_exist_has_no_schedule():
    from tawasul.org.models import Company

    with pytest.raises(Company.DoesNotExist):
        calendar_for(987654)


def test_a_schedule_needs_a_working_day_and_hours_in_order():
    with pytest.raises(ValueError):
        WorkSchedule(frozenset(), time(8), time(17), RIYADH)
    with pytest.raises(ValueError):
        WorkSchedule(frozenset({8}), time(8), time(17), RIYADH)
    with pytest.raises(ValueError):
        WorkSchedule(frozenset({1}), time(17), time(8), RIYADH)


# --- working days -----------------------------------------------------------------------------


def test_weekends_and_holidays_are_not_working_days():
    schedule = default_schedule("Asia/Riyadh", frozenset({date(2026, 9, 23)}))
    assert is_working_day(schedule, date(2026, 12, 6))  # a Sunday
    assert is_working_day(schedule, date(2026, 12, 10))  # a Thursday
    assert not is_working_day(schedule, date(2026, 12, 11))  # a Friday
    assert not is_working_day(schedule, date(2026, 12, 12))  # a Saturday
    assert not is_working_day(schedule, date(2026, 9, 23))  # a Wednesday, National Day


def test_add_working_days_keeps_the_clock_time_and_skips_days_off():
    schedule = default_schedule("Asia/Riyadh", frozenset({date(2026, 12, 7)}))
    thursday = riyadh(2026, 12, 3, 15, 30)
    # Thursday + 1: Sunday, at the same time; + 2: Monday is a holiday, so Tuesday.
    assert add_working_days(schedule, thursday, 1) == riyadh(2026, 12, 6, 15, 30)
    assert add_working_days(schedule, thursday, 2) == riyadh(2026, 12, 8, 15, 30)
    assert add_working_days(schedule, thursday, 2).tzinfo == UTC
    # From a Friday evening, one working day is Sunday.
    assert add_working_days(schedule, riyadh(2026, 12, 4, 20), 1) == riyadh(2026, 12, 6, 20)
    assert add_working_days(schedule, thursday, 0) is thursday
    assert add_working_days(schedule, thursday, 10) == riyadh(2026, 12, 20, 15, 30)


def test_add_working_days_keeps_the_local_time_across_a_clock_change():
    friday = datetime(2026, 3, 27, 10, tzinfo=BERLIN)  # CET, UTC+1
    monday = add_working_days(BERLIN_WEEK, friday, 1)  # CEST, UTC+2
    assert monday == datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert monday.astimezone(BERLIN).time() == time(10)
    autumn = add_working_days(BERLIN_WEEK, datetime(2026, 10, 23, 10, tzinfo=BERLIN), 1)
    assert autumn == datetime(2026, 10, 26, 9, tzinfo=UTC)


def test_add_working_days_refuses_bad_arguments():
    with pytest.raises(ValueError):
        add_working_days(SUN_THU, riyadh(2026, 12, 3, 9), -1)
    with pytest.raises(ValueError):
        add_working_days(SUN_THU, datetime(2026, 12, 3, 9), 1)  # naive
    with pytest.raises(TypeError):
        add_working_days(SUN_THU, riyadh(2026, 12, 3, 9), 1.5)


# --- working hours ----------------------------------------------------------------------------


def test_add_working_hours_counts_only_working_hours():
    thursday = riyadh(2026, 12, 3, 16)
    # One hour left on Thursday, then Sunday from 08:00.
    assert add_working_hours(SUN_THU, thursday, 2) == riyadh(2026, 12, 6, 9)
    assert add_working_hours(SUN_THU, thursday, 1) == riyadh(2026, 12, 3, 17)
    # Before hours and at the weekend, counting starts with the next working hours.
    assert add_working_hours(SUN_THU, riyadh(2026, 12, 6, 6), 1) == riyadh(2026, 12, 6, 9)
    assert add_working_hours(SUN_THU, riyadh(2026, 12, 5, 12), 9) == riyadh(2026, 12, 6, 17)
    assert add_working_hours(SUN_THU, riyadh(2026, 12, 5, 12), 9.5) == riyadh(2026, 12, 7, 8, 30)
    # 45 working hours are a week of five days.
    assert add_working_hours(SUN_THU, riyadh(2026, 12, 6, 8), 45) == riyadh(2026, 12, 10, 17)
    assert add_working_hours(SUN_THU, riyadh(2026, 12, 6, 8), Decimal("0.25")) == riyadh(
        2026, 12, 6, 8, 15
    )
    zero = riyadh(2026, 12, 5, 12)
    assert add_working_hours(SUN_THU, zero, 0) is zero


@pytest.mark.parametrize("hours", [-1, float("nan"), float("inf"), Decimal("-0.5"), Decimal("NaN")])
def test_add_working_hours_refuses_what_is_not_a_duration(hours):
    with pytest.raises(ValueError):
        add_working_hours(SUN_THU, riyadh(2026, 12, 6, 8), hours)


def test_working_time_between():
    assert working_time_between(SUN_THU, riyadh(2026, 12, 3, 16), riyadh(2026, 12, 6, 9)) == (
        timedelta(hours=2)
    )
    assert working_time_between(SUN_THU, riyadh(2026, 12, 6, 9), riyadh(2026, 12, 3, 16)) == (
        timedelta(0)
    )
    assert working_time_between(SUN_THU, riyadh(2026, 12, 4), riyadh(2026, 12, 6)) == timedelta(0)
    week = working_time_between(SUN_THU, riyadh(2026, 12, 5), riyadh(2026, 12, 12))
    assert week == timedelta(hours=45)


def test_a_day_on_which_the_clocks_change_lasts_what_it_lasts():
    # Working 01:00 to 04:00 every day in Berlin: the spring night loses its 02:00-03:00 hour,
    # the autumn night repeats it.
    def night(day):
        start = datetime.combine(day, time(0), tzinfo=BERLIN)
        return working_time_between(EVERY_DAY_NIGHT, start, start + timedelta(hours=12))

    assert night(date(2026, 3, 28)) == timedelta(hours=3)
    assert night(date(2026, 3, 29)) == timedelta(hours=2)
    assert night(date(2026, 10, 25)) == timedelta(hours=4)
    start = datetime(2026, 3, 29, 0, 30, tzinfo=BERLIN)
    assert add_working_hours(EVERY_DAY_NIGHT, start, 2) == datetime(2026, 3, 29, 4, tzinfo=BERLIN)
    assert add_working_hours(EVERY_DAY_NIGHT, start, 3) == datetime(2026, 3, 30, 2, tzinfo=BERLIN)


def test_next_working_moment():
    inside = riyadh(2026, 12, 6, 10)
    assert next_working_moment(SUN_THU, inside) == inside
    assert next_working_moment(SUN_THU, riyadh(2026, 12, 6, 7)) == riyadh(2026, 12, 6, 8)
    assert next_working_moment(SUN_THU, riyadh(2026, 12, 3, 17)) == riyadh(2026, 12, 6, 8)
    assert next_working_moment(SUN_THU, riyadh(2026, 12, 4, 10)).tzinfo == UTC
    with pytest.raises(ValueError):
        next_working_moment(SUN_THU, datetime(2026, 12, 6, 10))


# --- properties -------------------------------------------------------------------------------

ZONES = [
    "Asia/Riyadh",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # clocks move by half an hour
    "America/Santiago",  # clocks move at midnight
    "UTC",
]
FIRST, LAST = datetime(2025, 12, 1, tzinfo=UTC), datetime(2028, 1, 31, tzinfo=UTC)


@st.composite
def schedules(draw) -> WorkSchedule:
    weekdays = draw(st.frozensets(st.integers(1, 7), min_size=1))
    starts = draw(st.integers(0, 23 * 60 - 1))
    ends = draw(st.integers(starts + 1, 24 * 60 - 1))
    holidays = draw(st.frozensets(st.dates(date(2025, 12, 1), date(2028, 1, 31)), max_size=40))
    return WorkSchedule(
        weekdays=weekdays,
        starts=time(starts // 60, starts % 60),
        ends=time(ends // 60, ends % 60),
        zone=ZoneInfo(draw(st.sampled_from(ZONES))),
        holidays=holidays,
    )


moments = st.datetimes(
    min_value=FIRST.replace(tzinfo=None),
    max_value=LAST.replace(tzinfo=None),
    timezones=st.just(UTC),
)
# Hours to the minute, up to six weeks of full days.
hour_counts = st.integers(0, 6 * 7 * 24 * 60).map(lambda minutes: Decimal(minutes) / 60)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _minutes(hours: Decimal) -> timedelta:
    return timedelta(microseconds=int((hours * 3_600_000_000).to_integral_value()))


@PROPERTY
@given(schedule=schedules(), start=moments, hours=hour_counts)
def test_working_time_until_the_result_is_the_hours_added(schedule, start, hours):
    result = add_working_hours(schedule, start, hours)
    assert result >= start
    assert working_time_between(schedule, start, result) == _minutes(hours)


@PROPERTY
@given(schedule=schedules(), start=moments, hours=hour_counts.filter(bool))
def test_adding_working_hours_lands_in_working_hours(schedule, start, hours):
    result = add_working_hours(schedule, start, hours)
    local = result.astimezone(schedule.zone)
    assert is_working_day(schedule, local.date())
    # Within the day's working hours, its end included.
    assert next_working_moment(schedule, result - timedelta(microseconds=1)) <= result
    assert result.tzinfo == UTC


@PROPERTY
@given(schedule=schedules(), start=moments, a=hour_counts, b=hour_counts)
def test_adding_working_hours_is_monotonic(schedule, start, a, b):
    low, high = sorted((a, b))
    assert add_working_hours(schedule, start, low) <= add_working_hours(schedule, start, high)


@PROPERTY
@given(schedule=schedules(), start=moments, later=moments, hours=hour_counts)
def test_a_later_start_never_finishes_earlier(schedule, start, later, hours):
    early, late = sorted((start, later))
    assert add_working_hours(schedule, early, hours) <= add_working_hours(schedule, late, hours)


@PROPERTY
@given(schedule=schedules(), a=moments, b=moments, c=moments)
def test_working_time_adds_up_over_consecutive_spans(schedule, a, b, c):
    a, b, c = sorted((a, b, c))
    whole = working_time_between(schedule, a, c)
    assert whole == working_time_between(schedule, a, b) + working_time_between(schedule, b, c)
    assert timedelta(0) <= whole <= c - a


@PROPERTY
@given(schedule=schedules(), start=moments, days=st.integers(1, 60))
def test_adding_working_days_lands_on_a_working_day_at_the_same_clock_time(schedule, start, days):
    result = add_working_days(schedule, start, days)
    local_start, local = start.astimezone(schedule.zone), result.astimezone(schedule.zone)
    assert is_working_day(schedule, local.date())
    assert local.date() > local_start.date()
    between = (local.date() - local_start.date()).days
    passed = [local_start.date() + dt.timedelta(days=n) for n in range(1, between + 1)]
    assert sum(is_working_day(schedule, day) for day in passed) == days
    # The clock time is kept, unless the zone skips it on the day landed on.
    back = datetime.combine(local.date(), local_start.time(), tzinfo=schedule.zone)
    assert result == back.replace(fold=local_start.fold).astimezone(UTC)
    assert add_working_days(schedule, start, days) <= add_working_days(schedule, start, days + 1)


@PROPERTY
@given(schedule=schedules(), moment=moments)
def test_the_next_working_moment_is_the_first_with_working_time_after_it(schedule, moment):
    found = next_working_moment(schedule, moment)
    assert found >= moment
    assert working_time_between(schedule, moment, found) == timedelta(0)
    assert working_time_between(schedule, found, found + timedelta(minutes=1)) > timedelta(0)
