"""The communicator's own triggers: a contact created, moved through the lifecycle or
re-assigned, and a task overdue. Later modules declare theirs from their own code
(docs/development/automatic-tasks.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from tawasul.contacts.models import Contact
from tawasul.org.models import Employee

from .models import Task
from .triggers import Trigger, declare_trigger


def _active(*employees: Employee | None) -> list[Employee]:
    return [e for e in employees if e is not None and e.is_active]


def _manager_of(employee: Employee | None) -> list[Employee]:
    if employee is None or employee.reports_to_id is None:
        return []
    return _active(Employee.objects.filter(pk=employee.reports_to_id).first())


def actor_manager(record: Any, payload: Mapping[str, Any]) -> list[Employee]:
    """The manager of the user who did it (nobody when the system did)."""
    actor_id = payload.get("actor_id")
    if not actor_id:
        return []
    user = get_user_model()._base_manager.filter(pk=actor_id).first()
    employee = Employee.objects.filter(user=user).first() if user is not None else None
    return _manager_of(employee)


def _contact(payload: Mapping[str, Any]) -> Contact | None:
    return (
        Contact.objects.select_related("representative", "coordinator")
        .filter(pk=payload.get("contact_id") or 0)
        .first()
    )


def _contact_version(payload: Mapping[str, Any]) -> str:
    """The contact and the history row its write left: one key per change of the contact."""
    contact_id = payload["contact_id"]
    latest = (
        Contact.history.filter(id=contact_id)
        .order_by("-history_id")
        .values_list("history_id", flat=True)
        .first()
    )
    return f"c{contact_id}:h{latest or 0}"


def _contact_changed_at(contact: Contact, payload: Mapping[str, Any]):
    """When the contact's latest write happened (its latest history row)."""
    return (
        Contact.history.filter(id=contact.pk)
        .order_by("-history_id")
        .values_list("history_date", flat=True)
        .first()
    )


CONTACT_PEOPLE = {
    "representative": (
        _("The contact's representative"),
        lambda contact, payload: _active(contact.representative),
    ),
    "coordinator": (
        _("The contact's coordinator"),
        lambda contact, payload: _active(contact.coordinator),
    ),
    "manager": (
        _("The representative's manager"),
        lambda contact, payload: _manager_of(contact.representative),
    ),
    "actor_manager": (_("The manager of who did it"), actor_manager),
}


def _split_assigned(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    rest = {k: v for k, v in payload.items() if k != "contact_ids"}
    return [{**rest, "contact_id": pk} for pk in payload.get("contact_ids") or []]


def _task(payload: Mapping[str, Any]) -> Task | None:
    return (
        Task.objects.select_related("assignee", "initiator", "contact__representative")
        .filter(pk=payload.get("task_id") or 0)
        .first()
    )


TASK_PEOPLE = {
    "assignee": (_("The task's assignee"), lambda task, payload: _active(task.assignee)),
    "initiator": (_("Who gave the task"), lambda task, payload: _active(task.initiator)),
    "manager": (_("The assignee's manager"), lambda task, payload: _manager_of(task.assignee)),
    "representative": (
        _("The representative of the task's contact"),
        lambda task, payload: _active(task.contact.representative) if task.contact_id else [],
    ),
}

declare_trigger(
    Trigger(
        event="contact.created",
        label=_("A contact is created"),
        model="contacts.contact",
        load=_contact,
        key=lambda payload: f"c{payload['contact_id']}",
        people=CONTACT_PEOPLE,
        occurred_at=lambda contact, payload: contact.created_at,
    )
)
declare_trigger(
    Trigger(
        event="contact.lifecycle_changed",
        label=_("A contact moves through the lifecycle"),
        model="contacts.contact",
        load=_contact,
        key=lambda payload: f"{_contact_version(payload)}:{payload.get('new', '')}",
        people=CONTACT_PEOPLE,
        occurred_at=_contact_changed_at,
    )
)
declare_trigger(
    Trigger(
        event="contact.assigned",
        label=_("A contact is re-assigned"),
        model="contacts.contact",
        load=_contact,
        key=_contact_version,
        people=CONTACT_PEOPLE,
        occurred_at=_contact_changed_at,
        split=_split_assigned,
    )
)
declare_trigger(
    Trigger(
        event="task.overdue",
        label=_("A task is overdue"),
        model="activities.task",
        load=_task,
        key=lambda payload: f"t{payload['task_id']}",
        people=TASK_PEOPLE,
    )
)
