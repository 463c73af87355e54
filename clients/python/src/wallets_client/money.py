"""Amounts are integers in minor units, with the same ISO 4217 minor units as the server."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache

import iso4217


@cache
def _table() -> dict[str, int]:
    # The server's source and reading of it: current codes with a numeric minor unit.
    units = {str(code): str(row["CcyMnrUnts"] or "") for code, row in iso4217.raw_table.items() if code}
    return {code: int(digits) for code, digits in units.items() if digits.isdigit()}


def minor_units(currency: str) -> int:
    """Decimal places of a currency's minor unit (USD 2, JPY 0, BHD 3)."""
    try:
        return _table()[currency]
    except KeyError:
        raise ValueError(f"not an active ISO 4217 currency: {currency!r}") from None


def to_minor(amount: Decimal | int | str, currency: str) -> int:
    """`to_minor(Decimal("10.00"), "USD") == 1000`. More decimal places than the currency has is an
    error, never a silent rounding (floats are refused: use Decimal or str)."""
    if isinstance(amount, float):
        raise TypeError("pass a Decimal or a str, not a float")
    value = Decimal(amount)
    scaled = value.scaleb(minor_units(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more decimal places than {currency} allows")
    return int(scaled)


def from_minor(amount: int, currency: str) -> Decimal:
    """`from_minor(1000, "USD") == Decimal("10.00")`."""
    places = minor_units(currency)
    return (Decimal(amount).scaleb(-places)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
