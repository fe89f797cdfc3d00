"""Workflow documents: a numbered record that moves through statuses by named verbs.

A module's document (a quotation, an order, a visit report) subclasses the abstract `Document`
and names its moves; its event rows subclass `DocumentEvent`:

    class Quotation(Document):
        NUMBER_KIND = "quotation"
        NUMBER_PATTERN = "QUO-{branch}-{year}-{n:05d}"
        STATUS_EVENT = "quotation.status_changed"        # declared with events.declare
        TRANSITIONS = {"send": ({"draft"}, "sent"), "accept": ({"sent"}, "accepted")}
        APPROVAL_VERBS = {"send"}                          # may need an approval, see below

        status = models.CharField(choices=QuotationStatus.choices, default="draft", ...)

        def can_send(self, actor, **data) -> str | None:   # None: allowed; else the reason
            return None if self.lines.exists() else _("Add a line before sending.")

    class QuotationEvent(DocumentEvent):
        document = models.ForeignKey(Quotation, models.CASCADE, related_name="events")

and its service is one line around `transition(quotation, "send", actor, remark=...)`, which
locks, checks, moves, writes the event row and announces it. The model is Saleor's order actions
(plain functions that lock rows in a fixed order, check a guard, write an audit event and defer
side effects until commit), with the verbs declared on the document. See
docs/development/documents.md.

Any model can move this way, not only a `Document`: the `Transitions` mixin carries the protocol
(the contact lifecycle uses it with `lifecycle` as its status and `LifecycleChange` as its rows).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from . import clock, events
from .access import RestrictedQuerySet, verify_within
from .history import stamp_history
from .services import sequence_next

# --- approvals ---------------------------------------------------------------------------------


class ApprovalEngine(Protocol):
    """What an approval engine answers for a verb that a document declares in `APPROVAL_VERBS`."""

    def missing_approval(
        self, document: models.Model, verb: str, actor, data: Mapping[str, Any]
    ) -> str | None:
        """None when the move may go ahead (approved, or no approval needed by the engine's
        rules: an amount under a limit, a role that approves itself); otherwise the message that
        says what approval is missing. Called inside the transition's transaction, after the
        guard, with the document locked; it must not write (a refused move rolls back)."""


_ENGINE: list[ApprovalEngine | None] = [None]


def register_approval_engine(engine: ApprovalEngine | None) -> ApprovalEngine | None:
    """Install the approval engine for the process (None removes it); returns the previous one."""
    previous, _ENGINE[0] = _ENGINE[0], engine
    return previous


def requires_approval(document: models.Model, verb: str, actor, **data) -> str | None:
    """The approval `verb` still needs on `document`, as a message, or None when none is needed.

    Only verbs in the model's `APPROVAL_VERBS` are asked about, and with no engine installed the
    answer is always None ("no approval needed"). `transition` calls it after the guard.
    """
    if verb not in getattr(type(document), "APPROVAL_VERBS", ()):
        return None
    engine = _ENGINE[0]
    if engine is None:
        return None
    return engine.missing_approval(document, verb, actor, data) or None


# --- locking -----------------------------------------------------------------------------------


def lock_rows(*instances: models.Model) -> list[models.Model]:
    """Lock the rows of `instances` (any models) with SELECT ... FOR UPDATE, table by table in
    the order of their table names and each table's rows by primary key, so two transactions
    that lock the same rows always take them in the same order and cannot deadlock. Returns
    fresh copies read under the lock, in the order given. A no-op lock on SQLite, which
    serialises writers itself."""
    by_table: dict[str, tuple[type[models.Model], set]] = {}
    for instance in instances:
        model = type(instance)._meta.concrete_model
        model = cast(type[models.Model], model)
        by_table.setdefault(model._meta.db_table, (model, set()))[1].add(instance.pk)
    fresh: dict[tuple[str, Any], models.Model] = {}
    for table in sorted(by_table):
        model, keys = by_table[table]
        for row in model._base_manager.select_for_update().filter(pk__in=keys).order_by("pk"):
            fresh[(table, row.pk)] = row
    result = []
    for instance in instances:
        concrete = cast(type[models.Model], type(instance)._meta.concrete_model)
        key = (concrete._meta.db_table, instance.pk)
        if key not in fresh:
            raise type(instance).DoesNotExist(f"{type(instance).__name__} {instance.pk} is gone.")  # type: ignore[attr-defined]
        result.append(fresh[key])
    return result


# --- the protocol ------------------------------------------------------------------------------

if TYPE_CHECKING:
    _ModelBase = models.Model
else:
    _ModelBase = object  # a mixin: the model's own bases bring models.Model


class Transitions(_ModelBase):
    """The moves of a model through its statuses; mixed into `Document`, usable by any model.

    Class attributes a model sets:
    - `STATUS_FIELD`: the field that holds the status ("status").
    - `TRANSITIONS`: verb -> (statuses it may start from, status it ends in).
    - `VERB_ACTIONS`: verb -> the access action the actor needs on the record ("change" when not
      named; e.g. {"approve": "approve"} with a custom permission).
    - `APPROVAL_VERBS`: verbs that may need an approval (`requires_approval`).
    - `STATUS_EVENT`: the domain event emitted after each move (None: none).
    - `TRANSITION_ERROR_FIELD`: the error key of a refused move (the whole record by default).

    Guards are methods `can_<verb>(self, actor, **data) -> str | None`: None (or "") allows the
    move, a message refuses it; a guard may also raise ValidationError itself (keyed by field).
    The other methods are hooks with working defaults.
    """

    STATUS_FIELD: ClassVar[str] = "status"
    TRANSITIONS: ClassVar[Mapping[str, tuple[Collection[str], str]]] = {}
    VERB_ACTIONS: ClassVar[Mapping[str, str]] = {}
    APPROVAL_VERBS: ClassVar[Collection[str]] = ()
    STATUS_EVENT: ClassVar[str | None] = None
    TRANSITION_ERROR_FIELD: ClassVar[str] = NON_FIELD_ERRORS

    def transition_refused(self, verb: str, target: str) -> str:
        """The message for `verb` asked from a status it does not start from."""
        return _("This cannot be done while the %(record)s is %(status)s.") % {
            "record": self._meta.verbose_name,
            "status": self._status_label(),
        }

    def transition_denied(self, verb: str) -> str | None:
        """The message when the actor lacks the rights (None: the access protocol's own)."""
        return None

    def transition_locks(self, verb: str) -> Iterable[models.Model]:
        """Other rows to lock with this one before `verb` (its lines, a parent); none by default."""
        return ()

    def apply_transition(self, *, verb: str, target: str, actor, data: Mapping[str, Any]) -> None:
        """Set the status (and whatever else the move changes) and save, history stamped."""
        setattr(self, self.STATUS_FIELD, target)
        stamp_history(self, actor, data.get("remark"))
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
        """Write one event row; by default into the `events` of a `DocumentEvent` subclass."""
        return getattr(self, "events").create(  # noqa: B009 - the subclass's reverse relation
            actor=actor if getattr(actor, "pk", None) else None,
            verb=verb,
            from_status=from_status,
            to_status=to_status,
            remark=remark,
            data=dict(data),
        )

    def transition_event_payload(self, *, verb: str, old: str, new: str, actor) -> dict[str, Any]:
        """The payload of `STATUS_EVENT`: ids and statuses, never objects."""
        return {
            f"{self._meta.model_name}_id": self.pk,
            "actor_id": getattr(actor, "pk", None),
            "verb": verb,
            "old": old,
            "new": new,
        }

    def _status_label(self) -> str:
        display = getattr(self, f"get_{self.STATUS_FIELD}_display", None)
        return str(display()) if display else str(getattr(self, self.STATUS_FIELD))


def allowed_verbs(document: Transitions, actor, **data) -> list[str]:
    """The verbs `actor` could perform on `document` now, by status and guards (not by rights or
    approvals): for the record page's action buttons. Reads, never locks."""
    status = getattr(document, document.STATUS_FIELD)
    allowed = []
    for verb, (sources, _target) in document.TRANSITIONS.items():
        if status not in sources:
            continue
        try:
            if _guard_reason(document, verb, actor, data):
                continue
        except ValidationError:
            continue
        allowed.append(verb)
    return allowed


def _guard_reason(document: Transitions, verb: str, actor, data: Mapping[str, Any]) -> str | None:
    guard: Callable[..., str | None] | None = getattr(document, f"can_{verb}", None)
    return guard(actor, **data) if guard is not None else None


def record_event(
    document: Transitions,
    *,
    actor,
    verb: str,
    from_status: str = "",
    to_status: str = "",
    remark: str = "",
    data: Mapping[str, Any] | None = None,
) -> models.Model:
    """Write one event row of `document`: a move (`transition` calls this) or anything else worth
    keeping on its timeline ("printed", "sent by e-mail"), with who, when (the clock) and what."""
    return document.write_event(
        actor=actor,
        verb=verb,
        from_status=from_status,
        to_status=to_status,
        remark=(remark or "").strip(),
        data=data or {},
    )


def _refusal(model: type[Transitions], message: str, code: str) -> ValidationError:
    return ValidationError({model.TRANSITION_ERROR_FIELD: ValidationError(message, code=code)})


@transaction.atomic
def transition(document: Transitions, verb: str, actor, **data) -> Any:
    """Move `document` by `verb` on behalf of `actor` (a user, or None for the system), in one
    transaction, and return the moved document (a fresh copy: use it, not the one passed).

    In order: lock the document and the rows its `transition_locks` names, in key order; check
    the actor may `VERB_ACTIONS[verb]` ("change") it; check the status allows the verb; ask the
    `can_<verb>` guard with `**data`; ask `requires_approval`; set the status
    (`apply_transition`); write the event row (`remark` and the other `data` go in it); check the
    document as saved is still within the actor's rights; emit `STATUS_EVENT` after commit.

    Raises ValidationError (key `TRANSITION_ERROR_FIELD`, or the guard's own keys) when the move
    is refused, with code "transition_refused", "guard_refused" or "approval_required";
    PermissionDenied when the actor lacks the rights before or after; ValueError for an unknown
    verb (a programming error). Anything raised rolls the whole move back.
    """
    model = type(document)
    if verb not in model.TRANSITIONS:
        raise ValueError(f"{model.__name__} has no verb {verb!r}.")
    sources, target = model.TRANSITIONS[verb]
    document = cast(Transitions, lock_rows(document, *document.transition_locks(verb))[0])
    action = model.VERB_ACTIONS.get(verb, "change")
    verify_within(actor, document, action, document.transition_denied(verb))
    old = getattr(document, model.STATUS_FIELD)
    if old not in sources:
        raise _refusal(model, document.transition_refused(verb, target), "transition_refused")
    reason = _guard_reason(document, verb, actor, data)
    if reason:
        raise _refusal(model, reason, "guard_refused")
    missing = requires_approval(document, verb, actor, **data)
    if missing:
        raise _refusal(model, missing, "approval_required")
    document.apply_transition(verb=verb, target=target, actor=actor, data=data)
    extra = {name: value for name, value in data.items() if name != "remark"}
    record_event(
        document,
        actor=actor,
        verb=verb,
        from_status=old,
        to_status=target,
        remark=data.get("remark") or "",
        data=extra,
    )
    verify_within(actor, document, action, document.transition_denied(verb))
    if model.STATUS_EVENT:
        events.emit(
            model.STATUS_EVENT,
            **document.transition_event_payload(verb=verb, old=old, new=target, actor=actor),
        )
    return document


# --- numbering ---------------------------------------------------------------------------------


def document_number_next(
    *,
    company_id: int,
    kind: str,
    pattern: str,
    branch_id: int = 0,
    branch_code: str = "",
    year: int = 0,
) -> str:
    """The next formatted, gapless number of `kind` for a company, branch and year, taken in the
    caller's transaction (rolled back with it). `pattern` is a `str.format` pattern with the
    fields `{n}` (the counter), `{branch}` (the branch's code), `{year}` and `{kind}`, e.g.
    "QUO-{branch}-{year}-{n:05d}" -> "QUO-AMM-2027-00042". The counter is per branch only when
    the pattern names `{branch}`, and restarts each year only when it names `{year}`, so no two
    documents get the same number. KeyError for a pattern field that does not exist."""
    per_branch = "{branch" in pattern
    per_year = "{year" in pattern
    n = sequence_next(
        company_id=company_id,
        kind=kind,
        branch_id=branch_id if per_branch else 0,
        year=year if per_year else 0,
    )
    return pattern.format(n=n, branch=branch_code, year=year, kind=kind)


# --- the abstract models -----------------------------------------------------------------------


class Document(Transitions, models.Model):
    """A numbered business document of one company and branch that moves through statuses.

    A subclass sets `NUMBER_KIND`, `NUMBER_PATTERN`, `TRANSITIONS` (see `Transitions`), its
    `status` field with its choices and default, and has a `DocumentEvent` subclass whose
    foreign key `document` has `related_name="events"`. The number is given on the first save
    (`assign_number`), from the company, the branch and the year of the clock's today.
    """

    NUMBER_KIND: ClassVar[str] = ""
    if TYPE_CHECKING:
        company_id: int
        branch_id: int
    NUMBER_PATTERN: ClassVar[str] = "{kind}-{branch}-{year}-{n:05d}"

    company = models.ForeignKey(
        "org.Company",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("company"),
    )
    branch = models.ForeignKey(
        "org.Branch",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("branch"),
    )
    number = models.CharField(gettext_lazy("number"), max_length=40, blank=True, db_index=True)
    status = models.CharField(gettext_lazy("status"), max_length=20, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(
        gettext_lazy("created"), default=clock.now, editable=False, db_index=True
    )
    updated_at = models.DateTimeField(gettext_lazy("updated"), default=clock.now, editable=False)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number or f"{self._meta.verbose_name} {self.pk or '-'}"

    def save(self, *args, **kwargs) -> None:
        if not self.number:
            with transaction.atomic():
                self.assign_number()
                self._stamp_and_save(args, kwargs)
            return
        self._stamp_and_save(args, kwargs)

    def assign_number(self) -> str:
        """Give the document its number if it has none (in the caller's transaction)."""
        if not self.number:
            self.number = document_number_next(
                company_id=self.company_id,
                kind=self.NUMBER_KIND or str(self._meta.model_name),
                pattern=self.NUMBER_PATTERN,
                branch_id=self.branch_id,
                branch_code=self.branch.code,
                year=clock.today().year,
            )
        return self.number

    def _stamp_and_save(self, args, kwargs) -> None:
        self.updated_at = clock.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)


class DocumentEvent(models.Model):
    """One thing that happened to a document: who, when, which verb, from and to which status,
    a remark and structured data. A subclass adds `document = ForeignKey(<Document>,
    on_delete=CASCADE, related_name="events")`. Rows are written by `record_event` only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("by"),
    )
    at = models.DateTimeField(gettext_lazy("when"), default=clock.now, db_index=True)
    verb = models.CharField(gettext_lazy("action"), max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    remark = models.CharField(gettext_lazy("remark"), max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        abstract = True
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.verb}: {self.from_status or '-'} → {self.to_status or '-'}"
