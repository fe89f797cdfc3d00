"""A record's timeline: its field changes, event rows and what modules add, newest first, paged.

One timeline merges, for a record:

- the record's own change history (django-simple-history), always, when the model keeps one;
- a workflow document's event rows (`core.documents.DocumentEvent`, its `events`), always;
- the sources registered for its model with `register_source`: the history of child records
  (`history_source`), event rows such as lifecycle moves or document events (`event_source`), and
  later tasks, follow-ups, e-mails and approvals.

Every entry says who and when. Field changes name linked records only when the reader may view
them today (asked of `restrict`, once per kind of linked record and page): a hidden record, one
that no longer exists and one without an access entry point are "(not visible to you)".

A page costs the same number of queries however long the history is: each source reads at most
`size + 1` entries older than the cursor, and the page ends at the `size`-th newest of them all.
"""

import base64
import binascii
import datetime as dt
import inspect
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tawasul.core.pagination import MAX_CURSOR_LENGTH, InvalidCursor
from tawasul.core.widgets import HIDDEN_LABEL

# Where an entry stands in a timeline: its moment, then its source's label and its key there,
# which order entries of the same moment. Timelines run from the largest position down.
Position = tuple[dt.datetime, str, int]

HISTORY_KINDS = {"+": "created", "~": "changed", "-": "deleted"}
CHILD_KINDS = {"+": "added", "~": "changed", "-": "removed"}


@dataclass(frozen=True)
class Change:
    """One changed field: its label, and the values before and after (already readable text),
    or for a set the members added and removed."""

    field: Any
    old: Any = None
    new: Any = None
    added: tuple = ()
    removed: tuple = ()


@dataclass
class TimelineEntry:
    """One thing that happened to a record.

    `kind` is "created", "changed", "deleted" (the record itself), "added", "changed",
    "removed" (a child record, named by `subject`) or "event" (an event row, said by `title`).
    `who` is a user account, or None for the system. `source` and `key` order entries of the
    same moment (`key` is unique within a source).
    """

    when: dt.datetime
    source: str
    key: int
    who: Any = None
    kind: str = "event"
    subject: str = ""
    title: str = ""
    reason: str = ""
    changes: list[Change] = field(default_factory=list)

    @property
    def position(self) -> Position:
        return (self.when, self.source, self.key)

    @property
    def empty(self) -> bool:
        """A save that changed nothing: no event worth showing."""
        return self.kind == "changed" and not self.changes and not self.reason and not self.title


@dataclass
class TimelinePage:
    """Entries newest first, and the cursor of the next (older) page, None on the last."""

    entries: list[TimelineEntry]
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


class Source(Protocol):
    """What a timeline source answers: at most `limit` entries of `record` newest first, all
    older than `before` (None: from the newest), as `user` may see them."""

    def __call__(
        self, user, record: models.Model, *, before: Position | None, limit: int
    ) -> Iterable[TimelineEntry]: ...


_SOURCES: dict[str, list[Source]] = {}
# The kind of entries each source gives, for the timeline's filter: source -> kind key, and
# kind key -> its label. A source registered without a kind gives "changes", like the record's
# own history and its event rows.
CHANGES = "changes"
_SOURCE_KINDS: dict[Source, str] = {}
_KIND_LABELS: dict[str, Any] = {}


ANY_MODEL = "*"  # `register_source`'s label for a source of every record's timeline


def register_source(
    model_label: str, source: Callable, *, kind: str = CHANGES, kind_label: Any = None
) -> None:
    """Add `source` to the timelines of the records of `model_label` ("contacts.Contact"), or
    of every model's records with `ANY_MODEL` ("*": such a source answers nothing, without a
    query, for the models it has nothing about).

    A `Source` takes `before` and `limit` and reads only that page's rows. A plain
    `(user, record) -> iterable of TimelineEntry` is accepted too, for sources that are short
    by nature: its entries are sorted and cut here, so it is read whole for every page.
    Registering the same source twice for a model keeps one (start-up code may run twice).

    `kind` ("tasks", "notes"...) and its `kind_label` name what the source gives, so the page
    can show one kind at a time (`timeline(..., kind=)`); the default is "changes"."""
    parameters = inspect.signature(source).parameters
    if not {"before", "limit"} <= parameters.keys():
        source = _paged(source)
    sources = _SOURCES.setdefault(model_label.lower(), [])
    if source not in sources:
        sources.append(source)
    _SOURCE_KINDS[source] = kind
    if kind_label is not None:
        _KIND_LABELS[kind] = kind_label


def kinds_for(model: type[models.Model]) -> list[tuple[str, Any]]:
    """The kinds of entries `model`'s timeline can show, as (key, label): "changes" first
    (when the model keeps a history or has sources without a kind), then the others in the
    order their sources registered."""
    from django.utils.translation import gettext_lazy

    keys: list[str] = []
    if hasattr(model, "history") or document_events(model) is not None:
        keys.append(CHANGES)
    for source in sources_for(model):
        kind = _SOURCE_KINDS.get(source, CHANGES)
        if kind not in keys:
            keys.append(kind)
    labels = {CHANGES: gettext_lazy("Changes"), **_KIND_LABELS}
    return [(key, labels.get(key, key)) for key in keys]


class _paged:
    """A `(user, record)` source as a `Source` (equal for the same source, so kept once)."""

    def __init__(self, source: Callable) -> None:
        self.source = source

    def __eq__(self, other) -> bool:
        return isinstance(other, _paged) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)

    def __call__(self, user, record, *, before: Position | None, limit: int):
        entries = [e for e in self.source(user, record) if before is None or e.position < before]
        return sorted(entries, key=lambda e: e.position, reverse=True)[:limit]


def sources_for(model: type[models.Model]) -> list[Source]:
    """The sources registered for `model`, in the order they were registered, then those
    registered for every model."""
    return list(_SOURCES.get(model._meta.label_lower, [])) + list(_SOURCES.get(ANY_MODEL, []))


def encode_cursor(position: Position) -> str:
    when, source, key = position
    raw = json.dumps({"w": when.isoformat(), "s": source, "k": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    """The position a cursor from `encode_cursor` holds; InvalidCursor for anything else."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor("cursor too long")
    try:
        data = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        when = parse_datetime(data["w"])
        source, key = data["s"], data["k"]
    except (binascii.Error, ValueError, UnicodeError, RecursionError, KeyError, TypeError) as e:
        raise InvalidCursor(str(e)) from e
    if (
        when is None
        or timezone.is_naive(when)
        or not isinstance(source, str)
        or "\x00" in source
        or isinstance(key, bool)
        or not isinstance(key, int)
        or not -(2**63) <= key < 2**63
    ):
        raise InvalidCursor("malformed cursor")
    return (when, source, key)


def older_than(before: Position | None, source: str, when_field: str, key_field="pk") -> Q:
    """The condition for rows of `source` that come after `before` in a timeline (all rows
    when `before` is None), for a queryset ordered by `-when_field, -key_field`."""
    if before is None:
        return Q()
    when, other, key = before
    if source < other:
        return Q(**{f"{when_field}__lte": when})
    if source > other:
        return Q(**{f"{when_field}__lt": when})
    return Q(**{f"{when_field}__lt": when}) | Q(**{when_field: when, f"{key_field}__lt": key})


def timeline(
    user,
    record: models.Model,
    *,
    cursor: str | None = None,
    size: int = 25,
    kind: str | None = None,
):
    """One page of `record`'s timeline as `user` may see it: a `TimelinePage`.

    `cursor` is a page's `next_cursor` (None: the newest page); a cursor that cannot be read
    raises `tawasul.core.pagination.InvalidCursor`. Saves that changed nothing are left out, so
    a page may hold fewer than `size` entries and still have a next one. `kind` (a key of
    `kinds_for`) keeps the entries of that kind only; only its sources are asked.
    """
    before = decode_cursor(cursor) if cursor else None
    model = type(record)
    sources: list[Source] = [own_history] if hasattr(model, "history") else []
    events = document_events(model)
    if events is not None:
        sources.append(events)
    sources += sources_for(model)
    if kind:
        sources = [s for s in sources if _SOURCE_KINDS.get(s, CHANGES) == kind]
    entries = []
    for source in sources:
        for entry in source(user, record, before=before, limit=size + 1):
            if before is None or entry.position < before:
                entries.append(entry)
    entries.sort(key=lambda e: e.position, reverse=True)
    page = entries[:size]
    next_cursor = encode_cursor(page[-1].position) if len(entries) > size else None
    return TimelinePage([e for e in page if not e.empty], next_cursor)


# --- field changes -------------------------------------------------------------------------


def _field(model: type[models.Model], name: str) -> Any:
    """A field of `model` (a forward field or a relation's reverse side)."""
    return model._meta.get_field(name)


def _history(model: type[models.Model]) -> Any:
    """The django-simple-history manager of `model`."""
    return model.history  # type: ignore[attr-defined]


def link_labels(user, model: type[models.Model], changes: Iterable) -> dict:
    """Labels for the keys that changed in link fields, keyed `(related model, key)`, as
    `user` may see them today.

    `changes` are django-simple-history changes (`field`, `old`, `new`) of `model`. One query
    per kind of linked record, through `restrict(user, "view")`: a record the user may not
    view, one that no longer exists, and one without an access entry point (a user account)
    are labelled "(not visible to you)", never by name, even in entries written before the
    user's rights changed.
    """
    wanted: dict = {}
    for change in changes:
        model_field = _field(model, change.field)
        if model_field.is_relation and model_field.many_to_one:
            keys = wanted.setdefault(model_field.related_model, set())
            keys.update(v for v in (change.old, change.new) if v is not None)
    labels = {}
    for related, keys in wanted.items():
        manager = related._default_manager
        named = (
            {obj.pk: str(obj) for obj in manager.restrict(user, "view").filter(pk__in=keys)}
            if hasattr(manager, "restrict")
            else {}
        )
        for key in keys:
            labels[(related, key)] = named.get(key, str(HIDDEN_LABEL))
    return labels


def field_changes(model: type[models.Model], changes: Iterable, labels: dict) -> list[Change]:
    """History changes of `model` as `Change`s: links by their `link_labels`, choices by their
    display names, each field by its verbose name."""
    rows = []
    for change in changes:
        model_field = _field(model, change.field)
        old, new = change.old, change.new
        if model_field.is_relation and model_field.many_to_one:
            old = labels.get((model_field.related_model, old), old)
            new = labels.get((model_field.related_model, new), new)
        elif model_field.choices:
            display = dict(model_field.flatchoices)
            old, new = display.get(old, old), display.get(new, new)
        rows.append(Change(field=model_field.verbose_name, old=old, new=new))
    return rows


# --- sources -------------------------------------------------------------------------------


def history_entries(
    user,
    model: type[models.Model],
    rows: models.QuerySet,
    *,
    before: Position | None,
    limit: int,
    kinds: dict[str, str],
    subject: Callable[[Any], str] | None = None,
    excluded_fields: Iterable[str] = (),
    told_elsewhere: Iterable[str] = (),
) -> list[TimelineEntry]:
    """Timeline entries for history rows of `model` (`rows`, a filtered `model.history`), each
    change compared with the same record's version just before it. Three queries and one per
    kind of linked record changed, however many rows.

    Changes of `excluded_fields` are not compared; changes of `told_elsewhere` (a workflow's
    status, whose moves are event rows) and of fields that are not editable are left out, and
    a save that changed only those shows nothing."""
    source = f"{model._meta.label_lower}:history"
    pk_name = model._meta.pk.attname
    earlier = (
        _history(model)
        .filter(**{pk_name: OuterRef(pk_name)})
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    records = list(
        rows.filter(older_than(before, source, "history_date", "history_id"))
        .annotate(previous_id=Subquery(earlier))
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
    wanted = {r.previous_id for r in records if r.history_type == "~" and r.previous_id}
    previous = {r.history_id: r for r in records if r.history_id in wanted}
    missing = wanted - previous.keys()
    if missing:
        previous.update(_history(model).in_bulk(missing))
    excluded = list(excluded_fields)
    told = set(told_elsewhere)
    deltas, silent = {}, set()
    for record in records:
        before_record = previous.get(record.previous_id)
        if record.history_type == "~" and before_record is not None:
            changes = record.diff_against(
                before_record, excluded_fields=excluded, foreign_keys_are_objs=False
            ).changes
            # Fields no form edits (stamps such as `updated_at`) are bookkeeping, not news.
            kept = [c for c in changes if c.field not in told and _field(model, c.field).editable]
            if changes and not kept:
                silent.add(record.history_id)
            deltas[record.history_id] = kept
    labels = link_labels(user, model, [c for changes in deltas.values() for c in changes])
    return [
        TimelineEntry(
            when=record.history_date,
            source=source,
            key=record.history_id,
            who=record.history_user,
            kind=kinds[record.history_type],
            subject=subject(record) if subject else "",
            # A move told by its event row keeps its place in the pages, shown by the event.
            reason="" if record.history_id in silent else record.history_change_reason or "",
            changes=field_changes(model, deltas.get(record.history_id, []), labels),
        )
        for record in records
    ]


def own_history(user, record: models.Model, *, before: Position | None, limit: int):
    """The record's own change history: created, each change field by field, deleted.

    A workflow's status moves (`core.documents.Transitions`) are told by its event rows, so
    its status field is left out here."""
    model = type(record)
    rows = _history(model).filter(**{model._meta.pk.attname: record.pk})
    status = getattr(model, "STATUS_FIELD", None) if hasattr(model, "TRANSITIONS") else None
    return history_entries(
        user,
        model,
        rows,
        before=before,
        limit=limit,
        kinds=HISTORY_KINDS,
        told_elsewhere=[status] if status else [],
    )


def history_source(
    model: type[models.Model], link: str, *, subject: Callable[[Any], str] | None = None
) -> Source:
    """A source of the change history of `model`'s records linked to the timeline's record by
    the foreign key `link` (a contact's persons: `history_source(ContactPerson, "contact")`).

    Entries are "added", "changed", "removed", named by `subject(history_row)`; by default the
    model's name and the record's text ("contact person: Omar")."""
    attname = _field(model, link).attname

    def default_subject(row) -> str:
        return f"{model._meta.verbose_name}: {row.instance}"

    def source(user, record, *, before, limit):
        rows = _history(model).filter(**{attname: record.pk})
        return history_entries(
            user,
            model,
            rows,
            before=before,
            limit=limit,
            kinds=CHILD_KINDS,
            subject=subject or default_subject,
            excluded_fields=[link],
        )

    source.__qualname__ = f"history_source({model._meta.label}, {link!r})"
    return source


def event_source(
    model: type[models.Model],
    link: str,
    describe: Callable[[Any], dict],
    *,
    when: str = "at",
    who: str = "actor",
    condition: Q | None = None,
) -> Source:
    """A source of event rows of `model` (a lifecycle move, a document's event) linked to the
    timeline's record by the foreign key `link`, dated by `when` and signed by `who`.

    `describe(row)` gives the entry's text as keyword arguments of `TimelineEntry`: `title`,
    and optionally `reason`, `changes`, `subject`. `condition` leaves out the rows it does not
    match (rows that the record's history tells already)."""
    attname = _field(model, link).attname
    label = f"{model._meta.label_lower}:event"

    def source(user, record, *, before, limit):
        rows = (
            model._default_manager.filter(**{attname: record.pk})
            .filter(condition or Q())
            .filter(older_than(before, label, when))
            .select_related(who)
            .order_by(f"-{when}", "-pk")[:limit]
        )
        return [
            TimelineEntry(
                when=getattr(row, when),
                source=label,
                key=row.pk,
                who=getattr(row, who),
                kind="event",
                **describe(row),
            )
            for row in rows
        ]

    source.__qualname__ = f"event_source({model._meta.label}, {link!r})"
    return source


_DOCUMENT_EVENTS: dict[type[models.Model], Source | None] = {}


def document_events(model: type[models.Model]) -> Source | None:
    """The source of a workflow document's event rows (a `core.documents.Document` whose
    `DocumentEvent` subclass links to it as `events`), or None for other models. Each event is
    its verb, the move from status to status by the status' names, and its remark."""
    if model not in _DOCUMENT_EVENTS:
        source = None
        status_name = getattr(model, "STATUS_FIELD", None)
        try:
            relation = _field(model, "events")
        except FieldDoesNotExist:
            relation = None
        if status_name and relation is not None and relation.one_to_many:
            status = _field(model, status_name)
            names = dict(status.flatchoices)

            def describe(row) -> dict:
                changes = []
                if row.to_status:
                    changes.append(
                        Change(
                            field=status.verbose_name,
                            old=names.get(row.from_status, row.from_status) or None,
                            new=names.get(row.to_status, row.to_status),
                        )
                    )
                verb = row.verb.replace("_", " ")
                return {
                    "title": verb[:1].upper() + verb[1:],
                    "reason": row.remark,
                    "changes": changes,
                }

            source = event_source(relation.related_model, relation.field.name, describe)
        _DOCUMENT_EVENTS[model] = source
    return _DOCUMENT_EVENTS[model]
