"""The one way anything tells a user something: `notify(...)` writes inbox rows.

    notify([user], kind="task.assigned", title=..., body=..., record=task, actor=actor,
           url=reverse("activities:task_detail", args=[task.pk]))

Titles and bodies are already worded in the recipient's language by the caller (the message
builder renders per recipient). The record is kept as a link (`SubjectLink`) and named to the
recipient only while they may view it (checked again whenever the inbox renders). E-mail copies
follow each recipient's preference, after commit (see `notifications_services`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from .models import Notification
from .subjects import subject_fields


def notify(
    recipients: Iterable,
    *,
    kind: str,
    title: str,
    body: str = "",
    record: models.Model | None = None,
    actor=None,
    url: str = "",
) -> list[Notification]:
    """Write one notification per distinct active recipient (user accounts; None and inactive
    accounts are left out), in the caller's transaction. Returns the rows written."""
    rows = _rows(recipients, kind=kind, title=title, body=body, record=record, actor=actor, url=url)
    created = Notification.objects.bulk_create(rows)
    _after_notify(created)
    return created


def notify_many(messages: Iterable[dict]) -> list[Notification]:
    """Several `notify` calls written at once (a sweep's batch: one insert, the hooks once):
    each message is the keyword arguments of `notify`, with its `recipients`."""
    rows: list[Notification] = []
    for message in messages:
        rows += _rows(**message)
    created = Notification.objects.bulk_create(rows)
    _after_notify(created)
    return created


def _rows(recipients, *, kind, title, body="", record=None, actor=None, url="") -> list:
    seen: set[int] = set()
    rows = []
    link = subject_fields(record)
    for user in recipients:
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user,
                actor=actor if getattr(actor, "pk", None) else None,
                kind=kind,
                title=title[:300],
                body=body,
                url=url,
                **link,
            )
        )
    return rows


def _after_notify(rows: list[Notification]) -> None:
    """Hook for e-mail copies (set by the notifications area at import time)."""
    for hook in AFTER_NOTIFY:
        hook(rows)


AFTER_NOTIFY: list = []

# The notifications area's e-mail copies hook themselves in (after AFTER_NOTIFY exists).
from . import notifications_tasks  # noqa: E402,F401
