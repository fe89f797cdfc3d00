"""The recurrence engine against python-dateutil's rrule, built independently from the same
choices, for random rules, time zones and dates; and the cases worth naming."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as du
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tawasul.activities.reminders_recurrence import (
    AFTER_COUNT,
    DAILY,
    LAST_WORKING_DAY,
    MONTHLY,
    NEVER,
    ON_DATE,
    ONCE,
    WEEKLY,
    YEARLY,
    Recurrence,
    Schedule,
)

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Riyadh", "Australia/Lord_Howe", "UTC"]
DU_FREQ = {DAILY: du.DAILY, WEEKLY: du.WEEKLY, MONTHLY: du.MONTHLY, YEARLY: du.YEARLY}
DU_DAYS = {1: du.MO, 2: du.TU, 3: du.WE, 4: du.TH, 5: du.FR, 6: du.SA, 7: du.SU}


@st.composite
def recurrences(draw):
    frequency = draw(st.sampled_from([ONCE, DAILY, WEEKLY, MONTHLY, YEARLY]))
    ends = draw(st.sampled_from([NEVER, ON_DATE, AFTER_COUNT]))
    return Recurrence(
        frequency=frequency,
        interval=draw(st.integers(1, 4)),
        weekdays=tuple(draw(st.sets(st.integers(1, 7), max_size=3))),
        month_day=draw(st.integers(1, 31)),
        ends=ends,
        until=draw(st.dates(date(2026, 1, 1), date(2030, 12, 31))) if ends == ON_DATE else None,
        count=draw(st.integers(1, 40)) if ends == AFTER_COUNT else None,
    )


def oracle(recurrence: Recurrence, wall_start: datetime, zone: ZoneInfo, after: datetime):
    """The first occurrence after `after` of dateutil's own rule built from the choices, over
    aware wall-clock times in the zone (None when the rule ends before)."""
    start = wall_start.replace(tzinfo=zone)
    if recurrence.frequency == ONCE:
        rule = [start]
    else:
        kwargs = {"dtstart": start, "interval": recurrence.interval}
        if recurrence.frequency == WEEKLY and recurrence.weekdays:
            kwargs["byweekday"] = [DU_DAYS[d] for d in recurrence.weekdays]
        if recurrence.frequency == MONTHLY:
            kwargs["bymonthday"] = recurrence.month_day
        if recurrence.ends == ON_DATE:
            kwargs["until"] = datetime.combine(recurrence.until, time(23, 59, 59), tzinfo=zone)
        if recurrence.ends == AFTER_COUNT:
            kwargs["count"] = recurrence.count
        rule = du.rrule(DU_FREQ[recurrence.frequency], **kwargs)
    for moment in rule:
        if moment.astimezone(UTC) > after:
            return moment.astimezone(UTC)
    return None


@settings(max_examples=300, deadline=None)
@given(
    recurrence=recurrences(),
    zone_name=st.sampled_from(ZONES),
    wall_start=st.datetimes(datetime(2026, 1, 1), datetime(2029, 12, 31)),
    offset=st.timedeltas(timedelta(days=-30), timedelta(days=900)),
)
def test_next_occurrence_matches_dateutil(recurrence, zone_name, wall_start, offset):
    zone = ZoneInfo(zone_name)
    wall_start = wall_start.replace(second=0, microsecond=0)
    starts_at = wall_start.replace(tzinfo=zone).astimezone(UTC)
    # A first time the clocks skip (02:30 on the night summer time starts) is no time at all:
    # the reminder form refuses it (Django cannot place it in the zone), and the API takes an
    # offset with it. The recurrence starts from a time that exists.
    assume(starts_at.astimezone(zone).replace(tzinfo=None) == wall_start)
    after = starts_at + offset
    found = Schedule(recurrence.to_rrule(), starts_at, zone).next_after(after)
    assert found == oracle(recurrence, wall_start, zone, after)
    # Every occurrence is at the start's local time of day, unless that time does not exist
    # on its day (the hour the clocks skip).
    if found is not None:
        local = found.astimezone(zone)
        if local.time() != wall_start.time():
            wanted = datetime.combine(local.date(), wall_start.time(), tzinfo=zone)
            assert wanted.astimezone(UTC).astimezone(zone).time() != wall_start.time()


@settings(max_examples=100, deadline=None)
@given(recurrence=recurrences())
def test_the_rrule_reads_back_into_the_same_choices(recurrence):
    back = Recurrence.from_rrule(recurrence.to_rrule())
    assert back.to_rrule() == recurrence.to_rrule()


def test_weekly_nine_oclock_stays_at_nine_across_the_clock_change():
    zone = ZoneInfo("Europe/Berlin")
    start = datetime(2027, 3, 22, 9, 0, tzinfo=zone)  # Monday, winter time (UTC+1)
    schedule = Schedule("FREQ=WEEKLY;BYDAY=MO", start.astimezone(UTC), zone)
    first, second = schedule.between(start, start + timedelta(days=8))
    assert first == datetime(2027, 3, 22, 8, 0, tzinfo=UTC)
    assert second == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # summer time (UTC+2)
    assert second.astimezone(zone).hour == 9


def test_the_31st_skips_short_months():
    zone = ZoneInfo("Asia/Riyadh")
    start = datetime(2027, 1, 31, 10, 0, tzinfo=zone).astimezone(UTC)
    rule = Recurrence(MONTHLY, month_day=31).to_rrule()
    days = [
        m.astimezone(zone).date()
        for m in Schedule(rule, start, zone).between(start, start + timedelta(days=121))
    ]
    assert days == [date(2027, 1, 31), date(2027, 3, 31), date(2027, 5, 31)]


def test_last_working_day_moves_back_over_weekends_and_holidays():
    zone = ZoneInfo("Asia/Riyadh")
    holidays = {date(2027, 3, 31)}

    def working(day):  # Sunday to Thursday
        return day.isoweekday() in {7, 1, 2, 3, 4} and day not in holidays

    recurrence = Recurrence(MONTHLY, month_mode=LAST_WORKING_DAY)
    assert recurrence.to_rrule() == "FREQ=MONTHLY;BYMONTHDAY=-1"
    start = datetime(2027, 1, 1, 8, 0, tzinfo=zone).astimezone(UTC)
    schedule = Schedule(recurrence.to_rrule(), start, zone, working)
    days = [m.astimezone(zone).date() for m in schedule.between(start, start + timedelta(days=100))]
    # Jan 31 2027 is a Sunday (working); Feb 28 a Sunday; Mar 31 a Wednesday but a holiday.
    assert days == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 30)]


def test_lord_howe_half_hour_shift():
    zone = ZoneInfo("Australia/Lord_Howe")
    start = datetime(2027, 4, 1, 7, 0, tzinfo=zone).astimezone(UTC)
    schedule = Schedule("FREQ=DAILY", start, zone)
    for moment in schedule.between(start, start + timedelta(days=10)):
        assert moment.astimezone(zone).time() == time(7, 0)


def test_a_time_the_clock_skips_moves_forward_and_an_ended_rule_has_no_next():
    zone = ZoneInfo("America/New_York")
    start = datetime(2027, 3, 13, 2, 30, tzinfo=zone).astimezone(UTC)
    schedule = Schedule("FREQ=DAILY;COUNT=2", start, zone)
    first, second = list(schedule.occurrences())
    assert second.astimezone(zone).time() == time(3, 30)  # 2:30 does not exist on 14 March
    assert schedule.next_after(second) is None
