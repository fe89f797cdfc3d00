"""Domain events: a service says what happened; registered handlers react after commit.

    events.emit("contact.created", contact_id=contact.pk, actor_id=actor.pk)

Handlers are registered once per app (in its `handlers.py`, imported from `AppConfig.ready`) with
`@events.handler("contact.created")` and are listed in docs/development/events.md. They run only
when the transaction that emitted the event commits, never for a rolled-back write. A handler
that fails is logged and does not affect the others.
"""

import functools
import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger("tawasul.events")

_HANDLERS: dict[str, list[Callable]] = defaultdict(list)

# Every event name a module may emit, with a one-line meaning (checked by `emit`).
KNOWN_EVENTS: dict[str, str] = {}


def declare(name: str, meaning: str) -> None:
    KNOWN_EVENTS[name] = meaning


def handler(name: str):
    """Register the decorated function to run after commit whenever `name` is emitted."""

    def register(func: Callable) -> Callable:
        if func not in _HANDLERS[name]:
            _HANDLERS[name].append(func)
        return func

    return register


def handlers_for(name: str) -> list[Callable]:
    return list(_HANDLERS.get(name, []))


def emit(name: str, **payload) -> None:
    """Announce that `name` happened; handlers run after the current transaction commits."""
    if name not in KNOWN_EVENTS:
        raise ValueError(f"Undeclared domain event: {name}")
    for func in handlers_for(name):
        transaction.on_commit(functools.partial(_run, func, name, payload))


def _run(func: Callable, name: str, payload: dict) -> None:
    try:
        func(**payload)
    except Exception:
        logger.exception("event handler %s for %s failed", func.__qualname__, name)
