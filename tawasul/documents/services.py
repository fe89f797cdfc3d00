"""Writes of attachments and notes: each in one transaction, checked against the parent record.

Who may do what (deny by default; the user guide says the same):

| write | the module's permission | on the parent record |
|---|---|---|
| attach a file | `documents.add_document` | change |
| upload a new version | `documents.add_document` | change |
| delete an attachment | `documents.delete_document` | change |
| add a note | `documents.add_note` | view |
| edit or delete one's own note | `documents.add_note` | view |
| edit or delete someone else's note | `documents.change_note` / `delete_note` | change |

A file changes what a record holds, so it takes the right to change the record; a note is a
remark about it, which anyone who may see the record and write notes may leave.

An upload is refused at its field (`file`) when it is empty, larger than
`ATTACHMENT_MAX_BYTES`, or not one of `ATTACHMENT_TYPES` as read from its content; nothing is
stored then. A stored file that its transaction does not keep is deleted again.
"""

import hashlib
import os
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tawasul.core import clock
from tawasul.core.access import verify_within
from tawasul.core.cleaning import MESSAGE as CONTROL_MESSAGE
from tawasul.core.cleaning import bad_characters, clean_text, describe
from tawasul.core.history import stamp_history
from tawasul.core.types import Actor

from .filetypes import KINDS, FileKind, sniff
from .models import Document, DocumentVersion, Note
from .selectors import is_attachable

NAME_LIMIT = 255
TITLE_LIMIT = 200
NOTE_LIMIT = 10000


# --- checks -------------------------------------------------------------------------------------


def _parent_allows(actor: Actor, record: models.Model, action: str) -> bool:
    if actor is None:
        return True
    manager: Any = type(record)._default_manager
    return manager.restrict(actor, action).filter(pk=record.pk).exists()


def _require_parent(actor: Actor, record: models.Model, action: str) -> None:
    """The record takes attachments and `actor` may `action` it; else refused."""
    if not is_attachable(type(record)) or record.pk is None:
        raise ValidationError({"record": _("Files and notes cannot be added to this record.")})
    if not _parent_allows(actor, record, action):
        raise PermissionDenied(_("You may not change this record."))


def _require_perm(actor: Actor, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))


def _parent_company_id(record: models.Model) -> int:
    path = getattr(type(record), "access_company_path", "company")
    if path == "company":
        return record.company_id  # type: ignore[attr-defined]
    manager: Any = type(record)._base_manager
    return manager.filter(pk=record.pk).values_list(path, flat=True).get()


def _parent(record_or_row: Any) -> models.Model:
    """The parent record of a document or note (loaded without access checks)."""
    model = record_or_row.content_type.model_class()
    return model._base_manager.get(pk=record_or_row.object_id)


def _account(actor: Actor) -> Any:
    """The user to name as author or uploader: a saved account, else nobody (the system)."""
    return actor if getattr(actor, "pk", None) else None


# --- uploads --------------------------------------------------------------------------------------


def clean_file_name(name: str) -> str:
    """The uploaded file's name as it may be shown: its last path part only, without control
    or disguising characters, at most 255 characters (the extension kept), never empty."""
    base = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = " ".join(clean_text(base).split()).strip(" .")
    if len(base) > NAME_LIMIT:
        stem, ext = os.path.splitext(base)
        ext = ext[:20]
        base = stem[: NAME_LIMIT - len(ext)] + ext
    return base or _("file")


def allowed_kinds() -> list[FileKind]:
    """The kinds of file this installation accepts (`ATTACHMENT_TYPES`)."""
    return [KINDS[key] for key in settings.ATTACHMENT_TYPES if key in KINDS]


def read_upload(upload: Any) -> tuple[bytes, str, FileKind]:
    """The bytes, cleaned name and kind of an uploaded file; ValidationError at `file` when it
    is missing, empty, too large or of a kind not accepted."""
    if upload is None:
        raise ValidationError({"file": _("Choose a file.")})
    limit = settings.ATTACHMENT_MAX_BYTES
    too_big = ValidationError(
        {
            "file": _("The file is too large: the limit is %(size)s.")
            % {"size": filesizeformat(limit)}
        }
    )
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise too_big
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_big
    if not data:
        raise ValidationError({"file": _("The file is empty.")})
    name = clean_file_name(getattr(upload, "name", ""))
    kind = sniff(data, name)
    if kind is None or kind.key not in settings.ATTACHMENT_TYPES:
        accepted = ", ".join(k.extensions[0].lstrip(".").upper() for k in allowed_kinds())
        raise ValidationError(
            {
                "file": _(
                    "This kind of file is not accepted. Accepted: %(kinds)s (the content is "
                    "checked, not the name)."
                )
                % {"kinds": accepted}
            }
        )
    return data, name, kind


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    found = bad_characters(title)
    if found:
        raise ValidationError({"title": CONTROL_MESSAGE % {"char": describe(found[0])}})
    if len(title) > TITLE_LIMIT:
        raise ValidationError(
            {"title": _("At most %(limit)s characters.") % {"limit": TITLE_LIMIT}}
        )
    return title


def _describe_file(document: Document, data: bytes, name: str, kind: FileKind) -> None:
    """Copy what lists and the timeline show of the new current file onto `document`."""
    document.version_count += 1
    document.file_name = name
    document.size = len(data)
    document.media_type = kind.media_type


def _store_version(
    actor: Actor, document: Document, data: bytes, name: str, kind: FileKind, stored: list
) -> DocumentVersion:
    """Store the file (encrypted, under an opaque name) as `document`'s version numbered
    `document.version_count`, and make it the current one. The stored name is added to
    `stored`, so that a transaction that does not commit deletes the file again."""
    version = DocumentVersion(
        document=document,
        number=document.version_count,
        original_name=name,
        size=len(data),
        media_type=kind.media_type,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=_account(actor),
        uploaded_at=clock.now(),
    )
    version.file.save("upload", ContentFile(data), save=False)
    stored.append(version.file.name)
    version.full_clean(exclude=["file"])
    version.save()
    # Not a change anyone made: the history leaves the pointer out (no second history row).
    Document.objects.filter(pk=document.pk).update(current_version=version)
    document.current_version = version
    return version


def _with_stored_files(work):
    """Run `work(stored)` in a transaction; the files it stored (their names added to
    `stored`) are deleted again if the transaction does not commit."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            return work(stored)
    except BaseException:
        storage = DocumentVersion._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)
        raise


def attachment_add(*, actor: Actor, record: models.Model, upload: Any, title: str = "") -> Document:
    """Attach an uploaded file to `record` as a new document (its version 1)."""
    _require_perm(actor, "documents.add_document")
    title = _clean_title(title)
    data, name, kind = read_upload(upload)

    def work(stored: list) -> Document:
        _require_parent(actor, record, "change")
        document = Document(
            company_id=_parent_company_id(record),
            content_type=ContentType.objects.get_for_model(type(record)),
            object_id=record.pk,
            title=title,
            created_by=_account(actor),
        )
        _describe_file(document, data, name, kind)
        stamp_history(document, actor)
        document.save()
        verify_within(actor, document, "add")
        _store_version(actor, document, data, name, kind, stored)
        return document

    return _with_stored_files(work)


def attachment_add_version(*, actor: Actor, document: Document, upload: Any) -> DocumentVersion:
    """Upload a new version of `document`; it becomes the current one."""
    _require_perm(actor, "documents.add_document")
    data, name, kind = read_upload(upload)

    def work(stored: list) -> DocumentVersion:
        locked = Document.objects.select_for_update().get(pk=document.pk)
        _require_parent(actor, _parent(locked), "change")
        verify_within(actor, locked, "add")
        _describe_file(locked, data, name, kind)
        stamp_history(locked, actor)
        locked.save()
        return _store_version(actor, locked, data, name, kind, stored)

    version = _with_stored_files(work)
    document.refresh_from_db()
    return version


def attachment_delete(*, actor: Actor, document: Document) -> None:
    """Delete `document` with every version; the stored files go once the deletion commits."""
    _require_perm(actor, "documents.delete_document")
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        _require_parent(actor, _parent(locked), "change")
        verify_within(actor, locked, "delete")
        names = list(locked.versions.values_list("file", flat=True))
        storage = DocumentVersion._meta.get_field("file").storage
        stamp_history(locked, actor)
        locked.delete()

        def remove() -> None:
            for name in names:
                storage.delete(name)

        transaction.on_commit(remove)


# --- notes --------------------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the note.")})
    found = bad_characters(body, multiline=True)
    if found:
        raise ValidationError({"body": CONTROL_MESSAGE % {"char": describe(found[0])}})
    if len(body) > NOTE_LIMIT:
        raise ValidationError({"body": _("At most %(limit)s characters.") % {"limit": NOTE_LIMIT}})
    return body


def note_add(*, actor: Actor, record: models.Model, body: str) -> Note:
    """Write a note on `record`."""
    _require_perm(actor, "documents.add_note")
    body = _clean_body(body)
    with transaction.atomic():
        _require_parent(actor, record, "view")
        note = Note(
            company_id=_parent_company_id(record),
            content_type=ContentType.objects.get_for_model(type(record)),
            object_id=record.pk,
            body=body,
            author=_account(actor),
        )
        stamp_history(note, actor)
        note.save()
        verify_within(actor, note, "add")
    return note


def can_edit_note(user, note: Note, action: str = "change") -> bool:
    """Whether `user` may edit (`change`) or delete (`delete`) `note`, its parent aside: the
    author with `add_note`, anyone else with `<action>_note`."""
    if user is None:
        return True
    if note.author_id is not None and note.author_id == user.pk:
        return user.has_perm("documents.add_note")
    return user.has_perm(f"documents.{action}_note")


def _require_note_right(actor: Actor, note: Note, action: str) -> None:
    if not can_edit_note(actor, note, action):
        raise PermissionDenied(_("You may not change this note."))
    own = actor is not None and note.author_id == actor.pk
    _require_parent(actor, _parent(note), "view" if own else "change")
    if actor is not None:
        verify_within(actor, note, "view")


def note_edit(*, actor: Actor, note: Note, body: str) -> Note:
    """Change the text of `note` (its history keeps every earlier text)."""
    body = _clean_body(body)
    with transaction.atomic():
        locked = Note.objects.select_for_update().get(pk=note.pk)
        _require_note_right(actor, locked, "change")
        if locked.body != body:
            locked.body = body
            locked.edited_at = clock.now()
            stamp_history(locked, actor)
            locked.save()
    return locked


def note_delete(*, actor: Actor, note: Note) -> None:
    """Delete `note` (its history keeps who deleted it and when)."""
    with transaction.atomic():
        locked = Note.objects.select_for_update().get(pk=note.pk)
        _require_note_right(actor, locked, "delete")
        stamp_history(locked, actor)
        locked.delete()
