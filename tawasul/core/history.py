"""Who made a change and why, on the history rows django-simple-history writes.

Every service that saves or deletes a record with history stamps it first with
`stamp_history`, so that the row names the actor whether the write comes from a page, the API,
a task or the import (outside a request, simple-history's middleware knows no user).
"""

from typing import TypeVar

from django.db import models

from .types import Actor

Record = TypeVar("Record", bound=models.Model)


def stamp_history(instance: Record, actor: Actor, reason: str | None = None) -> Record:
    """Name `actor` (a saved user; None, an anonymous or an unsaved user leave it unnamed) and
    `reason` (none when empty) on the history row that `instance`'s next save or delete writes;
    a reason stamped for an earlier save is not carried over. Returns `instance`."""
    # simple_history's per-instance hooks (not declared on Model, hence setattr)
    setattr(instance, "_history_user", actor if getattr(actor, "pk", None) else None)  # noqa: B010
    setattr(instance, "_change_reason", reason or None)  # noqa: B010
    return instance
