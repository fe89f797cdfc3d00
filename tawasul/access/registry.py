"""What each module declares once to make its records governable by record rules.

A module lists the link fields of a model that rules may test; the access app turns rules
into query conditions from these declarations, so no module writes filter code of its own.
The module whose records portal accounts are about (contacts) declares that too
(`portal_subject`), so the access app knows no module above it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _

from .generation import bump_generation

# Kinds of link field, and the operators each offers.
TREE = "tree"  # a foreign key into a tree with a materialised `path` (areas)
MASTER = "master"  # a foreign key to master data
MANY = "many"  # a many-to-many to master data
EMPLOYEE = "employee"  # a foreign key to an employee (owner, representative, coordinator...)
BRANCH = "branch"  # a foreign key to a branch
CHOICE = "choice"  # a field with fixed choices
DEALER = "dealer"  # a foreign key to the dealer or agent contact that serves the record

OPERATORS: dict[str, list[str]] = {
    TREE: ["in_subtree", "in"],
    MASTER: ["in"],
    MANY: ["any"],
    EMPLOYEE: ["is_me", "is_me_or_team", "coordinated_by_me", "in"],
    BRANCH: ["is_my_branch", "in"],
    CHOICE: ["in"],
    DEALER: ["represented_by_me", "in"],
}
# Operators that take no values (they are relative to the user).
RELATIVE = {"is_me", "is_me_or_team", "coordinated_by_me", "is_my_branch", "represented_by_me"}

OPERATOR_LABELS = {
    "in": _("is one of"),
    "in_subtree": _("is within"),
    "any": _("includes any of"),
    "is_me": _("is me"),
    "is_me_or_team": _("is me or anyone in my reports-to tree"),
    "coordinated_by_me": _("is a representative I coordinate"),
    "is_my_branch": _("is my branch"),
    "represented_by_me": _("is represented by me or my team"),
}


@dataclass(frozen=True)
class LinkField:
    name: str
    label: Any  # text, or lazily translated text
    kind: str
    lookup: str  # ORM path from the governed model
    model: type[models.Model] | None = None  # where the values come from
    choices: tuple = ()


@dataclass
class Governed:
    model: type[models.Model]
    fields: dict[str, LinkField] = field(default_factory=dict)
    # The lookup from a record to the contact it is about, for portal users (None: no portal).
    portal_path: str | None = None
    # The lookup from a record to the dealer or agent that serves it, for dealer portal users.
    portal_dealer_path: str | None = None
    actions: tuple[str, ...] = ("view", "change", "delete", "export", "assign")
    # The records a user takes part in, whatever the rules say: `(user, action) -> Q | None`
    # (a task's initiator, its assignees past and present and their managers). Added to the
    # rules' union; still confined to the company and the model permission. None: no such clause.
    involved: Callable[[object, str], models.Q | None] | None = None

    @property
    def key(self) -> str:
        return model_key(self.model)


_GOVERNED: dict[str, Governed] = {}


def model_key(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def govern(model, fields: list[LinkField], **options) -> Governed:
    """Declare `model` governed by record rules over these link fields."""
    entry = Governed(model=model, fields={f.name: f for f in fields}, **options)
    _GOVERNED[entry.key] = entry
    # Compiled rules hold the keys of tree subtrees; a change in a tree recompiles them...
    for decl in fields:
        if decl.kind == TREE and decl.model is not None:
            uid = f"bump-tree-{decl.model._meta.label}"
            post_save.connect(bump_generation, sender=decl.model, dispatch_uid=uid)
            post_delete.connect(bump_generation, sender=decl.model, dispatch_uid=uid + "-d")
        # ...and the keys of records linked through a many-to-many field.
        if decl.kind == MANY and "__" not in decl.lookup:
            through = model._meta.get_field(decl.lookup).remote_field.through
            uid = f"bump-many-{through._meta.label}"
            m2m_changed.connect(bump_generation, sender=through, dispatch_uid=uid)
    return entry


def governed(model_or_key) -> Governed | None:
    if not model_or_key:
        return None
    key = model_or_key if isinstance(model_or_key, str) else model_key(model_or_key)
    return _GOVERNED.get(key)


def all_governed() -> list[Governed]:
    return list(_GOVERNED.values())


@dataclass(frozen=True)
class PortalSubject:
    """What a portal account is about (`settings.TAWASUL_PORTAL_SUBJECT_MODEL`, a contact).

    `is_dealer(subject) -> bool` tells whether the subject also sees the records it serves
    (a governed entry's `portal_dealer_path`); `picker_url` is the autocomplete URL the portal
    account form offers subjects from (read through `restrict`). The list of portal accounts
    links each subject to `detail_url(pk)` and shows `describe(subject)` next to its name,
    joining `related` (lookups from the subject) to read it.
    """

    model: type[models.Model]
    is_dealer: Callable[[models.Model], bool]
    picker_url: str
    detail_url: Callable[[int], str] | None = None
    describe: Callable[[models.Model], str] | None = None
    related: tuple[str, ...] = ()


_PORTAL_SUBJECT: list[PortalSubject | None] = [None]


def portal_subject(
    model: type[models.Model],
    *,
    is_dealer: Callable[[models.Model], bool],
    picker_url: str,
    detail_url: Callable[[int], str] | None = None,
    describe: Callable[[models.Model], str] | None = None,
    related: tuple[str, ...] = (),
) -> PortalSubject:
    """Declare the model portal accounts are about; called once, by the module that owns it."""
    subject = PortalSubject(
        model=model,
        is_dealer=is_dealer,
        picker_url=picker_url,
        detail_url=detail_url,
        describe=describe,
        related=tuple(related),
    )
    _PORTAL_SUBJECT[0] = subject
    return subject


def get_portal_subject() -> PortalSubject | None:
    """The declared portal subject, or None before its module is ready (no dealer links)."""
    return _PORTAL_SUBJECT[0]
