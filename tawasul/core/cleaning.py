"""Characters that no record should hold, refused or removed where text comes in.

Control characters (C0 but tab, line feed and carriage return in multi-line text; DEL; C1),
lone surrogates and Unicode noncharacters cannot be written to XML (so to an XLSX export),
are invisible on screen and in search, and never belong in a name or an address. Text comes
into Tawasul through three doors: forms (`CleanTextFormMixin`), the API (`CleanCharField`, in
`tawasul.core.api`) and imports (`clean_text`, called on every cell). Forms and the API refuse
such text with a field message, so that nothing is changed behind the user's back; an import
removes them from the cell and says so in the row's report. Exports clean at write time too,
for rows stored before this check existed.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Whitespace-like controls: in single-line text they become a space, in multi-line text a line
# break (0x0B, the vertical tab, is the line break Word and Excel put inside a cell).
_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_MULTILINE_OK = "\t\n\r"
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}-{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
# Invisible format characters that can disguise text: bidirectional embeddings, overrides and
# isolates (U+202E shows "ABC" as "CBA"; a code or a name would read as another one), word joiner
# and invisible operators, deprecated format controls, the byte-order mark, interlinear
# annotations and tag characters. The marks people type in Arabic and Persian text (ZWNJ, ZWJ,
# LRM, RLM, ALM) are kept; search and duplicate checks ignore them (`core.text`).
_DISGUISES = "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f"
# Every character refused anywhere, whatever the kind of field.
_ALWAYS = re.compile(
    "[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ud800-\udfff" + _DISGUISES + _NONCHARACTERS + "]"
)
_SINGLE_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff" + _DISGUISES + _NONCHARACTERS + "]"
)
_MULTI_LINE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff"
    + _DISGUISES
    + _NONCHARACTERS
    + "]"
)
_BREAK_RE = re.compile(f"[{_BREAKS}]")
_SPACE_RUN = re.compile(r"[\t\n\r]+")

MESSAGE = _("Remove the invisible control characters from this text (such as %(char)s).")


def bad_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The characters of `text` that must not be stored, in order of appearance."""
    pattern = _MULTI_LINE if multiline else _SINGLE_LINE
    return pattern.findall(text)


def describe(char: str) -> str:
    """A character as a person can read it in a message: U+000B."""
    return f"U+{ord(char):04X}"


def clean_text(text: str, *, multiline: bool = False) -> str:
    """`text` without the characters no record may hold.

    Line-break-like controls become a line break in multi-line text and a space in single-line
    text; tab, line feed and carriage return also become a space in single-line text; every
    other control character, lone surrogate and noncharacter is removed.
    """
    if not text or not (_MULTI_LINE if multiline else _SINGLE_LINE).search(text):
        return text
    text = _BREAK_RE.sub("\n" if multiline else " ", text)
    if not multiline:
        text = _SPACE_RUN.sub(" ", text)
    return _ALWAYS.sub("", text)


@deconstructible
class ControlCharacterValidator:
    """Refuse text holding a character that `clean_text` would remove or change."""

    code = "control_characters"

    def __init__(self, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, value) -> None:
        if not isinstance(value, str):
            return
        found = bad_characters(value, multiline=self.multiline)
        if found:
            raise ValidationError(MESSAGE, code=self.code, params={"char": describe(found[0])})

    def __eq__(self, other) -> bool:
        return isinstance(other, ControlCharacterValidator) and other.multiline == self.multiline


def is_multiline_widget(widget) -> bool:
    return isinstance(widget, forms.Textarea)


class CleanTextFormMixin:
    """Every text field of the form refuses control characters with a field message.

    Text areas accept tab, line feed and carriage return; one-line inputs accept none.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                multiline = is_multiline_widget(field.widget)
                field.validators.append(ControlCharacterValidator(multiline=multiline))


# The largest key a 64-bit column holds has 19 digits; anything longer is no record's key.
_MAX_ID_DIGITS = 18


def parse_id(value: object) -> int | None:
    """A record key sent by a browser or client, or None when it cannot be one.

    `str.isdigit` accepts "²" and other digits `int` refuses, and a key of thirty digits
    overflows SQLite; both used to answer a server error instead of "not found".
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 10**_MAX_ID_DIGITS else None
    text = str(value).strip() if value is not None else ""
    if not text or len(text) > _MAX_ID_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return int(text) or None


def parse_ids(values) -> list[int]:
    """The record keys among `values`, in order, skipping anything that cannot be one."""
    return [key for key in (parse_id(v) for v in values or []) if key is not None]
