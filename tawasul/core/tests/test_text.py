import pytest

from tawasul.core.export import safe_cell
from tawasul.core.text import fold_text, is_blank, normalize_name, search_terms


def test_arabic_variants_fold_to_one_form():
    assert normalize_name("أحمد") == normalize_name("احمد") == normalize_name("إحمد")
    assert normalize_name("مكتبة") == normalize_name("مكتبه")
    assert normalize_name("مصطفى") == normalize_name("مصطفي")
    assert normalize_name("شـــركة") == normalize_name("شركة")
    assert normalize_name("مُحَمَّد") == normalize_name("محمد")


def test_latin_names_fold_case_spaces_and_punctuation():
    assert normalize_name("  Al-Noor   TRADING ") == "al noor trading"
    assert normalize_name(None) == ""


def test_formula_cells_are_neutralised():
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("+966") == "'+966"
    assert safe_cell("Acme") == "Acme"
    assert safe_cell(None) == ""


# --- one comparison form for search, duplicates and import (issue 10, section 6) -------------


@pytest.mark.parametrize(
    "one, other",
    [
        ("المؤمن", "المومن"),  # hamza on waw
        ("عائشة", "عايشه"),  # hamza on ya, taa marbuta
        ("مسئول", "مسيول"),
        ("كريم", "کریم"),  # Persian keheh and Farsi yeh, as a Persian keyboard types them
        ("علي", "علی"),
        ("علي", "على"),  # alef maqsura
        ("هه", "ەە"),  # Kurdish ae
        ("ٱلرحمن", "الرحمن"),  # alef wasla
        ("عبدالله", "عبد\u200cالله"),  # zero-width non-joiner inside a name
        ("محمد", "\u200fمحمد\u200e"),  # right-to-left and left-to-right marks
        ("محمد", "\u202bمحمد\u202c"),  # embedding and pop-directional-formatting
        ("Noor", "\u2067Noor\u2069"),  # isolates
        ("Noor", "\ufeffNo\u200bor"),  # byte-order mark and zero-width space
        ("Noor", "\u061cNo\u200dor\u2060"),  # Arabic letter mark, joiner, word joiner
        ("شارع 15", "شارع ١٥"),  # Arabic-Indic digits
        ("شارع 15", "شارع ۱۵"),  # Persian digits
        ("ACME 15", "ＡＣＭＥ　１５"),  # full-width letters, digits and space
    ],
)
def test_spellings_that_compare_equal(one, other):
    assert normalize_name(one) == normalize_name(other)
    assert search_terms(one) == search_terms(other)


@pytest.mark.parametrize(
    "one, other",
    [
        ("سما", "سماء"),  # a standalone hamza is a letter
        ("كرم", "گرم"),  # gaf is not kaf
        ("Noor 15", "Noor 16"),
    ],
)
def test_spellings_that_stay_different(one, other):
    assert normalize_name(one) != normalize_name(other)


def test_underscore_is_a_separator_and_case_folds():
    assert normalize_name("AL_NOOR") == "al noor"
    assert fold_text("Straße") == "strasse"


@pytest.mark.parametrize(
    "query, terms",
    [
        ("+966551234567", "966551234567"),  # the form Tawasul displays
        ("+966 55 123 4567", "966551234567"),
        ("+966 (0)55 123-4567", "966551234567"),  # a national 0 after the country code
        ("00966551234567", "966551234567"),
        ("0551234567", "0551234567"),
        ("055 123 4567", "0551234567"),
        ("٠٥٥١٢٣٤٥٦٧", "0551234567"),
        ("۰۵۵ ۱۲۳ ۴۵۶۷", "0551234567"),
        ("\u202a+966 55 123 4567\u202c", "966551234567"),  # pasted from a chat app
        ("+9665", "9665"),  # a beginning, as typed so far
        ("12-14", "12 14"),  # a few digits: word by word
        ("Noor +966", "noor 966"),
    ],
)
def test_search_terms_read_phone_numbers_as_digits(query, terms):
    assert search_terms(query) == terms


@pytest.mark.parametrize("query", ["*", '"', "-", "%", "_", "😀", "* - %", "‏", "@", ".", "+"])
def test_a_search_of_only_symbols_has_no_terms(query):
    assert search_terms(query) == ""


def test_blank_means_nothing_visible():
    assert is_blank("") and is_blank("   ") and is_blank("\u200f\u200b") and is_blank(None)
    assert not is_blank("*")
