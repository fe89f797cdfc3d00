"""Reading an uploaded table: CSV or XLSX bytes -> a header row and numbered rows of text cells.

Nothing here knows what a column means. The reader proves a file usable (size, format, encoding,
header, row count), and walks its rows lazily, each as a `RawRow` with the problems found while
reading it (`ReadProblem`): bytes that are not UTF-8, short and long rows, quotes left open,
formulas without a saved value, control characters cleaned out of a cell. What a row becomes is
the business of a module's row mapper (see `tawasul.core.importer.runner`).

Messages are gettext_lazy so that a report is said in its reader's language.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tawasul.core.cleaning import bad_characters, clean_text, describe

logger = logging.getLogger(__name__)

MAX_COLUMNS = 200
# The exporter (core.export.safe_cell) prefixes formula-like cells with a quote; undo it.
_EXPORT_GUARD = ("'=", "'+", "'-", "'@", "'\t", "'\r")

# part is unpacked; Python's zipfile stops each part at its declared size (a part that holds
# more fails its checksum), so a directory that lies about sizes gains nothing.
XLSX_MAX_UNPACKED = 50 * 1024 * 1024
XLSX_MAX_RATIO = 100
XLSX_MAX_PARTS = 10_000
# A CSV with bytes that are not UTF-8 is still read as UTF-8 when at least this many characters
# beyond ASCII decode properly per bad byte sequence: it is a UTF-8 file with a few stray bytes,
# and a legacy code page would garble every Arabic letter in it.
UTF8_GOOD_PER_BAD = 4
_REPLACEMENT = "\ufffd"

BAD_BYTES = _(
    "This cell holds bytes that are not valid UTF-8, shown as “�”. Correct the cell, or "
    "save the file again as CSV UTF-8."
)
FORMULA_WITHOUT_VALUE = _(
    "This cell holds a formula without a saved value; open the file in Excel, save it, and "
    "upload it again."
)
EXCEL_ERROR = _("This cell holds the Excel error %(value)s.")
SHORT_ROW = _(
    "This row has %(cells)s cells but the header row has %(columns)s: a separator is missing, so "
    "its values may sit under the wrong columns. Complete the row in the file."
)
LONG_ROW = _(
    "This row has %(cells)s cells but the header row has %(columns)s; check for a stray "
    "separator or an unclosed quote."
)
UNCLOSED_QUOTE = _(
    "A quote opened in this cell is never closed, so lines %(first)s to %(last)s of the file "
    "were read into it. Close the quote or remove it, then upload the file again."
)
UNCLOSED_QUOTE_ONE_LINE = _(
    "A quote opened in this cell is never closed. Close the quote or remove it, then upload the "
    "file again."
)
SWALLOWED_ROWS = _(
    "This cell runs over lines %(first)s to %(last)s of the file, which look like rows of their "
    "own: a quote in it is probably not closed. Correct the quotes, then upload the file again."
)


@dataclass(frozen=True)
class ReadProblem:
    """Something wrong with a row as read from the file, before its values are looked at."""

    column: int | None  # None: the whole row
    message: str
    # The row's cells cannot be trusted (a missing separator, a quote that swallowed lines):
    # the row is reported with this problem alone and never checked or imported.
    whole_row: bool = False
    # Lines of the file (first, last) read into this row's cell by a quote left open: rows of
    # their own, counted as rows and never imported.
    swallowed: tuple[int, int] | None = None
    # Not a problem but a notice: the characters (as U+XXXX) cleaned out of the cell.
    cleaned: tuple[str, ...] = ()


@dataclass
class RawRow:
    """One data row of the file: its number (the header row is 1), cells and reading problems."""

    number: int
    cells: list[str]
    problems: list[ReadProblem] = field(default_factory=list)


@dataclass
class _Read:
    """A record as a reader found it: cells (trailing empty cells included), problems, and the
    position of its last non-empty cell when the reader cut the cells short (workbooks)."""

    cells: list[str]
    problems: list[ReadProblem] = field(default_factory=list)
    extent: int | None = None


@dataclass
class Table:
    """A file's header row and a way to walk its data rows."""

    file_format: str
    encoding: str
    headers: list[str]
    records: Callable[[], Iterator[RawRow]]

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of every data row; reading problems are in `records`."""
        for record in self.records():
            yield record.number, record.cells


def file_error(message: Any) -> ValidationError:
    """A problem with the file as a whole, keyed "file" as the upload form shows it."""
    return ValidationError({"file": [message]})


def read_upload(uploaded_file) -> bytes:
    """The bytes of an uploaded file; ValidationError (key "file") when too large or empty."""
    limit = settings.IMPORT_MAX_BYTES
    too_big = file_error(
        _("The file is too large: the limit is %(size)s MB.")
        % {"size": f"{limit / (1024 * 1024):g}"}
    )
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        raise too_big
    uploaded_file.seek(0)
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise too_big
    if not data.strip():
        raise file_error(_("The file is empty."))
    return data


def _detect_format(data: bytes) -> str:
    """Look at the content, not the name: a zip is a workbook, readable text is CSV."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise file_error(
            _(
                "Old Excel files (.xls) cannot be read. Save the sheet as .xlsx or CSV and upload it again."
            )
        )
    return "csv"


_NOT_TEXT = _(
    "The file could not be read as a table. Upload a CSV file (UTF-8, or Windows-1256 for "
    "Arabic) or an Excel .xlsx workbook."
)


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1256.

    A UTF-8 file with a few stray bytes stays UTF-8: each bad byte sequence becomes U+FFFD and
    the rows report it by column (`BAD_BYTES`). Windows-1256 is chosen only when the file does
    not look like UTF-8: fewer than `UTF8_GOOD_PER_BAD` good characters beyond ASCII per bad
    sequence (an Arabic Windows-1256 file has almost none).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        text, encoding = data[3:].decode("utf-8", errors="replace"), "utf-8-bom"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise file_error(_NOT_TEXT)
    else:
        text, encoding = data.decode("utf-8", errors="replace"), "utf-8"
        bad = text.count(_REPLACEMENT) - data.count(_REPLACEMENT.encode())
        if bad:
            beyond_ascii = (
                len(text) - len(text.encode("ascii", "ignore")) - text.count(_REPLACEMENT)
            )
            if beyond_ascii < UTF8_GOOD_PER_BAD * bad:
                try:
                    text, encoding = data.decode("cp1256"), "windows-1256"
                except UnicodeDecodeError:
                    raise file_error(_NOT_TEXT)
    if _looks_binary(text):
        raise file_error(_NOT_TEXT)
    return text, encoding


def _looks_binary(text: str) -> bool:
    # Windows-1256 maps every byte to a character, so "decodes" proves nothing for binary files;
    # control characters do: text tables have tabs and line breaks, never NULs or escapes.
    if "\x00" in text:
        return True
    controls = sum(
        1 for ch in text[:200_000] if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n"
    )
    return controls > max(2, len(text[:200_000]) // 1000)


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text[:65536].splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        counts = {d: first.count(d) for d in (",", ";", "\t")}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _csv_records(text: str, delimiter: str) -> Generator[_Read, None, None]:
    """The records of a CSV text, each with the quoting problems found in it.

    Python's reader (not strict) lets a quote that is never closed run to the end of the file,
    and a quote closed rows later swallow the rows in between into one cell; both would make
    rows vanish without a word, so both are reported on the record where the quote opened.
    """
    source = io.StringIO(text, newline="")
    reader = csv.reader(source, delimiter=delimiter)
    width = 0
    line = offset = 0
    pending: tuple[_Read, int, int] | None = None  # the record, its first line and offset
    try:
        for cells in reader:
            first_line, line = line + 1, reader.line_num
            start, offset = offset, source.tell()
            read = _Read(cells)
            if not width:
                width = len(_trimmed(cells))
            elif line > first_line:
                read.problems += _swallowed_rows(cells, delimiter, width, first_line)
            if pending is not None:
                yield pending[0]
            pending = (read, first_line, start)
    except csv.Error as exc:
        raise file_error(
            _("Row %(row)s of the file is malformed (%(error)s).")
            % {"row": reader.line_num, "error": exc}
        )
    if pending is not None:
        read, first_line, start = pending
        if _ends_inside_quote(text[start:], delimiter):
            message = (
                UNCLOSED_QUOTE % {"first": first_line + 1, "last": line}
                if line > first_line
                else UNCLOSED_QUOTE_ONE_LINE
            )
            swallowed = (first_line + 1, line) if line > first_line else None
            read.problems = [
                ReadProblem(len(read.cells) - 1, str(message), whole_row=True, swallowed=swallowed)
            ]
        yield read


def _swallowed_rows(
    cells: list[str], delimiter: str, width: int, first_line: int
) -> list[ReadProblem]:
    """A cell over several lines whose every further line looks like a row of the file."""
    if width < 3:
        return []  # two columns: a line with one comma proves nothing
    for index, cell in enumerate(cells):
        lines = [part for part in cell.splitlines()[1:] if part.strip()]
        if lines and all(part.count(delimiter) >= width - 1 for part in lines):
            last = first_line + cell.count("\n") + cell.count("\r") - cell.count("\r\n")
            message = SWALLOWED_ROWS % {"first": first_line + 1, "last": last}
            return [
                ReadProblem(index, str(message), whole_row=True, swallowed=(first_line + 1, last))
            ]
    return []


def _ends_inside_quote(tail: str, delimiter: str) -> bool:
    """Whether the last record of a file (`tail`) ends inside a quoted cell."""
    try:
        for _cells in csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _trimmed(cells: list[str]) -> list[str]:
    cells = list(cells)
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


def _cell_text(value: Any) -> str:
    """A workbook cell as the text a person would type (12.0 -> "12", dates as ISO)."""
    import datetime

    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _xlsx_check_archive(data: bytes) -> None:
    """Refuse a workbook that is no zip, lacks a workbook part, or unpacks to too much."""
    invalid = file_error(_("The file is not a valid Excel .xlsx workbook."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise invalid
    if "xl/workbook.xml" not in {part.filename for part in parts}:
        raise invalid
    unpacked = sum(part.file_size for part in parts)
    limit = min(XLSX_MAX_UNPACKED, XLSX_MAX_RATIO * len(data))
    if unpacked > limit or len(parts) > XLSX_MAX_PARTS:
        raise file_error(
            _(
                "The workbook unpacks to %(size)s MB, more than the %(limit)s MB allowed for a "
                "file of this size. Save the sheet as CSV, or remove what it does not need."
            )
            % {"size": f"{unpacked / (1024 * 1024):.1f}", "limit": f"{limit / (1024 * 1024):.1f}"}
        )


_MERGE_REF = re.compile(
    rb'<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+:[A-Za-z]+[0-9]+)"'
)


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[tuple[int, int, int, int]]:
    """(first column, first row, last column, last row) of every merged range of a sheet.

    A read-only workbook does not read merges, and the sheet lists them after its rows, so they
    are found by a scan of the sheet's XML ahead of reading the rows (text cannot hold a raw
    `<mergeCell`, XML escapes it).
    """
    from openpyxl.utils.cell import range_boundaries

    found: list[tuple[int, int, int, int]] = []
    tail = b""
    with archive.open(path) as source:
        while chunk := source.read(1 << 20):
            buffer = tail + chunk
            end = 0
            for match in _MERGE_REF.finditer(buffer):
                found.append(range_boundaries(match.group(1).decode().upper()))
                end = match.end()
            tail = buffer[max(end, len(buffer) - 1024) :]
    return found


def _sheet_parser_class():
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class SheetParser(WorkSheetParser):
        """openpyxl's row parser, also telling a formula without a saved value from a blank."""

        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if element.find(FORMULA_TAG) is not None:
                # No value, or an empty one that is not a text result (`t="str"`): never
                # calculated (written by a program, not by Excel).
                value = element.find(VALUE_TAG)
                if value is None or (not value.text and element.get("t") != "str"):
                    cell["data_type"] = "formula-without-value"
            return cell

    return SheetParser


def _sheet_records(workbook, sheet) -> Generator[_Read, None, None]:
    """Rows of a read-only sheet as text, numbered as in Excel (missing rows come out empty).

    A range merged over several rows shows its value on every row of it, so the value is
    filled into each row (in the range's first column); merged columns keep the value in the
    first column only, as Excel shows it. Formulas without a saved value and error values are
    reported by cell.
    """
    # openpyxl's read-only sheet keeps its part name and the shared strings privately; the
    # version is pinned in requirements and the tests read workbooks through this path.
    archive, path = workbook._archive, sheet._worksheet_path
    down: dict[tuple[int, int], int] = {}
    for first_col, first_row, _last_col, last_row in _merged_ranges(archive, path):
        if last_row > first_row:
            down[(first_row, first_col)] = last_row
    carried: dict[int, tuple[str, int]] = {}  # column -> (merged value, last row of its range)
    limit = MAX_COLUMNS + 1
    with archive.open(path) as source:
        parser = _sheet_parser_class()(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        expected = 1
        for number, cells in parser.parse():
            while expected < number:
                yield _fill_merged(_Read([]), expected, carried)
                expected += 1
            expected = number + 1
            texts: list[str] = []
            problems: list[ReadProblem] = []
            extent = 0
            for cell in cells:
                column, value = cell["column"], cell["value"]
                text = _cell_text(value)
                if cell["data_type"] == "formula-without-value":
                    problems.append(ReadProblem(column - 1, str(FORMULA_WITHOUT_VALUE)))
                elif cell["data_type"] == "e" and text:
                    problems.append(ReadProblem(column - 1, str(EXCEL_ERROR % {"value": text})))
                    text = ""
                if (number, column) in down:
                    carried[column] = (text, down[(number, column)])
                if text.strip():
                    extent = max(extent, column)
                if column <= limit:
                    texts += [""] * (column - len(texts))
                    texts[column - 1] = text
            yield _fill_merged(_Read(texts, problems, extent or None), number, carried)


def _fill_merged(read: _Read, number: int, carried: dict[int, tuple[str, int]]) -> _Read:
    for column, (value, last_row) in list(carried.items()):
        if number > last_row:
            del carried[column]
            continue
        if len(read.cells) < column:
            read.cells += [""] * (column - len(read.cells))
        if not read.cells[column - 1]:
            read.cells[column - 1] = value
            read.extent = max(read.extent or 0, column) if value.strip() else read.extent
    return read


def _xlsx_records(data: bytes) -> Generator[_Read, None, None]:
    """The first sheet's rows; `_xlsx_check_archive` has passed before (see `open_table`)."""
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    raise file_error(_("The workbook has no sheet."))
                yield from _sheet_records(workbook, workbook.worksheets[0])
            finally:
                workbook.close()
    except ValidationError:
        raise
    except Exception:  # openpyxl and zipfile raise many kinds of errors on a damaged workbook
        logger.info("Unreadable workbook", exc_info=True)
        raise file_error(_("The file is not a valid Excel .xlsx workbook."))


# Control characters that separate words in the files of other programs (the unit and record
# separators, escape...): a space keeps the words apart where removing them would join them.
_CONTROLS_TO_SPACE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_SPACES = re.compile(r" {2,}")


def _clean_cell(text: str) -> str:
    # Control characters cannot be stored (an XLSX export could not hold them): they become a
    # space (line-break-like ones a line break), invisible format characters are removed, and
    # the check says so per cell (`_cleaned`).
    if _CONTROLS_TO_SPACE.search(text):
        text = _SPACES.sub(" ", _CONTROLS_TO_SPACE.sub(" ", text))
    text = clean_text(text, multiline=True).strip()
    if text.startswith(_EXPORT_GUARD):
        text = text[1:]
    return text


def open_table(data: bytes) -> Table:
    """Read the header row of `data` and return a `Table` that can walk the data rows."""
    file_format = _detect_format(data)
    if file_format == "xlsx":
        encoding = ""
        _xlsx_check_archive(data)

        def raw_records() -> Generator[_Read, None, None]:
            return _xlsx_records(data)
    else:
        text, encoding = decode(data)
        delimiter = _sniff_delimiter(text)

        def raw_records() -> Generator[_Read, None, None]:
            return _csv_records(text, delimiter)

    with closing(raw_records()) as iterator:
        first = next(iterator, None)
    headers = [_clean_cell(h).lstrip("\ufeff") for h in (first.cells if first else [])]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise file_error(_("The first row must hold the column names."))
    if len(headers) > MAX_COLUMNS:
        raise file_error(
            _("The file has %(count)s columns; at most %(max)s can be imported.")
            % {"count": len(headers), "max": MAX_COLUMNS}
        )
    width = len(headers)

    def records() -> Iterator[RawRow]:
        with closing(raw_records()) as iterator:
            next(iterator, None)  # the header row
            for number, read in enumerate(iterator, start=2):
                yield from _record(number, read, width, file_format)

    return Table(file_format=file_format, encoding=encoding, headers=headers, records=records)


def _record(number: int, read: _Read, width: int, file_format: str) -> Iterator[RawRow]:
    """The data row `read` as a `RawRow` with every reading problem; nothing for a blank row."""
    count = len(read.cells)
    cells = _trimmed([_clean_cell(c) for c in read.cells])
    problems = list(read.problems)
    for index, raw in enumerate(read.cells if cells else ()):
        found = bad_characters(raw, multiline=True) if raw else []
        if found:
            chars = tuple(dict.fromkeys(describe(c) for c in found))
            problems.append(ReadProblem(index, "", cleaned=chars))
    if not cells and not problems:
        return
    extent = max(read.extent or 0, len(cells))
    if not any(p.whole_row for p in problems):
        if extent > width:
            message = LONG_ROW % {"cells": extent, "columns": width}
            problems.append(ReadProblem(None, str(message), whole_row=True))
        elif file_format == "csv" and count < width:
            message = SHORT_ROW % {"cells": count, "columns": width}
            problems.append(ReadProblem(None, str(message), whole_row=True))
    problems += [
        ReadProblem(index, str(BAD_BYTES))
        for index, cell in enumerate(cells)
        if _REPLACEMENT in cell
    ]
    yield RawRow(number=number, cells=cells, problems=problems)


def count_rows(table: Table) -> int:
    """The data rows of the file as the report counts them: lines a quote left open read into
    a cell are rows too (see `ReadProblem.swallowed`)."""
    limit = settings.IMPORT_MAX_ROWS
    count = 0
    for record in table.records():
        count += 1
        for problem in record.problems:
            if problem.swallowed:
                count += problem.swallowed[1] - problem.swallowed[0] + 1
        if count > limit:
            raise file_error(
                _("The file has more than %(max)s rows; split it into smaller files.")
                % {"max": limit}
            )
    if not count:
        raise file_error(_("The file has no data rows below the header row."))
    return count


def job_table(job) -> Table:
    """The `Table` of an import job's stored file (`job.file`); ValidationError when it is gone."""
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        raise ValidationError(_("The uploaded file is no longer available; upload it again."))
    return open_table(data)


def preview(*, job, limit: int = 5) -> list[tuple[int, list[str]]]:
    """The first data rows of the job's file, padded to the header width, for the mapping page."""
    width = len(job.headers)
    rows = []
    try:
        for number, cells in job_table(job).rows():
            rows.append((number, (cells + [""] * width)[:width]))
            if len(rows) >= limit:
                break
    except ValidationError:
        return []
    return rows
