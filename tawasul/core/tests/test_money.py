"""Money (core.money): minor units by ISO 4217, half-up rounding, splits that sum exactly."""

import random
from decimal import Decimal

import pytest

from tawasul.core import money


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("10.0049", "JOD", "10.005"),
        ("10.0045", "KWD", "10.005"),  # half up, not half even (10.004)
        ("1.2345", "bhd", "1.235"),
        ("0.125", "SAR", "0.13"),
        ("2.675", "USD", "2.68"),
        ("-0.125", "AED", "-0.13"),  # half away from zero
        ("1234.5", "JPY", "1235"),
        ("99.5", "KRW", "100"),
        ("1.00005", "CLF", "1.0001"),
        (7, "OMR", "7.000"),
        (Decimal("3"), "IQD", "3.000"),
    ],
)
def test_quantize_rounds_half_up_to_the_minor_unit(amount, currency, expected):
    result = money.quantize(amount, currency)
    assert result == Decimal(expected) and str(result) == expected


def test_minor_units_follow_iso_4217():
    assert [money.minor_unit(c) for c in ("SAR", "EGP", "JOD", "KWD", "JPY", "EUR")] == [
        2,
        2,
        3,
        3,
        0,
        2,
    ]
    assert money.unit("BHD") == Decimal("0.001") and money.unit("JPY") == Decimal("1")


@pytest.mark.parametrize("bad", [1.1, True, "abc", "NaN", "Infinity", None])
def test_floats_and_non_amounts_are_refused(bad):
    with pytest.raises(ValueError):
        money.quantize(bad, "SAR")


@pytest.mark.parametrize("code", ["", "SA", "SARR", "S4R", "ريا"])
def test_a_malformed_currency_is_refused(code):
    with pytest.raises(ValueError):
        money.quantize("1", code)


def test_add_sums_the_rounded_lines():
    assert money.add(["0.005", "0.005", "0.005"], "SAR") == Decimal("0.03")
    assert money.add([], "JOD") == Decimal("0.000")


def test_split_and_allocate_sum_exactly():
    assert money.split("100", 3, "SAR") == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert money.split("10", 3, "JOD") == [Decimal("3.334"), Decimal("3.333"), Decimal("3.333")]
    assert money.split("-0.05", 2, "SAR") == [Decimal("-0.03"), Decimal("-0.02")]
    assert money.allocate("100", [70, 20, 10], "JPY") == [Decimal(70), Decimal(20), Decimal(10)]
    assert money.allocate("1", [1, 0, 1], "SAR") == [Decimal("0.50"), Decimal("0"), Decimal("0.50")]
    rng = random.Random(11)
    for _ in range(300):
        currency = rng.choice(["SAR", "KWD", "JPY"])
        total = Decimal(rng.randint(-(10**7), 10**7)).scaleb(-money.minor_unit(currency))
        ratios = [rng.randint(0, 9) for _ in range(rng.randint(1, 7))]
        if not any(ratios):
            ratios[0] = 1
        parts = money.allocate(total, ratios, currency)
        assert sum(parts) == total
        assert all(part == money.quantize(part, currency) for part in parts)
        # No part strays more than one unit from its exact share.
        exact = [total * r / sum(ratios) for r in ratios]
        assert all(abs(p - e) < money.unit(currency) for p, e in zip(parts, exact, strict=True))


@pytest.mark.parametrize("ratios", [[], [0, 0], [1, -1]])
def test_allocate_refuses_ratios_that_share_nothing(ratios):
    with pytest.raises(ValueError):
        money.allocate("10", ratios, "SAR")
