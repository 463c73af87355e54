"""Currencies (ISO 4217 via babel's CLDR data), minor units and formatting."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache

MAX_AMOUNT = 10**15
FORMAT_LOCALE = "en_US"


@cache
def active_currencies() -> frozenset[str]:
    """Currencies legal tender somewhere today, per CLDR (drops withdrawn codes like DEM or HRK)."""
    from babel.core import get_global
    from babel.numbers import get_territory_currencies

    today = date.today()
    codes: set[str] = set()
    for territory in get_global("territory_currencies"):
        codes.update(get_territory_currencies(territory, today, tender=True))
    return frozenset(codes)


def is_active_currency(code: str) -> bool:
    return code in active_currencies()


@cache
def minor_digits(currency: str) -> int:
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(currency))


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

    value = Decimal(amount).scaleb(-minor_digits(currency))
    text = str(format_currency(value, currency, locale=FORMAT_LOCALE))
    symbol = _symbol(currency)
    if symbol and currency in text:
        text = text.replace(currency, symbol)
    return text
