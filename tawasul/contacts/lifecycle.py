"""The contact lifecycle as a workflow of `core.documents`: a contact moves from stage to stage
by `transition(contact, LIFECYCLE_VERBS[stage], actor, remark=reason)`.

Mixed into `Contact`: its status is `lifecycle`, its moves are `LIFECYCLE_MOVES`, its event rows
are `LifecycleChange` (from, to, reason, who, when), and each move emits
`contact.lifecycle_changed` after commit. Rejecting needs a reason, which becomes the contact's
rejection reason.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from tawasul.core.documents import Transitions
from tawasul.core.history import stamp_history

from .choices import LIFECYCLE_TRANSITIONS, Lifecycle


class ContactLifecycle(Transitions):
    """The lifecycle moves of a contact (see the module's docstring)."""

    STATUS_FIELD = "lifecycle"
    TRANSITIONS = LIFECYCLE_TRANSITIONS
    TRANSITION_ERROR_FIELD = "lifecycle"
    STATUS_EVENT = "contact.lifecycle_changed"

    def can_reject(self, actor, *, remark: str = "", **data) -> None:
        if not (remark or "").strip():
            raise ValidationError({"rejection_reason": _("Say why the contact is rejected.")})

    def transition_refused(self, verb: str, target: str) -> str:
        return _("A contact cannot move from %(old)s to %(new)s.") % {
            "old": Lifecycle(self.lifecycle).label,
            "new": Lifecycle(target).label,
        }

    def transition_denied(self, verb: str) -> str:
        return _("You may not save this contact with these values.")

    def apply_transition(self, *, verb: str, target: str, actor, data: Mapping[str, Any]) -> None:
        reason = (data.get("remark") or "").strip()
        self.lifecycle = target
        if target == Lifecycle.REJECTED:
            self.rejection_reason = reason
        stamp_history(self, actor, reason)
        self.save()

    def write_event(
        self,
        *,
        actor,
        verb: str,
        from_status: str,
        to_status: str,
        remark: str,
        data: Mapping[str, Any],
    ) -> models.Model:
        # The verb is the stage moved to (LIFECYCLE_VERBS), so the row keeps stages only.
        return getattr(self, "lifecycle_changes").create(  # noqa: B009 - Contact's reverse relation
            from_stage=from_status,
            to_stage=to_status,
            reason=remark,
            changed_by=actor if getattr(actor, "pk", None) else None,
        )

    def transition_event_payload(self, *, verb: str, old: str, new: str, actor) -> dict[str, Any]:
        return {
            "contact_id": self.pk,
            "actor_id": getattr(actor, "pk", None),
            "old": old,
            "new": new,
        }
