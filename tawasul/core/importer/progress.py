"""How far a running import is, seen from the pages while its transaction is still open.

Every import job model (see `tawasul.core.importer.jobs`) has `processed_rows`, `total_rows`
and `status`; the key of a job's count in the cache names its app, so that two modules' jobs
with the same id never share a count.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DEFAULT_DB_ALIAS, connection, connections

logger = logging.getLogger(__name__)

# Rows between two progress updates.
PROGRESS_EVERY = 50


def progress_key(job) -> str:
    """The cache key of a job's processed-rows count ("tawasul:contacts:import:7:processed")."""
    return f"tawasul:{job._meta.app_label}:import:{job.pk}:processed"


def progress_cache():
    """A cache every web process and every worker on this machine shares.

    The default cache is shared when it is Redis. In the embedded setup it lives in one process's
    memory, while the page asking for progress and the Huey consumer running the import are
    different processes; a file-based cache under VAR_DIR is shared by both.
    """
    default = caches["default"]
    if isinstance(default, (LocMemCache, DummyCache)):
        # The directory keeps its first name (the contacts import was the first importer).
        location = Path(settings.VAR_DIR) / "cache" / "contacts-import"
        return FileBasedCache(str(location), {"TIMEOUT": 24 * 3600})
    return default


class ProgressReporter:
    """Publishes how many rows an import has processed while its transaction is still open.

    Every row is written in one transaction, so a count saved through the same connection would
    stay invisible until the end. Two channels carry it instead:

    - the cache (`progress_cache`), on every database;
    - on PostgreSQL, a second connection that updates `processed_rows` of the job row in
      autocommit. The import transaction never touches the job row, so nothing waits; a short
      lock timeout guards against a caller that locked the row anyway.

    SQLite allows one writer per database and the import holds it, so a second connection would
    only wait for the lock; there the cache alone carries the count. The second connection is
    also skipped when the caller already holds a transaction (tests, immediate mode), since no
    one could see the progress before the caller commits anyway.
    """

    def __init__(self, job) -> None:
        self.job_id = job.pk
        self.key = progress_key(job)
        self.table = job._meta.db_table
        self.cache = progress_cache()
        self.side = None
        if connection.vendor != "sqlite" and not connection.in_atomic_block:
            try:
                self.side = connections.create_connection(DEFAULT_DB_ALIAS)
                if self.side.vendor == "postgresql":
                    with self.side.cursor() as cursor:
                        cursor.execute("SET lock_timeout = '2s'")
            except Exception:
                logger.warning("Import progress: no second database connection", exc_info=True)
                self.side = None

    def update(self, processed: int) -> None:
        """Publish `processed` rows; a failing channel is logged, never raised."""
        try:
            self.cache.set(self.key, processed, 24 * 3600)
        except Exception:
            logger.warning("Import progress: cache write failed", exc_info=True)
        if self.side is not None:
            table = self.side.ops.quote_name(self.table)
            try:
                with self.side.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {table} SET processed_rows = %s WHERE id = %s",  # noqa: S608
                        [processed, self.job_id],
                    )
            except Exception:
                logger.warning("Import progress: side connection failed", exc_info=True)
                self.close()

    def close(self) -> None:
        """Close the second connection, if any."""
        if self.side is not None:
            try:
                self.side.close()
            finally:
                self.side = None


def clear_progress(job) -> None:
    """Forget a job's published count (a new run starts, or the run has saved its own)."""
    progress_cache().delete(progress_key(job))


def job_progress(job) -> int:
    """Rows processed so far, read from the job row or the progress cache, whichever is ahead."""
    processed = job.processed_rows
    if job.status == job.Status.RUNNING:
        try:
            cached = progress_cache().get(progress_key(job))
        except Exception:
            cached = None
        if isinstance(cached, int):
            processed = max(processed, cached)
    return min(processed, job.total_rows) if job.total_rows else processed
