"""Files and notes on any governed record (issue 12 §7).

A `Document` is attached to one record of any governed model (a generic link: content type and
key) and holds numbered `DocumentVersion`s, each one stored file. A `Note` is a short text on a
record. Neither has record rules of its own: each is visible exactly when its parent record is
(`selectors.visible_parents`), on top of the module's permissions and the user's company.

Files are stored through the default storage (encrypted at rest, `core.storage`) under opaque
random names; the name the file was uploaded with is only shown and offered as the download's
name, never used as a path.
"""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tawasul.core import clock
from tawasul.core.access import RestrictedQuerySet
from tawasul.core.constraints import ConstraintFieldErrors
from tawasul.core.models import TimeStampedModel


def attachment_path(instance: "DocumentVersion", filename: str) -> str:
    """An opaque random name under `attachments/YYYY/MM/` (the uploaded name is not used)."""
    moment = clock.now()
    return f"attachments/{moment:%Y/%m}/{uuid.uuid4().hex}"


class Document(TimeStampedModel):
    """A file attached to a record, in one or more versions (the newest is the current one)."""

    company = models.ForeignKey("org.Company", on_delete=models.PROTECT, related_name="+")
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind of record")
    )
    object_id = models.BigIntegerField(_("record"))
    parent = GenericForeignKey("content_type", "object_id")
    title = models.CharField(_("title"), max_length=200, blank=True)
    # The current version, copied here so that lists and the timeline read one row.
    current_version = models.ForeignKey(
        "DocumentVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
    )
    version_count = models.PositiveIntegerField(_("versions"), default=0)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    media_type = models.CharField(_("type"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["current_version"])

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-created_at", "-id"],
                name="documents_doc_parent",
            ),
            models.Index(fields=["company", "-created_at", "id"], name="documents_doc_company"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The title, or the current file's name when it has none."""
        return self.title or self.file_name


class DocumentVersion(ConstraintFieldErrors, models.Model):
    """One uploaded file of a document: stored encrypted under an opaque name, never changed."""

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="versions", verbose_name=_("attachment")
    )
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    # As uploaded, cleaned: shown and offered as the download's name, never a path.
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    # Read from the file's content, never taken from the browser.
    media_type = models.CharField(_("type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=clock.now)

    objects = RestrictedQuerySet.as_manager()
    access_company_path = "document__company"
    constraint_error_fields = {"documents_version_number": "number"}

    class Meta:
        verbose_name = _("attachment version")
        verbose_name_plural = _("attachment versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"],
                name="documents_version_number",
                violation_error_code="documents_version_number",
                violation_error_message=_(
                    "This attachment already has a version with this number."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.original_name} (v{self.number})"


class Note(TimeStampedModel):
    """A short text someone wrote on a record."""

    company = models.ForeignKey("org.Company", on_delete=models.PROTECT, related_name="+")
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind of record")
    )
    object_id = models.BigIntegerField(_("record"))
    parent = GenericForeignKey("content_type", "object_id")
    body = models.TextField(_("note"), max_length=10000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-created_at", "-id"],
                name="documents_note_parent",
            ),
            models.Index(fields=["company", "-created_at", "id"], name="documents_note_company"),
        ]

    def __str__(self) -> str:
        text = " ".join(self.body.split())
        return text if len(text) <= 60 else text[:59] + "…"
