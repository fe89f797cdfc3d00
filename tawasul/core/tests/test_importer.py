"""The generic importer without any module: reading, columns, a row's report, a pass's modes.

The contacts' import tests (tawasul/contacts/tests/test_import*.py) run all of it through a real
module; these show that a module needs nothing but a `Columns` and an `ImportPass.handle`.
"""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from tawasul.core.importer import progress, reading, runner
from tawasul.core.importer.columns import Columns, Target
from tawasul.core.importer.rows import RowReport, record_errors

COLUMNS = Columns(
    [
        Target("sku", "SKU", "Product", aliases=("item code", "رمز الصنف")),
        Target("name", "Name", "Product"),
        Target("price", "Price", "Product"),
        Target("note", "Note", "Product", multiline=True),
        Target("tier1_min", "Tier 1: from", "Tiers"),
        Target("tier2_min", "Tier 2: from", "Tiers"),
        Target("tier3_min", "Tier 3: from", "Tiers"),
    ],
    slots={"tier": 1},
)


def test_mostly_utf8_stays_utf8_even_with_several_stray_bytes():
    text, encoding = reading.decode("Name\nمحمد\nعائشة\n".encode() + b"Caf\xe9\n" + b"Na\xefve\n")
    assert encoding == "utf-8" and "محمد" in text and text.count("\ufffd") == 2


def test_table_reports_short_rows_and_bad_bytes_by_row_and_column():
    arabic = "A-2,شاي أخضر,5\n".encode()
    table = reading.open_table(b"SKU,Name,Price\nA-1,Caf\xe9 au lait,12\n" + arabic + b"A-3,Tea\n")
    assert table.encoding == "utf-8" and table.headers == ["SKU", "Name", "Price"]
    first, second, third = list(table.records())
    assert first.number == 2 and [p.column for p in first.problems] == [1]
    assert second.cells == ["A-2", "شاي أخضر", "5"] and not second.problems
    assert third.number == 4 and third.problems[0].whole_row
    assert reading.count_rows(table) == 3


def test_columns_guess_check_and_offer_numbered_groups():
    assert COLUMNS.guess(["Item code", "name", "NAME", "Tier 1 from"]) == {
        "0": "sku",
        "1": "name",
        "3": "tier1_min",
    }
    mapping, first, errors = COLUMNS.check(["a", "b", "c"], {0: "name", 1: "name", 2: "nope"})
    assert mapping == {"0": "name"} and first == {"name": 0}
    assert set(errors) == {"column_1", "column_2"}
    with pytest.raises(ValidationError):
        COLUMNS.check(["a"], {5: "name"})
    offered = [key for _group, options in COLUMNS.choices()[1:] for key, _label in options]
    assert "tier1_min" in offered and "tier2_min" not in offered  # as many as `slots` says
    offered = [
        key for _g, options in COLUMNS.choices({"0": "tier2_min"})[1:] for key, _l in options
    ]
    assert "tier3_min" in offered  # one more than the mapping uses


def test_service_error_paths_go_to_the_column_that_fed_them():
    row = RowReport(
        number=4,
        values={"price": [(2, "12x")]},
        headers=["SKU", "Name", "Price"],
        mapped={"price": 2, "name": 1},
        columns=COLUMNS,
    )
    exc = ValidationError({"price": ["Enter a number."], "__all__": ["Refused."]})
    record_errors(row, exc, lambda path, message: (path, None, message))
    assert row.errors == [
        {
            "row": 4,
            "column": "Price",
            "field": "price",
            "message": "Enter a number.",
            "value": "12x",
        },
        {"row": 4, "column": "", "field": "", "message": "Refused.", "value": ""},
    ]


class _Pass(runner.ImportPass):
    """A module's whole row mapper: a row needs a name; a written row is remembered."""

    columns = COLUMNS

    def handle(self, row, record):
        if not row.get("name"):
            row.add("name", "A name is needed.")
        if row.errors:
            self.fail(row)
            return
        self.outcome.created += 1
        self.written.append(row.number)

    def undo(self):
        self.written.clear()


def _pass(content: bytes, mode: str):
    table = reading.open_table(content)
    job = SimpleNamespace(
        headers=table.headers, mapping={"columns": {"0": "sku", "1": "name"}}, total_rows=0
    )
    updates = []
    progress = SimpleNamespace(update=updates.append)
    made = _Pass(job=job, table=table, actor=None, mode=mode, progress=progress)
    made.written = []
    return made, updates


@pytest.mark.django_db
def test_a_pass_reports_read_problems_and_runs_the_module_for_trusted_rows(monkeypatch):
    monkeypatch.setattr(progress, "PROGRESS_EVERY", 2)
    made, updates = _pass(b"SKU,Name\nA,One\nB\nC,\nD,Four\n", runner.CHECK)
    outcome = made.run()
    assert outcome.rows == 4 and outcome.created == 2
    assert [(e["row"], e["field"]) for e in outcome.errors] == [(3, ""), (4, "name")]
    assert updates == [2, 4]
    assert made.written == [2, 5]


@pytest.mark.django_db
def test_all_or_nothing_on_sqlite_undoes_a_pass_that_fails_while_writing():
    made, _updates = _pass(b"SKU,Name\nA,One\nB,\n", runner.BATCHES_OR_UNDO)
    with pytest.raises(runner.StopRun), transaction.atomic():
        made.run()
    made.undo()
    assert made.written == []
