"""Gapless numbers (core.services.sequence_next): per company, branch, kind and year, and no gap
or duplicate under concurrent writers on PostgreSQL (on SQLite, which serialises writers, the
same checks run one writer after another)."""

import random
import threading
import time

import pytest
from django.db import connection, connections, transaction

from tawasul.core.models import NumberSequence
from tawasul.core.services import sequence_next


@pytest.mark.django_db
def test_counters_are_separate_per_company_branch_kind_and_year():
    taken = [
        sequence_next(company_id=1, kind="quotation", branch_id=10, year=2027),
        sequence_next(company_id=1, kind="quotation", branch_id=10, year=2027),
        sequence_next(company_id=1, kind="quotation", branch_id=11, year=2027),
        sequence_next(company_id=1, kind="quotation", branch_id=10, year=2028),
        sequence_next(company_id=1, kind="order", branch_id=10, year=2027),
        sequence_next(company_id=2, kind="quotation", branch_id=10, year=2027),
        sequence_next(company_id=1, kind="quotation"),
    ]
    assert taken == [1, 2, 1, 1, 1, 1, 1]
    # Without a branch (the contacts' codes) the counter is the company's: branch 0.
    assert NumberSequence.objects.get(company_id=1, kind="quotation", year=0).branch_id == 0


@pytest.mark.django_db
def test_a_rolled_back_number_is_taken_again():
    with pytest.raises(RuntimeError), transaction.atomic():
        assert sequence_next(company_id=5, kind="invoice", branch_id=1, year=2027) == 1
        raise RuntimeError("the document was not saved")
    assert sequence_next(company_id=5, kind="invoice", branch_id=1, year=2027) == 1


WRITERS = 6
EACH = 8


def _writer(kept: list[int], errors: list[BaseException], start: threading.Barrier, seed: int):
    rng = random.Random(seed)
    try:
        start.wait()
        for _ in range(EACH):
            try:
                with transaction.atomic():
                    number = sequence_next(company_id=9, kind="quotation", branch_id=3, year=2027)
                    time.sleep(rng.random() / 200)  # hold the lock while "saving the document"
                    if rng.random() < 0.25:
                        raise LookupError("a failed save gives its number back")
                kept.append(number)
            except LookupError:
                pass
    except BaseException as exc:  # noqa: BLE001 - reported to the test's thread
        errors.append(exc)
    finally:
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_numbers_have_no_gap_and_no_duplicate_under_concurrent_writers():
    kept: list[int] = []
    errors: list[BaseException] = []
    if connection.vendor == "postgresql":
        # Real concurrency: each thread has its own connection and transactions.
        start = threading.Barrier(WRITERS)
        threads = [
            threading.Thread(target=_writer, args=(kept, errors, start, seed))
            for seed in range(WRITERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    else:
        # SQLite serialises writers; the same writers, one after another.
        for seed in range(WRITERS):
            _writer(kept, errors, threading.Barrier(1), seed)
    assert not errors, errors
    assert kept, "every save failed"
    assert sorted(kept) == list(range(1, len(kept) + 1))
    row = NumberSequence.objects.get(company_id=9, kind="quotation", branch_id=3, year=2027)
    assert row.last_value == len(kept)
