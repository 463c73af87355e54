from __future__ import annotations

import pytest
from wallets.money import format_amount, is_active_currency, minor_digits


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (1500, "USD", "$15.00"),
        (1500, "JPY", "¥1,500"),
        (15000, "GHS", "GH₵150.00"),
        (1500, "KWD", "KWD1.500"),
        (0, "EUR", "€0.00"),
        (123456789, "USD", "$1,234,567.89"),
    ],
)
def test_formatting_uses_the_currency_minor_unit(amount: int, currency: str, expected: str) -> None:
    assert format_amount(amount, currency).replace("\xa0", " ") == expected


def test_minor_units_come_from_iso_data() -> None:
    assert (minor_digits("USD"), minor_digits("JPY"), minor_digits("KWD")) == (2, 0, 3)


@pytest.mark.parametrize("code", ["USD", "EUR", "JPY", "GHS", "KWD", "CHF"])
def test_active_currencies(code: str) -> None:
    assert is_active_currency(code)


@pytest.mark.parametrize("code", ["DEM", "HRK", "XXX", "usd", "US", "GHC", ""])
def test_withdrawn_or_unknown_currencies_are_refused(code: str) -> None:
    assert not is_active_currency(code)
