"""Calendar entries: what the modules' calendar sources give the calendar page and the feeds.

A module registers a source with `registry.calendar_source(key, source)`:

    def source(user, start, end) -> Iterable[CalendarEntry]   # aware datetimes, end exclusive

answering only what `user` may see (read through `restrict`). A source that lets the user move
an entry by dragging it also has `move(user, pk, start) -> None` as an attribute (a function
calling the module's service; it raises ValidationError or PermissionDenied when refused).
Sources written as plain dicts with the same keys are read the same way (`as_entry`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CalendarEntry:
    """One item on a calendar: `kind` is the source's key ("tasks"), `pk` its record's key,
    `start` (and `end`, None for a moment) aware datetimes, or dates with `all_day`; `url` its
    page; `editable` whether the reader may move it; `status` a short word for its colour."""

    kind: str
    pk: int
    title: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date | None = None
    all_day: bool = False
    url: str = ""
    editable: bool = False
    status: str = ""
    description: str = ""


def as_entry(kind: str, item: Any) -> CalendarEntry:
    """A `CalendarEntry` from what a source yielded (an entry, or a dict with its fields; `id`
    is accepted for `pk`)."""
    if isinstance(item, CalendarEntry):
        return item
    if isinstance(item, dict):
        data = dict(item)
        data.setdefault("kind", kind)
        if "pk" not in data and "id" in data:
            data["pk"] = data.pop("id")
        known = CalendarEntry.__dataclass_fields__
        return CalendarEntry(**{k: v for k, v in data.items() if k in known})
    raise TypeError(f"calendar source {kind!r} gave {type(item).__name__}")
