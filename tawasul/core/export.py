"""CSV and XLSX writers for list exports: safe against formula injection, text kept as text.

- CSV has no cell types: a spreadsheet program reads `=...`, `+...`, `-...`, `@...` (and a
  leading tab or carriage return) as a formula, so such cells are prefixed with a quote
  (OWASP, "CSV injection"); the contacts import removes the quote again.
- XLSX cells are typed: a text cell is written as a string (`t="inlineStr"`), which no
  spreadsheet program evaluates, so it keeps its exact text, a phone's leading "+" included;
  text columns are also formatted as text ("@"), so a number typed later stays as typed.
- Times are printed in the active time zone, the user's (`tawasul.core.timezones.zone_for`).
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation

from .cleaning import clean_text

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value) -> str:
    """Return a CSV cell's text, prefixed with a quote when a spreadsheet would run it as a
    formula."""
    text = _text(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _local(value: datetime.datetime) -> datetime.datetime:
    """An aware time in the active zone, without its zone (spreadsheets know no zones)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence]
) -> StreamingHttpResponse:
    """Stream rows as UTF-8 CSV with a BOM, so spreadsheet programs read Arabic correctly.

    The rows are written after the view has returned, outside the middleware that activated the
    user's language and time zone; both are taken along.
    """
    writer = csv.writer(_Echo())
    zone, language = timezone.get_current_timezone(), translation.get_language()

    def generate():
        with timezone.override(zone), translation.override(language):
            yield "\ufeff"
            yield writer.writerow([str(h) for h in header])
            for row in rows:
                yield writer.writerow([safe_cell(v) for v in row])

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return _SHEET_TITLE_BAD.sub(" ", str(title)).strip()[:31] or "Sheet1"


def xlsx_response(
    filename: str,
    header: Sequence[str],
    rows: Iterable[Sequence],
    *,
    title: str = "",
    widths: Sequence[float | None] | None = None,
    text_columns: Sequence[bool] | None = None,
    rtl: bool | None = None,
) -> HttpResponse:
    """Write rows to one named sheet of an XLSX workbook, in write-only mode (constant memory
    per row): a bold, frozen header row; column widths (`widths`, else from the header);
    text columns (`text_columns`, all by default) formatted as text; right to left when the
    active language is (`rtl` overrides)."""
    # openpyxl is loaded only when a workbook is asked for, not by every process that starts.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    header = [str(h) for h in header]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title(title or filename.rsplit(".", 1)[0]))
    ws.sheet_view.rightToLeft = translation.get_language_bidi() if rtl is None else rtl
    ws.freeze_panes = "A2"
    for index, label in enumerate(header):
        width = widths[index] if widths and index < len(widths) else None
        dimension = ws.column_dimensions[get_column_letter(index + 1)]
        dimension.width = width or min(max(len(label) + 2, 10), 50)
        if text_columns is None or (index < len(text_columns) and text_columns[index]):
            dimension.number_format = "@"
    bold = Font(bold=True)
    cells = []
    for label in header:
        cell = WriteOnlyCell(ws, value=clean_text(label))
        cell.data_type = "s"
        cell.font = bold
        cells.append(cell)
    ws.append(cells)
    for row in rows:
        ws.append([_xlsx_cell(ws, WriteOnlyCell, value) for value in row])
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_cell(ws, cell_class, value):
    """A value as an XLSX cell: numbers and times typed, everything else a string cell."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, datetime.datetime):
        cell = cell_class(ws, value=_local(value))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, datetime.date):
        return value
    # Control characters cannot be written to XML (stored before they were refused at input).
    text = clean_text(_text(value), multiline=True)
    if text.startswith("=") or text.startswith("#"):
        # openpyxl would store these as a formula or an error value; force a string cell.
        cell = cell_class(ws, value=text)
        cell.data_type = "s"
        return cell
    return text
