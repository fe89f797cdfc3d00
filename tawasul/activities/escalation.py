"""One escalation service for every kind of record: levels up the reports-to chain of the
record's current holder, in working time, once per level, recorded.

How a module uses it (overdue tasks do so now, in `tasks_services.tasks_escalate_overdue`):

1. A periodic sweep claims the records that may be late (`select_for_update(skip_locked=True)`
   in batches, so two consumers never act on the same row).
2. For each, it asks `escalation_due(start, level, schedule=calendar_for(company, branch))`
   when level `level` falls due: `level` times N working hours after `start` (the due moment
   of a task, the submission of an approval step, the target time of a complaint).
3. When due, it calls `escalate(record, holder=<who holds it now>, level=level, reason=...)`.
   The unique `Escalation` row (record, level) is the claim: a second call for the same level
   answers None and tells nobody, so repeated or concurrent sweeps escalate each level once.
   Level k goes to the holder's k-th manager up the chain (`Employee.manager_ids`); a chain
   shorter than k answers None.
4. The module records the step on its own trail (a task writes an "escalated" step) and keeps
   the level reached on its row to skip levels already taken.

An approval step or a complaint reuses 2-4 with its own start moment, holder and hours.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from tawasul.core import events
from tawasul.org.models import Employee
from tawasul.org.worktime import WorkSchedule, add_working_hours

from .models import Escalation
from .notify import notify
from .subjects import record_url

events.declare(
    "record.escalated",
    "a record was escalated one level up its holder's reports-to chain "
    "(escalation_id, subject_type_id, subject_id, level, escalated_to_id, holder_id)",
)


def default_hours() -> float:
    """Working hours per level when the caller names none (`TASK_ESCALATION_HOURS`)."""
    return float(getattr(settings, "TASK_ESCALATION_HOURS", 8))


def escalation_due(
    start: dt.datetime,
    level: int,
    *,
    schedule: WorkSchedule,
    hours: float | None = None,
) -> dt.datetime:
    """The moment level `level` (1, 2, ...) falls due: `level * hours` working hours after
    `start` on `schedule` (`tawasul.org.worktime.calendar_for(company_id, branch_id)`)."""
    if level < 1:
        raise ValueError("Escalation levels start at 1.")
    per_level = default_hours() if hours is None else hours
    return add_working_hours(schedule, start, level * per_level)


def escalation_target(holder: Employee, level: int) -> Employee | None:
    """The holder's manager `level` steps up the reports-to chain, or None."""
    chain = holder.manager_ids
    if level < 1 or level > len(chain):
        return None
    return Employee.objects.select_related("user").filter(pk=chain[level - 1]).first()


def escalate(
    record: models.Model, *, holder: Employee, level: int, reason: str = ""
) -> Escalation | None:
    """Escalate `record` to level `level`: insert its unique `Escalation` row and tell the
    holder's manager at that level. None when the level was already taken (by this or another
    sweep) or the chain has no manager that high. Runs in the caller's transaction (the row
    insert in a savepoint of its own)."""
    target = escalation_target(holder, level)
    if target is None:
        return None
    content_type = ContentType.objects.get_for_model(record)
    try:
        with transaction.atomic():
            row = Escalation.objects.create(
                subject_type=content_type,
                subject_id=record.pk,
                level=level,
                escalated_to=target,
                reason=(reason or "")[:300],
            )
    except IntegrityError:
        return None
    if target.user is not None:
        notify(
            [target.user],
            kind="escalation",
            title=_("Escalated to you (level %(level)s): %(name)s")
            % {"level": level, "name": str(record)},
            body=row.reason,
            record=record,
            url=record_url(record),
        )
    events.emit(
        "record.escalated",
        escalation_id=row.pk,
        subject_type_id=content_type.pk,
        subject_id=record.pk,
        level=level,
        escalated_to_id=target.pk,
        holder_id=holder.pk,
    )
    return row
