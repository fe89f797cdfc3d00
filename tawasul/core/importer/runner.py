"""A pass over a file's rows: batches, transactions, progress, reading problems, the outcome.

A module subclasses `ImportPass` and writes `handle(row, record)`: build what its service takes
from the row's cells, find duplicates, call the service (in a savepoint, so that a failing row
leaves nothing behind) and report problems on `row` (`rows.record_errors` puts a service's
structured error at the columns that fed it). The pass does the rest, the same for every module:

- it reads rows lazily from the `Table` and stops past `IMPORT_MAX_ROWS`;
- a row the reader could not trust (short, long, a quote left open) is reported alone and never
  handed to the module; cells cleaned of control characters are listed; reading problems of
  mapped columns (bad bytes, formulas without a value) are reported on their column;
- it writes as its `mode` says (`CHECK`, `ONE_TRANSACTION`, `BATCHES`, `BATCHES_OR_UNDO`) and
  publishes progress every `PROGRESS_EVERY` rows.

`run_passes` chooses the modes for a check or an import from the job's error policy and the
database (see its docstring).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext

from . import progress as _progress
from .columns import Columns, column_name
from .reading import RawRow, Table
from .rows import RowReport, row_values

# Rows per transaction when a run commits as it goes; a batch also ends after BATCH_SECONDS, so
# that other writers never wait long for SQLite's single write lock.
BATCH_ROWS = 200
BATCH_SECONDS = 0.5
# SQLite's busy handler lets a waiting writer retry at most every 100 ms; a pause a little longer
# between two batches lets every waiting writer (pages, the API, sweeps) in before the next one.
SQLITE_BATCH_PAUSE = 0.12
# At most this many duplicates and cleaned cells are kept for the report.
DUPLICATES_KEPT = 2000
# How a pass writes.
CHECK = "check"  # nothing: every batch is rolled back
ONE_TRANSACTION = "one"  # all rows in one transaction, rolled back if any row fails
BATCHES = "batches"  # committed batch by batch; rows with problems are left out
BATCHES_OR_UNDO = "undo"  # committed batch by batch; the first failing row undoes the run


class StopRun(Exception):
    """A row failed while writing all or nothing batch by batch: undo what was written."""


@dataclass
class Outcome:
    """What a pass over the rows found and did (in a check: would do)."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rows: int = 0
    written: bool = False
    # Row number (as text, a JSON key) -> the records the check showed as its matches.
    seen: dict[str, list[int]] = field(default_factory=dict)
    # Cells whose invisible control characters were replaced or removed: row, column, chars.
    cleaned: list[dict[str, Any]] = field(default_factory=list)


def error_counts(errors: list[dict[str, Any]]) -> tuple[int, int]:
    """How many problems a report lists, and in how many rows."""
    return len(errors), len({e["row"] for e in errors})


class ImportPass:
    """One pass over a job's rows; subclasses say what a row means (`handle`).

    `job` has `headers`, `mapping` (`{"columns": {"<index>": "<target>"}}`) and `total_rows`;
    `columns` is the module's declaration; `progress` has `update(rows)`; `share` is (start,
    size) of this pass in the progress bar, as fractions.
    """

    columns: Columns

    def __init__(
        self,
        *,
        job,
        table: Table,
        actor,
        mode: str,
        progress,
        share: tuple[float, float] = (0.0, 1.0),
    ) -> None:
        self.job, self.table, self.actor, self.mode = job, table, actor, mode
        self.progress = progress
        self.share = share
        self.headers = job.headers
        self.mapping = {int(c): k for c, k in (job.mapping.get("columns") or {}).items() if k}
        self.mapped: dict[str, int] = {}
        for column, key in sorted(self.mapping.items()):
            self.mapped.setdefault(key, column)
        self.outcome = Outcome()

    # -- the loop --

    def run(self) -> Outcome:
        """Walk every row in batches as `mode` says; the outcome of the whole pass."""
        records = self.table.records()
        limit = settings.IMPORT_MAX_ROWS
        more = True
        while more:
            more, started, done = False, time.monotonic(), 0
            with transaction.atomic():
                for record in records:
                    self.outcome.rows += 1
                    if self.outcome.rows > limit:
                        raise ValidationError(
                            gettext(
                                "The file has more than %(max)s rows; split it into smaller files."
                            )
                            % {"max": limit}
                        )
                    self.row(record)
                    done += 1
                    if self.outcome.rows % _progress.PROGRESS_EVERY == 0:
                        start, size = self.share
                        total = self.job.total_rows or self.outcome.rows
                        self.progress.update(round(total * start + self.outcome.rows * size))
                    if self.mode != ONE_TRANSACTION and (
                        done >= BATCH_ROWS or time.monotonic() - started >= BATCH_SECONDS
                    ):
                        more = True
                        break
                if self.mode == CHECK:
                    transaction.set_rollback(True)
                    self.forget_batch()
            if more and connection.vendor == "sqlite" and not connection.in_atomic_block:
                time.sleep(SQLITE_BATCH_PAUSE)
        return self.outcome

    def forget_batch(self) -> None:
        """Called after a check batch is rolled back: what its rows wrote exists no more."""

    # -- one row --

    def row(self, record: RawRow) -> None:
        """Report the row's reading problems, then hand a row the reader trusts to `handle`."""
        row = RowReport(
            number=record.number,
            values=row_values(record.cells, self.mapping, self.columns),
            headers=self.headers,
            mapped=self.mapped,
            columns=self.columns,
        )
        whole_row = [p for p in record.problems if p.whole_row]
        for problem in whole_row:
            row.add("", problem.message, problem.column)
            if problem.swallowed:
                row.errors[-1]["swallowed"] = list(problem.swallowed)
        if whole_row:
            self.fail(row)
            return
        for problem in record.problems:
            if problem.cleaned:
                if len(self.outcome.cleaned) < DUPLICATES_KEPT and problem.column is not None:
                    name = column_name(self.headers, problem.column)
                    self.outcome.cleaned.append(
                        {"row": row.number, "column": name, "chars": list(problem.cleaned)}
                    )
            elif problem.column in self.mapping:
                value = record.cells[problem.column] if problem.column < len(record.cells) else ""
                row.add(self.mapping[problem.column], problem.message, problem.column, value)
        self.handle(row, record)

    def handle(self, row: RowReport, record: RawRow) -> None:
        """Check and write one row (its reading problems are already on `row.errors`); call
        `fail(row)` when the row has problems, count it in `outcome` when written."""
        raise NotImplementedError

    def fail(self, row: RowReport) -> None:
        """Add a failed row's problems to the outcome; in `BATCHES_OR_UNDO` stop the run."""
        self.outcome.errors.extend(row.errors)
        if self.mode == BATCHES_OR_UNDO:
            raise StopRun

    def undo(self) -> None:
        """Undo what this pass wrote (after `StopRun` in `BATCHES_OR_UNDO`)."""
        raise NotImplementedError


def run_passes(*, make_pass: Callable[..., ImportPass], dry_run: bool, valid_rows: bool) -> Outcome:
    """Run the check or the import with passes made by `make_pass(mode=..., share=...)`.

    - A check writes each batch and rolls it back, so that no write lock is held for long.
    - "Import the valid rows" (`valid_rows`) commits batch by batch and leaves the rows with
      problems out.
    - "All or nothing" is one transaction where that blocks no one (PostgreSQL: row locks only;
      or inside a caller's transaction). On SQLite, whose one write lock a long transaction
      would hold while pages, the API and sweeps time out, it checks every row first (batches
      rolled back), then writes batch by batch; should a row fail only then (a record changed
      in between), the pass undoes what it wrote (`ImportPass.undo`).
    """
    if dry_run:
        return make_pass(mode=CHECK).run()
    if valid_rows:
        outcome = make_pass(mode=BATCHES).run()
        outcome.written = bool(outcome.created or outcome.updated)
        return outcome
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic():
            outcome = make_pass(mode=ONE_TRANSACTION).run()
            if outcome.errors:
                transaction.set_rollback(True)
                outcome.created = outcome.updated = outcome.skipped = 0
        outcome.written = not outcome.errors
        return outcome
    check = make_pass(mode=CHECK, share=(0.0, 0.5)).run()
    if check.errors:
        check.created = check.updated = check.skipped = 0
        return check
    writer = make_pass(mode=BATCHES_OR_UNDO, share=(0.5, 0.5))
    try:
        outcome = writer.run()
    except StopRun:
        writer.undo()
        outcome = writer.outcome
        outcome.created = outcome.updated = outcome.skipped = 0
        return outcome
    outcome.written = True
    return outcome
