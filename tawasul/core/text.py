"""Text normalisation used for duplicate detection and search."""

import re
import unicodedata

# Arabic diacritics (harakat, tanween, shadda, sukun, superscript alef) and tatweel.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_FOLD = str.maketrans(
    {
        "\u0622": "\u0627",  # alef with madda -> alef
        "\u0623": "\u0627",  # alef with hamza above -> alef
        "\u0625": "\u0627",  # alef with hamza below -> alef
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0629": "\u0647",  # taa marbuta -> haa
        "\u0649": "\u064a",  # alef maqsura -> yaa
    }
)
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s@+.]", re.UNICODE)


def normalize_arabic(text: str) -> str:
    """Fold Arabic spelling variants so that equivalent spellings compare equal."""
    text = _ARABIC_MARKS.sub("", text)
    return text.translate(_ARABIC_FOLD)


def normalize_name(text: str | None) -> str:
    """Return the comparison form of a name: folded case, Arabic variants, spaces, punctuation."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = normalize_arabic(text).casefold()
    text = _PUNCT.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def search_terms(text: str | None) -> str:
    """Normalise a user's search string the same way indexed text is normalised."""
    return normalize_name(text)
