"""Reads of follow-ups: subject labels for a page of them, a follow-up's trail, and the
contact timeline and calendar sources. Every read starts from `restrict`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from tawasul.core import clock
from tawasul.core.calendar import CalendarEntry
from tawasul.core.timeline import TimelineEntry, older_than
from tawasul.org.models import Employee

from .choices import FollowUpStatus
from .followups_services import (
    CANCEL,
    COMPLETE,
    CREATE,
    FORWARD,
    OVERDUE,
    POSTPONE,
    follow_up_postpone,
)
from .models import FollowUp
from .subjects import subject_labels

TIMELINE_SOURCE = "follow_ups"


def label_follow_ups(user, rows: list) -> list:
    """Give each follow-up its `subject_label` (`subjects.SubjectLabel`: the record's name
    only if `user` may view it) with one query per kind of record on the page."""
    labels = subject_labels(user, rows)
    for row in rows:
        row.subject_label = labels[row.pk]
    return rows


def follow_ups_for(user, *, status: str | None = FollowUpStatus.OPEN):
    """The follow-ups `user` may see, assigned to them (status open by default)."""
    employee = getattr(user, "employee", None)
    if employee is None:
        return FollowUp.objects.none()
    queryset = FollowUp.objects.restrict(user, "view").filter(assignee=employee)
    return queryset.filter(status=status) if status else queryset


@dataclass
class TrailStep:
    """One line of a follow-up's trail: when, who (a user or None for the system), what."""

    at: dt.datetime
    who: Any
    verb: str
    text: str
    remark: str = ""


VERB_TEXT = {
    CREATE: lambda e, names: _("Set for %(name)s") % {"name": names.get(e.data.get("assignee"))},
    COMPLETE: lambda e, names: _("Done"),
    FORWARD: lambda e, names: (
        _("Forwarded from %(old)s to %(new)s")
        % {"old": names.get(e.data.get("from")), "new": names.get(e.data.get("to"))}
    ),
    POSTPONE: lambda e, names: _("Postponed"),
    CANCEL: lambda e, names: _("Cancelled"),
    OVERDUE: lambda e, names: _("Overdue: the assignee was told"),
}


def follow_up_trail(follow_up: FollowUp) -> list[TrailStep]:
    """The follow-up's steps, oldest first: who set it (or the rule or source that made it),
    then each event row. Two queries."""
    events = list(follow_up.events.select_related("actor__employee").order_by("at", "pk"))
    keys: set[int] = set()
    for event in events:
        data = event.data or {}
        if event.verb == FORWARD:
            keys.update(v for v in (data.get("from"), data.get("to")) if isinstance(v, int))
        elif isinstance(data.get("assignee"), int):
            keys.add(data["assignee"])
    names: dict[int | None, str] = {
        e.pk: e.display_name for e in Employee.objects.filter(pk__in=keys).only("name", "name_ar")
    }
    names.setdefault(None, "—")
    steps = []
    if not any(e.verb == CREATE for e in events):
        if follow_up.rule_id:
            text = _("Set by the rule “%(rule)s”") % {"rule": follow_up.rule}
        elif follow_up.source:
            text = _("Set automatically (%(source)s)") % {"source": follow_up.source}
        else:
            text = _("Set")
        steps.append(TrailStep(follow_up.created_at, follow_up.created_by, CREATE, text))
    for event in events:
        describe = VERB_TEXT.get(event.verb)
        text = describe(event, names) if describe else event.verb
        steps.append(TrailStep(event.at, event.actor, event.verb, text, event.remark))
    return steps


# --- the contact's timeline --------------------------------------------------------------------


def contact_timeline(user, record, *, before, limit: int):
    """Follow-ups about the contact that `user` may see, newest set first, as timeline
    entries (paged: `before`, `limit`)."""
    queryset = (
        FollowUp.objects.restrict(user, "view")
        .filter(contact_id=record.pk)
        .filter(older_than(before, TIMELINE_SOURCE, "created_at"))
        .select_related("created_by", "assignee")
        .order_by("-created_at", "-pk")[:limit]
    )
    entries = []
    for follow_up in queryset:
        status = follow_up.get_status_display()
        title = _("Follow-up: %(purpose)s (%(status)s, due %(due)s, %(who)s)") % {
            "purpose": follow_up.purpose,
            "status": status,
            "due": follow_up.due_on.isoformat(),
            "who": follow_up.assignee.display_name if follow_up.assignee else "—",
        }
        entries.append(
            TimelineEntry(
                when=follow_up.created_at,
                source=TIMELINE_SOURCE,
                key=follow_up.pk,
                who=follow_up.created_by,
                kind="event",
                title=title,
                reason=follow_up.outcome,
            )
        )
    return entries


# --- the calendar ------------------------------------------------------------------------------


def calendar_entries(user, start: dt.datetime, end: dt.datetime) -> list[CalendarEntry]:
    """The user's own follow-ups (theirs to do, or set by them) that fall between `start` and
    `end`, as far as they may see them (open ones movable by those who may change them). A
    manager's calendar is their own, like the tasks'; the team's work is on the lists."""
    employee = getattr(user, "employee", None)
    if employee is None:
        return []
    queryset = (
        FollowUp.objects.restrict(user, "view")
        .filter(Q(assignee=employee) | Q(set_by=employee))
        .filter(due_at__gte=start, due_at__lt=end)
        .order_by("due_at", "pk")
    )
    rows = list(queryset[:2000])
    changeable = set(
        FollowUp.objects.restrict(user, "change")
        .filter(pk__in=[f.pk for f in rows if f.status == FollowUpStatus.OPEN])
        .values_list("pk", flat=True)
    )
    now = clock.now()
    out = []
    for follow_up in rows:
        status = follow_up.status
        if status == FollowUpStatus.OPEN and follow_up.due_at < now:
            status = "overdue"
        out.append(
            CalendarEntry(
                kind=TIMELINE_SOURCE,
                pk=follow_up.pk,
                title=follow_up.purpose,
                start=follow_up.due_at,
                url=reverse("activities:follow_up_detail", args=[follow_up.pk]),
                editable=follow_up.pk in changeable,
                status=status,
                description=follow_up.get_channel_display(),
            )
        )
    return out


def calendar_move(user, pk: int, start: dt.datetime) -> None:
    """Dragging a follow-up on the calendar postpones it (or brings it forward) through the
    postpone service (a time before now is refused there)."""
    follow_up_postpone(actor=user, follow_up=pk, due_at=start, remark=_("Moved on the calendar"))


calendar_entries.move = calendar_move  # type: ignore[attr-defined]


# --- the contact page's tab --------------------------------------------------------------------

RECORD_TAB_SIZE = 20


def record_follow_ups(user, record, *, limit: int = RECORD_TAB_SIZE) -> list[FollowUp]:
    """The follow-ups about `record` that `user` may see, open ones first by due time, then
    the latest done or cancelled; labelled (`subject_label`) and marked `read_only` where the
    user may not act on them. Three queries whatever their number."""
    rows = list(
        FollowUp.objects.restrict(user, "view")
        .filter(subject_type=ContentType.objects.get_for_model(record), subject_id=record.pk)
        .select_related("assignee")
        .order_by(F("completed_at").desc(nulls_first=True), "due_at", "pk")[:limit]
    )
    changeable = set(
        FollowUp.objects.restrict(user, "change")
        .filter(pk__in=[f.pk for f in rows if f.is_open])
        .values_list("pk", flat=True)
    )
    for row in rows:
        row.read_only = row.pk not in changeable
    return label_follow_ups(user, rows)
