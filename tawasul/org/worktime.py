"""Working time: the one place every module counts it.

Due dates, overdue flags, complaint targets and field schedules count in working days and
working hours of the company's work calendar (`WorkCalendar`, `Holiday`), never in plain hours:

    schedule = calendar_for(company_id, branch_id)       # a `WorkSchedule`, cached
    due = add_working_hours(schedule, clock.now(), 8)     # an aware datetime, in UTC
    late = working_time_between(schedule, due, clock.now()) > timedelta(0)

Times are compared as instants: a working day is the span from its start to its end in the
company's time zone, turned into UTC, so a day on which the clocks change lasts an hour more or
less, as it does for the people working it. Every function takes aware datetimes (any zone) and
answers in UTC; a naive datetime is a `ValueError`.

A branch with its own calendar works by it; otherwise by the company's calendar; without any,
Sunday to Thursday from 08:00 to 17:00. Holidays of the whole company, and a branch's own, are
days off. Personal leave is not counted yet.
"""

from __future__ import annotations

import math
import threading
import time as monotonic_time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q

from .models import (
    DEFAULT_DAY_ENDS,
    DEFAULT_DAY_STARTS,
    DEFAULT_WORKING_DAYS,
    HOLIDAY_MAX_DAYS,
    Company,
    Holiday,
    WorkCalendar,
)

ONE_DAY = timedelta(days=1)
# How long a loaded schedule is reused, in seconds. Saves in this process drop it at once
# (`invalidate`); the limit bounds how long another process's change takes to be seen.
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class WorkSchedule:
    """When a company (or one of its branches) works.

    `weekdays`: ISO weekday numbers (1 Monday ... 7 Sunday) that are working days;
    `starts`, `ends`: the local clock times of each working day (`starts` before `ends`);
    `zone`: the company's time zone; `holidays`: the dates that are days off.
    """

    weekdays: frozenset[int]
    starts: time
    ends: time
    zone: ZoneInfo
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= set(range(1, 8)):
            raise ValueError("weekdays must be ISO weekday numbers 1..7, at least one")
        if self.ends <= self.starts:
            raise ValueError("a working day must end after it starts")


def default_schedule(time_zone: str, holidays: frozenset[date] = frozenset()) -> WorkSchedule:
    """Sunday to Thursday, 08:00 to 17:00, in `time_zone` (an IANA name)."""
    return WorkSchedule(
        weekdays=frozenset(DEFAULT_WORKING_DAYS),
        starts=DEFAULT_DAY_STARTS,
        ends=DEFAULT_DAY_ENDS,
        zone=ZoneInfo(time_zone),
        holidays=holidays,
    )


# --- loading, with a short per-process cache ----------------------------------------------------

_lock = threading.Lock()
_generation = [0]
# (company id, branch id) -> (generation, loaded at (monotonic seconds), schedule)
_cache: dict[tuple[int, int | None], tuple[int, float, WorkSchedule]] = {}


def invalidate(*args, **kwargs) -> None:
    """Forget every loaded schedule (connected to saves and deletes of calendars, holidays and
    companies by `connect_invalidation`)."""
    with _lock:
        _generation[0] += 1
        _cache.clear()


def connect_invalidation() -> None:
    """Drop the cache whenever a calendar, a holiday or a company is saved or deleted (called
    from `OrgConfig.ready`)."""
    from django.db.models.signals import post_delete, post_save

    for model in (WorkCalendar, Holiday, Company):
        for signal in (post_save, post_delete):
            signal.connect(invalidate, sender=model, dispatch_uid=f"worktime-{model.__name__}")


def calendar_for(company_id: int, branch_id: int | None = None) -> WorkSchedule:
    """The work schedule of a company, or of one of its branches (`branch_id`).

    The branch's calendar if it has one, else the company's, else Sunday to Thursday 08:00 to
    17:00; in the company's time zone; with the company's holidays and (for a branch) the
    branch's own. Three queries when not cached; cached in the process for `CACHE_SECONDS` and
    dropped when a calendar, holiday or company is saved. Raises `Company.DoesNotExist` for a
    company that does not exist.
    """
    key = (company_id, branch_id)
    now = monotonic_time.monotonic()
    with _lock:
        generation = _generation[0]
        found = _cache.get(key)
    if found is not None and found[0] == generation and now - found[1] < CACHE_SECONDS:
        return found[2]
    schedule = _load(company_id, branch_id)
    with _lock:
        if _generation[0] == generation:
            _cache[key] = (generation, now, schedule)
    return schedule


def _load(company_id: int, branch_id: int | None) -> WorkSchedule:
    # Reads every company's rows: working time is a fact of the company, whoever asks.
    zone_name = Company._base_manager.filter(pk=company_id).values_list("timezone", flat=True).get()
    branch_q = Q(branch__isnull=True)
    if branch_id is not None:
        branch_q |= Q(branch_id=branch_id)
    calendars: dict[int | None, Any] = {
        row["branch_id"]: row
        for row in WorkCalendar._base_manager.filter(branch_q, company_id=company_id).values(
            "branch_id", "working_days", "day_starts", "day_ends"
        )
    }
    days_off: set[date] = set()
    spans = Holiday._base_manager.filter(branch_q, company_id=company_id).values_list(
        "starts_on", "ends_on"
    )
    for first, last in spans:
        length = min((last - first).days + 1, HOLIDAY_MAX_DAYS)
        days_off.update(first + timedelta(days=n) for n in range(max(length, 0)))
    holidays = frozenset(days_off)
    row = calendars.get(branch_id) or calendars.get(None)
    if row is None:
        return default_schedule(zone_name, holidays)
    return WorkSchedule(
        weekdays=frozenset(row["working_days"]),
        starts=row["day_starts"],
        ends=row["day_ends"],
        zone=ZoneInfo(zone_name),
        holidays=holidays,
    )


# --- counting ----------------------------------------------------------------------------------


def is_working_day(schedule: WorkSchedule, day: date) -> bool:
    """Whether `day` (a date of the company's calendar) is a working day: one of the working
    weekdays and not a holiday."""
    return day.isoweekday() in schedule.weekdays and day not in schedule.holidays


def _aware(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return moment


def _window(schedule: WorkSchedule, day: date) -> tuple[datetime, datetime] | None:
    """The working hours of `day` as UTC instants, or None on a day off.

    A clock time the zone skips that day is read with the offset before the change (Python's
    `fold=0`), one it repeats as its first occurrence; a window that comes out empty is none.
    """
    if not is_working_day(schedule, day):
        return None
    start = datetime.combine(day, schedule.starts, tzinfo=schedule.zone).astimezone(UTC)
    end = datetime.combine(day, schedule.ends, tzinfo=schedule.zone).astimezone(UTC)
    return (start, end) if end > start else None


def _windows_from(schedule: WorkSchedule, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The working hours of every day from `moment`'s local date on, in order (endless: every
    caller stops; there is a working day in every week after the last holiday)."""
    day = moment.astimezone(schedule.zone).date()
    while True:
        window = _window(schedule, day)
        if window is not None:
            yield window
        day += ONE_DAY


def _duration(hours: float | Decimal | int) -> timedelta:
    if isinstance(hours, bool):
        raise TypeError("hours must be a number")
    if isinstance(hours, Decimal):
        if not hours.is_finite():
            raise ValueError("hours must be finite")
        micros = (hours * 3_600_000_000).to_integral_value(rounding=ROUND_HALF_EVEN)
        duration = timedelta(microseconds=int(micros))
    else:
        if not math.isfinite(hours):
            raise ValueError("hours must be finite")
        duration = timedelta(hours=hours)
    if duration < timedelta(0):
        raise ValueError("hours must not be negative")
    return duration


def next_working_moment(schedule: WorkSchedule, moment: datetime) -> datetime:
    """`moment` (in UTC) if it falls within working hours, else the start of the next working
    hours after it. The end of a working day is not within it: the next day's start follows."""
    moment = _aware(moment, "moment").astimezone(UTC)
    for start, end in _windows_from(schedule, moment):
        if end > moment:
            return max(start, moment)
    raise AssertionError("unreachable")  # pragma: no cover


def add_working_days(schedule: WorkSchedule, start: datetime, days: int) -> datetime:
    """The same local clock time as `start`, `days` working days after its date (in UTC).

    Days off between are skipped and never landed on: one working day after a Thursday
    afternoon is the next Sunday afternoon under a Sunday-to-Thursday week. `start` itself need
    not be in working hours, and the clock time is kept as it is (a due time at 20:00 stays at
    20:00). `days` = 0 answers `start` unchanged; a negative `days` is a `ValueError`.
    """
    _aware(start, "start")
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError("days must be a whole number")
    if days < 0:
        raise ValueError("days must not be negative")
    if days == 0:
        return start
    local = start.astimezone(schedule.zone)
    day = local.date()
    counted = 0
    while counted < days:
        day += ONE_DAY
        if is_working_day(schedule, day):
            counted += 1
    landed = datetime.combine(day, local.time(), tzinfo=schedule.zone).replace(fold=local.fold)
    return landed.astimezone(UTC)


def add_working_hours(
    schedule: WorkSchedule, start: datetime, hours: float | Decimal | int
) -> datetime:
    """The moment (in UTC) when `hours` of working time have passed since `start`.

    Only time within working hours of working days counts; what falls outside (`start` on a
    weekend, or after hours) starts counting at the next working hours. The answer lies
    within, or at the end of, the working hours of a working day. `hours` may be fractional
    (a Decimal is exact to the microsecond); 0 answers `start` unchanged; a negative or
    non-finite number is a `ValueError`.
    """
    start = _aware(start, "start")
    remaining = _duration(hours)
    if not remaining:
        return start
    start = start.astimezone(UTC)
    for window_start, window_end in _windows_from(schedule, start):
        begin = max(window_start, start)
        if begin >= window_end:
            continue
        available = window_end - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise AssertionError("unreachable")  # pragma: no cover


def working_time_between(schedule: WorkSchedule, start: datetime, end: datetime) -> timedelta:
    """The working time from `start` to `end`: the parts of working hours between them (zero
    when `end` is not after `start`). The inverse of `add_working_hours`."""
    start = _aware(start, "start").astimezone(UTC)
    end = _aware(end, "end").astimezone(UTC)
    total = timedelta(0)
    if end <= start:
        return total
    for window_start, window_end in _windows_from(schedule, start):
        if window_start >= end:
            break
        overlap = min(window_end, end) - max(window_start, start)
        if overlap > timedelta(0):
            total += overlap
    return total


__all__ = [
    "WorkSchedule",
    "add_working_days",
    "add_working_hours",
    "calendar_for",
    "default_schedule",
    "invalidate",
    "is_working_day",
    "next_working_moment",
    "working_time_between",
]
