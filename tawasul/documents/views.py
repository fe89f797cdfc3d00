"""Pages of files and notes: the panel of a record (its tab on the record's page), the writes
posted from it with htmx, and the download of a file.

Every request reads the parent record through its own access rule first (404 alike for a
missing and a hidden record), so nothing of a hidden record is shown, written or served: not
its files, not their names.
"""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View

from tawasul.core.access import NONE, access_scope
from tawasul.core.cleaning import parse_id
from tawasul.core.errors import apply_error
from tawasul.core.pagination import InvalidCursor
from tawasul.core.records import Tab
from tawasul.core.timeline import decode_cursor, encode_cursor

from . import selectors, services
from .filetypes import BY_MEDIA_TYPE, download_name
from .forms import AttachmentForm, NoteForm, VersionForm
from .models import Document, Note
from .selectors import FILES, KINDS, NOTES

PAGE_SIZE = 20


def _key(value: Any) -> int:
    key = parse_id(value)
    if key is None:
        raise Http404("Not a record key.")
    return key


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def _parent_of(request, row: Document | Note) -> models.Model:
    """The record `row` is on, read through its access rule (404 if hidden)."""
    label = f"{row.content_type.app_label}.{row.content_type.model}"
    return selectors.parent_or_404(request.user, label, row.object_id)


def _form_errors(form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


# --- the panel ------------------------------------------------------------------------------------


@dataclass
class Panel:
    """What `documents/_panel.html` shows of one record for one user."""

    record: models.Model
    label: str
    kind: str  # "files", "notes" or "" (both)
    kinds: list[str]
    slot: str = ""  # which tab holds the panel (its element's id), kept across its requests
    items: list = field(default_factory=list)
    next_cursor: str | None = None
    error: str = ""
    notice: str = ""
    can_attach: bool = False
    can_note: bool = False
    attachment_form: Any = None
    note_form: Any = None

    @property
    def id(self) -> str:
        return f"documents-panel-{self.slot or 'all'}"

    @property
    def url(self) -> str:
        return reverse("documents:panel", args=[self.label, self.record.pk])

    def _query(self, **extra) -> str:
        query = {"kind": self.kind, "slot": self.slot, **extra}
        return self.url + "?" + urlencode({k: v for k, v in query.items() if v})

    @property
    def more_url(self) -> str:
        return self._query(before=self.next_cursor or "")

    @property
    def max_mb(self) -> str:
        return f"{settings.ATTACHMENT_MAX_BYTES / (1024 * 1024):g}"

    @property
    def attach_url(self) -> str:
        return reverse("documents:attachment_add", args=[self.label, self.record.pk])

    @property
    def note_url(self) -> str:
        return reverse("documents:note_add", args=[self.label, self.record.pk])

    @property
    def filters(self) -> list[tuple[str, str, bool]]:
        """(address, label, shown now) of each choice of what to show."""
        names = {"": _("All"), FILES: _("Files"), NOTES: _("Notes")}
        if len(self.kinds) < 2:
            return []
        return [
            (
                self.url + "?" + urlencode({"kind": kind, "slot": self.slot}),
                str(names[kind]),
                kind == self.kind,
            )
            for kind in ("", *self.kinds)
        ]


def _visible_kinds(user) -> list[str]:
    kinds = []
    if access_scope(user, Document, "view") != NONE:
        kinds.append(FILES)
    if access_scope(user, Note, "view") != NONE:
        kinds.append(NOTES)
    return kinds


def build_panel(
    request,
    record: models.Model,
    *,
    kind: str = "",
    slot: str = "",
    cursor: str | None = None,
    attachment_form=None,
    note_form=None,
) -> Panel:
    """The panel of `record` (which the caller read through its access rule) for the request's
    user: one page of files and notes newest first, and the forms the user may use."""
    user = request.user
    kinds = _visible_kinds(user)
    if not kinds:
        raise PermissionDenied
    kind = kind if kind in kinds else ""
    panel = Panel(
        record=record,
        label=selectors.model_label(type(record)),
        kind=kind,
        kinds=kinds,
        slot=slot if slot in KINDS else "",
    )
    before = None
    if cursor:
        try:
            before = decode_cursor(cursor)
        except InvalidCursor:
            panel.error = _("That page link is no longer valid; reload the page.")
            return panel
    items, more = selectors.record_feed(
        user, record, kinds=[kind] if kind else kinds, before=before, limit=PAGE_SIZE
    )
    panel.items = items
    panel.next_cursor = encode_cursor(more) if more else None
    parent_change: bool | None = None

    def may_change_parent() -> bool:
        nonlocal parent_change
        if parent_change is None:
            parent_change = services._parent_allows(user, record, "change")
        return parent_change

    show_files = FILES in kinds and kind in ("", FILES)
    show_notes = NOTES in kinds and kind in ("", NOTES)
    panel.can_attach = (
        show_files and user.has_perm("documents.add_document") and may_change_parent()
    )
    panel.can_note = show_notes and user.has_perm("documents.add_note")
    can_delete_files = user.has_perm("documents.delete_document") and (
        any(item.kind == FILES for item in items) and may_change_parent()
    )
    for item in items:
        if item.kind == FILES:
            item.can_change = panel.can_attach
            item.can_delete = can_delete_files
        else:
            own = item.row.author_id is not None and item.row.author_id == user.pk
            item.can_change = services.can_edit_note(user, item.row, "change") and (
                own or may_change_parent()
            )
            item.can_delete = services.can_edit_note(user, item.row, "delete") and (
                own or may_change_parent()
            )
    if panel.can_attach:
        panel.attachment_form = attachment_form or AttachmentForm()
    if panel.can_note:
        panel.note_form = note_form or NoteForm()
    return panel


def record_tabs(request, record: models.Model) -> list[Tab]:
    """The "Files" and "Notes" tabs of an attachable record's page (`registry.record_tab`):
    their panes load the panel when opened; their counts cost one query each."""
    if not selectors.is_attachable(type(record)):
        return []
    kinds = _visible_kinds(request.user)
    if not kinds:
        return []
    counts = selectors.record_counts(request.user, record)
    label = selectors.model_label(type(record))
    url = reverse("documents:panel", args=[label, record.pk])
    names = {FILES: ("documents", _("Files")), NOTES: ("notes", _("Notes"))}
    return [
        Tab(
            names[kind][0],
            names[kind][1],
            count=counts[kind],
            template="documents/_tab.html",
            context={"url": f"{url}?kind={kind}&slot={kind}", "kind": kind},
        )
        for kind in kinds
    ]


class RecordPanelView(LoginRequiredMixin, View):
    """A record's files and notes: the tab's content (htmx), its older pages, or a page of its
    own without JavaScript."""

    def get(self, request, model: str, pk: str):
        record = selectors.parent_or_404(request.user, model, _key(pk))
        kind = request.GET.get("kind", "")
        cursor = request.GET.get("before") or None
        slot = request.GET.get("slot", "")
        panel = build_panel(request, record, kind=kind, slot=slot, cursor=cursor)
        target = request.htmx.target if _is_htmx(request) else None
        if cursor and target == f"{panel.id}-more":
            return TemplateResponse(request, "documents/_panel_items.html", {"panel": panel})
        if _is_htmx(request):
            return TemplateResponse(request, "documents/_panel.html", {"panel": panel})
        return TemplateResponse(request, "documents/panel_page.html", {"panel": panel})


class _PanelWrite(LoginRequiredMixin, View):
    """A write posted from the panel: on success the panel again (htmx) or a redirect to it;
    on refusal the panel with the message at the form's field."""

    def respond(self, request, record, *, kind: str, message: str = "", error: str = "", **forms):
        if not _is_htmx(request) and not forms and not error:
            if message:
                messages.success(request, message)
            url = reverse("documents:panel", args=[selectors.model_label(type(record)), record.pk])
            return redirect(f"{url}?kind={kind}" if kind else url)
        slot = request.POST.get("panel_slot", "")
        panel = build_panel(request, record, kind=kind, slot=slot, **forms)
        panel.notice, panel.error = message, error or panel.error
        template = "documents/_panel.html" if _is_htmx(request) else "documents/panel_page.html"
        return TemplateResponse(request, template, {"panel": panel})

    def kind(self, request) -> str:
        kind = request.POST.get("panel_kind", "")
        return kind if kind in KINDS else ""


class AttachmentAddView(_PanelWrite):
    def post(self, request, model: str, pk: str):
        record = selectors.parent_or_404(request.user, model, _key(pk))
        form = AttachmentForm(request.POST, request.FILES)
        kind = self.kind(request)
        if form.is_valid():
            try:
                document = services.attachment_add(
                    actor=request.user,
                    record=record,
                    upload=form.cleaned_data["file"],
                    title=form.cleaned_data["title"],
                )
            except ValidationError as exc:
                apply_error(form, exc)
            except PermissionDenied:
                raise Http404 from None
            else:
                return self.respond(
                    request, record, kind=kind, message=_("“%s” attached.") % document
                )
        return self.respond(request, record, kind=kind, attachment_form=form)


class AttachmentVersionView(_PanelWrite):
    def post(self, request, pk: str):
        document = selectors.document_or_404(user=request.user, pk=_key(pk))
        record = _parent_of(request, document)
        form = VersionForm(request.POST, request.FILES)
        kind = self.kind(request)
        if form.is_valid():
            try:
                version = services.attachment_add_version(
                    actor=request.user, document=document, upload=form.cleaned_data["file"]
                )
            except ValidationError as exc:
                return self.respond(request, record, kind=kind, error=" ".join(exc.messages))
            except PermissionDenied:
                raise Http404 from None
            return self.respond(
                request,
                record,
                kind=kind,
                message=_("Version %(number)s of “%(name)s” uploaded.")
                % {"number": version.number, "name": document},
            )
        return self.respond(request, record, kind=kind, error=_form_errors(form))


class AttachmentDeleteView(_PanelWrite):
    def post(self, request, pk: str):
        document = selectors.document_or_404(user=request.user, pk=_key(pk))
        record = _parent_of(request, document)
        name = str(document)
        try:
            services.attachment_delete(actor=request.user, document=document)
        except PermissionDenied:
            raise Http404 from None
        return self.respond(
            request, record, kind=self.kind(request), message=_("“%s” deleted.") % name
        )


class NoteAddView(_PanelWrite):
    def post(self, request, model: str, pk: str):
        record = selectors.parent_or_404(request.user, model, _key(pk))
        form = NoteForm(request.POST)
        kind = self.kind(request)
        if form.is_valid():
            try:
                services.note_add(actor=request.user, record=record, body=form.cleaned_data["body"])
            except ValidationError as exc:
                apply_error(form, exc)
            except PermissionDenied:
                raise Http404 from None
            else:
                return self.respond(request, record, kind=kind, message=_("Note added."))
        return self.respond(request, record, kind=kind, note_form=form)


class NoteEditView(_PanelWrite):
    def post(self, request, pk: str):
        note = selectors.note_or_404(user=request.user, pk=_key(pk))
        record = _parent_of(request, note)
        form = NoteForm(request.POST)
        kind = self.kind(request)
        if form.is_valid():
            try:
                services.note_edit(actor=request.user, note=note, body=form.cleaned_data["body"])
            except ValidationError as exc:
                return self.respond(request, record, kind=kind, error=" ".join(exc.messages))
            except PermissionDenied:
                raise Http404 from None
            return self.respond(request, record, kind=kind, message=_("Note saved."))
        return self.respond(request, record, kind=kind, error=_form_errors(form))


class NoteDeleteView(_PanelWrite):
    def post(self, request, pk: str):
        note = selectors.note_or_404(user=request.user, pk=_key(pk))
        record = _parent_of(request, note)
        try:
            services.note_delete(actor=request.user, note=note)
        except PermissionDenied:
            raise Http404 from None
        return self.respond(request, record, kind=self.kind(request), message=_("Note deleted."))


# --- the download -------------------------------------------------------------------------------


def content_disposition(name: str) -> str:
    """`attachment` with the name quoted for any browser: an ASCII stand-in, then the UTF-8
    name (RFC 6266 / 5987). The name is only a suggestion to the browser, never a path here."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(version) -> FileResponse:
    """The decrypted file of `version`, streamed as a download (the caller checked access)."""
    kind = BY_MEDIA_TYPE.get(version.media_type)
    response = FileResponse(
        version.file.open("rb"), content_type=version.media_type or "application/octet-stream"
    )
    response["Content-Disposition"] = content_disposition(
        download_name(version.original_name, kind)
    )
    response["Content-Length"] = str(version.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


class DownloadView(LoginRequiredMixin, View):
    """One version of a file, decrypted and streamed, if the user may view its record."""

    def get(self, request, pk: str):
        return file_response(selectors.version_for_download(user=request.user, pk=_key(pk)))
