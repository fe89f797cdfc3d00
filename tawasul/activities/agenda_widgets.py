"""The communication dashboard (the home page's widgets): my open tasks, tasks I initiated,
follow-ups due, upcoming reminders and, for managers, the team's summary.

Each widget reads through `restrict` and a bounded number of rows (a constant number of queries
whatever the data); records are named through `subject_labels`. Rows carry the tasks' and
follow-ups' own action partials, so work is done in place."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from tawasul.core import clock
from tawasul.org.models import Employee

from .choices import OPEN_TASK_STATUSES, FollowUpStatus, TaskStatus
from .models import FollowUp, Reminder, Task
from .subjects import subject_labels

ROWS = 8


def _employee(user) -> Employee | None:
    employee = getattr(user, "employee", None)
    return employee if employee is not None and employee.is_active else None


def _end_of_today() -> dt.datetime:
    today = timezone.localdate(clock.now())
    return timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))


def _labelled(user, rows: list) -> list:
    labels = subject_labels(user, rows)
    for row in rows:
        row.subject_label = labels[row.pk]
    return rows


def my_tasks(user) -> dict | None:
    """The open tasks assigned to me, soonest due first, and how many are open and overdue."""
    employee = _employee(user)
    if employee is None:
        return None
    now = clock.now()
    mine = Task.objects.restrict(user, "view").filter(
        company_id=employee.company_id, assignee=employee, status__in=OPEN_TASK_STATUSES
    )
    # The counts read the assignee index directly: a task assigned to me is always visible to
    # me (its current assignee takes part in it: `tasks_access`), and the involvement subquery
    # would hash every task a manager's whole subtree ever took part in.
    counts = (
        Task.objects.filter(
            company_id=employee.company_id, assignee=employee, status__in=OPEN_TASK_STATUSES
        )
        .order_by()
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
    )
    rows = list(mine.select_related("initiator").order_by("due_at", "id")[:ROWS])
    return {"tasks": _labelled(user, rows), "counts": counts, "now": now}


def _copies(**match) -> Coalesce:
    """How many copies a parent task has (matching `match`), as a subquery: the database counts
    them for the rows shown only, not for every open task the user ever initiated (a GROUP BY
    over a manager's tens of thousands of tasks)."""
    counted = (
        Task.objects.filter(parent=OuterRef("pk"), **match)
        .order_by()
        .values("parent")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def initiated_tasks(user) -> dict | None:
    """Tasks I gave others that are still open (a parent counts its copies' progress)."""
    employee = _employee(user)
    if employee is None:
        return None
    rows = list(
        Task.objects.restrict(user, "view")
        .filter(
            company_id=employee.company_id,
            initiator=employee,
            parent__isnull=True,
            status__in=OPEN_TASK_STATUSES,
        )
        .exclude(assignee=employee)
        .select_related("assignee")
        .annotate(
            copies_total=_copies(),
            copies_done=_copies(status=TaskStatus.DONE),
        )
        .order_by("due_at", "id")[:ROWS]
    )
    return {"tasks": _labelled(user, rows), "now": clock.now()}


def follow_ups_due(user) -> dict | None:
    """My open follow-ups due today or overdue."""
    employee = _employee(user)
    if employee is None:
        return None
    rows = list(
        FollowUp.objects.restrict(user, "view")
        .filter(
            company_id=employee.company_id,
            assignee=employee,
            status=FollowUpStatus.OPEN,
            due_at__lt=_end_of_today(),
        )
        .order_by("due_at", "id")[:ROWS]
    )
    return {"follow_ups": _labelled(user, rows), "now": clock.now()}


def upcoming_reminders(user) -> dict | None:
    """The next reminders I wrote or receive by name."""
    employee = _employee(user)
    if employee is None:
        return None
    rows = list(
        Reminder.objects.restrict(user, "view")
        .filter(is_active=True, next_at__isnull=False)
        .filter(Q(author=user) | Q(recipients__user=user))
        .distinct()
        .order_by("next_at", "id")[:5]
    )
    return {"reminders": rows}


def team_summary(user) -> dict | None:
    """For a manager: each direct report's open, overdue and done-this-week tasks (those
    assigned to them), worst first. None for someone with no direct reports."""
    employee = _employee(user)
    if employee is None:
        return None
    reports = list(
        Employee.objects.filter(reports_to=employee, is_active=True).order_by("name", "id")[:50]
    )
    if not reports:
        return None
    now = clock.now()
    today = timezone.localdate(now)
    sunday = today - dt.timedelta(days=(today.weekday() + 1) % 7)  # weeks start on Sunday
    week_start = timezone.make_aware(dt.datetime.combine(sunday, dt.time.min))
    # Every task assigned to a direct report is visible to their manager (the report is in the
    # manager's subtree and a current assignee takes part in the task: `tasks_access`), so the
    # counts read the assignee index directly instead of through the involvement subquery, which
    # for a manager hashes every task the whole subtree ever took part in.
    counts = {
        row["assignee"]: row
        for row in Task.objects.filter(
            Q(status__in=OPEN_TASK_STATUSES)
            | Q(status=TaskStatus.DONE, completed_at__gte=week_start),
            company_id=employee.company_id,
            assignee_id__in=[p.pk for p in reports],
        )
        .order_by()
        .values("assignee")
        .annotate(
            open=Count("pk", filter=Q(status__in=OPEN_TASK_STATUSES)),
            overdue=Count("pk", filter=Q(status__in=OPEN_TASK_STATUSES, due_at__lt=now)),
            done=Count("pk", filter=Q(status=TaskStatus.DONE, completed_at__gte=week_start)),
        )
    }
    none = {"open": 0, "overdue": 0, "done": 0}
    people: list[dict[str, Any]] = []
    for person in reports:
        row = counts.get(person.pk) or none
        people.append(
            {
                "employee": person,
                "open": row["open"],
                "overdue": row["overdue"],
                "done": row["done"],
            }
        )
    people.sort(key=lambda p: (-p["overdue"], -p["open"], p["employee"].name))
    return {"people": people}
