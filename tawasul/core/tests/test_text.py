from tawasul.core.export import safe_cell
from tawasul.core.text import normalize_name


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
