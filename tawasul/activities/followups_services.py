"""Every write on follow-ups (issue 12 §4): set, complete (and schedule the next), forward,
postpone, cancel, and the overdue sweep.

Each service takes `actor` (a user, or None for the system), finds the follow-up through
`FollowUp.objects.restrict(actor, "change")` (the assignee, who set it, their managers and
rule holders; 404 alike for missing and forbidden), locks it, checks its state, writes the
change and one `FollowUpEvent` row (who and when), and tells the people concerned through
`notify`, each in their own language. Refusals are `ValidationError({field: message})`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tawasul.core import clock, events
from tawasul.core.access import get_restricted_or_404, user_company_id, verify_within
from tawasul.core.middleware import preferred_language
from tawasul.core.timezones import as_zone, local_day
from tawasul.core.types import Actor
from tawasul.org.models import Company, Employee

from .choices import Channel, FollowUpStatus
from .models import FollowUp, FollowUpEvent
from .notify import notify
from .subjects import subject_fields

events.declare("follow_up.created", "A follow-up was set for someone (by a user or a source).")
events.declare("follow_up.completed", "A follow-up was done, with its outcome.")
events.declare("follow_up.forwarded", "A follow-up was handed to another user.")
events.declare("follow_up.postponed", "A follow-up's due time moved later.")
events.declare("follow_up.cancelled", "A follow-up was cancelled.")
events.declare("follow_up.overdue", "An open follow-up passed its due time (told once).")

# Verbs of the trail (`FollowUpEvent.verb`).
CREATE, COMPLETE, FORWARD, POSTPONE, CANCEL, OVERDUE = (
    "create",
    "complete",
    "forward",
    "postpone",
    "cancel",
    "overdue",
)

# Overdue follow-ups flagged per sweep batch (each batch claimed, written and committed alone).
OVERDUE_BATCH = 500


# --- helpers -----------------------------------------------------------------------------------


def _actor_employee(actor: Actor) -> Employee | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return getattr(actor, "employee", None)


def company_zone(company: Company) -> dt.tzinfo | None:
    """The company's time zone (the server's when it names none that exists)."""
    return as_zone(company.timezone)


def due_day(company: Company, due_at: dt.datetime) -> dt.date:
    """`due_at`'s date in the company's time zone (a follow-up's `due_on`)."""
    return local_day(due_at, company_zone(company))


def is_staff_assignee(employee: Employee | None, company_id: int | None) -> bool:
    """Whether `employee` may be given a follow-up in `company_id`: an active employee of that
    company with an active staff account (portal accounts have no employee)."""
    return bool(
        employee is not None
        and employee.company_id == company_id
        and employee.is_active
        and employee.user is not None
        and employee.user.is_active
    )


def _follow_up_url(follow_up: FollowUp) -> str:
    return reverse("activities:follow_up_detail", args=[follow_up.pk])


def _tell(
    employees: Iterable[Employee | None],
    *,
    actor: Actor,
    kind: str,
    follow_up: FollowUp,
    title,
    body="",
) -> None:
    """Notify each employee's account but the actor's, worded in that user's language
    (`title(follow_up)` and `body(follow_up)` are called with the language active)."""
    seen = set()
    actor_pk = getattr(actor, "pk", None)
    for employee in employees:
        if employee is None or employee.user_id is None or employee.user_id in seen:
            continue
        seen.add(employee.user_id)
        if employee.user_id == actor_pk:
            continue
        user = employee.user
        with translation.override(preferred_language(user) or translation.get_language()):
            notify(
                [user],
                kind=kind,
                title=str(title(follow_up)),
                body=str(body(follow_up)) if callable(body) else body,
                record=follow_up,
                actor=actor,
                url=_follow_up_url(follow_up),
            )


def _account(actor: Actor) -> User | None:
    """The actor's user account to store on a row (None for the system)."""
    return cast("User | None", actor if getattr(actor, "pk", None) else None)


def _event(follow_up: FollowUp, actor: Actor, verb: str, **fields) -> FollowUpEvent:
    return follow_up.write_event(actor=_account(actor), verb=verb, at=clock.now(), **fields)


def _locked(actor: Actor, follow_up: FollowUp | int) -> FollowUp:
    """The follow-up, locked, if `actor` may change it (Http404 otherwise; the system may
    change any)."""
    pk = follow_up.pk if isinstance(follow_up, FollowUp) else follow_up
    queryset = FollowUp.objects.select_for_update(of=("self",)).select_related(
        "company", "assignee__user", "set_by__user"
    )
    if actor is None:
        try:
            return queryset.get(pk=pk)
        except FollowUp.DoesNotExist:
            raise Http404
    return get_restricted_or_404(queryset, actor, "change", pk=pk)


def _require_open(follow_up: FollowUp) -> None:
    if follow_up.status != FollowUpStatus.OPEN:
        raise ValidationError(
            {
                "status": _("This follow-up is %(status)s; only open ones can change.")
                % {"status": str(follow_up.get_status_display()).lower()}
            }
        )


def _check_channel(channel: str, field: str = "channel") -> None:
    if channel not in Channel.values:
        raise ValidationError({field: _("Choose one of the channels offered.")})


def _check_text(value: str | None, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


# --- create ------------------------------------------------------------------------------------


def _visible_record(actor: Actor, record: models.Model | None) -> None:
    """The record a follow-up is about must be one the actor may view (system: any)."""
    if record is None or actor is None:
        return
    manager = type(record)._default_manager
    if not hasattr(manager, "restrict") or not (
        manager.restrict(actor, "view").filter(pk=record.pk).exists()
    ):
        raise ValidationError({"record": _("Choose a record you may see.")})


@transaction.atomic
def follow_up_create(
    *,
    actor: Actor,
    assignee: Employee,
    due_at: dt.datetime,
    purpose: str,
    channel: str,
    record: models.Model | None = None,
    rule=None,
    source: str = "",
    company: Company | None = None,
    set_by: Employee | None = None,
) -> FollowUp:
    """Set a follow-up for `assignee` (the actor themself or another active staff employee of
    the actor's company), due at `due_at`, about `record` (any record the actor may view, or
    None). `rule`/`source` say what generated it; the system (`actor` None) may name who it
    acts for (`set_by`) and set one due in the past (imports, the demo). Notifies the assignee
    when someone else set it; emits `follow_up.created`."""
    set_by = _actor_employee(actor) if actor is not None else set_by
    if actor is not None:
        company_id = user_company_id(actor)
        if company_id is None or set_by is None:
            raise ValidationError({"assignee": _("Your account is not linked to a company.")})
    else:
        company_id = company.pk if company is not None else getattr(assignee, "company_id", None)
    if not is_staff_assignee(assignee, company_id):
        raise ValidationError({"assignee": _("Choose an active member of staff of your company.")})
    if actor is not None and not (
        Employee.objects.restrict(actor, "view").filter(pk=assignee.pk).exists()
    ):
        raise ValidationError({"assignee": _("Choose an active member of staff of your company.")})
    purpose = _check_text(purpose, "purpose", _("Say what the follow-up is for."))
    _check_channel(channel)
    if due_at is None:
        raise ValidationError({"due_at": _("Give the due date and time.")})
    if company_id is None:
        raise ValidationError({"assignee": _("Choose an active member of staff of your company.")})
    company = company if company is not None and company.pk == company_id else None
    company = company or Company.objects.get(pk=company_id)
    due_on = due_day(company, due_at)
    if actor is not None and due_on < due_day(company, clock.now()):
        raise ValidationError({"due_at": _("The due date cannot be in the past.")})
    _visible_record(actor, record)
    follow_up = FollowUp(
        company=company,
        assignee=assignee,
        set_by=set_by,
        created_by=_account(actor),
        due_at=due_at,
        due_on=due_on,
        purpose=purpose[:300],
        channel=channel,
        rule=rule,
        source=source,
        **subject_fields(record),
    )
    follow_up.full_clean()
    follow_up.save()
    _event(follow_up, actor, CREATE, to_status=FollowUpStatus.OPEN, data={"assignee": assignee.pk})
    verify_within(actor, follow_up, "view")
    _tell(
        [assignee],
        actor=actor,
        kind="follow_up.assigned",
        follow_up=follow_up,
        title=lambda f: _("Follow-up for you: %(purpose)s") % {"purpose": f.purpose},
    )
    events.emit("follow_up.created", follow_up_id=follow_up.pk, actor_id=getattr(actor, "pk", None))
    return follow_up


# --- complete ----------------------------------------------------------------------------------


@transaction.atomic
def follow_up_complete(
    *,
    actor: Actor,
    follow_up: FollowUp | int,
    outcome: str,
    next_due_at: dt.datetime | None = None,
    next_purpose: str | None = None,
    next_channel: str | None = None,
) -> FollowUp:
    """Record the outcome of an open follow-up and mark it done; with `next_due_at`, set the
    next one (same assignee, record and rule; purpose and channel as given or the same),
    linked by `next`. Tells who set it when someone else completed it."""
    follow_up = _locked(actor, follow_up)
    _require_open(follow_up)
    outcome = _check_text(outcome, "outcome", _("Say how the follow-up went."))
    now = clock.now()
    if next_due_at is not None:
        if next_due_at <= now:
            raise ValidationError({"next_due_at": _("The next follow-up must be due later.")})
        if next_channel:
            _check_channel(next_channel, "next_channel")
    follow_up.status = FollowUpStatus.DONE
    follow_up.outcome = outcome
    follow_up.completed_at = now
    follow_up.save(update_fields=["status", "outcome", "completed_at", "updated_at"])
    _event(
        follow_up,
        actor,
        COMPLETE,
        from_status=FollowUpStatus.OPEN,
        to_status=FollowUpStatus.DONE,
        remark=outcome[:500],
    )
    if next_due_at is not None:
        follow_up.next = _schedule_next(
            actor,
            follow_up,
            due_at=next_due_at,
            purpose=(next_purpose or "").strip() or follow_up.purpose,
            channel=next_channel or follow_up.channel,
        )
        follow_up.save(update_fields=["next", "updated_at"])
    _tell(
        [follow_up.set_by, follow_up.assignee],
        actor=actor,
        kind="follow_up.completed",
        follow_up=follow_up,
        title=lambda f: _("Follow-up done: %(purpose)s") % {"purpose": f.purpose},
        body=lambda f: f.outcome,
    )
    events.emit(
        "follow_up.completed",
        follow_up_id=follow_up.pk,
        actor_id=getattr(actor, "pk", None),
        next_id=follow_up.next_id,
    )
    return follow_up


def _schedule_next(
    actor: Actor, previous: FollowUp, *, due_at: dt.datetime, purpose: str, channel: str
) -> FollowUp:
    """The follow-up after `previous`: same company, assignee, record and rule. The record is
    kept as it was linked (the actor completing may not see it; they are not choosing it)."""
    assignee = previous.assignee
    if not is_staff_assignee(assignee, previous.company_id):
        assignee = _actor_employee(actor) or assignee
    if not is_staff_assignee(assignee, previous.company_id):
        raise ValidationError(
            {"next_due_at": _("The assignee is no longer active; forward it instead.")}
        )
    assert assignee is not None  # checked just above
    follow_up = FollowUp(
        company=previous.company,
        assignee=assignee,
        set_by=_actor_employee(actor) or previous.set_by,
        created_by=_account(actor),
        due_at=due_at,
        due_on=due_day(previous.company, due_at),
        purpose=purpose[:300],
        channel=channel,
        rule=previous.rule,
        source=previous.source,
        subject_type_id=previous.subject_type_id,
        subject_id=previous.subject_id,
        contact_id=previous.contact_id,
    )
    try:
        follow_up.full_clean()
    except ValidationError as exc:
        messages = [m for ms in exc.message_dict.values() for m in ms]
        raise ValidationError({"next_due_at": messages})
    follow_up.save()
    _event(
        follow_up,
        actor,
        CREATE,
        to_status=FollowUpStatus.OPEN,
        data={"assignee": assignee.pk, "previous": previous.pk},
    )
    return follow_up


# --- forward, postpone, cancel -----------------------------------------------------------------


@transaction.atomic
def follow_up_forward(
    *, actor: Actor, follow_up: FollowUp | int, to: Employee, instruction: str
) -> FollowUp:
    """Hand an open follow-up to `to` (an active staff employee of the company) with an
    instruction; the new assignee is told (and told again if it is overdue)."""
    follow_up = _locked(actor, follow_up)
    _require_open(follow_up)
    if not is_staff_assignee(to, follow_up.company_id) or (
        actor is not None and not Employee.objects.restrict(actor, "view").filter(pk=to.pk).exists()
    ):
        raise ValidationError({"to": _("Choose an active member of staff of your company.")})
    if to.pk == follow_up.assignee_id:
        raise ValidationError({"to": _("The follow-up is already theirs.")})
    instruction = _check_text(instruction, "instruction", _("Say what they should do."))
    previous = follow_up.assignee_id
    follow_up.assignee = to
    follow_up.overdue_notified_at = None
    follow_up.save(update_fields=["assignee", "overdue_notified_at", "updated_at"])
    _event(
        follow_up,
        actor,
        FORWARD,
        from_status=FollowUpStatus.OPEN,
        to_status=FollowUpStatus.OPEN,
        remark=instruction[:500],
        data={"from": previous, "to": to.pk},
    )
    _tell(
        [to],
        actor=actor,
        kind="follow_up.forwarded",
        follow_up=follow_up,
        title=lambda f: _("Follow-up forwarded to you: %(purpose)s") % {"purpose": f.purpose},
        body=instruction,
    )
    events.emit(
        "follow_up.forwarded",
        follow_up_id=follow_up.pk,
        actor_id=getattr(actor, "pk", None),
        from_id=previous,
        to_id=to.pk,
    )
    return follow_up


@transaction.atomic
def follow_up_postpone(
    *, actor: Actor, follow_up: FollowUp | int, due_at: dt.datetime, remark: str
) -> FollowUp:
    """Move an open follow-up to another due time (after now), with the reason."""
    follow_up = _locked(actor, follow_up)
    _require_open(follow_up)
    if due_at is None or due_at <= clock.now():
        raise ValidationError({"due_at": _("Postpone to a time later than now.")})
    remark = _check_text(remark, "remark", _("Say why it is postponed."))
    before = follow_up.due_at
    follow_up.due_at = due_at
    follow_up.due_on = due_day(follow_up.company, due_at)
    follow_up.overdue_notified_at = None
    follow_up.full_clean()
    follow_up.save(update_fields=["due_at", "due_on", "overdue_notified_at", "updated_at"])
    _event(
        follow_up,
        actor,
        POSTPONE,
        from_status=FollowUpStatus.OPEN,
        to_status=FollowUpStatus.OPEN,
        remark=remark[:500],
        data={"from_due": before, "to_due": due_at},
    )
    _tell(
        [follow_up.assignee, follow_up.set_by],
        actor=actor,
        kind="follow_up.postponed",
        follow_up=follow_up,
        title=lambda f: _("Follow-up postponed: %(purpose)s") % {"purpose": f.purpose},
        body=remark,
    )
    events.emit(
        "follow_up.postponed", follow_up_id=follow_up.pk, actor_id=getattr(actor, "pk", None)
    )
    return follow_up


@transaction.atomic
def follow_up_cancel(*, actor: Actor, follow_up: FollowUp | int, remark: str = "") -> FollowUp:
    """Cancel an open follow-up (a rule may then set the next one for that contact)."""
    follow_up = _locked(actor, follow_up)
    _require_open(follow_up)
    follow_up.status = FollowUpStatus.CANCELLED
    follow_up.completed_at = clock.now()
    follow_up.save(update_fields=["status", "completed_at", "updated_at"])
    _event(
        follow_up,
        actor,
        CANCEL,
        from_status=FollowUpStatus.OPEN,
        to_status=FollowUpStatus.CANCELLED,
        remark=(remark or "").strip()[:500],
    )
    _tell(
        [follow_up.assignee, follow_up.set_by],
        actor=actor,
        kind="follow_up.cancelled",
        follow_up=follow_up,
        title=lambda f: _("Follow-up cancelled: %(purpose)s") % {"purpose": f.purpose},
        body=remark or "",
    )
    events.emit(
        "follow_up.cancelled", follow_up_id=follow_up.pk, actor_id=getattr(actor, "pk", None)
    )
    return follow_up


# --- overdue -----------------------------------------------------------------------------------


def follow_ups_flag_overdue(now: dt.datetime | None = None, *, batch: int = OVERDUE_BATCH) -> int:
    """Tell the assignee (and who set it) once about each open follow-up past its due time:
    rows are claimed in batches (`select_for_update(skip_locked=True)` on PostgreSQL, so two
    consumers never tell twice), stamped `overdue_notified_at` and committed batch by batch
    (a crash loses nothing: the next sweep finishes). Returns how many were flagged."""
    now = now or clock.now()
    flagged = 0
    while True:
        with transaction.atomic():
            queryset = FollowUp.objects.filter(
                status=FollowUpStatus.OPEN, due_at__lt=now, overdue_notified_at__isnull=True
            ).order_by("due_at", "pk")
            if connection.features.has_select_for_update_skip_locked:
                queryset = queryset.select_for_update(skip_locked=True, of=("self",))
            claimed = list(queryset.select_related("assignee__user", "set_by__user")[:batch])
            if not claimed:
                return flagged
            FollowUp.objects.filter(pk__in=[f.pk for f in claimed]).update(overdue_notified_at=now)
            FollowUpEvent.objects.bulk_create(
                FollowUpEvent(
                    document=f,
                    verb=OVERDUE,
                    at=now,
                    from_status=FollowUpStatus.OPEN,
                    to_status=FollowUpStatus.OPEN,
                )
                for f in claimed
            )
            for follow_up in claimed:
                _tell(
                    [follow_up.assignee, follow_up.set_by],
                    actor=None,
                    kind="follow_up.overdue",
                    follow_up=follow_up,
                    title=lambda f: _("Follow-up overdue: %(purpose)s") % {"purpose": f.purpose},
                )
                events.emit("follow_up.overdue", follow_up_id=follow_up.pk)
            flagged += len(claimed)
        if len(claimed) < batch:
            return flagged
