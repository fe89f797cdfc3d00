"""Domain-event handlers of the activities (automatic tasks, notifications); listed in
docs/development/events.md.

Automatic tasks: `triggers.declare_trigger` calls `listen(event)`, which registers `on_trigger`
for the event (`core.events.handler`, run after the emitting transaction commits). The handler
computes each occurrence's key (`Trigger.key`) right after the write and hands the ids to a
Huey job (`automation_tasks.automatic_tasks_fire_task`), which calls the service
`automation_services.automatic_tasks_fire`; a rerun of the job creates nothing new.
"""

from __future__ import annotations

import functools
import logging

from tawasul.core import events

logger = logging.getLogger("tawasul.activities.automation")

_LISTENING: dict[str, object] = {}


def on_trigger(event: str, **payload) -> None:
    """An event with a trigger happened: one job per record it is about, when any active rule
    of any company waits for it."""
    from .automation_tasks import automatic_tasks_fire_task
    from .models import AutomaticTaskRule
    from .triggers import get_trigger

    trigger = get_trigger(event)
    if (
        trigger is None
        or not AutomaticTaskRule.objects.filter(event=event, is_active=True).exists()
    ):
        return
    for single in trigger.payloads(payload):
        try:
            origin_key = trigger.key(single)
        except Exception:
            logger.exception("automatic tasks: no key for %s %s", event, dict(single))
            continue
        automatic_tasks_fire_task(event, dict(single), origin_key)


def listen(event: str) -> None:
    """Register `on_trigger` for `event` once."""
    if event in _LISTENING:
        return
    func = functools.update_wrapper(functools.partial(on_trigger, event), on_trigger)
    _LISTENING[event] = events.handler(event)(func)


# The communicator's own triggers (contacts' events, overdue tasks).
from . import automation_triggers  # noqa: E402, F401
