"""Currencies: codes and minor units from ISO 4217 (the `iso4217` package ships the maintenance
agency's current list), symbols and formatting from CLDR (babel).

CLDR's own "digits" are display digits and differ from ISO 4217 for IQD, IRR, LAK, LBP, MMK, RSD,
SYP, YER, ALL, MGA, SOS, AFN and KPW: amounts are in ISO minor units, so ISO decides.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

MAX_AMOUNT = 10**15
FORMAT_LOCALE = "en_US"


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


@cache
def _symbol(currency: str) -> str | None:
    """A local symbol for currencies en_US only knows by code (GHS -> GH₵)."""
    from babel import localedata
    from babel.core import get_global
    from babel.numbers import get_currency_symbol

    for territory, history in get_global("territory_currencies").items():
        if any(entry[0] == currency and entry[2] is None for entry in history):
            locale = f"en_{territory}"
            if localedata.exists(locale):
                symbol = get_currency_symbol(currency, locale)
                if symbol != currency:
                    return str(symbol)
    return None


def format_amount(amount: int, currency: str) -> str:
    """`1500 USD` -> `$15.00`; `1500 JPY` -> `¥1,500`; `15000 GHS` -> `GH₵150.00`."""
    from babel.numbers import format_currency

    digits = minor_digits(currency)
    value = Decimal(amount).scaleb(-digits)
    pattern = "¤#,##0" + ("." + "0" * digits if digits else "")
    text = str(format_currency(value, currency, pattern, locale=FORMAT_LOCALE, currency_digits=False))
    symbol = _symbol(currency)
    if symbol and currency in text:
        text = text.replace(currency, symbol)
    return text
