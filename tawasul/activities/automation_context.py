"""What a template of each of the communicator's kinds sees: plain data built from one record.

A record is named only to a recipient who may view it (`restrict`, through
`access.links.Visibility`); to anyone else, and to nobody in particular (no recipient), its
name is the hidden label and its other facts are empty. The people (`recipient`, `actor`) are
added by the engine (`core.templating.build_context`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tawasul.access.links import Visibility
from tawasul.core.templating import person, record_link
from tawasul.core.widgets import HIDDEN_LABEL

from .subjects import subject_labels


def _may_view(recipient, record) -> bool:
    if recipient is None or record is None or not getattr(recipient, "is_authenticated", False):
        return False
    return bool(Visibility(recipient).visible(type(record), [record.pk]))


def _name(value: Any) -> str:
    return "" if value is None else str(value)


def _label(record, field: str) -> str:
    display = getattr(record, f"get_{field}_display", None)
    return str(display()) if display is not None and getattr(record, field) else ""


def _change(extra: Mapping[str, Any], choices: Any = None) -> dict[str, str]:
    """`change.old` and `change.new`: the values an event moved between (labels when known)."""
    labels = dict(choices or ())

    def word(value: Any) -> str:
        return str(labels.get(value, value or ""))

    return {"old": word(extra.get("old")), "new": word(extra.get("new"))}


def contact_values(contact, recipient) -> dict[str, Any]:
    """A contact as a template sees it (hidden when `recipient` may not view it)."""
    if not _may_view(recipient, contact):
        return {
            "name": str(HIDDEN_LABEL),
            "name_ar": "",
            "code": "",
            "type": "",
            "category": "",
            "area": "",
            "lifecycle": "",
            "representative": person(None),
            "coordinator": person(None),
            "link": "",
        }
    return {
        "name": contact.display_name,
        "name_ar": contact.name_ar,
        "code": contact.code,
        "type": _name(contact.contact_type),
        "category": _name(contact.category),
        "area": _name(contact.area),
        "lifecycle": _label(contact, "lifecycle"),
        "representative": person(contact.representative),
        "coordinator": person(contact.coordinator),
        "link": record_link(contact),
    }


def build_contact(contact, *, recipient=None, actor=None, extra=None) -> dict[str, Any]:
    from tawasul.contacts.choices import Lifecycle

    extra = extra or {}
    return {
        "contact": contact_values(contact, recipient),
        "change": _change(extra, Lifecycle.choices),
    }


def _record_name(recipient, item) -> str:
    """The name of the record an activity is about, as `recipient` may see it."""
    if not item.subject_type_id:
        return ""
    if recipient is None or not getattr(recipient, "is_authenticated", False):
        return str(HIDDEN_LABEL)
    return subject_labels(recipient, [item])[item.pk].label


def build_task(task, *, recipient=None, actor=None, extra=None) -> dict[str, Any]:
    return {
        "task": {
            "title": task.title,
            "description": task.description,
            "due": task.due_at,
            "priority": _label(task, "priority"),
            "status": _label(task, "status"),
            "assignee": person(task.assignee),
            "initiator": person(task.initiator),
            "record": _record_name(recipient, task),
            "link": record_link(task),
        }
    }


def build_follow_up(follow_up, *, recipient=None, actor=None, extra=None) -> dict[str, Any]:
    return {
        "follow_up": {
            "purpose": follow_up.purpose,
            "due": follow_up.due_at,
            "channel": _label(follow_up, "channel"),
            "status": _label(follow_up, "status"),
            "assignee": person(follow_up.assignee),
            "set_by": person(follow_up.set_by),
            "record": _record_name(recipient, follow_up),
            "link": record_link(follow_up),
        }
    }


def build_reminder(reminder, *, recipient=None, actor=None, extra=None) -> dict[str, Any]:
    return {
        "reminder": {
            "title": reminder.title,
            "body": reminder.body,
            "next": reminder.next_at or reminder.starts_at,
            "author": person(reminder.author),
            "record": _record_name(recipient, reminder),
            "link": record_link(reminder),
        }
    }
