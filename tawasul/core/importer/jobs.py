"""The import job's lifecycle, the same for every module: upload, map, queue, run, report.

A module imports its records by declaring an `Importer` (its job model, its `Columns`, its
`ImportPass` subclass, the permission to import, the task that runs a job, and the summary of
a finished run) and calling these services through it:

    uploaded --set_mapping--> uploaded --start--> queued --run (task)--> running
        --> validated (a check) | imported | failed;   a validated or failed job may start again

The job model is the module's own (e.g. `contacts.ImportJob`), a subclass of the abstract
`tawasul.core.importer.models.ImportJob` with a `company` key.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext

from tawasul.core.models import UserPreference

from .. import clock
from . import reading
from .columns import Columns
from .progress import ProgressReporter, clear_progress, job_progress
from .runner import ImportPass, Outcome, run_passes

logger = logging.getLogger(__name__)

# A job still running this long after its last change lost its worker (see `fail_stale`).
STALE_AFTER = timedelta(hours=2)


def actor_language(actor) -> str:
    """The language a run's report is written in: the actor's preference, else the active one."""
    preferred = UserPreference.objects.filter(user=actor).values_list("language", flat=True)
    return preferred.first() or translation.get_language() or settings.LANGUAGE_CODE


class Importer:
    """What a module declares to import through the generic importer (see the module docstring).

    Subclasses set the class attributes and may override `initial_mapping`, `check_mapping`,
    `before_start`, `before_run`, `pass_options`, `after_run`; they must write `summary` and
    `enqueue`.
    """

    job_model: Any
    columns: Columns
    pass_class: type[ImportPass]
    permission: str  # "contacts.import_contact": who may upload, map and start
    permission_message: Any  # said when the actor lacks it
    default_name: str = "import"  # the job's name when the upload has none

    # -- checks a module adds --

    def require_permission(self, actor) -> None:
        """PermissionDenied unless `actor` may import this module's records."""
        if actor is None or not actor.has_perm(self.permission):
            raise PermissionDenied(str(self.permission_message))

    def check_mapping(
        self, *, job, first_column: dict[str, int], errors: dict[str, list], options: dict
    ) -> dict[str, Any]:
        """Add the module's own mapping errors to `errors`; return what the job's `mapping`
        stores besides `columns` (`options` are the module's keyword arguments of
        `set_mapping`)."""
        return {}

    def before_start(self, *, job, dry_run: bool) -> None:
        """Called with the job locked before it is queued; raise ValidationError to refuse."""

    def before_run(self, *, job, actor, dry_run: bool) -> None:
        """Called in the worker before the rows; raise ValidationError to fail the run."""

    def pass_options(self, *, job, dry_run: bool) -> dict[str, Any]:
        """Keyword arguments the module's pass takes besides the generic ones; raise
        ValidationError to fail the run."""
        return {}

    def run_rows(self, *, job, actor, dry_run: bool, progress) -> Outcome:
        """The check or import of every row (see `runner.run_passes`)."""
        table = reading.job_table(job)
        options = self.pass_options(job=job, dry_run=dry_run)

        def make_pass(**kwargs) -> ImportPass:
            kwargs.setdefault("share", (0.0, 1.0))
            return self.pass_class(
                job=job, table=table, actor=actor, progress=progress, **options, **kwargs
            )

        valid_rows = job.error_policy == job.ErrorPolicy.VALID_ROWS
        return run_passes(make_pass=make_pass, dry_run=dry_run, valid_rows=valid_rows)

    def after_run(self, *, job, outcome: Outcome, dry_run: bool) -> None:
        """Called in the worker after a run that did not stop: keep module data on the job."""

    def summary(self, outcome: Outcome, job, dry_run: bool) -> tuple[str, str]:
        """The job's status after a run and the one-paragraph message that says its result."""
        raise NotImplementedError

    def enqueue(self, job_id: int, dry_run: bool) -> None:
        """Queue the module's task that calls `run(job_id=..., dry_run=...)`."""
        raise NotImplementedError

    # -- the services --

    def create(self, *, actor, company, uploaded_file):
        """Check an uploaded file (size, format, encoding, header, rows), keep it as a new job
        with a mapping guessed from its headers. ValidationError keyed "file" when unusable."""
        self.require_permission(actor)
        data = reading.read_upload(uploaded_file)
        table = reading.open_table(data)
        total = reading.count_rows(table)
        original = Path(getattr(uploaded_file, "name", "") or self.default_name).name[:255]
        job = self.job_model(
            company=company,
            created_by=actor,
            original_name=original,
            file_format=table.file_format,
            encoding=table.encoding,
            headers=table.headers,
            mapping={"columns": self.columns.guess(table.headers), **self.initial_mapping()},
            total_rows=total,
            status=self.job_model.Status.UPLOADED,
        )
        # Stored under an opaque name: the original name is only shown, never used as a path.
        # Parsing above stays outside any transaction: on SQLite a transaction holds the only
        # write lock, and reading a large file takes a while.
        job.file.save(f"{uuid.uuid4().hex}.{table.file_format}", ContentFile(data), save=False)
        job.save()
        return job

    def initial_mapping(self) -> dict[str, Any]:
        """What a new job's `mapping` holds besides the guessed `columns`."""
        return {}

    def can_change(self, job) -> bool:
        """Whether the job's mapping and policies may change (it is not queued, running, done)."""
        status = self.job_model.Status
        return job.status in {status.UPLOADED, status.VALIDATED, status.FAILED}

    def _locked(self, job):
        job = self.job_model.objects.select_for_update().get(pk=job.pk)
        if not self.can_change(job):
            raise ValidationError(
                gettext("This import is running or finished; its mapping is fixed.")
            )
        return job

    def policy_errors(
        self, duplicate_policy: str | None, error_policy: str | None
    ) -> dict[str, list]:
        """Errors keyed by the policy's name for a policy that is not one of the job's."""
        errors: dict[str, list] = {}
        if duplicate_policy and duplicate_policy not in self.job_model.DuplicatePolicy.values:
            errors["duplicate_policy"] = [gettext("Choose what to do with duplicates.")]
        if error_policy and error_policy not in self.job_model.ErrorPolicy.values:
            errors["error_policy"] = [gettext("Choose what to do with rows that have problems.")]
        return errors

    @transaction.atomic
    def set_mapping(
        self,
        *,
        actor,
        job,
        columns: dict[int, str],
        duplicate_policy: str | None = None,
        error_policy: str | None = None,
        **options,
    ):
        """Store which column feeds which target, and the policies for duplicates and for rows
        with problems (None: unchanged); errors are keyed `column_<index>`, the policy's name,
        or as the module's `check_mapping` says."""
        self.require_permission(actor)
        job = self._locked(job)
        errors = self.policy_errors(duplicate_policy, error_policy)
        mapping, first_column, column_errors = self.columns.check(job.headers, columns)
        errors.update(column_errors)
        extra = self.check_mapping(
            job=job, first_column=first_column, errors=errors, options=options
        )
        if errors:
            raise ValidationError(errors)
        job.mapping = {"columns": mapping, **extra}
        job.duplicate_policy = duplicate_policy or job.duplicate_policy
        job.error_policy = error_policy or job.error_policy
        job.save(update_fields=["mapping", "duplicate_policy", "error_policy", "updated_at"])
        return job

    @transaction.atomic
    def set_policies(
        self, *, actor, job, duplicate_policy: str | None = None, error_policy: str | None = None
    ):
        """Change what a job does with duplicates and with rows that have problems (None: keep)."""
        self.require_permission(actor)
        job = self._locked(job)
        errors = self.policy_errors(duplicate_policy, error_policy)
        if errors:
            raise ValidationError(errors)
        job.duplicate_policy = duplicate_policy or job.duplicate_policy
        job.error_policy = error_policy or job.error_policy
        job.save(update_fields=["duplicate_policy", "error_policy", "updated_at"])
        return job

    @transaction.atomic
    def start(self, *, actor, job, dry_run: bool):
        """Queue a dry run or the import of a mapped job; the task starts after commit."""
        self.require_permission(actor)
        job = self.job_model.objects.select_for_update().get(pk=job.pk)
        if not self.can_change(job):
            raise ValidationError(gettext("This import is already running or finished."))
        if not job.mapping.get("columns"):
            raise ValidationError(gettext("Map the columns first."))
        self.before_start(job=job, dry_run=dry_run)
        job.status = self.job_model.Status.QUEUED
        job.dry_run = dry_run
        job.processed_rows = 0
        job.created_count = job.updated_count = job.skipped_count = 0
        job.errors = []
        job.duplicates = []
        job.message = ""
        job.save()
        clear_progress(job)
        job_id = job.pk
        transaction.on_commit(lambda: self.enqueue(job_id, dry_run))
        return job

    def run(self, *, job_id: int, dry_run: bool):
        """Check (dry run) or import every row of a queued job, as the job's policies say;
        the job after its run, or None when it was not queued.

        Safe to call twice: only a queued job is claimed, so a retried task does nothing.
        """
        status = self.job_model.Status
        claimed = self.job_model.objects.filter(pk=job_id, status=status.QUEUED).update(
            status=status.RUNNING,
            dry_run=dry_run,
            processed_rows=0,
            updated_at=clock.now(),
        )
        if not claimed:
            return None
        job = self.job_model.objects.select_related("company", "created_by").get(pk=job_id)
        actor = job.created_by
        job.errors, job.duplicates = [], []
        job.created_count = job.updated_count = job.skipped_count = 0
        with translation.override(actor_language(actor)):
            progress = ProgressReporter(job)
            try:
                self.before_run(job=job, actor=actor, dry_run=dry_run)
                outcome = self.run_rows(job=job, actor=actor, dry_run=dry_run, progress=progress)
            except ValidationError as exc:
                job.status = status.FAILED
                job.message = " ".join(str(m) for m in exc.messages)[:500]
            except Exception:
                logger.exception("Import %s of %s stopped", job.pk, self.job_model._meta.label)
                job.status = status.FAILED
                job.message = gettext(
                    "The import stopped because of an unexpected error. Nothing was imported."
                )
            else:
                # The summary is said at read time in the reader's language, from the counts
                # kept (`summary_of`); `message` holds only what stopped a run.
                job.status, _text = self.summary(outcome, job, dry_run)
                job.message = ""
                job.errors = outcome.errors
                job.duplicates = outcome.duplicates
                job.mapping = {**job.mapping, "cleaned": outcome.cleaned}
                self.after_run(job=job, outcome=outcome, dry_run=dry_run)
                job.created_count = outcome.created
                job.updated_count = outcome.updated
                job.skipped_count = outcome.skipped
                job.processed_rows = outcome.rows
            finally:
                progress.close()
        if job.status != status.IMPORTED:
            job.processed_rows = max(job.processed_rows, job_progress(job))
        job.save(
            update_fields=[
                "status",
                "message",
                "mapping",
                "errors",
                "duplicates",
                "created_count",
                "updated_count",
                "skipped_count",
                "processed_rows",
                "updated_at",
            ]
        )
        clear_progress(job)
        if job.status == status.IMPORTED and job.file:
            # The rows now live in the records; keep no second copy of personal data around.
            job.file.delete(save=False)
            self.job_model.objects.filter(pk=job.pk).update(file="")
        return job

    def summary_of(self, job) -> str:
        """The one-paragraph result of a finished check or import, in the active language."""
        status = self.job_model.Status
        if job.message or job.status not in {status.VALIDATED, status.IMPORTED, status.FAILED}:
            return job.message
        outcome = Outcome(
            errors=job.errors,
            created=job.created_count,
            updated=job.updated_count,
            skipped=job.skipped_count,
            rows=job.processed_rows,
            written=job.status == status.IMPORTED,
        )
        return self.summary(outcome, job, job.dry_run)[1]

    def fail_stale(self, *, now=None) -> int:
        """Mark jobs left running by a worker that died as failed; how many.

        A check, and an all-or-nothing import in one transaction, rolled back with the worker.
        An import that commits batch by batch (valid rows; all or nothing on SQLite) kept the
        batches written before: the message says so, and running the file again skips them as
        duplicates.
        """
        now = now or clock.now()
        stale = self.job_model.objects.filter(
            status=self.job_model.Status.RUNNING, updated_at__lt=now - STALE_AFTER
        )
        batched = stale.filter(dry_run=False)
        if connection.vendor != "sqlite":
            batched = batched.filter(error_policy=self.job_model.ErrorPolicy.VALID_ROWS)
        partly = batched.update(
            status=self.job_model.Status.FAILED,
            message=gettext(
                "The import stopped before it finished. Rows written before it stopped are kept; "
                "run the file again with duplicates skipped to import the rest."
            ),
            updated_at=now,
        )
        return partly + stale.update(
            status=self.job_model.Status.FAILED,
            message=gettext(
                "The import stopped before it finished. Nothing was imported; run it again."
            ),
            updated_at=now,
        )
