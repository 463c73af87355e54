"""Every command at the per-wallet maxima, in random order: the ledger state machine started from a
wallet one lot short of MAX_LIVE_LOTS with most of it held, the longest metadata, and commands that
span every lot. tests/limits.py checks every request against DynamoDB's hard limits; the invariant
below also catches a limit hit that a top-up's "charged, settle later" path would swallow.

DynamoDB Local only: moto enforces none of the limits and rewrites a 200 KB wallet item too slowly.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule
from wallets import clock, ledger, money, repository
from wallets import wallet as wallet_module

from tests import limits
from tests.conftest import Engine
from tests.integration.test_edges import METADATA, bulk_credit, key
from tests.property.test_ledger_stateful import WalletMachine, run_on

LOT = 10
HELD_LOTS = 20  # lots per initial hold
# The most scopes a wallet's live credit may have, each with the most categories of the longest
# length; every scope also applies to "all", so a debit naming it spans every lot. One lot in 21 is
# unscoped.
SCOPES: list[tuple[str, ...] | None] = [
    tuple(
        sorted(
            [
                "all",
                *(
                    f"s{s:02d}c{c:02d}".ljust(wallet_module.MAX_CATEGORY_LENGTH, "x")
                    for c in range(wallet_module.MAX_SCOPE_CATEGORIES - 1)
                ),
            ]
        )
    )
    for s in range(wallet_module.MAX_SCOPES)
] + [None]


class MaximaMachine(WalletMachine):
    @initialize()
    def open_wallet(self) -> None:
        limits.reset()
        _, created = ledger.create_wallet("cus_" + "m" * 250, "USD", METADATA, {"credit_expiry_days": 1})
        self.wallet_id = str(created["id"])
        # lots expire every 10 minutes over a week, so a jump expires many of them at once
        first = clock.now_ms() + 600_000
        lots: list[tuple[int, int | None]] = [
            (LOT, first + n * 600_000) for n in range(wallet_module.MAX_LIVE_LOTS - 1)
        ]
        bulk_credit(self.wallet_id, lots, "promotional", SCOPES)
        self.make_code(SCOPES[0])  # type: ignore[arg-type]
        # holds reserving most lots, a few short of MAX_PENDING_HOLDS (20 per transaction)
        for first_hold in range(0, wallet_module.MAX_PENDING_HOLDS - 3, 20):

            def action(work: Any, now: int, first_hold: int = first_hold) -> ledger.Outcome:
                for n in range(first_hold, min(first_hold + 20, wallet_module.MAX_PENDING_HOLDS - 3)):
                    fields = {"reference": f"h{n}".ljust(255, "r"), "description": "d" * 500}
                    work.hold(HELD_LOTS * LOT, now, None, "all", **fields, metadata=METADATA)
                return ledger.Outcome(201, {})

            ledger.run(lambda: repository.get_wallet(self.wallet_id), action)

    @rule(description=st.sampled_from([None, "d" * 500]), category=st.sampled_from([None, "all"]))
    def pay_everything(self, description: str | None, category: str | None) -> None:
        """A debit spanning every free lot it may use (every one, naming "all"), every field longest."""
        self.keys += 1
        idem = key(f"all{self.keys}")
        ref = f"p{self.keys}".ljust(255, "p")
        self._try(
            ledger.debit, self.wallet_id, money.MAX_AMOUNT, True, description, ref, METADATA, idem, category
        )

    @rule(seconds=st.integers(3_600, 3 * 86_400))
    def jump_far(self, seconds: int) -> None:
        clock.advance(seconds)

    @rule()
    def close(self) -> None:
        self._try(ledger.change_status, self.wallet_id, "close", key("close"), "r" * 500)

    def books_balance(self) -> None:  # replaying 1,000 lots after every step is slow: at the end only
        pass

    def teardown(self) -> None:
        print(f"largest at the maxima: {limits.largest}")  # README's figures (pytest -s)
        try:
            if hasattr(self, "wallet_id"):
                super().books_balance()
        finally:
            super().teardown()

    @invariant()
    def within_dynamodb_limits(self) -> None:
        assert limits.largest["transaction_items"] <= limits.MAX_TRANSACTION_ITEMS, limits.largest
        assert limits.largest["transaction_bytes"] <= limits.MAX_TRANSACTION_BYTES, limits.largest
        assert limits.largest["item_bytes"] <= limits.MAX_ITEM_BYTES, limits.largest


def test_every_command_at_the_maxima_fits_dynamodb(engine: Engine) -> None:
    if engine.name != "ddb":
        pytest.skip("runs on DynamoDB Local")
    run_on(engine, MaximaMachine, int(os.environ.get("WALLETS_MAXIMA_EXAMPLES", "3")), steps=15)
