"""Currencies: codes and minor units from ISO 4217 (the `iso4217` package ships the maintenance
agency's current list), symbols and formatting from CLDR: babel's en_US output, generated at build
time into wallets/currency_table.py (`make currency-table`), as babel's locale data is 32 MB.

CLDR's own "digits" are display digits and differ from ISO 4217 for IQD, IRR, LAK, LBP, MMK, RSD,
SYP, YER, ALL, MGA, SOS, AFN and KPW: amounts are in ISO minor units, so ISO decides.
"""

from __future__ import annotations

from functools import cache

MAX_AMOUNT = 10**15


@cache
def _minor_units() -> dict[str, int]:
    """Current ISO 4217 codes with a minor unit (funds and metals like XAU have none: not money here)."""
    import iso4217

    units = {str(code): str(row["CcyMnrUnts"] or "") for code, row in iso4217.raw_table.items() if code}
    return {code: int(digits) for code, digits in units.items() if digits.isdigit()}


def active_currencies() -> frozenset[str]:
    return frozenset(_minor_units())


def is_active_currency(code: str) -> bool:
    return code in _minor_units()


def minor_digits(currency: str) -> int:
    return _minor_units()[currency]


def format_amount(amount: int, currency: str) -> str:
    """`1500 USD` -> `$15.00`; `1500 JPY` -> `¥1,500`; `15000 GHS` -> `GH₵150.00`."""
    from wallets.currency_table import CURRENCIES, DECIMAL, GROUP, MINUS

    symbol, digits = CURRENCIES[currency]
    whole, fraction = divmod(abs(amount), 10**digits)
    text = f"{whole:,}".replace(",", GROUP) + (f"{DECIMAL}{fraction:0{digits}d}" if digits else "")
    return f"{MINUS if amount < 0 else ''}{symbol}{text}"
