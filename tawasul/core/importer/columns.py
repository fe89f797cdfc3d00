"""What a file's columns may feed: a module's targets, header guessing and the mapping's rules.

A module declares its `Target`s (one per field a column can feed) in a `Columns`; the importer
guesses a mapping from the header names, offers the targets as grouped choices on the mapping
page, and checks the mapping a user sends (`Columns.check`). Numbered groups of targets
("Address 1: line 1", "Person 2: phone") are keys `<group><n>_<field>`; `slots` says how many
groups of each the mapping page offers before the file or the mapping uses more.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tawasul.core.text import normalize_name

_INDIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫", "01234567890123456789.")
_SLOT = re.compile(r"^([a-z]+)(\d+)_")


@dataclass(frozen=True)
class Target:
    """One field (of the record, or of a numbered group such as an address) a column can feed."""

    key: str
    label: Any
    group: Any
    aliases: tuple[str, ...] = ()
    multiple: bool = False  # several columns may feed it; a cell may hold several values
    multiline: bool = False  # its cells keep their line breaks (elsewhere they become spaces)


def header_key(text: str) -> str:
    """The comparison form of a header: digits folded, words split, Arabic article dropped."""
    text = (text or "").translate(_INDIC_DIGITS).replace("_", " ").replace("-", " ")
    text = re.sub(r"(?<=[^\W\d])(?=\d)|(?<=\d)(?=[^\W\d])", " ", text)
    words = normalize_name(text).replace(".", " ").split()
    # "الهاتف" and "هاتف" are the same header; dropping the article also matches "الجوال".
    words = [w[2:] if w.startswith("ال") and len(w) > 3 else w for w in words]
    return " ".join(words)


def column_name(headers: list[str], column: int) -> str:
    """A column as the report names it: its header, or "Column 3" when the header is empty."""
    header = headers[column] if column < len(headers) else ""
    return header or gettext("Column %(n)s") % {"n": column + 1}


class Columns:
    """The targets of one module's files.

    `known_headers` returns header comparison keys (see `header_key`) -> target key, or None
    for a column the import skips: the headers the module's own export writes, matched before
    any alias. `slots` maps a numbered group ("address") to how many groups the mapping page
    offers at least.
    """

    def __init__(
        self,
        targets: list[Target],
        *,
        known_headers: Callable[[], dict[str, str | None]] | None = None,
        slots: dict[str, int] | None = None,
    ) -> None:
        self.targets = targets
        self.by_key: dict[str, Target] = {t.key: t for t in targets}
        self.known_headers = known_headers
        self.slots = dict(slots or {})

    @functools.cached_property
    def alias_index(self) -> dict[str, str | None]:
        """Header comparison key -> target key (None: skipped): first the known headers, exactly
        as written, then explicit aliases, keys, and labels in English and Arabic."""
        index: dict[str, str | None] = dict(self.known_headers() if self.known_headers else {})
        for target in self.targets:
            for alias in (*target.aliases, target.key):
                index.setdefault(header_key(alias), target.key)
        for language in ("en", "ar"):
            with translation.override(language):
                for target in self.targets:
                    index.setdefault(header_key(str(target.label)), target.key)
        index.pop("", None)
        return index

    def guess(self, headers: list[str]) -> dict[str, str]:
        """A default mapping (column index as text -> target key) guessed from the header names;
        a target that takes one column gets the first column naming it."""
        index = self.alias_index
        mapping: dict[str, str] = {}
        used: set[str] = set()
        for column, header in enumerate(headers):
            key = index.get(header_key(header))
            if key is None:
                continue
            if key in used and not self.by_key[key].multiple:
                continue
            used.add(key)
            mapping[str(column)] = key
        return mapping

    def slot(self, key: str) -> tuple[str, int] | None:
        """(group, number) of a numbered group's target key ("address2_city"), else None."""
        match = _SLOT.match(key or "")
        if match is None or match.group(1) not in self.slots:
            return None
        return match.group(1), int(match.group(2))

    def choices(self, columns: dict[str, str] | None = None) -> list[tuple[Any, Any]]:
        """Choices for a mapping select: "skip", then the targets grouped as declared.

        Numbered groups are offered up to the highest one the mapping `columns` uses and one
        more (at least `slots`), so a select does not list every possible group.
        """
        offered = dict(self.slots)
        for key in (columns or {}).values():
            slot = self.slot(key)
            if slot is not None:
                offered[slot[0]] = max(offered[slot[0]], slot[1] + 1)
        groups: dict[str, tuple[Any, list[tuple[str, Any]]]] = {}
        for target in self.targets:
            slot = self.slot(target.key)
            if slot is not None and slot[1] > offered[slot[0]]:
                continue
            groups.setdefault(str(target.group), (target.group, []))[1].append(
                (target.key, target.label)
            )
        return [("", _("— do not import —"))] + [(g, opts) for g, opts in groups.values()]

    def check(
        self, headers: list[str], columns: dict[int, str]
    ) -> tuple[dict[str, str], dict[str, int], dict[str, list[str]]]:
        """(mapping column-as-text -> key, target -> its first column, errors) of the mapping a
        user sent (column index -> target key, "" for skipped).

        Errors are keyed `column_<index>`: an unknown target, or a second column for a target
        that takes one. Raises ValidationError for a column the file does not have.
        """
        errors: dict[str, list[str]] = {}
        mapping: dict[str, str] = {}
        first_column: dict[str, int] = {}
        for column, key in sorted(columns.items()):
            if not key:
                continue
            if not 0 <= column < len(headers):
                raise ValidationError(gettext("Unknown column."))
            target = self.by_key.get(key)
            if target is None:
                errors[f"column_{column}"] = [gettext("Unknown field.")]
                continue
            if key in first_column and not target.multiple:
                errors[f"column_{column}"] = [
                    gettext("“%(field)s” is already fed by column “%(column)s”.")
                    % {"field": target.label, "column": column_name(headers, first_column[key])}
                ]
                continue
            first_column.setdefault(key, column)
            mapping[str(column)] = key
        return mapping, first_column, errors
