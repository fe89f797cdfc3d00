"""One clock for every service, sweep, task and consumer: `clock.now()` and `clock.today()`.

In production `now()` is `django.utils.timezone.now()` and nothing more: the test clock below is
looked at only when `settings.TESTING` is on.

Tests move time for their own process *and for the processes they start* (a Huey consumer, a
subprocess), because escalations and reminders are tested across real consumers:

    with clock.frozen(datetime(2027, 1, 5, 9, 0, tzinfo=UTC)):
        ...                                   # now() answers 2027-01-05 09:00 everywhere
    with clock.shifted(timedelta(days=3)):
        ...                                   # now() runs on, three days ahead

The setting is written to a small JSON file whose path travels in the environment variable
`TAWASUL_CLOCK_FILE`; `set_frozen`/`set_offset` create the file (and set the variable) when
there is none, so a process started afterwards inherits it. A consumer started by hand for a
test is pointed at the same file by giving it the same variable. `now()` re-reads the file only
when its modification time or size changed, so a test process pays one `stat` per call.

Automatic timestamps read it through `core.fields.ClockDateTimeField`; what stays on the wall
clock (other libraries' timestamps, Huey's schedule) is listed in docs/development/documents.md.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

ENV_VAR = "TAWASUL_CLOCK_FILE"

# (path, mtime_ns, size) -> the parsed setting; one entry, the last file read.
_cache: tuple[tuple[str, int, int], dict] | None = None


def now() -> datetime:
    """The current time, aware, in UTC: the real time, or the test clock when tests set one."""
    if not settings.TESTING:
        return timezone.now()
    return _test_now()


def today() -> date:
    """Today's date in the current time zone (the user's, or the site's), by `now()`."""
    return timezone.localdate(now())


def _read_setting() -> dict:
    global _cache
    path = os.environ.get(ENV_VAR)
    if not path:
        return {}
    try:
        stat = os.stat(path)
    except OSError:
        return {}
    key = (path, stat.st_mtime_ns, stat.st_size)
    if _cache is not None and _cache[0] == key:
        return _cache[1]
    try:
        with open(path, encoding="utf-8") as handle:
            setting = json.load(handle) or {}
    except (OSError, ValueError):
        setting = {}
    _cache = (key, setting)
    return setting


def _test_now() -> datetime:
    setting = _read_setting()
    if "frozen" in setting:
        return datetime.fromisoformat(setting["frozen"]).astimezone(UTC)
    real = timezone.now()
    if "offset" in setting:
        return real + timedelta(seconds=float(setting["offset"]))
    return real


def _write_setting(setting: dict) -> None:
    if not settings.TESTING:
        raise RuntimeError("The clock can be set only in tests (TAWASUL_TESTING=1).")
    global _cache
    path = os.environ.get(ENV_VAR)
    if not path:
        descriptor, path = tempfile.mkstemp(prefix="tawasul-clock-", suffix=".json")
        os.close(descriptor)
        os.environ[ENV_VAR] = path
    # Write beside the file and rename, so a reader never sees half a file.
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(setting, handle)
    os.replace(temporary, path)
    _cache = None


def set_frozen(moment: datetime) -> None:
    """Stop the clock at `moment` (aware) for this process and those it starts from now on."""
    if timezone.is_naive(moment):
        raise ValueError("The clock needs an aware datetime.")
    _write_setting({"frozen": moment.astimezone(UTC).isoformat()})


def set_offset(offset: timedelta) -> None:
    """Let the clock run, `offset` ahead of (or, negative, behind) the real time."""
    _write_setting({"offset": offset.total_seconds()})


def reset() -> None:
    """Back to the real time (the file stays, empty, so started processes follow too)."""
    if os.environ.get(ENV_VAR):
        _write_setting({})


@contextmanager
def frozen(moment: datetime) -> Iterator[datetime]:
    """`set_frozen(moment)` for the block, then the real time again."""
    set_frozen(moment)
    try:
        yield moment
    finally:
        reset()


@contextmanager
def shifted(offset: timedelta) -> Iterator[None]:
    """`set_offset(offset)` for the block, then the real time again."""
    set_offset(offset)
    try:
        yield
    finally:
        reset()
