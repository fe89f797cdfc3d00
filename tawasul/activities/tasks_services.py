"""Every write on tasks: create (one task, or a parent with a copy per assignee), report
progress, forward, edit, and the overdue sweep.

Each service runs in one transaction, locks what it moves (a copy with its parent, in key
order), writes a `TaskEvent` row for the trail, notifies through `activities.notify` and emits
its domain event after commit. `actor=None` is the system (automatic rules, reminders, sweeps).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from tawasul.access.registry import governed
from tawasul.access.rules import link_values_q
from tawasul.core import clock, events
from tawasul.core.access import user_company_id, verify_within
from tawasul.core.documents import lock_rows, record_event, transition
from tawasul.org.models import Employee
from tawasul.org.worktime import calendar_for

from .choices import OPEN_TASK_STATUSES, Priority, TaskStatus
from .escalation import escalate, escalation_due
from .models import Task, TaskParticipant
from .notify import notify
from .subjects import subject_fields

events.declare(
    "task.created",
    "a task was created, alone or as a parent with copies (task_id, actor_id, assignee_ids)",
)
events.declare(
    "task.assigned", "a task (or a copy) was given to its assignee (task_id, assignee_id, actor_id)"
)
events.declare(
    Task.STATUS_EVENT,
    "a task's status moved (task_id, actor_id, verb, old, new)",
)
events.declare(
    "task.forwarded", "an assignee handed a task over (task_id, actor_id, from_id, to_id)"
)
events.declare(
    "task.overdue", "an open task passed its due moment (task_id, assignee_id, initiator_id)"
)

# The status a report asks for -> the verb that moves a task there.
STATUS_VERBS = {
    TaskStatus.IN_PROGRESS: "start",
    TaskStatus.WAITING: "wait",
    TaskStatus.DONE: "done",
    TaskStatus.CANCELLED: "cancel",
    TaskStatus.OPEN: "reopen",
}
EDITABLE_FIELDS = ("title", "description", "due_at", "priority")
SWEEP_BATCH = 200


def _employee(actor) -> Employee | None:
    return getattr(actor, "employee", None) if getattr(actor, "pk", None) else None


def task_url(task: Task) -> str:
    return reverse("activities:task_detail", args=[task.pk])


def _users(employees: Iterable[Employee | None], skip=None) -> list:
    """The active user accounts of `employees` (none twice), without `skip` (the actor)."""
    ids = {e.user_id for e in employees if e is not None and e.user_id}
    skip_id = getattr(skip, "pk", None)
    ids.discard(skip_id)
    if not ids:
        return []
    return list(get_user_model()._default_manager.filter(pk__in=ids, is_active=True))


# --- who may be given a task ----------------------------------------------------------------


def assignable_employees(actor, company_id: int | None) -> models.QuerySet[Employee]:
    """Employees `actor` may give a task to: active, of `company_id`, read through
    `restrict(actor, "view")` on employees, and narrowed by the assignee conditions of the
    actor's record rules on tasks when they have any (an administrator's narrowing). The system
    (`actor=None`) may give a task to any active employee of the company."""
    if company_id is None:
        return Employee.objects.none()
    # Someone whose account is switched off cannot do a task (nor see it).
    queryset: models.QuerySet[Employee] = Employee.objects.filter(
        company_id=company_id, is_active=True
    ).exclude(user__is_active=False)
    if actor is None:
        return queryset
    queryset = (
        Employee.objects.restrict(actor, "view")
        .filter(company_id=company_id, is_active=True)
        .exclude(user__is_active=False)
    )
    entry = governed(Task)
    if entry is not None:
        narrowing = link_values_q(actor, entry, "add", "assignee")
        if narrowing is not None and narrowing.children:
            queryset = queryset.filter(narrowing)
    return queryset


def _check_assignees(actor, company_id, assignees: Sequence[Employee], field="assignees"):
    """The assignees as fresh rows, or a field error naming why one is refused."""
    ids = [e.pk for e in assignees]
    if not ids:
        raise ValidationError({field: _("Choose at least one person.")})
    if len(set(ids)) != len(ids):
        raise ValidationError({field: _("A person is chosen twice.")})
    found = {e.pk: e for e in assignable_employees(actor, company_id).filter(pk__in=ids)}
    refused = [pk for pk in ids if pk not in found]
    if refused:
        raise ValidationError({field: _("You may not give a task to this person.")})
    return [found[pk] for pk in ids]


def _check_record(actor, company_id, record) -> None:
    if record is None:
        return
    manager = type(record)._default_manager
    if not hasattr(manager, "restrict") or record.pk is None:
        raise ValidationError({"record": _("A task cannot be about this record.")})
    record_company = getattr(record, "company_id", company_id)
    if record_company != company_id:
        raise ValidationError({"record": _("This record is not of your company.")})
    if actor is not None and not manager.restrict(actor, "view").filter(pk=record.pk).exists():
        raise ValidationError({"record": _("This record is not visible to you.")})


# The years a due date may fall in: anything else is a typing slip (and the far ends of the
# calendar cannot be counted in working days or shown in a time zone).
DUE_EARLIEST, DUE_LATEST = 2000, 2199


def _check_fields(*, title: str, due_at, priority: str) -> None:
    errors: dict[str, str] = {}
    if not (title or "").strip():
        errors["title"] = _("This field is required.")
    if due_at is None:
        errors["due_at"] = _("Give the due date and time.")
    elif not isinstance(due_at, dt.datetime) or due_at.tzinfo is None:
        errors["due_at"] = _("Give the due date and time.")
    elif not DUE_EARLIEST <= due_at.year <= DUE_LATEST:
        errors["due_at"] = _("Give a due date between %(first)s and %(last)s.") % {
            "first": DUE_EARLIEST,
            "last": DUE_LATEST,
        }
    if priority not in Priority.values:
        errors["priority"] = _("Choose a priority from the list.")
    if errors:
        raise ValidationError(errors)


# --- create -------------------------------------------------------------------------------


@transaction.atomic
def task_create(
    *,
    actor,
    assignees: Sequence[Employee],
    title: str,
    due_at: dt.datetime | None,
    description: str = "",
    priority: str = Priority.NORMAL,
    record: models.Model | None = None,
    initiator: Employee | None = None,
    rule=None,
    origin_key: str = "",
) -> Task:
    """Create a task for one assignee, or for several a parent (no assignee) with one copy
    each, about `record` (optional, any record the actor may view). The initiator is the
    actor's employee unless given (None for the system). Every assignee gets a notification."""
    assignees = list(assignees or [])
    if initiator is None:
        initiator = _employee(actor)
    if actor is not None:
        if not actor.has_perm("activities.add_task"):
            raise PermissionDenied(_("You may not create tasks."))
        company_id = user_company_id(actor)
        if company_id is None:
            raise PermissionDenied(_("You do not work for a company."))
    elif initiator is not None:
        company_id = initiator.company_id
    elif assignees:
        company_id = assignees[0].company_id
    else:
        company_id = None
    _check_fields(title=title, due_at=due_at, priority=priority)
    assignees = _check_assignees(actor, company_id, assignees)
    _check_record(actor, company_id, record)
    title = title.strip()
    common = {
        "company_id": company_id,
        "title": title,
        "description": (description or "").strip(),
        "priority": priority,
        "due_at": due_at,
        "initiator": initiator,
        "created_by": actor if getattr(actor, "pk", None) else None,
        **subject_fields(record),
    }
    single = len(assignees) == 1
    top = Task(
        assignee=assignees[0] if single else None, rule=rule, origin_key=origin_key, **common
    )
    top.full_clean()
    top.save()
    tasks = [top] if single else []
    if not single:
        for employee in assignees:
            copy = Task(parent=top, assignee=employee, **common)
            copy.save()
            tasks.append(copy)
    people: set[int] = {e.pk for e in assignees}
    if initiator is not None:
        people.add(initiator.pk)
    rows = [TaskParticipant(task=top, employee_id=pk) for pk in sorted(people)]
    for task in tasks if not single else []:
        mine: set[int] = {cast(int, task.assignee_id)}
        if initiator is not None:
            mine.add(initiator.pk)
        rows += [TaskParticipant(task=task, employee_id=pk) for pk in sorted(mine)]
    TaskParticipant.objects.bulk_create(rows)
    for task in [top, *([] if single else tasks)]:
        record_event(task, actor=actor, verb="created", to_status=task.status)
    # "add" has no involvement clause of its own: the new task must be one the actor, as its
    # initiator, may change.
    verify_within(actor, top, "change")
    for task in tasks:
        notify(
            _users([task.assignee], skip=actor),
            kind="task.assigned",
            title=_("New task: %(title)s") % {"title": title},
            body=top.description,
            record=task,
            actor=actor,
            url=task_url(task),
        )
        events.emit(
            "task.assigned",
            task_id=task.pk,
            assignee_id=task.assignee_id,
            actor_id=getattr(actor, "pk", None),
        )
    events.emit(
        "task.created",
        task_id=top.pk,
        actor_id=getattr(actor, "pk", None),
        assignee_ids=[e.pk for e in assignees],
    )
    return top


# --- progress -----------------------------------------------------------------------------


def _close_parent(parent_id: int, actor) -> None:
    """Set a parent's status from its copies (the parent is locked by the caller): done when
    every copy is done or cancelled and one at least is done, cancelled when all are
    cancelled, open again when a copy reopens a closed parent, in progress once any copy moved."""
    parent = Task.objects.select_for_update().get(pk=parent_id)
    statuses = list(Task.objects.filter(parent_id=parent_id).values_list("status", flat=True))
    closed = {TaskStatus.DONE, TaskStatus.CANCELLED}
    if statuses and all(s in closed for s in statuses):
        target = TaskStatus.DONE if TaskStatus.DONE in statuses else TaskStatus.CANCELLED
    elif any(s != TaskStatus.OPEN for s in statuses):
        target = TaskStatus.IN_PROGRESS
    else:
        target = TaskStatus.OPEN
    old = parent.status
    if target == old:
        return
    parent.status = target
    parent.completed_at = clock.now() if target == TaskStatus.DONE else None
    parent.save(update_fields=["status", "completed_at", "updated_at"])
    record_event(parent, actor=actor, verb="copies", from_status=old, to_status=target)
    events.emit(
        Task.STATUS_EVENT,
        task_id=parent.pk,
        actor_id=getattr(actor, "pk", None),
        verb="copies",
        old=old,
        new=target,
    )
    if parent.initiator_id:
        notify(
            _users([parent.initiator], skip=actor),
            kind="task.status_changed",
            title=_("%(title)s: %(status)s")
            % {"title": parent.title, "status": parent.get_status_display()},
            record=parent,
            actor=actor,
            url=task_url(parent),
        )


@transaction.atomic
def task_report(*, actor, task: Task, status: str, remark: str = "") -> Task:
    """The assignee reports progress: a new status (a move through `Task.TRANSITIONS`), or
    the same status with a remark; the initiator may cancel (or reopen). A copy's parent
    follows its copies. Returns the task as saved."""
    if status not in TaskStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    remark = (remark or "").strip()
    current = cast(Task, lock_rows(task, *task.transition_locks("report"))[0])
    if status == current.status:
        reason = current.can_report(actor)
        if reason:
            raise ValidationError({"status": reason})
        if not remark:
            raise ValidationError({"remark": _("Say what progress was made.")})
        verify_within(actor, current, "change")
        record_event(
            current,
            actor=actor,
            verb="progress",
            from_status=status,
            to_status=status,
            remark=remark,
        )
        moved = current
    else:
        verb = STATUS_VERBS[TaskStatus(status)]
        if current.status not in Task.TRANSITIONS[verb][0]:
            raise ValidationError(
                {"status": current.transition_refused(verb, status)}, code="transition_refused"
            )
        try:
            moved = cast(Task, transition(current, verb, actor, remark=remark))
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "__all__" in exc.error_dict:
                raise ValidationError({"status": exc.error_dict["__all__"]}) from exc
            raise
        if moved.is_parent and verb == "cancel":
            open_copies = Task.objects.filter(parent=moved, status__in=OPEN_TASK_STATUSES)
            for copy in open_copies.order_by("pk"):
                transition(copy, "cancel", actor, remark=remark)
            # Copies already done make the parent done, not cancelled.
            _close_parent(moved.pk, actor)
            moved.refresh_from_db()
        if moved.initiator_id and _employee(actor) != moved.initiator:
            notify(
                _users([moved.initiator], skip=actor),
                kind="task.status_changed",
                title=_("%(title)s: %(status)s")
                % {"title": moved.title, "status": moved.get_status_display()},
                body=remark,
                record=moved,
                actor=actor,
                url=task_url(moved),
            )
    if moved.parent_id:
        _close_parent(moved.parent_id, actor)
    return moved


# --- forward ------------------------------------------------------------------------------


@transaction.atomic
def task_forward(*, actor, task: Task, to: Employee, instruction: str) -> Task:
    """The assignee hands the task to `to` with an instruction: a "forward" step on the trail,
    `to` takes part from now on (the previous assignee still sees it), and the new assignee
    and the initiator are told."""
    task = cast(Task, lock_rows(task)[0])
    instruction = (instruction or "").strip()
    reason = task.can_forward(actor)
    if reason:
        raise ValidationError({"to": reason})
    if to is None:
        raise ValidationError({"to": _("Choose who takes the task over.")})
    if to.pk == task.assignee_id:
        raise ValidationError({"to": _("The task is already theirs.")})
    if not instruction:
        raise ValidationError({"instruction": _("Say what they should do.")})
    (to,) = _check_assignees(actor, task.company_id, [to], field="to")
    previous = task.assignee
    record_event(
        task,
        actor=actor,
        verb="forward",
        from_status=task.status,
        to_status=task.status,
        remark=instruction,
        data={"from": task.assignee_id, "to": to.pk},
    )
    TaskParticipant.objects.get_or_create(task=task, employee=to)
    task.assignee = to
    task.save(update_fields=["assignee", "updated_at"])
    verify_within(actor, task, "view")
    title = _("Task forwarded to you: %(title)s") % {"title": task.title}
    notify(
        _users([to], skip=actor),
        kind="task.forwarded",
        title=title,
        body=instruction,
        record=task,
        actor=actor,
        url=task_url(task),
    )
    if task.initiator_id and task.initiator_id not in (to.pk, getattr(previous, "pk", None)):
        notify(
            _users([task.initiator], skip=actor),
            kind="task.forwarded",
            title=_("%(title)s was forwarded") % {"title": task.title},
            body=instruction,
            record=task,
            actor=actor,
            url=task_url(task),
        )
    events.emit(
        "task.forwarded",
        task_id=task.pk,
        actor_id=getattr(actor, "pk", None),
        from_id=getattr(previous, "pk", None),
        to_id=to.pk,
    )
    return task


# --- edit ---------------------------------------------------------------------------------


@transaction.atomic
def task_update(*, actor, task: Task, **changes: Any) -> Task:
    """Change a task's title, description, due moment or priority: the initiator, their
    managers and holders of a change rule may (the assignee reports progress instead). A
    parent's changes go to its open copies too. An "updated" step names the changed fields."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"task_update cannot change {sorted(unknown)}")
    task = cast(Task, lock_rows(task)[0])
    verify_within(actor, task, "change")
    reason = task.can_update(actor)
    if reason:
        raise PermissionDenied(reason)
    merged = {name: getattr(task, name) for name in EDITABLE_FIELDS}
    merged.update(changes)
    if isinstance(merged.get("title"), str):
        merged["title"] = merged["title"].strip()
    if isinstance(merged.get("description"), str):
        merged["description"] = merged["description"].strip()
    _check_fields(title=merged["title"], due_at=merged["due_at"], priority=merged["priority"])
    changed = [name for name in EDITABLE_FIELDS if merged[name] != getattr(task, name)]
    if not changed:
        return task
    targets = [task]
    if task.is_parent:
        targets += list(
            Task.objects.select_for_update()
            .filter(parent=task, status__in=OPEN_TASK_STATUSES)
            .order_by("pk")
        )
    for target in targets:
        for name in changed:
            setattr(target, name, merged[name])
        target.full_clean(exclude=["rule", "origin_key"])
        target.save(update_fields=[*changed, "updated_at"])
        record_event(
            target,
            actor=actor,
            verb="updated",
            data={"fields": changed},
        )
    verify_within(actor, task, "change")
    return task


# --- the overdue sweep --------------------------------------------------------------------


def _overdue_candidates(now: dt.datetime) -> models.QuerySet:
    return Task.objects.filter(
        status__in=OPEN_TASK_STATUSES,
        due_at__lt=now,
        assignee__isnull=False,
    )


def tasks_flag_overdue(now: dt.datetime | None = None) -> int:
    """Flag open tasks past their due moment, once each: set `overdue_notified_at`, tell the
    initiator and the assignee's manager, emit `task.overdue`. Rows are claimed in batches
    (`select_for_update(skip_locked=True)`, each batch its own transaction) so two consumers
    never flag a task twice and a crash loses nothing. Returns how many were flagged."""
    now = now or clock.now()
    flagged = 0
    while True:
        with transaction.atomic():
            batch = list(
                _overdue_candidates(now)
                .filter(overdue_notified_at__isnull=True)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("assignee", "initiator")
                .order_by("due_at", "pk")[:SWEEP_BATCH]
            )
            if not batch:
                return flagged
            managers = {
                e.pk: e
                for e in Employee.objects.filter(
                    pk__in={t.assignee.reports_to_id for t in batch if t.assignee.reports_to_id}
                )
            }
            for task in batch:
                Task.objects.filter(pk=task.pk).update(overdue_notified_at=now)
                record_event(task, actor=None, verb="overdue", data={"due_at": task.due_at})
                manager = managers.get(task.assignee.reports_to_id)
                notify(
                    _users([task.initiator, manager]),
                    kind="task.overdue",
                    title=_("Overdue: %(title)s") % {"title": task.title},
                    record=task,
                    url=task_url(task),
                )
                events.emit(
                    "task.overdue",
                    task_id=task.pk,
                    assignee_id=task.assignee_id,
                    initiator_id=task.initiator_id,
                )
            flagged += len(batch)


def escalation_hours() -> float:
    """Working hours between two escalation levels of an overdue task (settings)."""
    return float(getattr(settings, "TASK_ESCALATION_HOURS", 8))


def tasks_escalate_overdue(now: dt.datetime | None = None) -> int:
    """Escalate overdue tasks up the assignee's reports-to chain: level k once k * N working
    hours (`TASK_ESCALATION_HOURS`) have passed since the due moment, on the assignee's work
    calendar; each level once (`escalation.escalate`), recorded as an "escalated" step and in
    `Task.escalation_level`. Rows are claimed in key order batches. Returns the levels taken."""
    now = now or clock.now()
    hours = escalation_hours()
    if hours <= 0:
        return 0
    earliest = now - dt.timedelta(hours=hours)
    taken = 0
    last = 0
    while True:
        with transaction.atomic():
            batch = list(
                _overdue_candidates(earliest)
                # Only tasks whose assignee's chain has a manager above the level reached.
                .filter(pk__gt=last, assignee__depth__gt=F("escalation_level"))
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("assignee")
                .order_by("pk")[:SWEEP_BATCH]
            )
            if not batch:
                return taken
            last = batch[-1].pk
            for task in batch:
                taken += _escalate_task(task, now, hours)


def _escalate_task(task: Task, now: dt.datetime, hours: float) -> int:
    holder = task.assignee
    if holder is None:
        return 0
    schedule = calendar_for(holder.company_id, holder.branch_id)
    level = task.escalation_level
    taken = 0
    while level < len(holder.manager_ids):
        due = escalation_due(task.due_at, level + 1, schedule=schedule, hours=hours)
        if due > now:
            break
        level += 1
        row = escalate(
            task,
            holder=holder,
            level=level,
            reason=_("Overdue since %(due)s") % {"due": task.due_at.isoformat()},
        )
        if row is not None:
            taken += 1
            record_event(
                task,
                actor=None,
                verb="escalated",
                data={"level": level, "to": row.escalated_to_id},
            )
    if level != task.escalation_level:
        Task.objects.filter(pk=task.pk).update(escalation_level=level)
    return taken


def tasks_sweep(now: dt.datetime | None = None) -> tuple[int, int]:
    """The periodic sweep: flag overdue tasks, then escalate them (see both)."""
    now = now or clock.now()
    return tasks_flag_overdue(now), tasks_escalate_overdue(now)
