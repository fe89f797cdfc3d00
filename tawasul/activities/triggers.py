"""The events automatic task rules may fire on, each declared once by the module that emits it.

A trigger ties a domain event (`core.events`) to the record it is about and says what a rule
on it may use:

    declare_trigger(
        Trigger(
            event="inquiry.allocated",
            label=_("An inquiry is allocated"),
            model="inquiries.inquiry",
            load=lambda payload: Inquiry.objects.filter(pk=payload["inquiry_id"]).first(),
            key=lambda payload: f"inquiry:{payload['inquiry_id']}:{payload['allocation_id']}",
            people={"allocated_to": (_("The allocated salesperson"), allocated_people)},
        )
    )

- `load(payload) -> record | None`: the record, read without access (the rule is the
  company's, not a user's); None when it is gone (the rule then does nothing).
- `key(payload) -> str`: what makes this occurrence of the event unique; with the rule it is the
  task's `origin_key`, so running the job again creates nothing new. It is computed when the
  event is handled, after the write committed.
- `fields`: the names of the record's link fields (as declared to the access engine for
  `model`) a rule's conditions may test; None offers every declared field.
- `people`: `{key: (label, resolver(record, payload) -> list[Employee])}`, the people a rule
  may give the task to besides a named user and everyone with a role.
- `split(payload) -> list[payload]`: for an event about several records at once (contacts
  re-assigned in bulk), one payload per record, so each record gets its own task.
- `occurred_at(record, payload) -> datetime | None`: when it happened, if known; a rule created
  after that does not fire for it (a job queued before the rule existed).

`declare_trigger` also registers the automatic tasks' handler for the event (`handlers`), so a
module that declares a trigger needs nothing else; the rule editor offers exactly the declared
triggers, their fields and their people.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models

from tawasul.access.registry import LinkField, governed

PeopleResolver = Callable[[Any, Mapping[str, Any]], list]


@dataclass(frozen=True)
class Trigger:
    """A domain event automatic task rules may fire on (see the module's docstring)."""

    event: str
    label: Any
    model: str  # "contacts.contact": the model of the records the event is about
    load: Callable[[Mapping[str, Any]], models.Model | None]
    key: Callable[[Mapping[str, Any]], str]
    people: Mapping[str, tuple[Any, PeopleResolver]] = field(default_factory=dict)
    fields: Sequence[str] | None = None
    split: Callable[[Mapping[str, Any]], list[Mapping[str, Any]]] | None = None
    occurred_at: Callable[[Any, Mapping[str, Any]], Any] | None = None
    # Who did it, from the payload (an `actor_id` user key by default); None: the system.
    actor_key: str = "actor_id"

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def link_fields(self) -> list[LinkField]:
        """The record's link fields a rule may test, as the access engine declares them."""
        declared = governed(self.model)
        if declared is None:
            return []
        if self.fields is None:
            return list(declared.fields.values())
        return [declared.fields[name] for name in self.fields if name in declared.fields]

    def link_field(self, name: str) -> LinkField | None:
        return next((decl for decl in self.link_fields() if decl.name == name), None)

    def payloads(self, payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """One payload per record the event is about."""
        return list(self.split(payload)) if self.split is not None else [payload]

    def people_choices(self) -> list[tuple[str, str]]:
        return [(key, str(label)) for key, (label, _resolver) in self.people.items()]


_TRIGGERS: dict[str, Trigger] = {}


def declare_trigger(trigger: Trigger) -> Trigger:
    """Declare `trigger` (a later declaration for the same event replaces it) and register the
    automatic tasks' handler for its event."""
    from .handlers import listen  # the handler module needs the models; this one does not

    _TRIGGERS[trigger.event] = trigger
    listen(trigger.event)
    return trigger


def triggers() -> list[Trigger]:
    """Every declared trigger, in the order they were declared."""
    return list(_TRIGGERS.values())


def get_trigger(event: str) -> Trigger | None:
    return _TRIGGERS.get(event)


def trigger_choices() -> list[tuple[str, str]]:
    """(event, label) of every trigger, for the rule editor."""
    return [(trigger.event, str(trigger.label)) for trigger in triggers()]
