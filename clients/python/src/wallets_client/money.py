"""Amounts are integers in minor units, with the same ISO 4217 minor units as the server."""

from __future__ import annotations

from decimal import Decimal
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
    """`to_minor(Decimal("10.00"), "USD") == 1000`. Exact whatever the decimal context: more decimal
    places than the currency has is an error, never a rounding; floats, booleans, NaN and infinities
    are refused (use Decimal or str)."""
    if isinstance(amount, (float, bool)):
        raise TypeError("pass a Decimal, an int or a str, not a float or a bool")
    value = Decimal(amount)
    if not value.is_finite():
        raise ValueError(f"{amount!r} is not a finite amount")
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    shift = exponent + minor_units(currency)
    coefficient = int("".join(map(str, digits)) or "0")
    if shift < 0:
        if coefficient % 10**-shift:
            raise ValueError(f"{amount} has more decimal places than {currency} allows")
        minor = coefficient // 10**-shift
    else:
        minor = coefficient * 10**shift
    return -minor if sign else minor


def from_minor(amount: int, currency: str) -> Decimal:
    """`from_minor(1000, "USD") == Decimal("10.00")`, exactly, whatever the decimal context."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("amounts in minor units are integers")
    sign = 1 if amount < 0 else 0
    return Decimal((sign, tuple(int(d) for d in str(abs(amount))), -minor_units(currency)))
