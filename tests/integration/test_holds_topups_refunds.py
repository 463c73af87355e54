"""Holds, top-ups through the payment gateway, refunds and close (docs/contract.md section 2), via the handlers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from wallets import clock, errors, ledger, repository, topups, wiring
from wallets import wallet as wallet_module
from wallets.sandbox_gateway import SandboxGateway

from tests.conftest import call
from tests.integration.helpers import check, credit, debit, new_wallet, wallet


def hold(wallet_id: str, amount: int, **extra: Any) -> tuple[int, Any]:
    return call("create_hold", "POST", f"/wallets/{wallet_id}/holds", {"amount": amount, **extra})


def capture(wallet_id: str, hold_id: str, amount: int | None = None) -> tuple[int, Any]:
    body = {"amount": amount} if amount is not None else {}
    return call("capture_hold", "POST", f"/wallets/{wallet_id}/holds/{hold_id}/capture", body)


def release(wallet_id: str, hold_id: str) -> tuple[int, Any]:
    return call("release_hold", "POST", f"/wallets/{wallet_id}/holds/{hold_id}/release")


def top_up(
    wallet_id: str, amount: int, payment_method: str = "pm_card_visa", **extra: Any
) -> tuple[int, Any]:
    headers = extra.pop("headers", None)
    return call(
        "top_up_wallet",
        "POST",
        f"/wallets/{wallet_id}/top-ups",
        {"amount": amount, "payment_method": payment_method, **extra},
        headers=headers,
    )


# ---------------------------------------------------------------------------------------- holds
def test_hold_capture_partial_then_available(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 5000, funding_type="cash")
    status, held = hold(wallet_id, 3000, reference="order_1")
    assert status == 201 and held["status"] == "pending" and held["amount"] == 3000
    assert (wallet(wallet_id)["available"], wallet(wallet_id)["pending"]) == (2000, 3000)
    status, captured = capture(wallet_id, held["id"], 2500)
    assert status == 200 and captured["status"] == "captured"
    assert (captured["captured_amount"], captured["released_amount"]) == (2500, 500)
    assert captured["transaction"]["type"] == "capture"
    body = wallet(wallet_id)
    assert (body["balance"], body["available"], body["pending"]) == (2500, 2500, 0)
    _, listed = call("list_holds", "GET", f"/wallets/{wallet_id}/holds")
    assert [(h["id"], h["status"]) for h in listed["data"]] == [(held["id"], "captured")]
    check(wallet_id)


def test_capture_twice_or_after_release_is_409_and_changes_nothing(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 1000, funding_type="cash")
    _, first = hold(wallet_id, 400)
    _, second = hold(wallet_id, 300)
    assert capture(wallet_id, first["id"])[0] == 200
    before = repository.all_entries(wallet_id)
    for status, body in (capture(wallet_id, first["id"]), release(wallet_id, first["id"])):
        assert (status, body["error"]["type"]) == (409, "hold_not_pending")
    assert release(wallet_id, second["id"])[0] == 200
    assert capture(wallet_id, second["id"])[1]["error"]["type"] == "hold_not_pending"
    assert len(repository.all_entries(wallet_id)) == len(before) + 1
    assert capture(wallet_id, "hld_01JZZZZZZZZZZZZZZZZZZZZZZZ")[0] == 404
    check(wallet_id)


def test_capture_more_than_held_is_422(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 1000, funding_type="cash")
    _, held = hold(wallet_id, 400)
    status, body = capture(wallet_id, held["id"], 401)
    assert status == 422 and "amount" in body["error"]["details"]


def test_expired_hold_cannot_be_captured_whether_or_not_the_sweep_ran(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 1000, funding_type="cash")
    _, held = hold(wallet_id, 600, expires_at=clock.to_iso(clock.now_ms() + 2000))
    clock.advance(3)
    assert wallet(wallet_id)["available"] == 1000
    _, listed = call("list_holds", "GET", f"/wallets/{wallet_id}/holds", query={"status": "expired"})
    assert [h["id"] for h in listed["data"]] == [held["id"]]
    status, body = capture(wallet_id, held["id"])
    assert (status, body["error"]["type"]) == (409, "hold_not_pending")
    check(wallet_id)


def test_frozen_wallet_refuses_new_holds_but_settles_existing_ones(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 1000, funding_type="cash")
    _, held = hold(wallet_id, 300)
    call("freeze_wallet", "POST", f"/wallets/{wallet_id}/freeze")
    assert hold(wallet_id, 10)[1]["error"]["type"] == "wallet_frozen"
    assert capture(wallet_id, held["id"], 100)[0] == 200


def test_hold_validation(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 1000, funding_type="cash")
    too_far = clock.to_iso(clock.now_ms() + 31 * 86_400_000)
    assert hold(wallet_id, 10, expires_at=too_far)[0] == 422
    assert hold(wallet_id, 1001)[1]["error"]["type"] == "insufficient_funds"
    assert hold(wallet_id, 0)[0] == 422


def test_partial_debit_with_pending_holds_uses_only_available(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 1000, funding_type="cash")
    hold(wallet_id, 700)
    status, paid = debit(wallet_id, 500, allow_partial=True)
    assert status == 201 and (paid["applied_amount"], paid["unapplied_amount"]) == (300, 200)
    assert wallet(wallet_id)["pending"] == 700


@pytest.mark.parametrize("rounds", range(3))
def test_capture_release_and_expiry_race_to_one_outcome(table: str, rounds: int) -> None:
    wallet_id = new_wallet()
    ledger.credit(wallet_id, 1000, "cash", None, None, None, {}, None)
    expires_at = clock.now_ms() + 3_600_000
    _, held = ledger.create_hold(wallet_id, 600, expires_at, None, None, {}, None)
    barrier = threading.Barrier(3)

    def act(kind: str) -> str:
        barrier.wait()
        try:
            if kind == "expire":
                clock_now = expires_at + 1  # a concurrent writer that already sees the hold as expired
                wallet = repository.get_wallet(wallet_id)
                work = wallet.fork()
                work.settle(clock_now)
                plan = ledger._plan(wallet, work, ledger.Outcome(200, {}), clock_now, None, None, False)
                repository.commit(plan)
                return "expired"
            verb = "capture" if kind == "capture" else "release"
            ledger.settle_hold(wallet_id, held["id"], verb, None, None)
            return verb
        except (errors.HoldNotPending, repository.WalletChanged):
            return "refused"

    with ThreadPoolExecutor(3) as pool:
        outcomes = list(pool.map(act, ["capture", "release", "expire"]))
    ends = [e for e in repository.all_entries(wallet_id) if e.hold_id == held["id"] and e.type != "hold"]
    assert len(ends) == 1, (outcomes, ends)
    item = repository.get_wallet_with(wallet_id, f"HLD#{held['id']}")[1][f"HLD#{held['id']}"]
    end = ends[0]
    expected = "captured" if end.type == "capture" else "expired" if end.reason == "expired" else "released"
    assert item.status == expected  # type: ignore[attr-defined]
    check(wallet_id)


def test_two_captures_race_one_wins(table: str) -> None:
    wallet_id = new_wallet()
    ledger.credit(wallet_id, 1000, "cash", None, None, None, {}, None)
    _, held = ledger.create_hold(wallet_id, 600, None, None, None, {}, None)
    barrier = threading.Barrier(2)

    def grab(amount: int) -> str:
        barrier.wait()
        try:
            ledger.settle_hold(wallet_id, held["id"], "capture", amount, None)
            return "won"
        except errors.HoldNotPending:
            return "lost"

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(grab, [500, 600])) == ["lost", "won"]
    assert len([e for e in repository.all_entries(wallet_id) if e.type == "capture"]) == 1
    check(wallet_id)


# ---------------------------------------------------------------------------------------- top-ups
def test_top_up_with_bonus_makes_two_lots(table: str) -> None:
    wallet_id = new_wallet()
    status, body = top_up(wallet_id, 5000, bonus_amount=500)
    assert status == 201 and body["status"] == "succeeded" and body["charge_id"].startswith("ch_")
    assert body["transaction"]["type"] == "top_up" and body["transaction"]["amount"] == 5500
    _, lots = call("list_lots", "GET", f"/wallets/{wallet_id}/lots")
    assert sorted((lot["funding_type"], lot["amount"], lot["withdrawable"]) for lot in lots["data"]) == [
        ("cash", 5000, True),
        ("promotional", 500, False),
    ]
    body = wallet(wallet_id)
    assert (body["balance"], body["withdrawable"]) == (5500, 5000)
    check(wallet_id)


def test_a_bonus_is_bounded_by_the_paid_amount_unless_the_wallet_allows_more(table: str) -> None:
    wallet_id = new_wallet()
    status, body = top_up(wallet_id, 1000, bonus_amount=1001)
    assert status == 422 and "bonus_amount" in body["error"]["details"]
    assert repository.all_entries(wallet_id) == [] and wallet(wallet_id)["balance"] == 0  # nothing charged
    generous = new_wallet("cus_generous", max_bonus_percent=250)
    assert wallet(generous)["settings"]["max_bonus_percent"] == 250
    assert top_up(generous, 1000, bonus_amount=2500)[0] == 201
    assert top_up(generous, 1000, bonus_amount=2501)[0] == 422


def test_declined_top_up_is_402_and_credits_nothing(table: str) -> None:
    wallet_id = new_wallet()
    status, body = top_up(wallet_id, 5000, "pm_card_declined")
    assert status == 402 and body["error"]["type"] == "payment_failed"
    assert body["error"]["details"]["failure_code"] == "card_declined"
    assert wallet(wallet_id)["balance"] == 0 and repository.all_entries(wallet_id) == []


def test_top_up_not_allowed_is_403(table: str) -> None:
    wallet_id = new_wallet(allow_top_up=False)
    status, body = top_up(wallet_id, 100)
    assert (status, body["error"]["type"]) == (403, "top_up_not_allowed")


def test_top_up_retry_with_the_same_key_never_charges_twice(table: str) -> None:
    wallet_id = new_wallet()
    key = {"Idempotency-Key": "topup-1"}
    first = top_up(wallet_id, 2000, headers=key)
    assert first[0] == 201
    assert top_up(wallet_id, 2000, headers=key) == first
    declined = top_up(wallet_id, 2000, "pm_card_declined", headers={"Idempotency-Key": "topup-2"})
    assert top_up(wallet_id, 2000, "pm_card_declined", headers={"Idempotency-Key": "topup-2"}) == declined
    assert wallet(wallet_id)["balance"] == 2000


def test_gateway_timeout_leaves_it_pending_and_recovery_settles_once(table: str) -> None:
    wallet_id = new_wallet()
    status, body = top_up(wallet_id, 3000, "pm_card_timeout", headers={"Idempotency-Key": "t-1"})
    assert status == 202 and body["status"] == "pending"
    assert topups.recover(gateway=wiring.get_gateway()) == {
        "settled": 0,
        "failed": 0,
        "refunded": 0,
        "skipped": 0,
        "errors": 0,
    }  # still inside the grace period
    clock.advance(61)
    assert topups.recover(gateway=wiring.get_gateway())["settled"] == 1
    assert topups.recover(gateway=wiring.get_gateway())["settled"] == 0
    assert wallet(wallet_id)["balance"] == 3000
    status, again = top_up(wallet_id, 3000, "pm_card_timeout", headers={"Idempotency-Key": "t-1"})
    assert status == 201 and again["transaction"]["amount"] == 3000
    check(wallet_id)


class CrashAfterCharge(SandboxGateway):
    """The process dies right after the gateway charged the card."""

    def confirm(self, *args: Any, **kwargs: Any) -> Any:
        super().confirm(*args, **kwargs)
        raise SystemExit("crashed between charge and credit")


def test_crash_between_charge_and_credit_is_settled_exactly_once_by_parallel_recoveries(table: str) -> None:
    wallet_id = new_wallet()
    with pytest.raises(SystemExit):
        topups.create(wallet_id, 4000, "pm_card_visa", gateway=CrashAfterCharge())
    assert wallet(wallet_id)["balance"] == 0
    clock.advance(61)
    barrier = threading.Barrier(2)

    def recover(_: int) -> dict[str, int]:
        barrier.wait()
        return topups.recover(gateway=wiring.get_gateway())

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(recover, range(2)))
    assert sum(r["settled"] for r in results) >= 1
    top_ups = [e for e in repository.all_entries(wallet_id) if e.type == "top_up"]
    assert len(top_ups) == 1 and wallet(wallet_id)["balance"] == 4000
    check(wallet_id)


def test_crash_before_charge_is_failed_by_recovery_without_charging(table: str) -> None:
    class CrashBeforeCharge(SandboxGateway):
        def confirm(self, *args: Any, **kwargs: Any) -> Any:
            raise SystemExit("crashed before charging")

    wallet_id = new_wallet()
    with pytest.raises(SystemExit):
        topups.create(wallet_id, 4000, "pm_card_visa", gateway=CrashBeforeCharge())
    clock.advance(61)
    assert topups.recover(gateway=wiring.get_gateway())["failed"] == 1
    assert wallet(wallet_id)["balance"] == 0


# ---------------------------------------------------------------------------------------- refunds
def test_refund_of_a_promotional_payment_restores_promotional_credit(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 1000, funding_type="promotional", expires_at="2099-01-01T00:00:00Z")
    _, paid = debit(wallet_id, 600)
    status, refund = call(
        "refund_transaction",
        "POST",
        f"/wallets/{wallet_id}/refunds",
        {"transaction_id": paid["id"], "reason": "order cancelled"},
    )
    assert status == 201 and refund["breakdown"] == {"promotional": 600}
    assert refund["original_transaction_id"] == paid["id"]
    assert refund["lots"][0]["expires_at"] == "2099-01-01T00:00:00.000Z"
    body = wallet(wallet_id)
    assert (body["balance"], body["withdrawable"]) == (1000, 0)
    _, original = call("get_transaction", "GET", f"/wallets/{wallet_id}/transactions/{paid['id']}")
    assert original["refunded_amount"] == 600
    status, err = call(
        "refund_transaction",
        "POST",
        f"/wallets/{wallet_id}/refunds",
        {"transaction_id": paid["id"], "amount": 1},
    )
    assert (status, err["error"]["type"]) == (409, "refund_exceeds_original")
    check(wallet_id)


def test_refunds_of_captures_and_errors(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 1000, funding_type="cash")
    _, held = hold(wallet_id, 500)
    _, captured = capture(wallet_id, held["id"], 400)
    txn = captured["transaction"]["id"]
    assert (
        call(
            "refund_transaction",
            "POST",
            f"/wallets/{wallet_id}/refunds",
            {"transaction_id": txn, "amount": 150},
        )[0]
        == 201
    )
    status, body = call(
        "refund_transaction", "POST", f"/wallets/{wallet_id}/refunds", {"transaction_id": txn, "amount": 251}
    )
    assert status == 409
    credit_txn = credit(wallet_id, 5, funding_type="cash")[1]["id"]
    status, body = call(
        "refund_transaction", "POST", f"/wallets/{wallet_id}/refunds", {"transaction_id": credit_txn}
    )
    assert status == 422 and "transaction_id" in body["error"]["details"]
    missing = "txn_01JZZZZZZZZZZZZZZZZZZZZZZZ"
    assert (
        call("refund_transaction", "POST", f"/wallets/{wallet_id}/refunds", {"transaction_id": missing})[0]
        == 404
    )
    check(wallet_id)


def test_racing_refunds_never_exceed_the_original(table: str) -> None:
    wallet_id = new_wallet()
    ledger.credit(wallet_id, 1000, "cash", None, None, None, {}, None)
    _, paid = ledger.debit(wallet_id, 600, False, None, None, {}, None)
    barrier = threading.Barrier(4)

    def refund(_: int) -> int:
        barrier.wait()
        try:
            return ledger.refund(wallet_id, paid["id"], 200, None, {}, None)[1]["amount"]
        except errors.RefundExceedsOriginal:
            return 0

    with ThreadPoolExecutor(4) as pool:
        assert sorted(pool.map(refund, range(4))) == [0, 200, 200, 200]
    check(wallet_id)


# ---------------------------------------------------------------------------------------- close
def test_close_releases_holds_forfeits_promotional_and_reports_refund_due(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 700, funding_type="cash")
    credit(wallet_id, 300, funding_type="promotional")
    assert hold(wallet_id, 400)[0] == 201
    status, closed = call("close_wallet", "POST", f"/wallets/{wallet_id}/close")
    assert status == 200
    closing = closed["closing_transaction"]
    assert (closing["refund_due"], closing["forfeited"], closing["amount"]) == (700, 300, 1000)
    assert closing["refund_due_formatted"] == "$7.00"
    _, holds = call("list_holds", "GET", f"/wallets/{wallet_id}/holds")
    assert holds["data"][0]["status"] == "released"
    assert (closed["balance"], closed["pending"]) == (0, 0)
    check(wallet_id)


# ---------------------------------------------------------------------------------------- references
def test_a_hold_reference_is_unique_per_wallet_like_a_debits(table: str) -> None:
    # GIVEN a hold made with a reference
    wid = new_wallet()
    credit(wid, 1000)
    status, first = hold(wid, 900, reference="checkout-7")
    assert status == 201
    # WHEN the same reference holds again
    again = hold(wid, 900, reference="checkout-7")
    # THEN it answers the original hold (200), and holds nothing more
    assert again == (200, first)
    assert (wallet(wid)["pending"], wallet(wid)["available"]) == (900, 100)
    # AND another kind of operation cannot take the hold's reference, nor a hold a debit's
    status, body = debit(wid, 50, reference="checkout-7")
    assert (status, body["error"]["type"]) == (409, "reference_reused"), body
    assert body["error"]["details"]["transaction_id"] == first["transaction_id"]
    assert debit(wid, 50, reference="order-8")[0] == 201
    status, body = hold(wid, 10, reference="order-8")
    assert (status, body["error"]["type"]) == (409, "reference_reused"), body
    assert wallet(wid)["balance"] == 950
    # AND a released hold's reference still answers that hold, as it stands
    assert release(wid, first["id"])[0] == 200
    status, replayed = hold(wid, 900, reference="checkout-7")
    assert (status, replayed["id"], replayed["status"]) == (200, first["id"], "released")
    check(wid)


# ---------------------------------------------------------------------------------------- refunds at the maxima
def refund(wallet_id: str, transaction_id: str, amount: int | None = None) -> tuple[int, Any]:
    body = {"transaction_id": transaction_id, **({"amount": amount} if amount is not None else {})}
    return call("refund_transaction", "POST", f"/wallets/{wallet_id}/refunds", body)


def lots(wallet_id: str) -> list[dict[str, Any]]:
    return list(call("list_lots", "GET", f"/wallets/{wallet_id}/lots")[1]["data"])


def test_a_refund_is_possible_when_another_scope_took_the_freed_slot(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a debit that used all of scope s0, and another scope that took its place at the maximum
    monkeypatch.setattr(wallet_module, "MAX_SCOPES", 2)
    wid = new_wallet()
    credit(wid, 100, applies_to=["s0"])
    credit(wid, 100, applies_to=["s1"])
    _, paid = debit(wid, 100, category="s0")
    assert credit(wid, 100, applies_to=["s2"])[0] == 201
    # WHEN the debit is refunded
    status, refunded = refund(wid, paid["id"])
    # THEN the wallet takes its s0 credit back (past the maximum: a refund is never refused for it)
    assert status == 201, refunded
    scopes = {tuple(s["applies_to"] or ()): s["balance"] for s in wallet(wid)["balances_by_scope"]}
    assert scopes == {("s0",): 100, ("s1",): 100, ("s2",): 100}
    # AND new scoped credit is still refused until the wallet is back under the maximum
    assert credit(wid, 5, applies_to=["s3"])[1]["error"]["type"] == "limit_exceeded"
    check(wid)


@pytest.mark.parametrize("later", [True, False])
def test_a_refund_is_possible_at_the_most_live_lots(
    table: str, monkeypatch: pytest.MonkeyPatch, later: bool
) -> None:
    # GIVEN a debit that emptied a lot, and a wallet filled up to the maximum since
    monkeypatch.setattr(wallet_module, "MAX_LIVE_LOTS", 3)
    wid = new_wallet()
    day = 86_400_000
    first = clock.now_ms() + 10 * day
    credit(wid, 100, expires_at=clock.to_iso(first))
    _, paid = debit(wid, 100)
    others = [first + (n if later else -n) * day for n in (1, 2, 3)]
    for at in others:
        assert credit(wid, 50, expires_at=clock.to_iso(at))[0] == 201
    assert credit(wid, 5)[1]["error"]["type"] == "limit_exceeded"
    # WHEN the debit is refunded
    status, refunded = refund(wid, paid["id"])
    # THEN the credit comes back into a lot of its kind, expiring no sooner than it would have: the
    # one expiring soonest after it, else the one expiring last, its expiry moved out to the credit's
    assert status == 201, refunded
    assert wallet(wid)["balance"] == 250
    home = others[0] if later else first
    assert [lot["expires_at"] for lot in refunded["lots"]] == [clock.to_iso(home)]
    assert sorted(lot["expires_at"] for lot in lots(wid)) == sorted(
        clock.to_iso(at) for at in (others if later else [*others[1:], first])
    )
    assert credit(wid, 5)[1]["error"]["type"] == "limit_exceeded"
    check(wid)


def test_a_refund_of_credit_that_expired_since_is_possible_at_the_most_live_lots(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a debit of credit that has expired since, in a wallet at the maximum of live lots
    monkeypatch.setattr(wallet_module, "MAX_LIVE_LOTS", 3)
    wid = new_wallet()
    credit(wid, 100, expires_at=clock.to_iso(clock.now_ms() + 3_600_000))
    _, paid = debit(wid, 100)
    for n in range(3):
        assert credit(wid, 50 + n, funding_type="cash")[0] == 201
    clock.advance(7200)
    # WHEN it is refunded
    status, refunded = refund(wid, paid["id"])
    # THEN it is restored only to leave again: it never becomes a live lot
    assert status == 201, refunded
    assert (wallet(wid)["balance"], len(lots(wid))) == (153, 3)
    check(wid)
