"""When a reminder fires: its recurrence as an RFC 5545 RRULE, evaluated on the wall clock.

The form's choices (`Recurrence`: once, daily, weekly on chosen weekdays, monthly on a day of
the month or on the last working day, yearly; ending never, on a date or after a count) become
an RRULE string (`Recurrence.to_rrule`) that python-dateutil reads back (`rrulestr`).

A reminder's occurrences are local wall-clock times in its time zone (the author's, by default
the company's): the rule runs over naive local times starting at `starts_at` seen in that zone,
and each occurrence is then placed in the zone and turned into UTC. So a weekly 09:00 reminder
stays at 09:00 across a daylight-saving change. A local time that does not exist (the hour the
clocks skip) is read with the offset before the change (02:30 becomes 03:30 in Berlin); a local
time that happens twice (the hour repeated in autumn) is the first of the two.

Month ends follow RFC 5545: a monthly reminder on the 31st skips the months without a 31st, one
on the 29th of February happens in leap years only. "Last working day" is the last day of the
month moved back over the company's days off (weekends and holidays, `tawasul.org.worktime`);
a month without a single working day has no occurrence. The first occurrence is the first time
on or after `starts_at` that matches the rule (python-dateutil's reading of DTSTART: a start on
a Tuesday for a rule on Mondays first fires on the Monday after).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as du
from django.utils.translation import gettext_lazy as _

ONCE, DAILY, WEEKLY, MONTHLY, YEARLY = "once", "daily", "weekly", "monthly", "yearly"
FREQUENCIES = (
    (ONCE, _("Once")),
    (DAILY, _("Daily")),
    (WEEKLY, _("Weekly")),
    (MONTHLY, _("Monthly")),
    (YEARLY, _("Yearly")),
)
DAY_OF_MONTH, LAST_WORKING_DAY = "day", "last_working_day"
MONTH_MODES = (
    (DAY_OF_MONTH, _("On a day of the month")),
    (LAST_WORKING_DAY, _("On the last working day")),
)
NEVER, ON_DATE, AFTER_COUNT = "never", "on", "after"
ENDS = (
    (NEVER, _("Never")),
    (ON_DATE, _("On a date")),
    (AFTER_COUNT, _("After a number of times")),
)
# ISO weekday number (1 Monday ... 7 Sunday) -> the RRULE's two letters.
WEEKDAY_CODES = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}
WEEKDAYS = (
    (7, _("Sunday")),
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
)
_FREQ = {DAILY: "DAILY", WEEKLY: "WEEKLY", MONTHLY: "MONTHLY", YEARLY: "YEARLY"}
MAX_INTERVAL = 366
MAX_COUNT = 10_000
# Occurrences looked at before giving up on finding one (a rule is never that sparse).
SCAN_LIMIT = 100_000


@dataclass(frozen=True)
class Recurrence:
    """The recurrence builder's choices. `weekdays`: ISO numbers (weekly); `month_day`: 1..31
    (monthly, `month_mode` DAY_OF_MONTH); `until`: the last local date it may fire on;
    `count`: how many times at most."""

    frequency: str = ONCE
    interval: int = 1
    weekdays: tuple[int, ...] = field(default_factory=tuple)
    month_mode: str = DAY_OF_MONTH
    month_day: int | None = None
    ends: str = NEVER
    until: date | None = None
    count: int | None = None

    @property
    def repeats(self) -> bool:
        return self.frequency != ONCE

    @property
    def working_day_back(self) -> bool:
        """Occurrences move back over days off (the "last working day" choice)."""
        return self.frequency == MONTHLY and self.month_mode == LAST_WORKING_DAY

    def to_rrule(self) -> str:
        """The RFC 5545 RRULE (without "RRULE:"), "" for once. UNTIL is floating (local)."""
        if not self.repeats:
            return ""
        parts = [f"FREQ={_FREQ[self.frequency]}"]
        if self.interval and self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.frequency == WEEKLY and self.weekdays:
            parts.append("BYDAY=" + ",".join(WEEKDAY_CODES[d] for d in sorted(set(self.weekdays))))
        if self.frequency == MONTHLY:
            if self.month_mode == LAST_WORKING_DAY:
                parts.append("BYMONTHDAY=-1")
            elif self.month_day:
                parts.append(f"BYMONTHDAY={self.month_day}")
        if self.ends == ON_DATE and self.until is not None:
            parts.append(f"UNTIL={self.until:%Y%m%d}T235959")
        elif self.ends == AFTER_COUNT and self.count:
            parts.append(f"COUNT={self.count}")
        return ";".join(parts)

    @classmethod
    def from_rrule(cls, text: str, *, working_day_back: bool = False) -> Recurrence:
        """The builder's choices back from a stored RRULE (for the edit form)."""
        if not text:
            return cls()
        values = dict(part.split("=", 1) for part in text.split(";") if "=" in part)
        codes = {code: number for number, code in WEEKDAY_CODES.items()}
        frequency = {v: k for k, v in _FREQ.items()}.get(values.get("FREQ", ""), ONCE)
        month_day = values.get("BYMONTHDAY")
        until = values.get("UNTIL")
        count = values.get("COUNT")
        return cls(
            frequency=frequency,
            interval=int(values.get("INTERVAL", 1)),
            weekdays=tuple(codes[c] for c in values.get("BYDAY", "").split(",") if c in codes),
            month_mode=LAST_WORKING_DAY if working_day_back else DAY_OF_MONTH,
            month_day=None if working_day_back or not month_day else int(month_day),
            ends=ON_DATE if until else AFTER_COUNT if count else NEVER,
            until=datetime.strptime(until[:8], "%Y%m%d").date() if until else None,
            count=int(count) if count else None,
        )


def local_wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment` (aware) as a naive wall-clock time in `zone`."""
    return moment.astimezone(zone).replace(tzinfo=None)


def to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """A naive wall-clock time in `zone` as an aware UTC time (fold 0: see the module)."""
    return wall.replace(tzinfo=zone).astimezone(UTC)


@functools.lru_cache(maxsize=4096)
def _parse(text: str, dtstart: datetime) -> du.rrule:
    rule = du.rrulestr(text, dtstart=dtstart)
    assert isinstance(rule, du.rrule)
    return rule


def _shift_back(day: datetime, is_working_day: Callable[[date], bool]) -> datetime | None:
    """`day` moved back to the nearest working day of its own month (None: no such day)."""
    moved = day
    while not is_working_day(moved.date()):
        moved -= timedelta(days=1)
        if moved.month != day.month:
            return None
    return moved


def wall_occurrences(
    rrule_text: str,
    start_wall: datetime,
    *,
    is_working_day: Callable[[date], bool] | None = None,
    from_wall: datetime | None = None,
) -> Iterator[datetime]:
    """The naive local occurrences of a rule from `start_wall`, in order; from `from_wall` on
    when given (an approximate lower bound: callers compare exactly). With `is_working_day`,
    each is moved back to a working day of its month."""
    if not rrule_text:
        yield start_wall
        return
    rule = _parse(rrule_text, start_wall)
    # Moving back keeps an occurrence within its month: start a month early to see them all.
    lower = None if from_wall is None else from_wall - timedelta(days=32)
    source = rule if lower is None or lower <= start_wall else rule.xafter(lower, inc=True)
    for seen, wall in enumerate(source):
        if seen > SCAN_LIMIT:
            return
        if is_working_day is not None:
            moved = _shift_back(wall, is_working_day)
            if moved is None:
                continue
            wall = moved
        yield wall


@dataclass(frozen=True)
class Schedule:
    """What evaluating one reminder needs: its rule, first time and zone, and (for "last
    working day") the company's working days."""

    rrule: str
    starts_at: datetime
    zone: ZoneInfo
    is_working_day: Callable[[date], bool] | None = None

    def occurrences(self, after: datetime | None = None) -> Iterator[datetime]:
        """UTC occurrences, in order; strictly after `after` when given."""
        start_wall = local_wall(self.starts_at, self.zone)
        from_wall = None if after is None else local_wall(after, self.zone)
        for wall in wall_occurrences(
            self.rrule, start_wall, is_working_day=self.is_working_day, from_wall=from_wall
        ):
            moment = to_utc(wall, self.zone)
            if after is None or moment > after:
                yield moment

    def first(self) -> datetime | None:
        return next(self.occurrences(), None)

    def next_after(self, after: datetime) -> datetime | None:
        return next(self.occurrences(after), None)

    def latest_until(self, start: datetime, until: datetime) -> datetime | None:
        """The last occurrence in [start, until] (None if there is none)."""
        found = None
        for moment in self.occurrences(start - timedelta(microseconds=1)):
            if moment > until:
                break
            found = moment
        return found

    def between(self, start: datetime, end: datetime, limit: int = 1000) -> list[datetime]:
        """Occurrences in [start, end), at most `limit`."""
        out: list[datetime] = []
        for moment in self.occurrences(start - timedelta(microseconds=1)):
            if moment >= end or len(out) >= limit:
                break
            out.append(moment)
        return out


def schedule_for(reminder) -> Schedule:
    """The `Schedule` of a saved or unsaved reminder (its `rrule`, `starts_at`, `timezone`,
    `working_day_back`, company)."""
    zone = ZoneInfo(reminder.timezone)
    is_working_day = None
    if reminder.working_day_back:
        is_working_day = working_day_test(reminder.company_id)
    return Schedule(reminder.rrule, reminder.starts_at, zone, is_working_day)


def working_day_test(company_id: int) -> Callable[[date], bool]:
    """Whether a local date is a working day of the company (its calendar and holidays)."""
    from tawasul.org import worktime

    schedule = worktime.calendar_for(company_id)
    return functools.partial(worktime.is_working_day, schedule)


def next_occurrence(reminder, after: datetime) -> datetime | None:
    """The reminder's first occurrence strictly after `after` (aware), in UTC; None when the
    recurrence has ended."""
    return schedule_for(reminder).next_after(after)


def combine(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A local date and time in `zone` as an aware UTC time."""
    return to_utc(datetime.combine(day, at), zone)


def describe(rrule_text: str, *, working_day_back: bool = False) -> str:
    """The recurrence in words ("Every 2 weeks on Monday, Wednesday, 10 times")."""
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _g
    from django.utils.translation import ngettext

    recurrence = Recurrence.from_rrule(rrule_text, working_day_back=working_day_back)
    n = recurrence.interval
    if recurrence.frequency == ONCE:
        return _g("Once")
    if recurrence.frequency == DAILY:
        text = ngettext("Every day", "Every %(n)s days", n) % {"n": n}
    elif recurrence.frequency == WEEKLY:
        text = ngettext("Every week", "Every %(n)s weeks", n) % {"n": n}
        if recurrence.weekdays:
            names = dict(WEEKDAYS)
            order = [number for number, _label in WEEKDAYS]
            days = sorted(recurrence.weekdays, key=order.index)
            text = _g("%(every)s on %(days)s") % {
                "every": text,
                "days": ", ".join(str(names[d]) for d in days),
            }
    elif recurrence.frequency == MONTHLY:
        text = ngettext("Every month", "Every %(n)s months", n) % {"n": n}
        if recurrence.month_mode == LAST_WORKING_DAY:
            text = _g("%(every)s on the last working day") % {"every": text}
        elif recurrence.month_day:
            text = _g("%(every)s on day %(day)s") % {"every": text, "day": recurrence.month_day}
    else:
        text = ngettext("Every year", "Every %(n)s years", n) % {"n": n}
    if recurrence.until is not None:
        text = _g("%(text)s, until %(date)s") % {
            "text": text,
            "date": date_format(recurrence.until, "SHORT_DATE_FORMAT"),
        }
    elif recurrence.count:
        text = ngettext("%(text)s, once", "%(text)s, %(n)s times", recurrence.count) % {
            "text": text,
            "n": recurrence.count,
        }
    return text
