"""One data row on its way into the database: its cells by target, and its report.

A report entry is a dict, stored as JSON on the job and shown by the report page:
`{"row": 3, "column": "Phone", "field": "phone", "message": "...", "value": "05x"}` (the column
as the file names it, the target key, the message in the reader's language, the cell's text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from tawasul.core.cleaning import clean_text
from tawasul.core.errors import error_items

from .columns import Columns, column_name


def row_values(
    cells: list[str], columns: dict[int, str], declared: Columns
) -> dict[str, list[tuple[int, str]]]:
    """Target key -> [(column, cleaned cell text)] of a row's non-empty mapped cells; line
    breaks are kept only in targets declared `multiline`, elsewhere they become spaces."""
    values: dict[str, list[tuple[int, str]]] = {}
    for column, key in sorted(columns.items()):
        if column < len(cells) and cells[column]:
            target = declared.by_key.get(key)
            multiline = bool(target and target.multiline)
            values.setdefault(key, []).append(
                (column, clean_text(cells[column], multiline=multiline))
            )
    return values


@dataclass
class RowReport:
    """The cells of one data row, grouped by target, and the problems found so far."""

    number: int
    values: dict[str, list[tuple[int, str]]]
    headers: list[str]
    mapped: dict[str, int]  # target -> its first mapped column, also when the cell is empty
    columns: Columns
    errors: list[dict[str, Any]] = field(default_factory=list)

    def get(self, key: str) -> str:
        """The text of the first column feeding `key`, "" when none does or it is empty."""
        return self.values[key][0][1] if key in self.values else ""

    def column_of(self, key: str) -> int | None:
        """The column that feeds `key` (its first non-empty one), or None."""
        return self.values[key][0][0] if key in self.values else self.mapped.get(key)

    def add(self, key: str, message: Any, column: int | None = None, value: str = "") -> None:
        """Report `message` on target `key` ("" for the whole row), at `column` or the column
        feeding `key`; the report names the column by its header, or the target by its label."""
        if column is None:
            column = self.column_of(key)
        if column is not None:
            name = column_name(self.headers, column)
            if not value and key in self.values:
                value = next((v for c, v in self.values[key] if c == column), "")
        elif key in self.columns.by_key:
            name = str(self.columns.by_key[key].label)
        else:
            name = ""
        self.errors.append(
            {
                "row": self.number,
                "column": name,
                "field": key,
                "message": str(message),
                "value": value[:200],
            }
        )

    def has_error(self, key: str) -> bool:
        """Whether the row already reports a problem on target `key`."""
        return any(e["field"] == key for e in self.errors)


# A service error's path and message -> (target key, column or None, message): how a module's
# mapper finds the column that fed a field of what the service was given.
Locate = Callable[[str, str], tuple[str, int | None, str]]


def record_errors(row: RowReport, exc: ValidationError, locate: Locate) -> None:
    """Add a service's structured error to the row's report, each message at the column that fed
    its path (see `tawasul.core.errors`); a target already reported on is not repeated (the
    check before the service explained it)."""
    for path, message in error_items(exc):
        target, column, text = locate(path, message)
        if target and row.has_error(target):
            continue
        row.add(target, text, column)
