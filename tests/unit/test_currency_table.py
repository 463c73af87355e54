"""The currency table the functions format with is babel's (CLDR) output, generated at build time."""

from __future__ import annotations

from pathlib import Path

import pytest
from wallets import money

from local import currency_table

TABLE = Path(__file__).resolve().parents[2] / "layers/wallets/wallets/currency_table.py"
AMOUNTS = [0, 1, 9, 99, 100, 101, 999, 1000, 123456, 123456789, 10**12 + 7, money.MAX_AMOUNT]


def test_the_committed_table_is_what_the_generator_prints() -> None:
    assert TABLE.read_text(encoding="utf-8") == currency_table.render(), "run `make currency-table`"


@pytest.mark.parametrize("currency", sorted(currency_table.minor_units()))
def test_every_currency_formats_as_babel_did(currency: str) -> None:
    for amount in AMOUNTS + [-a for a in AMOUNTS if a]:
        assert money.format_amount(amount, currency) == currency_table.babel_format(amount, currency)


def test_the_table_covers_exactly_the_active_currencies() -> None:
    from wallets.currency_table import CURRENCIES

    assert set(CURRENCIES) == set(money.active_currencies())
    assert {code: digits for code, (_, digits) in CURRENCIES.items()} == currency_table.minor_units()


def test_formatting_imports_no_babel() -> None:
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, 'layers/wallets'); from wallets import money;"
        "money.format_amount(15000, 'GHS'); assert 'babel' not in sys.modules, 'babel imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=TABLE.parents[3])
