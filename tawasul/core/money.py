"""Money: Decimal amounts rounded to their currency's minor unit, by one rounding rule.

    quantize(Decimal("10.0049"), "JOD")     -> Decimal("10.005")
    quantize("19.995", "SAR")               -> Decimal("20.00")
    allocate(Decimal("100.00"), [1, 1, 1], "SAR") -> [33.34, 33.33, 33.33]  (sums to 100.00)

Minor units come from ISO 4217: the "minor unit" column of list one (current currencies and
funds) that SIX Financial Information publishes as the standard's maintenance agency. Most
currencies have 2 decimals; those in `MINOR_UNITS` have 0, 3 or 4. The table is kept here rather
than taken from Babel or py-moneyed (which uses Babel) because those give CLDR's digits, which are
display digits and can differ from ISO 4217 where it matters to this market (CLDR shows the Iraqi
dinar without decimals; ISO 4217 gives it 3), and because a locale package of tens of megabytes
for two dozen exceptions is not light. When ISO adds a currency without 2 decimals, add it here.

The rounding rule is ROUND_HALF_UP (half away from zero), commercial rounding: the rule a
customer checks an invoice with by hand and that spreadsheets' ROUND() applies. Python's default,
ROUND_HALF_EVEN (banker's rounding), would make 0.125 into 0.12 where the customer's calculator
says 0.13. Should a tax authority rule otherwise, change `ROUNDING` here, once. Amounts are never
floats: every helper refuses them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ROUNDING = ROUND_HALF_UP

# ISO 4217 codes whose minor unit is not 2 (metals and the testing code, which have none, left out).
MINOR_UNITS: dict[str, int] = {
    # none
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    # thousandths
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    # ten-thousandths
    "CLF": 4,
    "UYW": 4,
}
DEFAULT_MINOR_UNIT = 2


def minor_unit(currency: str) -> int:
    """Decimals of `currency` (a three-letter ISO 4217 code, any case); ValueError if malformed."""
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError(f"Not a currency code: {currency!r}")
    return MINOR_UNITS.get(code, DEFAULT_MINOR_UNIT)


def unit(currency: str) -> Decimal:
    """The smallest amount of `currency`: Decimal("0.01"), Decimal("0.001"), Decimal("1")."""
    return Decimal(1).scaleb(-minor_unit(currency))


def to_decimal(amount: Decimal | int | str) -> Decimal:
    """`amount` as a Decimal; ValueError for floats (inexact), booleans and non-numbers."""
    if isinstance(amount, bool) or isinstance(amount, float):
        raise ValueError("Money is never a float or a boolean; pass a Decimal, int or string.")
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except InvalidOperation:
        raise ValueError(f"Not an amount: {amount!r}") from None
    if not value.is_finite():
        raise ValueError(f"Not an amount: {amount!r}")
    return value


def quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    """`amount` rounded to the minor unit of `currency` by `ROUNDING` (half away from zero)."""
    return to_decimal(amount).quantize(unit(currency), rounding=ROUNDING)


def add(amounts: Sequence[Decimal | int | str], currency: str) -> Decimal:
    """The sum of amounts each already in `currency`'s unit: each is rounded, then summed, so a
    total always equals the sum of the lines a customer sees."""
    return sum((quantize(amount, currency) for amount in amounts), Decimal(0)).quantize(
        unit(currency)
    )


def allocate(
    amount: Decimal | int | str, ratios: Sequence[Decimal | int | str], currency: str
) -> list[Decimal]:
    """Split `amount` by `ratios` (non-negative, not all zero) into parts that sum exactly to
    `quantize(amount, currency)`: each part is rounded down to the unit, then the units left
    over go one each to the parts with the largest remainders (ties: the earlier part).

    allocate("100", [1, 1, 1], "SAR") -> [33.34, 33.33, 33.33]; allocate("-10", [1, 2], "JOD")
    splits the negative amount the same way. ValueError for no ratios, negative or all-zero ones.
    """
    total = quantize(amount, currency)
    weights = [to_decimal(ratio) for ratio in ratios]
    if not weights or any(weight < 0 for weight in weights) or not any(weights):
        raise ValueError("Allocate by at least one non-negative ratio, not all zero.")
    step = unit(currency)
    sign = -1 if total < 0 else 1
    units_total = int((abs(total) / step).to_integral_value())
    weight_sum = sum(weights)
    exact = [units_total * weight / weight_sum for weight in weights]
    units = [int(share) for share in exact]  # int() truncates towards zero: the floor here
    left = units_total - sum(units)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - units[i]), i))
    for index in by_remainder[:left]:
        units[index] += 1
    return [(sign * count * step).quantize(step) for count in units]


def split(amount: Decimal | int | str, parts: int, currency: str) -> list[Decimal]:
    """`amount` in `parts` equal instalments that sum exactly (the first ones take the extra
    units): split("100", 3, "SAR") -> [33.34, 33.33, 33.33]."""
    if parts < 1:
        raise ValueError("Split into at least one part.")
    return allocate(amount, [1] * parts, currency)
