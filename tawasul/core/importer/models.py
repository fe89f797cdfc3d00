"""The abstract import job: what every module's job model holds (see `jobs.Importer`).

A module's job model inherits it and adds the company it belongs to (a key to `org.Company`,
which `core` may not name) and its access manager; it may replace `DuplicatePolicy` (and the
`duplicate_policy` field with its choices) to speak of its own records.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tawasul.core.models import TimeStampedModel


class ImportJob(TimeStampedModel):
    """An uploaded file, its column mapping, and the report of its dry run or import."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        VALIDATED = "validated", _("Checked")
        FAILED = "failed", _("Failed")
        IMPORTED = "imported", _("Imported")

    class DuplicatePolicy(models.TextChoices):
        """What a row that matches an existing record (or an earlier row) does."""

        SKIP = "skip", _("Skip the row")
        UPDATE = "update", _("Update the existing record")
        CREATE = "create", _("Import it as a new record anyway")

    class ErrorPolicy(models.TextChoices):
        """What an import does when some rows have problems."""

        ALL_OR_NOTHING = "all", _("Import nothing until every row passes")
        VALID_ROWS = "valid", _("Import the valid rows and report the rest")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    file = models.FileField(upload_to="imports/")
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=4)
    encoding = models.CharField(max_length=20, blank=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    dry_run = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)
    message = models.CharField(max_length=500, blank=True)
    duplicate_policy = models.CharField(
        max_length=10, choices=DuplicatePolicy.choices, default=DuplicatePolicy.SKIP
    )
    error_policy = models.CharField(
        max_length=10, choices=ErrorPolicy.choices, default=ErrorPolicy.ALL_OR_NOTHING
    )
    # Rows matching existing records or earlier rows: what was (or, in a check, would be) done.
    duplicates = models.JSONField(default=list)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def progress(self) -> int:
        """Percent of the rows processed, 0 to 100."""
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
