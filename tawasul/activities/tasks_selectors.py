"""Reads of tasks for other pages: a record's timeline entries and the calendar's."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from tawasul.core.access import get_restricted_or_404
from tawasul.core.timeline import Position, TimelineEntry, older_than

from .choices import TaskStatus
from .models import Task
from .tasks_services import task_update

SOURCE = "tasks"


def record_timeline(user, record, *, before: Position | None, limit: int) -> list[TimelineEntry]:
    """Timeline entries of `record` (a contact): the tasks about it that `user` may see, newest
    first, older than `before`, at most `limit`. Each says the task's title and status, never
    the record's name (the reader is on the record's own page)."""
    if not user.has_perm("activities.view_task"):
        return []
    content_type = ContentType.objects.get_for_model(record)
    rows = (
        Task.objects.restrict(user, "view")
        .filter(subject_type=content_type, subject_id=record.pk, parent__isnull=True)
        .filter(older_than(before, SOURCE, "created_at"))
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:limit]
    )
    statuses = dict(TaskStatus.choices)
    return [
        TimelineEntry(
            when=task.created_at,
            source=SOURCE,
            key=task.pk,
            who=task.created_by,
            kind="event",
            title=_("Task: %(title)s (%(status)s)")
            % {"title": task.title, "status": statuses.get(task.status, task.status)},
        )
        for task in rows
    ]


def calendar_entries(user, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """The user's own tasks due in [start, end): assigned to them, or given by them (a task
    for several people once, as its parent). Editable (dragged to a new due moment) when the
    user gave it."""
    employee = getattr(user, "employee", None)
    if employee is None or not user.has_perm("activities.view_task"):
        return []
    rows = (
        Task.objects.restrict(user, "view")
        .filter(Q(assignee=employee) | Q(initiator=employee, parent__isnull=True))
        .filter(due_at__gte=start, due_at__lt=end)
        .order_by("due_at", "pk")
    )
    can_change = user.has_perm("activities.change_task")
    return [
        {
            "id": task.pk,
            "title": task.title,
            "start": task.due_at,
            "url": reverse("activities:task_detail", args=[task.pk]),
            "kind": SOURCE,
            "editable": can_change and task.initiator_id == employee.pk and task.is_open,
            "status": task.status,
        }
        for task in rows
    ]


def calendar_move(user, pk: int, start: dt.datetime) -> None:
    """Move a task's due moment from the calendar (through `task_update`)."""
    task = get_restricted_or_404(Task.objects.all(), user, "change", pk=pk)
    task_update(actor=user, task=task, due_at=start)
