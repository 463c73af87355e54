"""Adjustments: manual corrections in either direction, through the handler (docs/contract.md 2)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from wallets import errors, ledger, repository

from tests.conftest import call
from tests.integration.helpers import check, credit, new_wallet, wallet


def adjust(
    wallet_id: str, amount: int, reason: str | None = "correction", **extra: object
) -> tuple[int, dict]:
    body = {"amount": amount, **({"reason": reason} if reason is not None else {}), **extra}
    return call("adjust_wallet", "POST", f"/wallets/{wallet_id}/adjustments", body)


def test_an_increase_adds_withdrawable_manual_adjustment_credit(table: str) -> None:
    wid = new_wallet()
    status, txn = adjust(wid, 700, "goodwill, ticket 41", metadata={"ticket": "41"})
    assert status == 201, txn
    assert (txn["type"], txn["amount"], txn["adjustment_direction"], txn["reason"]) == (
        "adjustment",
        700,
        "increase",
        "goodwill, ticket 41",
    )
    assert txn["breakdown"] == {"manual_adjustment": 700}
    body = wallet(wid)
    assert (body["balance"], body["withdrawable"]) == (700, 700)
    check(wid)


def test_a_decrease_takes_available_credit_never_held_funds(table: str) -> None:
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    call("create_hold", "POST", f"/wallets/{wid}/holds", {"amount": 600})
    status, error = adjust(wid, -500)
    assert (status, error["error"]["type"]) == (402, "insufficient_funds")
    assert error["error"]["details"] == {"requested": 500, "available": 400}
    status, txn = adjust(wid, -400)
    assert status == 201 and (txn["amount"], txn["adjustment_direction"]) == (400, "decrease")
    body = wallet(wid)
    assert (body["balance"], body["available"], body["pending"]) == (600, 0, 600)
    check(wid)


def test_adjustments_are_allowed_on_frozen_wallets_not_closed_ones(table: str) -> None:
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    ledger.change_status(wid, "freeze", None)
    assert adjust(wid, -100)[0] == 201 and adjust(wid, 50)[0] == 201
    ledger.change_status(wid, "close", None)
    assert adjust(wid, 50)[1]["error"]["type"] == "wallet_closed"


def test_a_reason_is_required_and_zero_is_refused(table: str) -> None:
    wid = new_wallet()
    for amount, reason, field in (
        (100, None, "reason"),
        (100, "", "reason"),
        (0, "x", "amount"),
        (1.5, "x", "amount"),
    ):
        status, error = adjust(wid, amount, reason)  # type: ignore[arg-type]
        assert status == 422 and field in error["error"]["details"], (amount, reason, error)
    assert repository.all_entries(wid) == []


def test_racing_decreases_never_take_more_than_is_available(table: str) -> None:
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    barrier = threading.Barrier(6)

    def one(_: int) -> bool:  # the domain call: the in-process resolver is not thread-safe
        barrier.wait()
        try:
            ledger.adjust(wid, -300, "race", None, {}, None)
        except errors.InsufficientFunds:
            return False
        return True

    with ThreadPoolExecutor(6) as pool:
        taken = sum(pool.map(one, range(6)))
    assert taken == 3 and wallet(wid)["balance"] == 100
    check(wid)
