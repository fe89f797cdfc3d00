"""Who may see and change tasks and follow-ups (issue 12 §1).

A task is visible to its initiator, its assignees past and present (`TaskParticipant`) and
their managers up the reports-to chain (an employee's `path` starts with the viewer's), and to
holders of a record rule on tasks. Rules may test the assignee, the initiator and the link
fields of the contact the task is about (`contact__area`, `contact__representative`, ...).
A follow-up is visible to its assignee, who set it, their managers, and rule holders alike.
"""

from typing import cast

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tawasul.access.registry import CHOICE, EMPLOYEE, LinkField, govern
from tawasul.contacts.links import RULE_FIELDS
from tawasul.contacts.models import Contact
from tawasul.org.models import Employee

from .models import FollowUp, Task, TaskParticipant


def subtree_ids(user) -> list[int] | None:
    """Keys of the user's employee and everyone in their reports-to subtree (one query, kept on
    the user object for the request), or None for a user who is not active staff.

    Resolved first and passed as keys, so the task queries use the participants' employee index
    directly (a join on the employees' paths let the planner walk the whole participant index)."""
    if "_tawasul_subtree_ids" not in user.__dict__:
        employee = getattr(user, "employee", None)
        ids = None
        if employee is not None and employee.is_active:
            ids = list(
                Employee.objects.filter(path__startswith=employee.path)
                .order_by()
                .values_list("pk", flat=True)
            )
        user.__dict__["_tawasul_subtree_ids"] = ids
    return user.__dict__["_tawasul_subtree_ids"]


def task_involvement(user, action: str) -> Q | None:
    """Tasks `user` takes part in, or that someone in their reports-to subtree takes part in.
    Viewing: any participant past or present; changing: the current assignee, the initiator
    and their managers."""
    ids = subtree_ids(user)
    if not ids:
        return None
    if action == "view":
        taking_part = TaskParticipant.objects.filter(employee_id__in=ids).values("task_id")
        return Q(pk__in=taking_part)
    if action == "change":
        return Q(assignee_id__in=ids) | Q(initiator_id__in=ids)
    return None


def follow_up_involvement(user, action: str) -> Q | None:
    """Follow-ups assigned to or set by `user` or anyone in their reports-to subtree."""
    ids = subtree_ids(user)
    if not ids or action not in ("view", "change"):
        return None
    return Q(assignee_id__in=ids) | Q(set_by_id__in=ids)


def _contact_fields() -> list[LinkField]:
    fields = []
    for name, kind_or_none, label in RULE_FIELDS:
        kind = cast(str, kind_or_none)  # RULE_FIELDS holds the fields that have a kind
        lookup = f"contact__{name}"
        field = cast(models.Field, Contact._meta.get_field(name))
        if kind == CHOICE:
            choices = tuple(field.choices or ())
            fields.append(LinkField(lookup, label, kind, lookup, None, choices))
        else:
            related = cast("type[models.Model]", field.related_model)
            fields.append(LinkField(lookup, label, kind, lookup, related))
    return fields


def register() -> None:
    """Declare tasks and follow-ups to the access engine."""
    govern(
        Task,
        [
            LinkField("assignee", _("Assignee"), EMPLOYEE, "assignee", Employee),
            LinkField("initiator", _("Initiator"), EMPLOYEE, "initiator", Employee),
            *_contact_fields(),
        ],
        involved=task_involvement,
        actions=("view", "change", "delete", "export"),
    )
    govern(
        FollowUp,
        [
            LinkField("assignee", _("Assignee"), EMPLOYEE, "assignee", Employee),
            *_contact_fields(),
        ],
        involved=follow_up_involvement,
        actions=("view", "change", "delete", "export"),
    )
