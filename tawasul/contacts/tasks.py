"""Background work of the contacts module: thin Huey tasks, ids in, one service call."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .imports import import_job_fail_stale, import_job_run


@db_task()
def import_contacts_task(job_id: int, dry_run: bool) -> None:
    """Check or import the rows of one import job (see `imports.import_job_run`)."""
    import_job_run(job_id=job_id, dry_run=dry_run)


@db_periodic_task(crontab(minute="*/10"))
def import_jobs_sweep() -> None:
    """Every ten minutes: fail imports whose worker died mid-run."""
    import_job_fail_stale()
