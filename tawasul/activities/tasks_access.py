"""Who may see and change tasks and follow-ups (issue 12 §1).

A task is visible to its initiator, its assignees past and present (`TaskParticipant`) and
their managers up the reports-to chain (an employee's `path` starts with the viewer's), and to
holders of a record rule on tasks. Rules may test the assignee, the initiator and the link
fields of the contact the task is about (`contact__area`, `contact__representative`, ...).
A follow-up is visible to its assignee, who set it, their managers, and rule holders alike.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from tawasul.access.registry import CHOICE, EMPLOYEE, LinkField, govern
from tawasul.contacts.links import RULE_FIELDS
from tawasul.contacts.models import Contact
from tawasul.org.models import Employee

from .models import FollowUp, Task, TaskParticipant


def _viewer_path(user) -> str | None:
    employee = getattr(user, "employee", None)
    if employee is None or not employee.is_active:
        return None
    return employee.path


def task_involvement(user, action: str) -> Q | None:
    """Tasks `user` takes part in, or that someone in their reports-to subtree takes part in.
    Viewing: any participant past or present; changing: the current assignee, the initiator
    and their managers."""
    path = _viewer_path(user)
    if path is None:
        return None
    if action == "view":
        taking_part = TaskParticipant.objects.filter(
            task=OuterRef("pk"), employee__path__startswith=path
        )
        return Q(Exists(taking_part))
    if action == "change":
        return Q(assignee__path__startswith=path) | Q(initiator__path__startswith=path)
    return None


def follow_up_involvement(user, action: str) -> Q | None:
    """Follow-ups assigned to or set by `user` or anyone in their reports-to subtree."""
    path = _viewer_path(user)
    if path is None or action not in ("view", "change"):
        return None
    return Q(assignee__path__startswith=path) | Q(set_by__path__startswith=path)


def _contact_fields() -> list[LinkField]:
    fields = []
    for name, kind, label in RULE_FIELDS:
        lookup = f"contact__{name}"
        if kind == CHOICE:
            choices = tuple(Contact._meta.get_field(name).choices)
            fields.append(LinkField(lookup, label, kind, lookup, None, choices))
        else:
            model = Contact._meta.get_field(name).related_model
            fields.append(LinkField(lookup, label, kind, lookup, model))
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
