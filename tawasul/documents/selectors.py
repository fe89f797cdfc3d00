"""Reads of attachments and notes, deny by default.

A document or note is visible to a user exactly when all of these hold:
- the user holds the module's permission (`documents.view_document`, `documents.view_note`)
  and works for the record's company (`Model.objects.restrict`, as for any company record);
- its parent record is one the user may view (`<parent model>.objects.restrict(user, "view")`).
Both are in the same query (the parent's rule as a subquery), so nothing is read first and
filtered after: a page of attachments costs one query whatever the rules are.

Parents are the records of governed models (`tawasul.access.registry.govern`): records with
record rules and a page of their own. Other models take no attachments.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.http import Http404

from tawasul.access.registry import all_governed, governed
from tawasul.core.access import (
    NONE,
    access_scope,
    get_restricted_or_404,
    log_denial,
    record_exists,
)
from tawasul.core.timeline import Position, older_than

from .models import Document, DocumentVersion, Note


def attachable_models() -> list[type[models.Model]]:
    """The models whose records take attachments and notes: the governed ones."""
    return [entry.model for entry in all_governed()]


def is_attachable(model: type[models.Model]) -> bool:
    return governed(model) is not None


def parent_model(label: str) -> type[models.Model] | None:
    """The attachable model named "app_label.model" (any case), or None."""
    entry = governed(str(label).lower()) if label else None
    return entry.model if entry is not None else None


def model_label(model: type[models.Model]) -> str:
    """ "app_label.model", as URLs and the API name a kind of parent."""
    return model._meta.label_lower


def _parent_rows(user, model: type[models.Model], action: str = "view") -> models.QuerySet:
    manager: Any = model._default_manager
    return manager.restrict(user, action)


def visible_parents(user, content_type: ContentType, ids: Iterable[int]) -> set[int]:
    """The keys among `ids` of records of `content_type` that `user` may view (one query)."""
    model = content_type.model_class()
    if model is None or not is_attachable(model):
        return set()
    keys = [key for key in ids if key is not None]
    if not keys:
        return set()
    return set(_parent_rows(user, model).filter(pk__in=keys).values_list("pk", flat=True))


def parent_or_404(user, label: str, pk: Any, action: str = "view") -> models.Model:
    """The attachable record `label`/`pk` if `user` may `action` it; 404 alike for a missing,
    a forbidden and a non-attachable one."""
    model = parent_model(label)
    if model is None:
        raise Http404("No such kind of record.")
    return get_restricted_or_404(model._default_manager.all(), user, action, pk=pk)


def _parent_condition(user) -> Q | None:
    """Rows whose parent `user` may view, over every attachable model (None: no model)."""
    condition = None
    for model in attachable_models():
        content_type = ContentType.objects.get_for_model(model)
        part = Q(content_type=content_type, object_id__in=_parent_rows(user, model).values("pk"))
        condition = part if condition is None else condition | part
    return condition


def documents_visible(*, user) -> models.QuerySet[Document]:
    """Every attachment `user` may view, over all records."""
    condition = _parent_condition(user)
    rows = Document.objects.restrict(user, "view")
    return rows.none() if condition is None else rows.filter(condition)


def notes_visible(*, user) -> models.QuerySet[Note]:
    """Every note `user` may view, over all records."""
    condition = _parent_condition(user)
    rows = Note.objects.restrict(user, "view")
    return rows.none() if condition is None else rows.filter(condition)


def _of_record(rows: models.QuerySet, user, record: models.Model) -> models.QuerySet:
    model = type(record)
    if not is_attachable(model):
        return rows.none()
    return rows.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id=record.pk,
        # The parent's own rule, in the same query: nothing of a hidden record is read.
        object_id__in=_parent_rows(user, model).filter(pk=record.pk).values("pk"),
    )


def attachments_for(user, record: models.Model) -> models.QuerySet[Document]:
    """The attachments of `record` that `user` may view, newest first (none if the record is
    hidden from them)."""
    rows = Document.objects.restrict(user, "view").select_related("created_by__employee")
    return _of_record(rows, user, record).order_by("-created_at", "-id")


def notes_for(user, record: models.Model) -> models.QuerySet[Note]:
    """The notes of `record` that `user` may view, newest first."""
    rows = Note.objects.restrict(user, "view").select_related("author__employee")
    return _of_record(rows, user, record).order_by("-created_at", "-id")


def version_for_download(*, user, pk: Any) -> DocumentVersion:
    """The version `pk` if `user` may view its attachment and the attachment's record; 404
    alike for missing and forbidden (a forbidden one is logged as a denied attempt)."""
    document_ids = documents_visible(user=user).values("pk")
    try:
        return DocumentVersion.objects.select_related("document").get(
            pk=pk, document__in=document_ids
        )
    except (DocumentVersion.DoesNotExist, ValueError, TypeError):
        if record_exists(DocumentVersion, pk):
            log_denial(user=user, model=DocumentVersion, object_id=pk, action="view")
        raise Http404("No such file.") from None


def document_or_404(*, user, pk: Any, action: str = "view") -> Document:
    """The attachment `pk` if `user` may view it (and `action` it); 404 alike otherwise."""
    rows = Document.objects.filter(pk__in=documents_visible(user=user).values("pk"))
    return get_restricted_or_404(rows, user, action, pk=pk)


def note_or_404(*, user, pk: Any) -> Note:
    """The note `pk` if `user` may view it; 404 alike otherwise."""
    rows = Note.objects.filter(pk__in=notes_visible(user=user).values("pk"))
    return get_restricted_or_404(rows, user, "view", pk=pk)


# --- the panel: files and notes of one record, newest first, in pages ---------------------------

FILES, NOTES = "files", "notes"
KINDS = (FILES, NOTES)
_SOURCE = {FILES: "documents.document", NOTES: "documents.note"}


@dataclass
class PanelItem:
    """One file or note of the panel: its kind, row and where it stands in the pages."""

    kind: str
    row: Any
    can_change: bool = False  # set by the page: a new version, or editing a note
    can_delete: bool = False

    @property
    def position(self) -> Position:
        return (self.row.created_at, _SOURCE[self.kind], self.row.pk)


def record_feed(
    user, record: models.Model, *, kinds: Iterable[str] = KINDS, before=None, limit: int = 20
) -> tuple[list[PanelItem], Position | None]:
    """One page of `record`'s files and notes (of `kinds`), newest first, older than `before`,
    and the position of the last one shown when there are more (else None). One query per
    kind, with the versions of the files prefetched (one more)."""
    items: list[PanelItem] = []
    wanted = [kind for kind in KINDS if kind in set(kinds)]
    if FILES in wanted and access_scope(user, Document, "view") != NONE:
        documents = attachments_for(user, record).select_related("current_version")
        documents = documents.filter(older_than(before, _SOURCE[FILES], "created_at", "pk"))
        items += [PanelItem(FILES, row) for row in documents[: limit + 1]]
    if NOTES in wanted and access_scope(user, Note, "view") != NONE:
        notes = notes_for(user, record).filter(older_than(before, _SOURCE[NOTES], "created_at"))
        items += [PanelItem(NOTES, row) for row in notes[: limit + 1]]
    items.sort(key=lambda item: item.position, reverse=True)
    page = items[:limit]
    files = [item.row for item in page if item.kind == FILES]
    if files:
        models.prefetch_related_objects(files, "versions__uploaded_by__employee")
    more = page[-1].position if len(items) > limit else None
    return page, more


def record_counts(user, record: models.Model) -> dict[str, int]:
    """How many files and notes of `record` `user` may view: one query per kind (none for a
    kind the user may not view)."""
    counts = {FILES: 0, NOTES: 0}
    if access_scope(user, Document, "view") != NONE:
        counts[FILES] = attachments_for(user, record).count()
    if access_scope(user, Note, "view") != NONE:
        counts[NOTES] = notes_for(user, record).count()
    return counts
