"""Import contacts from CSV and XLSX files: read, map columns, check every row, all or nothing.

The flow is three services and a task:

1. `import_job_create` reads the uploaded file once to prove it is usable (size, format, encoding,
   header row, row count) and guesses a column mapping from the header names.
2. `import_job_set_mapping` stores the user's mapping (column index -> target field).
3. `import_job_start` queues the dry run or the import; `tasks.import_contacts_task` calls
   `import_job_run`, which creates every row through `services.contact_create` inside one
   transaction, collects every problem by row and column, and rolls the whole transaction back
   when there is any problem or when it is a dry run.

Column scheme (see `TARGETS`): one column per contact field; link fields (type, category, area,
industry, segment, size, product groups, referral source, branch) are matched by code or by
English or Arabic name, employees by employee code, linked contacts (dealer, referring
contact) by contact code; phones and e-mails, of one kind each ("Phone (work)") or of none, may
be chosen for several columns and a cell may hold several values separated by ";" or ",";
addresses and persons are numbered groups of columns ("Address 1: line 1", "Person 2: phone").
A file exported from Tawasul (`fileformat`) is recognised column by column and imports back.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import re
import time
import unicodedata
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import (
    DEFAULT_DB_ALIAS,
    DataError,
    IntegrityError,
    connection,
    connections,
    transaction,
)
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tawasul.core.cleaning import bad_characters, clean_text, describe
from tawasul.core.text import normalize_name
from tawasul.org.models import Branch, Company, Employee

from . import fileformat
from .choices import AddressKind, ContactKind, EmailKind, Lifecycle, PhoneKind
from .models import (
    Address,
    Area,
    Contact,
    ContactCategory,
    ContactPerson,
    ContactType,
    Email,
    ImportJob,
    Industry,
    Phone,
    ProductGroup,
    ReferralSource,
    Segment,
    Size,
)
from .phones import phone_parse, phone_region, phone_to_e164
from .services import (
    DUPLICATE_REASONS,
    DuplicateMatch,
    contact_create,
    contact_find_duplicates,
    contact_update,
)

logger = logging.getLogger(__name__)

# Numbered groups of columns a file may hold (shared with the export, see `fileformat`).
PERSON_SLOTS = fileformat.PERSON_SLOTS
ADDRESS_SLOTS = fileformat.ADDRESS_SLOTS
# Groups offered in the mapping selects when the file's headers use fewer.
PERSON_SLOTS_OFFERED = 3
ADDRESS_SLOTS_OFFERED = 2
MAX_COLUMNS = 200
PROGRESS_EVERY = 50
# Separators between several values in one cell (phones, e-mails, product groups).
MULTI_VALUE_SPLIT = re.compile(r"[;,\u060c\u061b\n]+")
# The exporter (core.export.safe_cell) prefixes formula-like cells with a quote; undo it.
_EXPORT_GUARD = ("'=", "'+", "'-", "'@", "'\t", "'\r")
_INDIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫", "01234567890123456789.")


# --- targets: the fields a column can feed ------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One field of the contact (or of an address or a person) that a column can be mapped to."""

    key: str
    label: Any
    group: Any
    aliases: tuple[str, ...] = ()
    multiple: bool = False  # several columns may feed it; a cell may hold several values


_CONTACT = _("Contact")
_CLASSIFICATION = _("Classification")
_RESPONSIBLE = _("Responsibility")
_COMMUNICATION = _("Phones and e-mails")


# fmt: off
def _t(key: str, label: Any, group: Any, aliases: str, multiple: bool = False) -> Target:
    """A target whose header aliases are written as one "|"-separated string."""
    return Target(key, label, group, tuple(a.strip() for a in aliases.split("|")), multiple)


def _build_targets() -> list[Target]:
    targets = [
        _t("code", _("Code"), _CONTACT,
           "code|contact code|customer code|client code|account code|"
           "كود|رمز|كود العميل|رمز العميل|رقم العميل"),
        _t("name", _("Name"), _CONTACT,
           "name|contact name|contact|company|company name|customer|customer name|client|"
           "client name|account name|full name|english name|name en|name english|"
           "اسم|اسم العميل|اسم الشركة|الاسم بالانجليزي|الاسم الانجليزي|اسم جهة الاتصال"),
        _t("name_ar", _("Arabic name"), _CONTACT,
           "arabic name|name ar|name arabic|name in arabic|"
           "الاسم العربي|الاسم بالعربي|الاسم بالعربيه|الاسم باللغه العربيه"),
        _t("kind", _("Organisation or individual"), _CONTACT,
           "kind|organisation or individual|organization or individual|entity type|"
           "نوع الكيان|فرد او منشاه|منشاه او فرد|الصفه"),
        _t("contact_type", _("Contact type"), _CONTACT,
           "type|contact type|customer type|relationship|"
           "النوع|نوع العميل|نوع جهة الاتصال|نوع العلاقه"),
        _t("category", _("Category"), _CONTACT,
           "category|contact category|customer category|الفئه|التصنيف|فئة العميل"),
        _t("tax_number", _("Tax number"), _CONTACT,
           "tax number|tax no|tax id|vat|vat number|vat no|trn|الرقم الضريبي|رقم ضريبي"),
        _t("website", _("Website"), _CONTACT,
           "website|web site|web|url|homepage|الموقع|الموقع الالكتروني|موقع الويب"),
        _t("notes", _("Notes"), _CONTACT,
           "notes|note|comments|comment|remarks|ملاحظات|ملاحظه"),
        _t("lifecycle", _("Lifecycle"), _CONTACT,
           "lifecycle|life cycle|lifecycle stage|stage|status|المرحله|الحاله|دورة الحياه"),
        _t("rejection_reason", _("Rejection reason"), _CONTACT,
           "rejection reason|reason for rejection|سبب الرفض"),
        _t("area", _("Area"), _CLASSIFICATION,
           "area|region|territory|zone|district|المنطقه|الحي|النطاق"),
        _t("industry", _("Industry"), _CLASSIFICATION,
           "industry|sector|activity|الصناعه|القطاع|النشاط|المجال"),
        _t("segment", _("Segment"), _CLASSIFICATION,
           "segment|market segment|الشريحه|شريحة السوق"),
        _t("size", _("Size"), _CLASSIFICATION, "size|company size|الحجم|حجم الشركه"),
        _t("product_groups", _("Product groups"), _CLASSIFICATION,
           "product groups|product group|products|مجموعات المنتجات|مجموعة المنتجات|المنتجات",
           multiple=True),
        _t("referral_source", _("Referral source"), _CLASSIFICATION,
           "referral source|source|lead source|referral|campaign|"
           "مصدر الاحاله|المصدر|مصدر العميل|الحمله"),
        _t("branch", _("Branch (code or name)"), _RESPONSIBLE,
           "branch|branch code|branch name|الفرع|كود الفرع"),
        _t("representative", _("Representative (employee code)"), _RESPONSIBLE,
           "representative|rep|sales rep|sales representative|salesman|representative code|"
           "المندوب|مندوب المبيعات|كود المندوب"),
        _t("coordinator", _("Coordinator (employee code)"), _RESPONSIBLE,
           "coordinator|coordinator code|المنسق|كود المنسق"),
        _t("manager", _("Manager (employee code)"), _RESPONSIBLE,
           "manager|account manager|manager code|المدير|مدير الحساب"),
        _t("phone", _("Phone"), _COMMUNICATION,
           "phone|phones|phone number|telephone|tel|mobile|mobile number|cell|whatsapp|"
           "الهاتف|رقم الهاتف|الجوال|رقم الجوال|الموبايل|التليفون|الهواتف|واتساب",
           multiple=True),
        _t("email", _("E-mail"), _COMMUNICATION,
           "email|emails|e mail|email address|mail|البريد الالكتروني|البريد|الايميل",
           multiple=True),
        # Of one kind (the export writes a column per kind); "Phone"/"E-mail" take the default.
        *[_t(f"phone_{kind}", fileformat.phone_label(kind), _COMMUNICATION,
             "fax|fax number|فاكس|رقم الفاكس" if kind == PhoneKind.FAX else "", multiple=True)
          for kind in PhoneKind.values],
        *[_t(f"email_{kind}", fileformat.email_label(kind), _COMMUNICATION, "", multiple=True)
          for kind in EmailKind.values],
        _t("referred_by_contact", _("Referred by contact (code)"), _CLASSIFICATION,
           "referred by contact|referring contact|referrer code|كود المحيل|جهة الاحاله"),
        _t("referred_by_employee", _("Referred by (employee code)"), _CLASSIFICATION,
           "referred by employee|referred by representative|referred by"),
        _t("dealer", _("Served by dealer or agent (code)"), _RESPONSIBLE,
           "dealer|agent|dealer code|served by|الموزع|الوكيل|كود الموزع"),
    ]
    # (field, label, English words, Arabic words); "" is the group name alone ("Address 2").
    # Labels from the file format, so that the export's headers and these targets agree.
    address_labels = dict(fileformat.ADDRESS_FIELDS)
    address_fields = [
        ("kind", address_labels["kind"], "kind|type", "نوع"),
        ("line1", address_labels["line1"], "|line 1|street", "|سطر 1"),
        ("line2", address_labels["line2"], "line 2", "سطر 2"),
        ("city", address_labels["city"], "city", "المدينه"),
        ("area", address_labels["area"], "area", "المنطقه"),
        ("postal_code", address_labels["postal_code"], "postal code|zip|zip code|postcode",
         "الرمز البريدي"),
        ("country", address_labels["country"], "country|country code", "الدوله|رمز الدوله"),
        ("latitude", address_labels["latitude"], "latitude|lat", "خط العرض"),
        ("longitude", address_labels["longitude"], "longitude|long|lng|lon", "خط الطول"),
    ]
    for n in range(1, ADDRESS_SLOTS + 1):
        group = format_lazy(_("Address {n}"), n=n)
        for name, label, english_words, arabic_words in address_fields:
            english, arabic = english_words.split("|"), arabic_words.split("|")
            aliases = [f"address {n} {w}" for w in english]
            aliases += [f"العنوان {n} {w}" for w in arabic]
            aliases += [f"{w} العنوان {n}" for w in arabic if w]
            if n == 1:
                aliases += [f"address {w}" for w in english] + [f"العنوان {w}" for w in arabic]
                if name == "line1":
                    aliases += ["street address", "عنوان الشارع"]
                elif name in {"city", "postal_code", "country", "latitude", "longitude"}:
                    aliases += english + arabic
            label = fileformat.address_label(n, label)
            targets.append(_t(f"address{n}_{name}", label, group, "|".join(aliases)))
    person_labels = dict(fileformat.PERSON_FIELDS)
    person_fields = [
        ("name", person_labels["name"], "|name", "|اسم"),
        ("name_ar", person_labels["name_ar"], "arabic name|name ar", "الاسم العربي"),
        ("title", person_labels["title"], "title|job title|position",
         "المسمى|المسمى الوظيفي|الوظيفه"),
        ("department", person_labels["department"], "department", "القسم|الاداره"),
        ("phone", person_labels["phone"], "phone|mobile|tel", "الهاتف|الجوال"),
        ("email", person_labels["email"], "email|e mail", "البريد|البريد الالكتروني|الايميل"),
    ]
    for n in range(1, PERSON_SLOTS + 1):
        group = format_lazy(_("Person {n}"), n=n)
        english_prefixes = [f"person {n}", f"contact person {n}", f"contact {n}"]
        arabic_prefixes = [f"الشخص {n}", f"الشخص المسؤول {n}", f"جهة الاتصال {n}"]
        if n == 1:
            english_prefixes += ["person", "contact person"]
            arabic_prefixes += ["الشخص", "الشخص المسؤول", "مسؤول الاتصال"]
        for name, label, english_words, arabic_words in person_fields:
            aliases = []
            for prefixes, words in (
                (english_prefixes, english_words.split("|")),
                (arabic_prefixes, arabic_words.split("|")),
            ):
                aliases += [f"{p} {w}" for p in prefixes for w in words]
                aliases += [f"{w} {p}" for p in prefixes for w in words if w]
            label = fileformat.person_label(n, label)
            targets.append(_t(f"person{n}_{name}", label, group, "|".join(aliases)))
    return targets
# fmt: on


TARGETS: list[Target] = _build_targets()
TARGET_BY_KEY: dict[str, Target] = {t.key: t for t in TARGETS}


def _header_key(text: str) -> str:
    """The comparison form of a header: digits folded, words split, Arabic article dropped."""
    text = (text or "").translate(_INDIC_DIGITS).replace("_", " ").replace("-", " ")
    text = re.sub(r"(?<=[^\W\d])(?=\d)|(?<=\d)(?=[^\W\d])", " ", text)
    words = normalize_name(text).replace(".", " ").split()
    # "الهاتف" and "هاتف" are the same header; dropping the article also matches "الجوال".
    words = [w[2:] if w.startswith("ال") and len(w) > 3 else w for w in words]
    return " ".join(words)


@functools.cache
def _alias_index() -> dict[str, str | None]:
    """Header comparison key -> target key, or None for a column the import skips: first every
    header the export writes (`fileformat`, exactly as written), then explicit aliases, keys,
    and labels in EN and AR."""
    index: dict[str, str | None] = dict(fileformat.header_targets())
    for target in TARGETS:
        for alias in (*target.aliases, target.key):
            index.setdefault(_header_key(alias), target.key)
    for language in ("en", "ar"):
        with translation.override(language):
            for target in TARGETS:
                index.setdefault(_header_key(str(target.label)), target.key)
    index.pop("", None)
    return index


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """A default mapping (column index as text -> target key) guessed from the header names."""
    index = _alias_index()
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for column, header in enumerate(headers):
        key = index.get(_header_key(header))
        if key is None:
            continue
        if key in used and not TARGET_BY_KEY[key].multiple:
            continue
        used.add(key)
        mapping[str(column)] = key
    return mapping


_SLOT = re.compile(r"^(address|person)(\d+)_")


def _slot(key: str) -> tuple[str, int] | None:
    match = _SLOT.match(key or "")
    return (match.group(1), int(match.group(2))) if match else None


def target_choices(columns: dict[str, str] | None = None) -> list[tuple[Any, Any]]:
    """Choices for a mapping select: "skip", then the targets grouped as in `TARGETS`.

    Address and person groups are offered up to the highest one the mapping `columns` uses
    and one more (at least the first few), so a select does not list every possible group.
    """
    offered = {"address": ADDRESS_SLOTS_OFFERED, "person": PERSON_SLOTS_OFFERED}
    for key in (columns or {}).values():
        slot = _slot(key)
        if slot is not None:
            offered[slot[0]] = max(offered[slot[0]], slot[1] + 1)
    groups: dict[str, tuple[Any, list[tuple[str, Any]]]] = {}
    for target in TARGETS:
        slot = _slot(target.key)
        if slot is not None and slot[1] > offered[slot[0]]:
            continue
        groups.setdefault(str(target.group), (target.group, []))[1].append(
            (target.key, target.label)
        )
    return [("", _("— do not import —"))] + [(g, opts) for g, opts in groups.values()]


# --- reading files --------------------------------------------------------------------------

# A workbook may unpack to at most this many bytes, and to at most this many times its own size:
# a zip bomb is small and unpacks to gigabytes. Checked on the archive's directory before any
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


def _file_error(message: Any) -> ValidationError:
    return ValidationError({"file": [message]})


def _read_upload(uploaded_file) -> bytes:
    limit = settings.IMPORT_MAX_BYTES
    too_big = _file_error(
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
        raise _file_error(_("The file is empty."))
    return data


def _detect_format(data: bytes) -> str:
    """Look at the content, not the name: a zip is a workbook, readable text is CSV."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_error(
            _(
                "Old Excel files (.xls) cannot be read. Save the sheet as .xlsx or CSV and upload it again."
            )
        )
    return "csv"


_NOT_TEXT = _(
    "The file could not be read as a table. Upload a CSV file (UTF-8, or Windows-1256 for "
    "Arabic) or an Excel .xlsx workbook."
)


def _decode(data: bytes) -> tuple[str, str]:
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
            raise _file_error(_NOT_TEXT)
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
                    raise _file_error(_NOT_TEXT)
    if _looks_binary(text):
        raise _file_error(_NOT_TEXT)
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


def _csv_records(text: str, delimiter: str) -> Iterator[_Read]:
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
        raise _file_error(
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
    invalid = _file_error(_("The file is not a valid Excel .xlsx workbook."))
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
        raise _file_error(
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


def _sheet_records(workbook, sheet) -> Iterator[_Read]:
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


def _xlsx_records(data: bytes) -> Iterator[_Read]:
    """The first sheet's rows; `_xlsx_check_archive` has passed before (see `_open_table`)."""
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    raise _file_error(_("The workbook has no sheet."))
                yield from _sheet_records(workbook, workbook.worksheets[0])
            finally:
                workbook.close()
    except ValidationError:
        raise
    except Exception:  # openpyxl and zipfile raise many kinds of errors on a damaged workbook
        logger.info("Unreadable workbook", exc_info=True)
        raise _file_error(_("The file is not a valid Excel .xlsx workbook."))


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


def _open_table(data: bytes) -> Table:
    """Read the header row of `data` and return a `Table` that can walk the data rows."""
    file_format = _detect_format(data)
    if file_format == "xlsx":
        encoding = ""
        _xlsx_check_archive(data)

        def raw_records() -> Iterator[_Read]:
            return _xlsx_records(data)
    else:
        text, encoding = _decode(data)
        delimiter = _sniff_delimiter(text)

        def raw_records() -> Iterator[_Read]:
            return _csv_records(text, delimiter)

    with closing(raw_records()) as iterator:
        first = next(iterator, None)
    headers = [_clean_cell(h).lstrip("\ufeff") for h in (first.cells if first else [])]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise _file_error(_("The first row must hold the column names."))
    if len(headers) > MAX_COLUMNS:
        raise _file_error(
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


def _count_rows(table: Table) -> int:
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
            raise _file_error(
                _("The file has more than %(max)s rows; split it into smaller files.")
                % {"max": limit}
            )
    if not count:
        raise _file_error(_("The file has no data rows below the header row."))
    return count


def _job_table(job: ImportJob) -> Table:
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        raise ValidationError(_("The uploaded file is no longer available; upload it again."))
    return _open_table(data)


def import_job_preview(*, job: ImportJob, limit: int = 5) -> list[tuple[int, list[str]]]:
    """The first data rows of the job's file, padded to the header width, for the mapping page."""
    width = len(job.headers)
    preview = []
    try:
        for number, cells in _job_table(job).rows():
            preview.append((number, (cells + [""] * width)[:width]))
            if len(preview) >= limit:
                break
    except ValidationError:
        return []
    return preview


# --- services: create, map, start -------------------------------------------------------------


def _require_import_permission(actor) -> None:
    if actor is None or not actor.has_perm("contacts.import_contact"):
        raise PermissionDenied(gettext("You may not import contacts."))


def import_job_create(*, actor, company: Company, uploaded_file) -> ImportJob:
    """Check an uploaded file (size, format, encoding, header, rows) and keep it as a new job."""
    _require_import_permission(actor)
    data = _read_upload(uploaded_file)
    table = _open_table(data)
    total = _count_rows(table)
    original = Path(getattr(uploaded_file, "name", "") or "contacts").name[:255]
    job = ImportJob(
        company=company,
        created_by=actor,
        original_name=original,
        file_format=table.file_format,
        encoding=table.encoding,
        headers=table.headers,
        mapping={"columns": guess_mapping(table.headers), "contact_type": None},
        total_rows=total,
        status=ImportJob.Status.UPLOADED,
    )
    # Stored under an opaque name: the original name is only shown, never used as a path.
    # Parsing above stays outside any transaction: on SQLite a transaction holds the only write
    # lock, and reading a large file takes a while.
    job.file.save(f"{uuid.uuid4().hex}.{table.file_format}", ContentFile(data), save=False)
    job.save()
    return job


def _can_change(job: ImportJob) -> bool:
    return job.status in {
        ImportJob.Status.UPLOADED,
        ImportJob.Status.VALIDATED,
        ImportJob.Status.FAILED,
    }


@transaction.atomic
def import_job_set_mapping(
    *,
    actor,
    job: ImportJob,
    columns: dict[int, str],
    contact_type: ContactType | None = None,
    duplicate_policy: str | None = None,
    error_policy: str | None = None,
) -> ImportJob:
    """Store which column feeds which field, and the policies for duplicates and for rows with
    problems (None: unchanged); errors are keyed `column_<index>`, `contact_type` or the
    policy's name."""
    _require_import_permission(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not _can_change(job):
        raise ValidationError(gettext("This import is running or finished; its mapping is fixed."))
    errors: dict[str, list[str]] = _policy_errors(duplicate_policy, error_policy)
    mapping: dict[str, str] = {}
    first_column: dict[str, int] = {}
    for column, key in sorted(columns.items()):
        if not key:
            continue
        if not 0 <= column < len(job.headers):
            raise ValidationError(gettext("Unknown column."))
        target = TARGET_BY_KEY.get(key)
        if target is None:
            errors[f"column_{column}"] = [gettext("Unknown field.")]
            continue
        if key in first_column and not target.multiple:
            errors[f"column_{column}"] = [
                gettext("“%(field)s” is already fed by column “%(column)s”.")
                % {"field": target.label, "column": _column_name(job.headers, first_column[key])}
            ]
            continue
        first_column.setdefault(key, column)
        mapping[str(column)] = key
    if "name" not in first_column:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            gettext("Choose the column that holds the contact's name.")
        )
    if contact_type is not None and contact_type.company_id != job.company_id:
        errors["contact_type"] = [gettext("This value belongs to another company.")]
    elif contact_type is None and "contact_type" not in first_column:
        errors["contact_type"] = [
            gettext("Choose a contact type for all rows, or a column that holds it.")
        ]
    if errors:
        raise ValidationError(errors)
    job.mapping = {"columns": mapping, "contact_type": contact_type.pk if contact_type else None}
    job.duplicate_policy = duplicate_policy or job.duplicate_policy
    job.error_policy = error_policy or job.error_policy
    job.save(update_fields=["mapping", "duplicate_policy", "error_policy", "updated_at"])
    return job


def _policy_errors(duplicate_policy: str | None, error_policy: str | None) -> dict[str, list]:
    errors: dict[str, list] = {}
    if duplicate_policy and duplicate_policy not in ImportJob.DuplicatePolicy.values:
        errors["duplicate_policy"] = [gettext("Choose what to do with duplicates.")]
    if error_policy and error_policy not in ImportJob.ErrorPolicy.values:
        errors["error_policy"] = [gettext("Choose what to do with rows that have problems.")]
    return errors


@transaction.atomic
def import_job_set_policies(
    *, actor, job: ImportJob, duplicate_policy: str | None = None, error_policy: str | None = None
) -> ImportJob:
    """Change what a job does with duplicates and with rows that have problems (None: keep)."""
    _require_import_permission(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not _can_change(job):
        raise ValidationError(gettext("This import is running or finished; its mapping is fixed."))
    errors = _policy_errors(duplicate_policy, error_policy)
    if errors:
        raise ValidationError(errors)
    job.duplicate_policy = duplicate_policy or job.duplicate_policy
    job.error_policy = error_policy or job.error_policy
    job.save(update_fields=["duplicate_policy", "error_policy", "updated_at"])
    return job


UPDATE_NEEDS_CHECK = _(
    "Check the file before updating existing contacts: an update changes only the contacts the "
    "check showed."
)


@transaction.atomic
def import_job_start(*, actor, job: ImportJob, dry_run: bool) -> ImportJob:
    """Queue a dry run or the import of a mapped job; the task starts after commit."""
    from .tasks import import_contacts_task

    _require_import_permission(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not _can_change(job):
        raise ValidationError(gettext("This import is already running or finished."))
    if not job.mapping.get("columns"):
        raise ValidationError(gettext("Map the columns first."))
    if dry_run:
        # What the check shows is all an update may change (see `_Pass._update_target`).
        job.mapping.pop("seen", None)
    elif job.duplicate_policy == ImportJob.DuplicatePolicy.UPDATE and "seen" not in job.mapping:
        raise ValidationError(UPDATE_NEEDS_CHECK)
    job.status = ImportJob.Status.QUEUED
    job.dry_run = dry_run
    job.processed_rows = 0
    job.created_count = job.updated_count = job.skipped_count = 0
    job.errors = []
    job.duplicates = []
    job.message = ""
    job.save()
    _progress_cache().delete(_progress_key(job.pk))
    job_id = job.pk
    transaction.on_commit(lambda: import_contacts_task(job_id, dry_run))
    return job


# --- progress -------------------------------------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"tawasul:contacts:import:{job_id}:processed"


def _progress_cache():
    """A cache every web process and every worker on this machine shares.

    The default cache is shared when it is Redis. In the embedded setup it lives in one process's
    memory, while the page asking for progress and the Huey consumer running the import are
    different processes; a file-based cache under VAR_DIR is shared by both.
    """
    from django.core.cache import caches
    from django.core.cache.backends.dummy import DummyCache
    from django.core.cache.backends.filebased import FileBasedCache
    from django.core.cache.backends.locmem import LocMemCache

    default = caches["default"]
    if isinstance(default, (LocMemCache, DummyCache)):
        location = Path(settings.VAR_DIR) / "cache" / "contacts-import"
        return FileBasedCache(str(location), {"TIMEOUT": 24 * 3600})
    return default


class _ProgressReporter:
    """Publishes how many rows an import has processed while its transaction is still open.

    Every row is written in one transaction, so a count saved through the same connection would
    stay invisible until the end. Two channels carry it instead:

    - the cache (`_progress_cache`), on every database;
    - on PostgreSQL, a second connection that updates `processed_rows` of the job row in
      autocommit. The import transaction never touches the job row, so nothing waits; a short
      lock timeout guards against a caller that locked the row anyway.

    SQLite allows one writer per database and the import holds it, so a second connection would
    only wait for the lock; there the cache alone carries the count. The second connection is
    also skipped when the caller already holds a transaction (tests, immediate mode), since no
    one could see the progress before the caller commits anyway.
    """

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.cache = _progress_cache()
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
        try:
            self.cache.set(_progress_key(self.job_id), processed, 24 * 3600)
        except Exception:
            logger.warning("Import progress: cache write failed", exc_info=True)
        if self.side is not None:
            table = self.side.ops.quote_name(ImportJob._meta.db_table)
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
        if self.side is not None:
            try:
                self.side.close()
            finally:
                self.side = None


def import_job_progress(*, job: ImportJob) -> int:
    """Rows processed so far, read from the job row or the progress cache, whichever is ahead."""
    processed = job.processed_rows
    if job.status == ImportJob.Status.RUNNING:
        try:
            cached = _progress_cache().get(_progress_key(job.pk))
        except Exception:
            cached = None
        if isinstance(cached, int):
            processed = max(processed, cached)
    return min(processed, job.total_rows) if job.total_rows else processed


# --- resolving link values ------------------------------------------------------------------


def _key(text: str) -> str:
    return normalize_name(text)


class _Lookup:
    """Records of one kind of master data found by code or by English or Arabic name."""

    def __init__(self, objects, codes: bool = False) -> None:
        self.by_key: dict[str, list[Any]] = {}
        for obj in objects:
            keys = {_key(obj.name), _key(getattr(obj, "name_ar", "") or "")}
            if codes and getattr(obj, "code", ""):
                keys.add(_key(obj.code))
            for key in keys - {""}:
                self.by_key.setdefault(key, []).append(obj)

    def find(self, value: str, what: Any) -> Any:
        matches = self.by_key.get(_key(value), [])
        if len({m.pk for m in matches}) > 1:
            raise ValidationError(
                gettext("“%(value)s” matches several %(what)s; use its code or a distinct name.")
                % {"value": value, "what": what}
            )
        if not matches:
            raise ValidationError(
                gettext(
                    "No %(what)s is called “%(value)s”. Add it under master data first, or fix the value."
                )
                % {"what": what, "value": value}
            )
        obj = matches[0]
        if getattr(obj, "is_active", True) is False:
            raise ValidationError(
                gettext("“%(value)s” is no longer in use (inactive).") % {"value": value}
            )
        return obj


class _AreaLookup:
    """Areas by name, or by a path such as "Riyadh / Olaya" when a name is used twice."""

    def __init__(self, areas) -> None:
        self.areas = {a.pk: a for a in areas}
        self.by_key: dict[str, list[Area]] = {}
        for area in self.areas.values():
            for key in {_key(area.name), _key(area.name_ar)} - {""}:
                self.by_key.setdefault(key, []).append(area)

    def _ancestors(self, area: Area) -> list[Area]:
        chain = []
        parent_id = area.parent_id
        while parent_id and parent_id in self.areas and len(chain) < 20:
            chain.append(self.areas[parent_id])
            parent_id = self.areas[parent_id].parent_id
        return chain

    def _matches(self, area: Area, key: str) -> bool:
        return key in {_key(area.name), _key(area.name_ar)}

    def find(self, value: str) -> Area:
        parts = [p for p in (_key(s) for s in re.split(r"[/>\\]", value)) if p]
        candidates = self.by_key.get(parts[-1], []) if parts else []
        result = []
        for area in candidates:
            wanted = list(reversed(parts[:-1]))
            for ancestor in self._ancestors(area):
                if wanted and self._matches(ancestor, wanted[0]):
                    wanted.pop(0)
            if not wanted:
                result.append(area)
        if not result:
            raise ValidationError(
                gettext(
                    "No area is called “%(value)s”. Add it under master data first, or fix the value."
                )
                % {"value": value}
            )
        if len(result) > 1:
            example = result[0]
            parent = self.areas.get(example.parent_id)
            raise ValidationError(
                gettext(
                    "“%(value)s” matches several areas; write it with its parent, for example “%(example)s”."
                )
                % {
                    "value": value,
                    "example": f"{parent.name} / {example.name}" if parent else example.name,
                }
            )
        if not result[0].is_active:
            raise ValidationError(
                gettext("“%(value)s” is no longer in use (inactive).") % {"value": value}
            )
        return result[0]


def _choice_words(choices, extra: dict[str, tuple[str, ...]]) -> dict[str, str]:
    words: dict[str, str] = {}
    for language in ("en", "ar"):
        with translation.override(language):
            for value, label in choices:
                words.setdefault(_key(str(label)), value)
    for value, synonyms in extra.items():
        words.setdefault(_key(value), value)
        for word in synonyms:
            words.setdefault(_key(word), value)
    return words


KIND_WORDS = {
    ContactKind.ORGANISATION: (
        "organization",
        "company",
        "business",
        "org",
        "منشأة",
        "منشاه",
        "شركة",
        "مؤسسة",
        "جهة",
    ),
    ContactKind.INDIVIDUAL: ("person", "individual", "private", "فرد", "شخص", "أفراد"),
}
LIFECYCLE_WORDS = {
    Lifecycle.TARGET: ("target", "new", "هدف", "مستهدف"),
    Lifecycle.PROSPECT: ("prospect", "lead", "عميل محتمل", "محتمل"),
    Lifecycle.CUSTOMER: ("customer", "client", "عميل"),
    Lifecycle.REJECTED: ("rejected", "lost", "مرفوض"),
    Lifecycle.RECOVERED: ("recovered", "مسترد", "مستعاد"),
}


class _Resolver:
    """Everything a row needs from the database, loaded once per run."""

    def __init__(self, company: Company, actor=None) -> None:
        self.company = company
        self.actor = actor
        by_company = {"company": company}
        self.types = _Lookup(ContactType.objects.filter(**by_company), codes=True)
        grouped: dict[int, list[ContactCategory]] = {}
        for category in ContactCategory.objects.filter(**by_company):
            grouped.setdefault(category.contact_type_id, []).append(category)
        self.categories: dict[int, _Lookup] = {k: _Lookup(v) for k, v in grouped.items()}
        self.areas = _AreaLookup(Area.objects.filter(**by_company))
        self.masters = {
            "industry": (_Lookup(Industry.objects.filter(**by_company)), _("industry")),
            "segment": (_Lookup(Segment.objects.filter(**by_company)), _("segment")),
            "size": (_Lookup(Size.objects.filter(**by_company)), _("size")),
            "referral_source": (
                _Lookup(ReferralSource.objects.filter(**by_company)),
                _("referral source"),
            ),
        }
        self.product_groups = _Lookup(ProductGroup.objects.filter(**by_company))
        self.branches = _Lookup(Branch.objects.filter(**by_company), codes=True)
        self.employees: dict[str, list[Employee]] = {}
        for employee in Employee.objects.filter(**by_company):
            self.employees.setdefault(employee.code.strip().casefold(), []).append(employee)
        self.kinds = _choice_words(ContactKind.choices, KIND_WORDS)
        self.stages = _choice_words(Lifecycle.choices, LIFECYCLE_WORDS)
        self.address_kinds = _choice_words(AddressKind.choices, {})
        self.region = phone_region(company)
        self.contacts: dict[str, Contact] = {}

    def contact_type(self, value: str) -> ContactType:
        return self.types.find(value, _("contact type"))

    def category(self, value: str, contact_type: ContactType) -> ContactCategory:
        lookup = self.categories.get(contact_type.pk, _Lookup([]))
        return lookup.find(value, format_lazy(_("category of “{type}”"), type=contact_type))

    def employee(self, value: str) -> Employee:
        matches = self.employees.get(value.strip().casefold(), [])
        if not matches:
            raise ValidationError(
                gettext("No employee has the code “%(value)s”.") % {"value": value}
            )
        if not matches[0].is_active:
            raise ValidationError(
                gettext("Employee “%(value)s” is no longer active.") % {"value": value}
            )
        return matches[0]

    def contact(self, value: str) -> Contact:
        """A contact of the company by its code, among those the importing user may view (a
        hidden one answers as a missing one). Found ones are kept; a missing one is looked up
        again, since an earlier row of the file may create it."""
        code = value.strip()
        if code not in self.contacts:
            found = (
                Contact.objects.restrict(self.actor, "view")
                .filter(company=self.company, code=code)
                .select_related("contact_type")
                .first()
            )
            if found is None:
                raise ValidationError(
                    gettext("No contact you can see has the code “%(value)s”.") % {"value": value}
                )
            self.contacts[code] = found
        return self.contacts[code]

    def choice(self, words: dict[str, str], value: str) -> str:
        found = words.get(_key(value))
        if found is None:
            raise ValidationError(
                gettext("“%(value)s” is not one of the allowed values.") % {"value": value}
            )
        return found


# --- one row --------------------------------------------------------------------------------


@dataclass
class _Row:
    """The cells of one data row, grouped by target, and the problems found so far."""

    number: int
    values: dict[str, list[tuple[int, str]]]
    headers: list[str]
    mapped: dict[str, int]  # target -> its first mapped column, also when the cell is empty
    errors: list[dict[str, Any]] = field(default_factory=list)

    def get(self, key: str) -> str:
        return self.values[key][0][1] if key in self.values else ""

    def column_of(self, key: str) -> int | None:
        return self.values[key][0][0] if key in self.values else self.mapped.get(key)

    def add(self, key: str, message: Any, column: int | None = None, value: str = "") -> None:
        if column is None:
            column = self.column_of(key)
        if column is not None:
            name = _column_name(self.headers, column)
            if not value and key in self.values:
                value = next((v for c, v in self.values[key] if c == column), "")
        elif key in TARGET_BY_KEY:
            name = str(TARGET_BY_KEY[key].label)
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
        return any(e["field"] == key for e in self.errors)


def _column_name(headers: list[str], column: int) -> str:
    header = headers[column] if column < len(headers) else ""
    return header or gettext("Column %(n)s") % {"n": column + 1}


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _split(value: str) -> list[str]:
    return [v.strip() for v in MULTI_VALUE_SPLIT.split(value) if v.strip()]


def _kinded(row: _Row, base: str, kinds) -> Iterator[tuple[int, str, str]]:
    """(column, cell, kind) of the columns feeding `base` ("phone": kind "") and its kinds
    ("phone_work": kind "work"), in column order."""
    found = [(c, v, "") for c, v in row.values.get(base, [])]
    for kind in kinds:
        found += [(c, v, kind) for c, v in row.values.get(f"{base}_{kind}", [])]
    return iter(sorted(found, key=lambda item: item[0]))


_NAME_LIST_SPLIT = re.compile(r"[;\u061b\n]+")
_NAME_SPLIT = re.compile(r"[,\u060c]+")


def _split_names(cell: str, lookup: _Lookup) -> list[str]:
    """Names in a cell: separated by ";" (as exported) or by ","; a part that is a known name
    as a whole stays whole, so "Paints, coatings" may be one product group."""
    names = []
    for part in (p.strip() for p in _NAME_LIST_SPLIT.split(cell)):
        if not part or fileformat.hidden_value(part):
            continue  # "(not visible to you)": a group the exporting user could not see
        if _key(part) in lookup.by_key:
            names.append(part)
        else:
            names += [p.strip() for p in _NAME_SPLIT.split(part) if p.strip()]
    return names


def _clean_email(value: str) -> str:
    address = value.strip().lower()
    validate_email(address)
    return address


def _build(row: _Row, resolver: _Resolver, default_type: ContactType | None) -> dict[str, Any]:
    """The keyword arguments of `contact_create` for one row; problems go to `row.errors`."""
    data: dict[str, Any] = {}
    for key in ("code", "name", "name_ar", "tax_number", "notes", "rejection_reason"):
        if key in row.values:
            data[key] = row.get(key)
    website = row.get("website")
    if website:
        data["website"] = website if "://" in website else f"https://{website}"

    def resolve(key: str, finder) -> Any:
        value = row.get(key)
        if not value or fileformat.hidden_value(value):
            # "(not visible to you)": a link the exporting user could not see stays empty.
            return None
        try:
            return finder(value)
        except ValidationError as exc:
            for message in _messages(exc):
                row.add(key, message)
            return None

    if row.get("kind"):
        kind = resolve("kind", lambda v: resolver.choice(resolver.kinds, v))
        if kind:
            data["kind"] = kind
    if row.get("lifecycle"):
        stage = resolve("lifecycle", lambda v: resolver.choice(resolver.stages, v))
        if stage:
            data["lifecycle"] = stage

    contact_type = resolve("contact_type", resolver.contact_type)
    if contact_type is None and (
        not row.get("contact_type") or fileformat.hidden_value(row.get("contact_type"))
    ):
        contact_type = default_type
        if contact_type is None:
            row.add("contact_type", gettext("Give the contact type."))
    if contact_type is not None:
        data["contact_type"] = contact_type
        category = resolve("category", lambda v: resolver.category(v, contact_type))
        if category is not None:
            data["category"] = category

    area = resolve("area", resolver.areas.find)
    if area is not None:
        data["area"] = area
    for key, (lookup, what) in resolver.masters.items():
        obj = resolve(key, lambda v, lookup=lookup, what=what: lookup.find(v, what))
        if obj is not None:
            data[key] = obj
    branch = resolve("branch", lambda v: resolver.branches.find(v, _("branch")))
    if branch is not None:
        data["branch"] = branch
    for key in ("representative", "coordinator", "manager", "referred_by_employee"):
        employee = resolve(key, resolver.employee)
        if employee is not None:
            data[key] = employee
    for key in ("dealer", "referred_by_contact"):
        linked = resolve(key, resolver.contact)
        if linked is not None:
            data[key] = linked

    kwargs: dict[str, Any] = {"data": data}

    groups = []
    for column, cell in row.values.get("product_groups", []):
        for value in _split_names(cell, resolver.product_groups):
            try:
                groups.append(resolver.product_groups.find(value, _("product group")))
            except ValidationError as exc:
                row.add("product_groups", exc.messages[0], column, value)
    if groups:
        kwargs["product_groups"] = list({g.pk: g for g in groups}.values())

    phones, phone_columns = [], []
    for column, cell, kind in _kinded(row, "phone", PhoneKind.values):
        for value in _split(cell):
            try:
                phone_to_e164(value, resolver.region)
            except ValidationError as exc:
                row.add(f"phone_{kind}" if kind else "phone", exc.messages[0], column, value)
                continue
            # A column that does not say which kind: the number does (a landline is no mobile).
            kind = kind or _phone_kind(value, resolver.region)
            phones.append({"number": value, **({"kind": kind} if kind else {})})
            phone_columns.append(column)
    if phones:
        kwargs["phones"] = phones
    emails, email_columns = [], []
    for column, cell, kind in _kinded(row, "email", EmailKind.values):
        for value in _split(cell):
            try:
                address = _clean_email(value)
            except ValidationError:
                row.add(
                    f"email_{kind}" if kind else "email",
                    gettext("“%(value)s” is not an e-mail address.") % {"value": value},
                    column,
                    value,
                )
                continue
            emails.append({"address": address, **({"kind": kind} if kind else {})})
            email_columns.append(column)
    if emails:
        kwargs["emails"] = emails

    addresses, address_slots = [], []
    for n in range(1, ADDRESS_SLOTS + 1):
        prefix = f"address{n}_"
        if not any(
            row.get(prefix + f)
            for f in ("line1", "line2", "city", "area", "postal_code", "latitude", "longitude")
        ):
            continue
        address: dict[str, Any] = {
            f: row.get(prefix + f) for f in ("line1", "line2", "city", "postal_code")
        }
        if row.get(prefix + "country"):
            address["country"] = row.get(prefix + "country").strip().upper()
        if row.get(prefix + "kind"):
            address_kind = resolve(
                prefix + "kind", lambda v: resolver.choice(resolver.address_kinds, v)
            )
            if address_kind:
                address["kind"] = address_kind
        valid = True  # a city or an area alone is an address (`Address.clean`)
        for f, bound in (("latitude", 90), ("longitude", 180)):
            raw = row.get(prefix + f)
            if not raw:
                continue
            try:
                number = Decimal(raw.translate(_INDIC_DIGITS).replace(",", "."))
                address[f] = number.quantize(Decimal("0.000001"))
            except (InvalidOperation, ValueError):
                row.add(prefix + f, gettext("“%(value)s” is not a number.") % {"value": raw})
                valid = False
                continue
            if not -bound <= number <= bound:
                row.add(
                    prefix + f,
                    gettext("Give a value between %(low)s and %(high)s.")
                    % {"low": -bound, "high": bound},
                )
                valid = False
        if row.get(prefix + "area"):
            address_area = resolve(prefix + "area", resolver.areas.find)
            if address_area is not None:
                address["area"] = address_area
        if not valid:
            continue
        addresses.append(address)
        address_slots.append(n)
    if addresses:
        kwargs["addresses"] = addresses

    persons, person_slots = [], []
    for n in range(1, PERSON_SLOTS + 1):
        prefix = f"person{n}_"
        fields = ("name", "name_ar", "title", "department", "phone", "email")
        if not any(row.get(prefix + f) for f in fields):
            continue
        person: dict[str, Any] = {
            f: row.get(prefix + f) for f in ("name", "name_ar", "title", "department")
        }
        person_phones = []
        for value in _split(row.get(prefix + "phone")):
            try:
                phone_to_e164(value, resolver.region)
                person_phones.append(value)
            except ValidationError as exc:
                row.add(prefix + "phone", exc.messages[0], value=value)
        person_emails = []
        for value in _split(row.get(prefix + "email")):
            try:
                person_emails.append(_clean_email(value))
            except ValidationError:
                row.add(
                    prefix + "email",
                    gettext("“%(value)s” is not an e-mail address.") % {"value": value},
                    value=value,
                )
        person["phones"] = person_phones
        person["emails"] = person_emails
        if not person["name"]:
            row.add(prefix + "name", gettext("A contact person needs a name."))
            continue
        if not persons:
            person["is_primary"] = True
        persons.append(person)
        person_slots.append(n)
    if persons:
        kwargs["persons"] = persons

    kwargs["_where"] = {
        "phones": phone_columns,
        "emails": email_columns,
        "addresses": address_slots,
        "persons": person_slots,
    }
    return kwargs


def _phone_kind(value: str, region: str) -> str:
    """The kind of phone a number is, when the numbering plan says: mobile or landline (work)."""
    import phonenumbers

    try:
        number_type = phonenumbers.number_type(phone_parse(value, region))
    except ValidationError:
        return ""
    if number_type == phonenumbers.PhoneNumberType.FIXED_LINE:
        return PhoneKind.WORK
    if number_type == phonenumbers.PhoneNumberType.MOBILE:
        return PhoneKind.MOBILE
    return ""  # fixed line or mobile (as in the US), toll-free, VoIP...: the default kind


_INDEXED = re.compile(r"^(phones|emails|addresses|persons)\[(\d+)\](?:\.(phones|emails))?$")
_PREFIXED = re.compile(r"^(\w+): (.*)$", re.S)


def _record_service_errors(row: _Row, exc: ValidationError, where: dict[str, list[int]]) -> None:
    """Turn the service's error keys (`code`, `persons[1].phones`...) into columns of the row."""
    if not hasattr(exc, "error_dict"):
        for message in _messages(exc):
            row.add("", message)
        return
    for key, messages in exc.message_dict.items():
        match = _INDEXED.match(key)
        for message in messages:
            target, column = key, None
            if key == NON_FIELD_ERRORS:
                target = ""
            elif match:
                kind, index, sub = match.group(1), int(match.group(2)), match.group(3)
                slots = where.get(kind, [])
                slot = slots[index] if index < len(slots) else None
                if kind in {"phones", "emails"}:
                    target, column = kind[:-1], slot
                else:
                    prefix = f"{'address' if kind == 'addresses' else 'person'}{slot or 1}_"
                    prefixed = _PREFIXED.match(message)
                    if sub:
                        target = prefix + sub[:-1]
                    elif prefixed and prefix + prefixed.group(1) in TARGET_BY_KEY:
                        target, message = prefix + prefixed.group(1), prefixed.group(2)
                    else:
                        target = prefix + ("line1" if kind == "addresses" else "name")
            elif key == "phone":
                target = "phone"
            elif key == "email":
                target = "email"
            if target and row.has_error(target):
                continue  # already explained by the check before the service ran
            row.add(target, message, column)


def _row_values(cells: list[str], columns: dict[int, str]) -> dict[str, list[tuple[int, str]]]:
    values: dict[str, list[tuple[int, str]]] = {}
    for column, key in sorted(columns.items()):
        if column < len(cells) and cells[column]:
            # Only notes may keep line breaks; in any other field they become spaces.
            text = clean_text(cells[column], multiline=key == "notes")
            values.setdefault(key, []).append((column, text))
    return values


# --- running a check or an import -------------------------------------------------------------

# Rows per transaction when a run commits as it goes; a batch also ends after BATCH_SECONDS, so
# that other writers never wait long for SQLite's single write lock.
BATCH_ROWS = 200
BATCH_SECONDS = 0.5
# SQLite's busy handler lets a waiting writer retry at most every 100 ms; a pause a little longer
# between two batches lets every waiting writer (pages, the API, sweeps) in before the next one.
SQLITE_BATCH_PAUSE = 0.12
MATCHES_SHOWN = 5
DUPLICATES_KEPT = 2000
# Fields an update from a file never changes: the code identifies the contact, and the lifecycle
# moves only through its own service with its rules and reasons.
_NOT_UPDATED = {"code", "lifecycle", "rejection_reason"}
# How a run writes (see `_Pass`).
CHECK = "check"  # nothing: every batch is rolled back
ONE_TRANSACTION = "one"  # all rows in one transaction, rolled back if any row fails
BATCHES = "batches"  # committed batch by batch; rows with problems are left out
BATCHES_OR_UNDO = "undo"  # committed batch by batch; the first failing row undoes the run


class _StopRun(Exception):
    """A row failed while writing all or nothing batch by batch: undo what was written."""


@dataclass
class _Before:
    """What an update changed on an existing contact, to put back if the run is undone."""

    pk: int
    data: dict[str, Any]
    groups: list[int]
    children: dict[Any, set[int]]


@dataclass
class _Outcome:
    """What a pass over the rows found and did (in a check: would do)."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rows: int = 0
    written: bool = False
    # Row number (as text, a JSON key) -> the contacts the check showed as its matches.
    seen: dict[str, list[int]] = field(default_factory=dict)
    # Cells whose invisible control characters were replaced or removed: row, column, chars.
    cleaned: list[dict[str, Any]] = field(default_factory=list)


class _FileKeys:
    """The duplicate keys of the rows read so far, to find a row repeated within the file."""

    def __init__(self) -> None:
        self.first: dict[tuple[str, str], int] = {}

    def match(self, keys: set[tuple[str, str]]) -> tuple[int | None, list[str]]:
        rows = [self.first[key] for key in keys if key in self.first]
        if not rows:
            return None, []
        earliest = min(rows)
        reasons = {key[0] for key in keys if self.first.get(key) == earliest}
        return earliest, [r for r in DUPLICATE_REASONS if r in reasons]

    def add(self, keys: set[tuple[str, str]], number: int) -> None:
        for key in keys:
            self.first.setdefault(key, number)


class _Pass:
    """One pass over a job's rows: check each, find its duplicates, write it as `mode` says."""

    def __init__(
        self,
        *,
        job: ImportJob,
        table: Table,
        actor,
        mode: str,
        progress,
        share=(0.0, 1.0),
        seen: dict[str, list[int]] | None = None,
    ) -> None:
        self.job, self.table, self.actor, self.mode = job, table, actor, mode
        self.progress = progress
        self.share = share  # (start, size) of this pass in the progress bar, as fractions
        self.company = job.company
        self.headers = job.headers
        self.columns = {int(c): k for c, k in (job.mapping.get("columns") or {}).items() if k}
        self.mapped: dict[str, int] = {}
        for column, key in sorted(self.columns.items()):
            self.mapped.setdefault(key, column)
        self.default_type = None
        if job.mapping.get("contact_type"):
            self.default_type = ContactType.objects.filter(
                company=job.company, pk=job.mapping["contact_type"]
            ).first()
        self.resolver = _Resolver(job.company, actor=actor)
        self.stand_in_type = (
            self.default_type or ContactType.objects.filter(company=job.company).first()
        )
        self.policy = job.duplicate_policy
        self.keys = _FileKeys()
        self.codes: dict[str, int] = {}
        # Row number -> the contact it created, updated or was skipped for; 0 when the row
        # created a contact in a check batch that has since been rolled back.
        self.row_contact: dict[int, int] = {}
        self.batch_created: list[tuple[int, Contact]] = []
        self.rolled_back: list[Contact] = []  # created by check batches since rolled back
        self.run_created: set[int] = set()
        self.undo_updates: list[_Before] = []
        # Existing contact -> the row of this file that updates it: one row per contact.
        self.updated_by: dict[int, int] = {}
        # When importing after a check: the contacts it showed per row, the only ones an
        # update may change (None: a check, which is what shows them).
        self.seen = seen
        self.outcome = _Outcome()

    # -- the loop --

    def run(self) -> _Outcome:
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
                    if self.outcome.rows % PROGRESS_EVERY == 0:
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
                    self._forget_batch()
            if more and connection.vendor == "sqlite" and not connection.in_atomic_block:
                time.sleep(SQLITE_BATCH_PAUSE)
        return self.outcome

    def _forget_batch(self) -> None:
        """After a check batch is rolled back: its rows' contacts exist no more, but later rows
        may still name them (as a dealer or referrer, by code), as they will when imported."""
        known = getattr(self.resolver, "contacts", None)
        for number, contact in self.batch_created:
            self.row_contact[number] = 0
            self.rolled_back.append(contact)
            if known is not None:
                known.setdefault(contact.code, contact)
        self.batch_created = []
        self.run_created = set()

    # -- one row --

    def row(self, record: RawRow) -> None:
        row = _Row(
            number=record.number,
            values=_row_values(record.cells, self.columns),
            headers=self.headers,
            mapped=self.mapped,
        )
        whole_row = [p for p in record.problems if p.whole_row]
        for problem in whole_row:
            row.add("", problem.message, problem.column)
            if problem.swallowed:
                row.errors[-1]["swallowed"] = list(problem.swallowed)
        if whole_row:
            self._fail(row)
            return
        for problem in record.problems:
            if problem.cleaned:
                if len(self.outcome.cleaned) < DUPLICATES_KEPT:
                    name = _column_name(self.headers, problem.column)
                    self.outcome.cleaned.append(
                        {"row": row.number, "column": name, "chars": list(problem.cleaned)}
                    )
            elif problem.column in self.columns:
                value = record.cells[problem.column] if problem.column < len(record.cells) else ""
                row.add(self.columns[problem.column], problem.message, problem.column, value)
        kwargs = _build(row, self.resolver, self.default_type)
        where = kwargs.pop("_where")
        keys = self._keys(kwargs)
        earlier, earlier_reasons = self.keys.match(keys)
        self.keys.add(keys, row.number)
        matches = [] if row.errors else self._matches(kwargs)
        if matches:
            self.outcome.seen[str(row.number)] = [m.contact.pk for m in matches]
        code = row.get("code")
        if self.policy == ImportJob.DuplicatePolicy.CREATE and code:
            if code in self.codes:
                row.add(
                    "code",
                    gettext("This code is already used in row %(row)s of this file.")
                    % {"row": self.codes[code]},
                )
            self.codes.setdefault(code, row.number)
        target: Contact | None = None
        action, repeats = "create", None
        if (earlier or matches) and not row.errors:
            if self.policy == ImportJob.DuplicatePolicy.SKIP:
                action = "skip"
            elif self.policy == ImportJob.DuplicatePolicy.UPDATE:
                action, target, repeats = self._update_target(
                    row, earlier, earlier_reasons, matches
                )
            self._note_duplicate(row, action, earlier, earlier_reasons, matches, target, repeats)
        if row.errors:
            # Still through the service, rolled back, so that the report lists the row's other
            # problems too.
            self._write(row, kwargs, where, None, "create")
            return
        if action in {"skip", "repeat"}:
            self.outcome.skipped += 1
            contact_pk = self.row_contact.get(earlier) if earlier else None
            if contact_pk is None and len(matches) == 1:
                contact_pk = matches[0].contact.pk
            if contact_pk is not None:
                self.row_contact[row.number] = contact_pk
            return
        self._write(row, kwargs, where, target, action)

    def _keys(self, kwargs: dict[str, Any]) -> set[tuple[str, str]]:
        data = kwargs["data"]
        keys = {("name", normalize_name(data.get(n))) for n in ("name", "name_ar")}
        keys.add(("code", (data.get("code") or "").strip().casefold()))
        for phone in _row_phones(kwargs):
            try:
                keys.add(("phone", phone_to_e164(phone, self.resolver.region)))
            except ValidationError:
                continue
        keys |= {("email", address) for address in _row_emails(kwargs)}
        return {(reason, value) for reason, value in keys if value}

    def _matches(self, kwargs: dict[str, Any]) -> list[Any]:
        data = kwargs["data"]
        found = contact_find_duplicates(
            user=self.actor,
            company=self.company,
            code=data.get("code") or None,
            name=data.get("name"),
            name_ar=data.get("name_ar"),
            phones=_row_phones(kwargs),
            emails=_row_emails(kwargs),
            limit=MATCHES_SHOWN + min(len(self.run_created), 50),
        )
        # Contacts written by this run are rows of the same file: `_FileKeys` reports those.
        found = [m for m in found if m.contact.pk not in self.run_created]
        code = (data.get("code") or "").strip()
        if code and not any("code" in m.reasons for m in found):
            # Ordered by how many reasons match, a contact matching by its code alone may fall
            # beyond the limit; it is the one an update goes to, so it is always shown.
            same_code = (
                Contact.objects.restrict(self.actor, "view")
                .filter(company=self.company, code=code)
                .exclude(pk__in=self.run_created)
                .first()
            )
            if same_code is not None:
                found.insert(0, DuplicateMatch(contact=same_code, reasons=("code",)))
        by_code = [m for m in found if "code" in m.reasons]
        return by_code + [m for m in found if "code" not in m.reasons][: MATCHES_SHOWN - 1]

    def _update_target(
        self, row: _Row, earlier: int | None, earlier_reasons: list[str], matches: list[Any]
    ) -> tuple[str, Contact | None, int | None]:
        """(action, the contact to update, the earlier row it repeats) of a duplicate row when
        duplicates update their contact.

        - A row whose code is a contact's code updates that contact, whatever else it matches.
        - A row matching several contacts and none by code is reported, not updated.
        - A row is never applied to a contact it reaches only through another row of the file:
          it repeats that row ("repeat", skipped and reported), as does a row whose contact an
          earlier row of the file already updates.
        - After a check, only a contact the check showed for this row may be updated.
        """
        by_code = [m.contact for m in matches if "code" in m.reasons]
        if by_code:
            candidate = by_code[0]
        elif earlier is not None and "code" in earlier_reasons:
            return "repeat", None, earlier  # the code of an earlier row, new to the database
        elif len(matches) > 1:
            row.add(
                "",
                gettext(
                    "This row matches several contacts (%(codes)s), so it is not clear which to "
                    "update. Give the code of the one to update, or choose to skip duplicates "
                    "or to import them anyway."
                )
                % {"codes": ", ".join(m.contact.code for m in matches)},
            )
            return "ambiguous", None, None
        elif matches:
            candidate = matches[0].contact
        elif earlier is not None:
            return "repeat", None, earlier  # matches only another row of this file
        else:
            return "create", None, None
        first = self.updated_by.get(candidate.pk)
        if first is not None:
            return "repeat", None, first
        if self.seen is not None and candidate.pk not in self.seen.get(str(row.number), ()):
            row.add(
                "",
                gettext(
                    "This row now matches %(code)s, which the check did not show for it; check "
                    "the file again before updating."
                )
                % {"code": candidate.code},
            )
            return "unseen", None, None
        return "update", candidate, None

    def _note_duplicate(
        self, row, action, earlier, earlier_reasons, matches, target, repeats=None
    ) -> None:
        if len(self.outcome.duplicates) >= DUPLICATES_KEPT:
            return
        self.outcome.duplicates.append(
            {
                "row": row.number,
                "name": row.get("name")[:200],
                "action": action,
                "earlier_row": earlier,
                "earlier_reasons": earlier_reasons,
                "target": target.pk if target is not None else None,
                "repeats": repeats,
                "matches": [
                    {
                        "id": m.contact.pk,
                        "code": m.contact.code,
                        "name": m.contact.name,
                        "name_ar": m.contact.name_ar,
                        "reasons": list(m.reasons),
                    }
                    for m in matches
                ],
            }
        )

    def _write(self, row: _Row, kwargs, where, target: Contact | None, action: str) -> None:
        """Create or update the row's contact in a savepoint; keep it if the row has no problem."""
        if target is None and "contact_type" not in kwargs["data"] and self.stand_in_type:
            # The row already has its type error; a stand-in type lets the service report the
            # row's other problems too (the row is rolled back anyway).
            kwargs["data"]["contact_type"] = self.stand_in_type
        if self.rolled_back:
            # A link to a contact an earlier check batch created: it exists again only when the
            # file is imported, where the link is checked; here the rest of the row is.
            gone = {id(c) for c in self.rolled_back}
            data = kwargs["data"]
            for key in [k for k, v in data.items() if id(v) in gone]:
                del data[key]
        savepoint = transaction.savepoint()
        contact = before = None
        try:
            if target is not None:
                region = self.resolver.region
                arguments, where = _update_arguments(target, kwargs, where, row, region)
                before = self._before(target, arguments) if self.mode == BATCHES_OR_UNDO else None
                contact = contact_update(
                    actor=self.actor,
                    contact=target,
                    reason=gettext("Imported from %(file)s") % {"file": self.job.original_name},
                    **arguments,
                )
            else:
                if "contact_type" not in kwargs["data"]:
                    raise ValidationError({})  # no type in the company: nothing to check
                contact = contact_create(actor=self.actor, company=self.company, **kwargs)
        except (ValidationError, PermissionDenied, IntegrityError, DataError) as exc:
            transaction.savepoint_rollback(savepoint)
            if isinstance(exc, ValidationError):
                _record_service_errors(row, exc, where)
            elif isinstance(exc, PermissionDenied) and target is not None:
                row.add(
                    "",
                    gettext(
                        "You may not change %(code)s, which this row matches; choose to skip "
                        "duplicates or to import them anyway."
                    )
                    % {"code": target.code},
                )
            elif isinstance(exc, PermissionDenied):
                row.add("", str(exc) or gettext("You may not add this contact."))
            else:
                row.add("", gettext("The database refused this row: %(error)s") % {"error": exc})
        except Exception:
            # A fault in the code, not in the file: report the row and keep going.
            transaction.savepoint_rollback(savepoint)
            logger.exception("Contact import %s: row %s failed", self.job.pk, row.number)
            row.add("", gettext("This row could not be checked because of an unexpected error."))
        if row.errors:
            if contact is not None:
                transaction.savepoint_rollback(savepoint)
            self._fail(row)
            return
        transaction.savepoint_commit(savepoint)
        self.row_contact[row.number] = contact.pk
        if target is None:
            self.run_created.add(contact.pk)
            self.batch_created.append((row.number, contact))
        if action == "update":
            self.outcome.updated += 1
            self.updated_by[target.pk] = row.number
        else:
            self.outcome.created += 1
        if before is not None:
            self.undo_updates.append(before)

    def _fail(self, row: _Row) -> None:
        self.outcome.errors.extend(row.errors)
        duplicates = self.outcome.duplicates
        if duplicates and duplicates[-1]["row"] == row.number:
            duplicates[-1]["action"] = "failed"
        if self.mode == BATCHES_OR_UNDO:
            raise _StopRun

    # -- undoing a run written batch by batch --

    def _before(self, contact: Contact, arguments: dict[str, Any]) -> _Before:
        return _Before(
            pk=contact.pk,
            data={name: getattr(contact, name) for name in arguments["data"]},
            groups=list(contact.product_groups.values_list("pk", flat=True)),
            children={
                model: set(model.objects.filter(contact=contact).values_list("pk", flat=True))
                for model in (Phone, Email, Address, ContactPerson)
            },
        )

    def undo(self) -> None:
        """Delete the contacts this run created and put back what it changed, batch by batch."""
        created = sorted(self.run_created)
        for start in range(0, len(created), BATCH_ROWS):
            with transaction.atomic():
                for contact in Contact.objects.filter(pk__in=created[start : start + BATCH_ROWS]):
                    contact._history_user = self.actor
                    contact.delete()
        reason = gettext("Import of %(file)s undone") % {"file": self.job.original_name}
        for before in reversed(self.undo_updates):
            with transaction.atomic():
                contact = Contact.objects.get(pk=before.pk)
                for model, kept in before.children.items():
                    for child in model.objects.filter(contact=contact).exclude(pk__in=kept):
                        child._history_user = self.actor
                        child.delete()
                contact_update(
                    actor=self.actor,
                    contact=contact,
                    data=before.data,
                    product_groups=ProductGroup.objects.filter(pk__in=before.groups),
                    reason=reason,
                )


def _row_phones(kwargs: dict[str, Any]) -> list[str]:
    phones = [p["number"] for p in kwargs.get("phones", [])]
    return phones + [n for person in kwargs.get("persons", []) for n in person.get("phones", [])]


def _row_emails(kwargs: dict[str, Any]) -> list[str]:
    emails = [e["address"] for e in kwargs.get("emails", [])]
    return emails + [a for person in kwargs.get("persons", []) for a in person.get("emails", [])]


def _address_key(address: dict[str, Any]) -> tuple[str, ...]:
    return tuple(normalize_name(str(address.get(f) or "")) for f in ("line1", "line2", "city"))


def _update_arguments(contact: Contact, kwargs: dict[str, Any], where, row: _Row, region: str):
    """`contact_update`'s arguments that bring a file's row into an existing contact, losing
    nothing: the row's filled-in fields are set (never the code or the lifecycle stage; the
    type only from the row, not the default type for new rows); phones, e-mails, addresses,
    persons and product groups the contact lacks are added to those it has."""
    data = {k: v for k, v in kwargs["data"].items() if k not in _NOT_UPDATED}
    if not row.get("contact_type"):
        data.pop("contact_type", None)
    arguments: dict[str, Any] = {"data": data}
    new_where: dict[str, list[Any]] = {}
    groups = kwargs.get("product_groups") or []
    current_groups = list(contact.product_groups.all())
    if any(g.pk not in {c.pk for c in current_groups} for g in groups):
        arguments["product_groups"] = current_groups + [
            g for g in groups if g.pk not in {c.pk for c in current_groups}
        ]
    numbers = set(Phone.objects.filter(contact=contact).values_list("number", flat=True))
    new_phones, new_columns = [], []
    for phone, column in zip(kwargs.get("phones", []), where.get("phones", []), strict=False):
        number = phone_to_e164(phone["number"], region)
        if number not in numbers:
            numbers.add(number)
            new_phones.append(phone)
            new_columns.append(column)
    if new_phones:
        kept = Phone.objects.filter(contact=contact, person__isnull=True)
        existing = [{"id": p.pk, "number": p.number, "kind": p.kind} for p in kept]
        arguments["phones"] = existing + new_phones
        new_where["phones"] = [None] * len(existing) + new_columns
    addresses = set(Email.objects.filter(contact=contact).values_list("address", flat=True))
    new_emails, new_columns = [], []
    for email, column in zip(kwargs.get("emails", []), where.get("emails", []), strict=False):
        if email["address"] not in addresses:
            addresses.add(email["address"])
            new_emails.append(email)
            new_columns.append(column)
    if new_emails:
        kept = Email.objects.filter(contact=contact, person__isnull=True)
        existing = [{"id": e.pk, "address": e.address, "kind": e.kind} for e in kept]
        arguments["emails"] = existing + new_emails
        new_where["emails"] = [None] * len(existing) + new_columns
    current = list(Address.objects.filter(contact=contact))
    seen = {_address_key(vars(a)) for a in current}
    new_addresses, new_slots = [], []
    for address, slot in zip(kwargs.get("addresses", []), where.get("addresses", []), strict=False):
        if _address_key(address) not in seen:
            seen.add(_address_key(address))
            new_addresses.append(address)
            new_slots.append(slot)
    if new_addresses:
        fields = ("kind", "line1", "line2", "city", "area", "postal_code", "country")
        existing = [
            {
                "id": a.pk,
                **{f: getattr(a, f) for f in fields},
                "latitude": a.latitude,
                "longitude": a.longitude,
            }
            for a in current
        ]
        arguments["addresses"] = existing + new_addresses
        new_where["addresses"] = [None] * len(existing) + new_slots
    people = list(ContactPerson.objects.filter(contact=contact))
    names = {normalize_name(p.name) for p in people}
    new_persons, new_slots = [], []
    for person, slot in zip(kwargs.get("persons", []), where.get("persons", []), strict=False):
        if normalize_name(person["name"]) not in names:
            names.add(normalize_name(person["name"]))
            person = {**person, "is_primary": not people and not new_persons}
            new_persons.append(person)
            new_slots.append(slot)
    if new_persons:
        fields = ("name", "name_ar", "title", "department", "is_primary")
        existing = [{"id": p.pk, **{f: getattr(p, f) for f in fields}} for p in people]
        arguments["persons"] = existing + new_persons
        new_where["persons"] = [None] * len(existing) + new_slots
    return arguments, new_where


def error_counts(errors: list[dict[str, Any]]) -> tuple[int, int]:
    """How many problems a report lists, and in how many rows."""
    return len(errors), len({e["row"] for e in errors})


def _counted(singular: str, plural: str, count: int) -> str:
    return ngettext(singular, plural, count) % {"count": f"{count:,}"}


def _summary(outcome: _Outcome, job: ImportJob, dry_run: bool) -> tuple[str, str]:
    """The job's status and the one-paragraph message of a finished check or import."""
    problems, rows = error_counts(outcome.errors)
    counted = {
        "problems": ngettext("%(n)s problem", "%(n)s problems", problems) % {"n": problems},
        "rows": ngettext("%(n)s row", "%(n)s rows", rows) % {"n": rows},
    }
    nothing = gettext("Nothing was imported: %(problems)s in %(rows)s.") % counted
    valid_rows = job.error_policy == ImportJob.ErrorPolicy.VALID_ROWS
    counts = []
    if outcome.updated:
        counts.append(
            _counted(
                "%(count)s existing contact updated.",
                "%(count)s existing contacts updated.",
                outcome.updated,
            )
        )
    if outcome.skipped:
        counts.append(
            _counted(
                "%(count)s duplicate row skipped.",
                "%(count)s duplicate rows skipped.",
                outcome.skipped,
            )
        )
    if dry_run:
        if outcome.errors and not valid_rows:
            return ImportJob.Status.VALIDATED, nothing
        if outcome.errors:
            text = (
                gettext(
                    "Check: %(rows)s with problems will be left out (%(problems)s); the other rows "
                    "can be imported."
                )
                % counted
            )
        elif not counts:
            text = ngettext(
                "Check passed: the %(count)s row can be imported. Nothing was written yet.",
                "Check passed: all %(count)s rows can be imported. Nothing was written yet.",
                outcome.rows,
            ) % {"count": outcome.rows}
        else:
            text = gettext("Check passed. Nothing was written yet.")
        new = _counted("%(count)s new contact.", "%(count)s new contacts.", outcome.created)
        if counts or outcome.errors:
            text = " ".join([text, new, *counts])
        return ImportJob.Status.VALIDATED, text
    if outcome.errors and not outcome.written:
        return ImportJob.Status.FAILED, nothing
    text = _counted("Imported %(count)s contact.", "Imported %(count)s contacts.", outcome.created)
    parts = [text, *counts]
    if outcome.errors:
        parts.append(
            ngettext(
                "%(n)s row with problems was not imported (see the report).",
                "%(n)s rows with problems were not imported (see the report).",
                rows,
            )
            % {"n": rows}
        )
    return ImportJob.Status.IMPORTED, " ".join(parts)


def import_job_summary(job: ImportJob) -> str:
    """The one-paragraph result of a finished check or import, in the active language."""
    if job.message or job.status not in {
        ImportJob.Status.VALIDATED,
        ImportJob.Status.IMPORTED,
        ImportJob.Status.FAILED,
    }:
        return job.message
    outcome = _Outcome(
        errors=job.errors,
        created=job.created_count,
        updated=job.updated_count,
        skipped=job.skipped_count,
        rows=job.processed_rows,
        written=job.status == ImportJob.Status.IMPORTED,
    )
    return _summary(outcome, job, job.dry_run)[1]


def _actor_language(actor) -> str:
    from tawasul.core.models import UserPreference

    preferred = UserPreference.objects.filter(user=actor).values_list("language", flat=True)
    return preferred.first() or translation.get_language() or settings.LANGUAGE_CODE


def _import_rows(*, job: ImportJob, actor, dry_run: bool, progress) -> _Outcome:
    """Run the check or the import of `job` as its error policy and the database allow.

    - A check writes each batch and rolls it back, so that no write lock is held for long.
    - "Import the valid rows" commits batch by batch and leaves the rows with problems out.
    - "All or nothing" is one transaction where that blocks no one (PostgreSQL: row locks only;
      or inside a caller's transaction). On SQLite, whose one write lock a long transaction
      would hold while pages, the API and sweeps time out, it checks every row first (batches
      rolled back), then writes batch by batch; should a row fail only then (a contact changed
      in between), what this run wrote is undone: its new contacts deleted, updated contacts
      given their previous values and children back.
    """
    table = _job_table(job)
    if dry_run:
        return _Pass(job=job, table=table, actor=actor, progress=progress, mode=CHECK).run()
    seen = job.mapping.get("seen")
    if seen is None and job.duplicate_policy == ImportJob.DuplicatePolicy.UPDATE:
        raise ValidationError(UPDATE_NEEDS_CHECK)
    one_pass = functools.partial(
        _Pass, job=job, table=table, actor=actor, progress=progress, seen=seen or {}
    )
    if job.error_policy == ImportJob.ErrorPolicy.VALID_ROWS:
        outcome = one_pass(mode=BATCHES).run()
        outcome.written = bool(outcome.created or outcome.updated)
        return outcome
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic():
            outcome = one_pass(mode=ONE_TRANSACTION).run()
            if outcome.errors:
                transaction.set_rollback(True)
                outcome.created = outcome.updated = outcome.skipped = 0
        outcome.written = not outcome.errors
        return outcome
    check = one_pass(mode=CHECK, share=(0.0, 0.5)).run()
    if check.errors:
        check.created = check.updated = check.skipped = 0
        return check
    writer = one_pass(mode=BATCHES_OR_UNDO, share=(0.5, 0.5))
    try:
        outcome = writer.run()
    except _StopRun:
        writer.undo()
        outcome = writer.outcome
        outcome.created = outcome.updated = outcome.skipped = 0
        return outcome
    outcome.written = True
    return outcome


def import_job_run(*, job_id: int, dry_run: bool) -> ImportJob | None:
    """Check (dry run) or import every row of a queued job, as the job's policies say.

    Safe to call twice: only a queued job is claimed, so a retried task does nothing.
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING,
        dry_run=dry_run,
        processed_rows=0,
        updated_at=timezone.now(),
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("company", "created_by").get(pk=job_id)
    actor = job.created_by
    job.errors, job.duplicates = [], []
    job.created_count = job.updated_count = job.skipped_count = 0
    with translation.override(_actor_language(actor)):
        progress = _ProgressReporter(job.pk)
        try:
            if not actor.has_perm("contacts.add_contact"):
                raise ValidationError(
                    gettext("You may not add contacts, so nothing can be imported.")
                )
            outcome = _import_rows(job=job, actor=actor, dry_run=dry_run, progress=progress)
        except ValidationError as exc:
            job.status = ImportJob.Status.FAILED
            job.message = " ".join(_messages(exc))[:500]
        except Exception:
            logger.exception("Contact import %s stopped", job.pk)
            job.status = ImportJob.Status.FAILED
            job.message = gettext(
                "The import stopped because of an unexpected error. Nothing was imported."
            )
        else:
            # The summary is said at read time in the reader's language, from the counts kept
            # (`import_job_summary`); `message` holds only what stopped a run.
            job.status, _text = _summary(outcome, job, dry_run)
            job.message = ""
            job.errors = outcome.errors
            job.duplicates = outcome.duplicates
            job.mapping = {**job.mapping, "cleaned": outcome.cleaned}
            if dry_run:
                job.mapping["seen"] = outcome.seen
            job.created_count = outcome.created
            job.updated_count = outcome.updated
            job.skipped_count = outcome.skipped
            job.processed_rows = outcome.rows
        finally:
            progress.close()
    if job.status != ImportJob.Status.IMPORTED:
        job.processed_rows = max(job.processed_rows, import_job_progress(job=job))
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
    _progress_cache().delete(_progress_key(job.pk))
    if job.status == ImportJob.Status.IMPORTED and job.file:
        # The rows now live in the contacts; keep no second copy of personal data around.
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
    return job


# --- files we hand out -------------------------------------------------------------------------


SAMPLE_COLUMNS = [
    "code",
    "name",
    "name_ar",
    "kind",
    "contact_type",
    "category",
    "area",
    "industry",
    "product_groups",
    "representative",
    "lifecycle",
    "phone",
    "email",
    "website",
    "tax_number",
    "address1_line1",
    "address1_city",
    "address1_latitude",
    "address1_longitude",
    "person1_name",
    "person1_title",
    "person1_phone",
    "person1_email",
    "person2_name",
    "person2_phone",
    "notes",
]


def import_sample_rows(*, company: Company | None) -> tuple[list[str], list[list[str]]]:
    """Header and two example rows for the sample CSV, using the company's own master data."""

    def first(model, attr: str = "name") -> str:
        if company is None:
            return ""
        obj = model.objects.filter(company=company, is_active=True).order_by("pk").first()
        return getattr(obj, attr, "") if obj else ""

    contact_type = first(ContactType, "code") or "customer"
    area, industry = first(Area), first(Industry)
    group = first(ProductGroup)
    header = [str(TARGET_BY_KEY[k].label) for k in SAMPLE_COLUMNS]
    example = {
        "code": "C-9001",
        "name": "Al Noor Trading",
        "name_ar": "النور للتجارة",
        "kind": str(ContactKind.ORGANISATION.label),
        "contact_type": contact_type,
        "area": area,
        "industry": industry,
        "product_groups": group,
        "lifecycle": str(Lifecycle.PROSPECT.label),
        "phone": "0112345678",
        "email": "info@alnoor.example",
        "website": "alnoor.example",
        "tax_number": "300000000000003",
        "address1_line1": "King Fahd Road",
        "address1_city": "Riyadh",
        "address1_latitude": "24.7136",
        "address1_longitude": "46.6753",
        "person1_name": "Omar Saleh",
        "person1_title": "Buyer",
        "person1_phone": "0501234567",
        "person1_email": "omar@alnoor.example",
        "person2_name": "Huda Ali",
        "person2_phone": "0551234567",
        "notes": "",
    }
    second = {
        "code": "C-9002",
        "name": "Sara Ahmed",
        "name_ar": "سارة أحمد",
        "kind": str(ContactKind.INDIVIDUAL.label),
        "contact_type": contact_type,
        "area": area,
        "lifecycle": str(Lifecycle.TARGET.label),
        "phone": "0509876543; 0112233445",
        "email": "sara@example.com",
        "address1_line1": "Olaya Street",
        "address1_city": "Riyadh",
    }
    return header, [[row.get(k, "") for k in SAMPLE_COLUMNS] for row in (example, second)]


STALE_AFTER = timedelta(hours=2)


def import_job_fail_stale(*, now=None) -> int:
    """Mark jobs left running by a worker that died as failed.

    A check, and an all-or-nothing import in one transaction, rolled back with the worker. An
    import that commits batch by batch (valid rows; all or nothing on SQLite) kept the batches
    written before: the message says so, and running the file again skips them as duplicates.
    """
    now = now or timezone.now()
    stale = ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING, updated_at__lt=now - STALE_AFTER
    )
    batched = stale.filter(dry_run=False)
    if connection.vendor != "sqlite":
        batched = batched.filter(error_policy=ImportJob.ErrorPolicy.VALID_ROWS)
    partly = batched.update(
        status=ImportJob.Status.FAILED,
        message=gettext(
            "The import stopped before it finished. Rows written before it stopped are kept; "
            "run the file again with duplicates skipped to import the rest."
        ),
        updated_at=now,
    )
    return partly + stale.update(
        status=ImportJob.Status.FAILED,
        message=gettext(
            "The import stopped before it finished. Nothing was imported; run it again."
        ),
        updated_at=now,
    )
