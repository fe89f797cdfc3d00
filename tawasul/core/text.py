"""Text normalisation: the one comparison form used by search, duplicate detection and import.

Two spellings compare equal when they differ only in what `fold_text` removes or folds
(docs/user/contacts.md, "Which spellings are the same"): case, invisible characters (zero-width
spaces and joiners, byte-order marks, direction marks and embeddings), Arabic diacritics and
tatweel, the forms of alef, hamza on waw and ya, taa marbuta, alef maqsura, the Persian and Kurdish
keyboard letters for kaf, ya and ha, and Arabic-Indic or Persian digits.
"""

import re
import unicodedata

# Characters that take no room and change nothing a reader sees: zero-width space, non-joiner and
# joiner, word joiner, byte-order mark, soft hyphen, and every direction mark, embedding,
# override and isolate (LRM, RLM, ALM, LRE..RLO, LRI..PDI).
_INVISIBLE = re.compile("[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Arabic diacritics (harakat, tanween, shadda, sukun, superscript alef, Quranic marks) and tatweel.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_FOLD = str.maketrans(
    {
        "\u0622": "\u0627",  # alef with madda -> alef
        "\u0623": "\u0627",  # alef with hamza above -> alef
        "\u0625": "\u0627",  # alef with hamza below -> alef
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0624": "\u0648",  # waw with hamza -> waw (المؤمن = المومن)
        "\u0626": "\u064a",  # ya with hamza -> ya (عائشة = عايشه)
        "\u0629": "\u0647",  # taa marbuta -> haa
        "\u0649": "\u064a",  # alef maqsura -> ya
        "\u06a9": "\u0643",  # Persian keheh -> kaf
        "\u06cc": "\u064a",  # Persian (Farsi) yeh -> ya
        "\u06d5": "\u0647",  # Kurdish ae -> haa
        "\u06be": "\u0647",  # heh doachashmee -> haa
        "\u06c1": "\u0647",  # heh goal -> haa
        "\u06c0": "\u0647",  # heh with yeh above -> haa
    }
)
# Arabic-Indic and Persian (Extended Arabic-Indic) digits -> ASCII. Full-width digits are
# already folded by NFKC.
_DIGITS = str.maketrans(
    {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}
)
_SPACES = re.compile(r"\s+")
# Everything but letters, digits, and the @ + . of e-mails and phones is a separator;
# so is the underscore, which `\w` would keep.
_PUNCT = re.compile(r"[^\w\s@+.]|_", re.UNICODE)


# `_PUNCT` in the syntax of JavaScript's regular expressions (Unicode property classes).
_PUNCT_JS = r"[^\p{L}\p{N}\s@+.]|_"


def browser_fold() -> dict:
    """`normalize_name` as data for the browser, so that a select filtered on the page folds what
    is typed the same way (static/tawasul/app.js): the invisible characters removed before NFKC,
    the Arabic marks removed after it, the letters and digits replaced, then lower case and
    separators (regular expressions in JavaScript syntax)."""
    return {
        "invisible": _INVISIBLE.pattern,
        "marks": _ARABIC_MARKS.pattern,
        "replace": {chr(k): v for k, v in {**_ARABIC_FOLD, **_DIGITS}.items()},
        "separators": _PUNCT_JS,
    }


def strip_invisible(text: str) -> str:
    """Remove zero-width characters, byte-order marks and direction marks."""
    return _INVISIBLE.sub("", text)


def fold_digits(text: str) -> str:
    """Arabic-Indic and Persian digits to ASCII digits."""
    return text.translate(_DIGITS)


def normalize_arabic(text: str) -> str:
    """Fold Arabic spelling variants so that equivalent spellings compare equal."""
    text = _ARABIC_MARKS.sub("", text)
    return text.translate(_ARABIC_FOLD)


def fold_text(text: str | None) -> str:
    """Text with invisible characters removed and letters, digits and case folded; punctuation
    and spacing are kept (see `normalize_name`)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", strip_invisible(text))
    return fold_digits(normalize_arabic(text)).casefold()


def normalize_name(text: str | None) -> str:
    """Return the comparison form of a name: folded as `fold_text`, punctuation as spaces,
    runs of spaces as one."""
    text = _PUNCT.sub(" ", fold_text(text))
    return _SPACES.sub(" ", text).strip()


def joined_digits(value: str | None) -> str:
    """`2024-0015` as `20240015`: a code or tax number with separators is also found by the
    digits typed together (a search of digits and separators is read as one number)."""
    groups = re.findall(r"[0-9]+", fold_digits(value or ""))
    return "".join(groups) if len(groups) > 1 else ""


def search_text_of(*values: str | None) -> str:
    """The normalised search column of a record named by `values` (names, then codes): every
    value in its comparison form (`normalize_name`), a code's digits also joined together."""
    parts: list[str] = []
    for value in values:
        if value:
            parts.extend((value, joined_digits(value)))
    return normalize_name(" ".join(p for p in parts if p))


def is_blank(text: str | None) -> bool:
    """True when `text` holds nothing visible (an empty search)."""
    return not strip_invisible(text or "").strip()


# A search that is a phone number as people write it: digits with spaces, dashes, dots, slashes
# or brackets, optionally after + or 00.
_PHONE_QUERY = re.compile(r"\+?[0-9\s\-./()]*[0-9][0-9\s\-./()]*")
# Digit groups of at least this many digits in all are read as one number even without + or 00.
PHONE_QUERY_MIN_DIGITS = 7


def phone_query_digits(text: str) -> str | None:
    """The digits to look for when a search is a phone number (`+966 55 123 4567`,
    `00966551234567`, `055-123-4567`, `٠٥٥١٢٣٤٥٦٧`), else None.

    International forms lose their `+` or `00` (the index holds `966551234567`); a national
    `(0)` after the country code is dropped. Anything else with letters is not a phone number.
    """
    folded = fold_digits(unicodedata.normalize("NFKC", strip_invisible(text))).strip()
    if not _PHONE_QUERY.fullmatch(folded):
        return None
    digits = "".join(ch for ch in folded if "0" <= ch <= "9")
    international = folded.startswith("+") or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
    if not international and len(digits) < PHONE_QUERY_MIN_DIGITS:
        return None  # a few digits, perhaps two parts of a code: searched word by word
    if international:
        from .phones import phone_international_digits  # a cycle: core.phones builds on text

        digits = phone_international_digits(digits) or digits
    return digits or None


def search_terms(text: str | None) -> str:
    """Normalise a user's search string the same way indexed text is normalised.

    A phone number becomes its digits; otherwise the words of `normalize_name`, without words
    that hold no letter or digit (a search of only symbols has no terms and matches nothing;
    see `tawasul.core.search.text_filter`). A `+` before digits is dropped, as in the index.
    """
    if not text:
        return ""
    digits = phone_query_digits(text)
    if digits:
        return digits
    words = []
    for word in normalize_name(text).split():
        if word.startswith("+") and word[1:].isdigit():
            word = word[1:]
        if any(ch.isalnum() for ch in word):
            words.append(word)
    return " ".join(words)
