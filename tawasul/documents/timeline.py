"""Files and notes in every attachable record's timeline (`core.timeline`, registered for every
model): "File “contract.pdf” uploaded", "File “contract.pdf” version 2 uploaded", "Note added:
“…”", each with who and when, from the history rows, so removed files and notes stay told.

Each source reads one page of history rows (at most `limit`, older than `before`): one query,
and one more for the notes, to quote only notes that still exist. A user without the module's
permission sees none of these entries; the timeline itself is only shown for a record the user
may view.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext as _

from tawasul.core.access import NONE, access_scope
from tawasul.core.timeline import TimelineEntry, older_than

from .models import Document, Note
from .selectors import is_attachable

FILE_SOURCE = "documents.document:history"
NOTE_SOURCE = "documents.note:history"
QUOTE_LENGTH = 140


def _isolated(text: str) -> str:
    """`text` in Unicode isolates (FSI … PDI): an Arabic name keeps its direction inside an
    English sentence, and the other way round."""
    return f"\u2068{text}\u2069"


def _rows(model: type[models.Model], user, record: models.Model, source: str, before, limit):
    if not is_attachable(type(record)) or access_scope(user, model, "view") == NONE:
        return []
    history = model.history  # type: ignore[attr-defined]
    return list(
        history.filter(
            content_type_id=ContentType.objects.get_for_model(type(record)).pk,
            object_id=record.pk,
        )
        .filter(older_than(before, source, "history_date", "history_id"))
        .select_related("history_user__employee")
        .order_by("-history_date", "-history_id")[:limit]
    )


def file_entries(user, record: models.Model, *, before, limit: int) -> list[TimelineEntry]:
    """Uploads, new versions and removals of the record's files."""
    entries = []
    for row in _rows(Document, user, record, FILE_SOURCE, before, limit):
        name = _isolated(row.title or row.file_name)
        if row.history_type == "-":
            title = _("File “%(name)s” removed") % {"name": name}
        elif row.history_type == "+" or row.version_count <= 1:
            title = _("File “%(name)s” uploaded") % {"name": name}
        else:
            title = _("File “%(name)s” version %(number)s uploaded") % {
                "name": name,
                "number": row.version_count,
            }
        entries.append(
            TimelineEntry(
                when=row.history_date,
                source=FILE_SOURCE,
                key=row.history_id,
                who=row.history_user,
                kind="event",
                title=title,
            )
        )
    return entries


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_LENGTH else text[: QUOTE_LENGTH - 1] + "…"


def note_entries(user, record: models.Model, *, before, limit: int) -> list[TimelineEntry]:
    """Notes added, edited and deleted; a note that still exists is quoted."""
    rows = _rows(Note, user, record, NOTE_SOURCE, before, limit)
    ids = {row.id for row in rows}
    existing = set(Note.objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    entries = []
    for row in rows:
        title = {"+": _("Note added"), "~": _("Note edited"), "-": _("Note deleted")}[
            row.history_type
        ]
        if row.history_type != "-" and row.id in existing:
            title = f"{title}: “{_isolated(_quote(row.body))}”"
        entries.append(
            TimelineEntry(
                when=row.history_date,
                source=NOTE_SOURCE,
                key=row.history_id,
                who=row.history_user,
                kind="event",
                title=title,
            )
        )
    return entries
