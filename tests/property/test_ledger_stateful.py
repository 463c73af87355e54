"""Random sequences of wallet operations, retries and clock jumps; the invariants of docs/contract.md section 6 after every step."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from wallets import clock, codes, errors, items, jobs, ledger, repository, topups, wiring
from wallets.ledger import Idempotency

from tests.conftest import Engine, fresh_table
from tests.invariants import assert_invariants, stored_wallet

FUNDING = st.sampled_from(["cash", "promotional", "code_redemption", "refund", "manual_adjustment"])
AMOUNT = st.integers(1, 2_000)
CATEGORY = st.none() | st.sampled_from(["a", "b"])
SCOPE = st.none() | st.sampled_from([("a",), ("b",), ("a", "b")])


class WalletMachine(RuleBasedStateMachine):
    holds = Bundle("holds")
    debits = Bundle("debits")

    engine: Engine  # set by the test below, once per engine

    def __init__(self) -> None:
        super().__init__()
        self.table = contextlib.ExitStack()
        self.table.enter_context(fresh_table(self.engine.name, self.engine.endpoint))
        clock.reset()
        self.sent: dict[
            str, tuple[tuple[int, dict[str, Any]], Idempotency]
        ] = {}  # idempotency key -> first response
        self.keys = 0

    def teardown(self) -> None:
        self.table.close()

    @initialize()
    def open_wallet(self) -> None:
        _, body = ledger.create_wallet("cus_prop", "USD", {}, {"credit_expiry_days": 1})
        self.wallet_id = body["id"]
        self.make_code(("a",))

    def make_code(self, scope: tuple[str, ...]) -> None:
        """A code the wallet may redeem a few times: withdrawable, scoped, its credit expiring in a day."""
        _, code = codes.create(
            {"USD": 300},
            withdrawable=True,
            applies_to=scope,
            credit_expiry_days=1,
            max_redemptions=3,
            once_per_customer=False,
        )
        self.code, self.code_id, self.redeemed = code["code"], code["id"], 0

    def _idem(self, body: str) -> Idempotency:
        self.keys += 1
        return Idempotency(f"k{self.keys}", body)

    def _try(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except (
            errors.InsufficientFunds,
            errors.WalletFrozen,
            errors.WalletClosed,
            errors.HoldNotPending,
            errors.RefundExceedsOriginal,
            errors.ValidationFailed,
            errors.LimitExceeded,
        ):
            return None

    @rule(amount=AMOUNT, funding=FUNDING, ttl=st.none() | st.integers(1, 120), scope=SCOPE)
    def credit(self, amount: int, funding: str, ttl: int | None, scope: tuple[str, ...] | None) -> None:
        expires = clock.now_ms() + ttl * 1000 if ttl else None
        idem = self._idem(f"credit{amount}{funding}{ttl}{scope}")
        result = self._try(
            ledger.credit, self.wallet_id, amount, funding, expires, None, None, {}, idem, scope
        )
        if result:
            self.sent[idem.key] = (result, idem)

    @rule(target=debits, amount=AMOUNT, partial=st.booleans(), category=CATEGORY)
    def debit(self, amount: int, partial: bool, category: str | None) -> str:
        idem = self._idem(f"debit{amount}{partial}{category}")
        result = self._try(ledger.debit, self.wallet_id, amount, partial, None, None, {}, idem, category)
        if result:
            self.sent[idem.key] = (result, idem)
            return str(result[1]["id"])
        return "txn_00000000000000000000000000"

    @rule(
        amount=AMOUNT, bonus=st.integers(0, 500), card=st.sampled_from(["pm_card_visa", "pm_card_declined"])
    )
    def top_up(self, amount: int, bonus: int, card: str) -> None:
        with contextlib.suppress(errors.PaymentFailed, errors.WalletClosed, errors.LimitExceeded):
            if bonus > amount:  # more than max_bonus_percent (100) of the amount: refused, nothing charged
                with pytest.raises(errors.ValidationFailed):
                    topups.create(self.wallet_id, amount, card, bonus, gateway=wiring.get_gateway())
                return
            topups.create(self.wallet_id, amount, card, bonus, gateway=wiring.get_gateway())

    @rule(amount=AMOUNT, funding=st.none() | FUNDING)
    def void(self, amount: int, funding: str | None) -> None:
        self._try(ledger.void, self.wallet_id, amount, funding, "test", None, {}, None)

    @rule(amount=AMOUNT, up=st.booleans())
    def adjust(self, amount: int, up: bool) -> None:
        self._try(ledger.adjust, self.wallet_id, amount if up else -amount, "correction", None, {}, None)

    @rule(target=holds, amount=AMOUNT, ttl=st.integers(1, 300), category=CATEGORY)
    def hold(self, amount: int, ttl: int, category: str | None) -> str:
        expires = clock.now_ms() + ttl * 1000
        result = self._try(
            ledger.create_hold, self.wallet_id, amount, expires, None, None, {}, None, category
        )
        return str(result[1]["id"]) if result else "hld_00000000000000000000000000"

    @rule(hold=consumes(holds), amount=st.none() | AMOUNT)
    def capture(self, hold: str, amount: int | None) -> None:
        if not hold.startswith("hld_0000"):
            self._try(ledger.settle_hold, self.wallet_id, hold, "capture", amount, None)

    @rule(hold=holds)
    def release(self, hold: str) -> None:
        if not hold.startswith("hld_0000"):
            self._try(ledger.settle_hold, self.wallet_id, hold, "release", None, None)

    @rule(txn=debits, amount=st.none() | AMOUNT)
    def refund(self, txn: str, amount: int | None) -> None:
        if not txn.startswith("txn_0000"):
            self._try(ledger.refund, self.wallet_id, txn, amount, "test", {}, None)

    @rule(verb=st.sampled_from(["freeze", "unfreeze", "freeze", "unfreeze", "close"]))
    def status(self, verb: str) -> None:
        self._try(ledger.change_status, self.wallet_id, verb, None)

    @rule(ttl=st.none() | st.integers(1, 600))
    def expire(self, ttl: int | None) -> None:
        """Give the wallet an expiry (or clear it): it closes itself when the clock passes it."""
        at = clock.now_ms() + ttl * 1000 if ttl else None
        self._try(ledger.update_wallet, self.wallet_id, None, None, None, None, at, at is None)

    @rule()
    def redeem(self) -> None:
        try:
            codes.redeem(self.wallet_id, self.code, None)
            self.redeemed += 1
        except (
            errors.CodeUsedUp,
            errors.TooManyAttempts,
            errors.WalletFrozen,
            errors.WalletClosed,
            errors.LimitExceeded,
        ):
            pass
        assert self.redeemed <= 3 and codes.get(self.code_id)["redemptions"] == self.redeemed

    @rule()
    def sweep(self) -> None:
        assert jobs.sweep()["errors"] == 0

    @rule(seconds=st.integers(1, 200))
    def jump(self, seconds: int) -> None:
        clock.advance(seconds)

    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        """A retry with a key already used returns the original response and moves nothing."""
        if not self.sent:
            return
        key = data.draw(st.sampled_from(sorted(self.sent)))
        (status, body), idem = self.sent[key]
        before = repository.all_entries(self.wallet_id)
        again = ledger.debit(self.wallet_id, 1, False, None, None, {}, idem)  # same key, same fingerprint
        assert again == (status, body)
        assert repository.all_entries(self.wallet_id) == before
        other = Idempotency(key, "a different body")
        try:
            ledger.debit(self.wallet_id, 1, False, None, None, {}, other)
            raise AssertionError("a reused key with another body must be refused")
        except errors.IdempotencyKeyReused:
            pass

    @invariant()
    def books_balance(self) -> None:
        if not hasattr(self, "wallet_id"):
            return
        stored = stored_wallet(self.wallet_id)
        assert_invariants(stored, repository.all_entries(self.wallet_id))
        assert jobs.audit(self.wallet_id) == []  # reconcile agrees: no false drift after any step
        # what a read shows is the stored wallet settled at now: never expired credit
        now = clock.now_ms()
        view = stored.view(now)
        if stored.expires_at is not None and now >= stored.expires_at:  # its own expiry, exact
            assert view.status == "closed" and not view.lots and not view.holds
        assert all(
            not lot.expired(now)
            or lot.remaining
            <= sum(a.amount for h in view.holds.values() for a in h.allocations if a.lot_id == lot.id)
            for lot in view.lots.values()
        )


def run_on(engine: Engine, machine: type[WalletMachine], examples: int, steps: int) -> None:
    """Run a wallet state machine on one engine."""
    run_state_machine_as_test(
        type(f"{machine.__name__}_{engine.name}", (machine,), {"engine": engine}),
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_ledger_state_machine(engine: Engine) -> None:
    run_on(engine, WalletMachine, int(os.environ.get("WALLETS_PROPERTY_EXAMPLES", "12")), steps=25)


def test_ledger_state_machine_with_cold_lots(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same machine with a head of one lot and pages of two: nearly every command reads, moves
    or writes cold lots, so every path through them meets the invariants (and `stored_wallet`'s
    checks of how the lots are stored)."""
    for name, value in {"HEAD_LOTS": 1, "HEAD_MAX": 2, "PAGE_LOTS": 2, "MAX_PAGES": 4}.items():
        monkeypatch.setattr(items, name, value)
    run_on(engine, WalletMachine, int(os.environ.get("WALLETS_PROPERTY_EXAMPLES", "12")), steps=25)
