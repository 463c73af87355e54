"""Remainder charges on debits, saved cards for automatic top-ups, and payouts on close, through the
handlers on the sandbox gateway (tests/e2e/test_stripe.py runs the same flows against localstripe)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from wallets import clock, errors, jobs, ledger, payouts, repository, topups, wiring
from wallets.gateway import RefundRefused
from wallets.items import PayoutItem, SandboxChargeItem, TopUpItem, wallet_pk
from wallets.sandbox_gateway import SandboxGateway

from tests.conftest import call
from tests.integration.helpers import check, credit, new_wallet, wallet
from tests.integration.test_jobs import AUTO


def debit(wallet_id: str, amount: int, method: str | None = "pm_card_visa", **extra: Any) -> tuple[int, Any]:
    headers = extra.pop("headers", None)
    body = {"amount": amount, **extra}
    if method is not None:
        body["remainder_payment_method"] = method
    return call("debit_wallet", "POST", f"/wallets/{wallet_id}/debits", body, headers=headers)


def holds(wallet_id: str) -> list[str]:
    return [h["status"] for h in call("list_holds", "GET", f"/wallets/{wallet_id}/holds")[1]["data"]]


def sandbox_charges() -> list[SandboxChargeItem]:
    return [i for i in SandboxChargeItem.scan() if isinstance(i, SandboxChargeItem)]


# ------------------------------------------------------------------ remainder charges
def test_a_remainder_debit_holds_the_wallet_charges_the_rest_and_captures(table: str) -> None:
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    credit(wid, 500, funding_type="promotional")
    status, txn = debit(wid, 4000, description="order 1", metadata={"order": "1"})
    assert status == 201, txn
    assert (txn["type"], txn["amount"], txn["applied_amount"], txn["charged_amount"]) == (
        "debit",
        1500,
        1500,
        2500,
    )
    assert (txn["requested_amount"], txn["unapplied_amount"], txn["metadata"]) == (4000, 0, {"order": "1"})
    assert txn["breakdown"] == {"cash": 1000, "promotional": 500} and txn["charge_id"].startswith("ch_")
    (charge,) = sandbox_charges()
    assert (charge.amount, charge.status) == (2500, "succeeded")
    assert holds(wid) == ["captured"]
    assert (wallet(wid)["balance"], wallet(wid)["pending"]) == (0, 0)
    check(wid)


def test_a_debit_the_wallet_covers_charges_nothing(table: str) -> None:
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    status, txn = debit(wid, 600)
    assert status == 201 and (txn["applied_amount"], txn["charged_amount"]) == (600, 0)
    assert sandbox_charges() == [] and holds(wid) == []


def test_an_empty_wallet_charges_the_whole_debit(table: str) -> None:
    wid = new_wallet()
    status, txn = debit(wid, 700)
    assert status == 201 and (txn["amount"], txn["charged_amount"], txn["lots"]) == (0, 700, [])
    assert holds(wid) == []
    check(wid)


def test_a_declined_remainder_releases_the_hold_and_writes_no_debit(table: str) -> None:
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    status, error = debit(wid, 2500, "pm_card_declined", headers={"Idempotency-Key": "declined-1"})
    assert status == 402 and error["error"]["details"]["failure_code"] == "card_declined", error
    assert "remainder_charge_id" in error["error"]["details"]
    assert holds(wid) == ["released"]
    w = wallet(wid)
    assert (w["balance"], w["available"], w["pending"]) == (1000, 1000, 0)
    assert [e.type for e in repository.all_entries(wid)] == ["credit", "hold", "release"]
    # The same request again: the same 402, nothing charged again.
    assert debit(wid, 2500, "pm_card_declined", headers={"Idempotency-Key": "declined-1"})[0] == 402
    assert len(sandbox_charges()) == 1
    check(wid)


def test_a_retried_remainder_debit_charges_once_and_answers_the_same(table: str) -> None:
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    first = debit(wid, 3000, headers={"Idempotency-Key": "order-9"})
    assert first[0] == 201
    assert debit(wid, 3000, headers={"Idempotency-Key": "order-9"}) == first
    assert len(sandbox_charges()) == 1 and [e.type for e in repository.all_entries(wid)].count("debit") == 1


def test_a_lost_gateway_answer_leaves_the_hold_until_recovery_settles_the_debit(table: str) -> None:
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    status, pending = debit(wid, 1800, "pm_card_timeout", headers={"Idempotency-Key": "lost-1"})
    assert status == 202 and pending["object"] == "remainder_charge" and pending["hold_id"], pending
    assert (wallet(wid)["available"], wallet(wid)["pending"]) == (0, 1000)
    assert debit(wid, 1800, "pm_card_timeout", headers={"Idempotency-Key": "lost-1"})[0] == 202
    clock.advance(61)
    assert topups.recover(gateway=wiring.get_gateway())["settled"] == 1
    replay = debit(wid, 1800, "pm_card_timeout", headers={"Idempotency-Key": "lost-1"})
    assert replay[0] == 201 and replay[1]["charged_amount"] == 800
    assert (wallet(wid)["balance"], wallet(wid)["pending"]) == (0, 0)
    check(wid)


def test_a_charge_whose_hold_was_released_meanwhile_is_refunded(table: str) -> None:
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    status, pending = debit(wid, 1800, "pm_card_timeout")
    assert status == 202
    call("release_hold", "POST", f"/wallets/{wid}/holds/{pending['hold_id']}/release")
    clock.advance(61)
    assert topups.recover(gateway=wiring.get_gateway())["refunded"] == 1
    (charge,) = sandbox_charges()
    assert (charge.status, int(charge.refunded_amount)) == ("refunded", 800)
    assert wallet(wid)["balance"] == 1000 and "debit" not in [e.type for e in repository.all_entries(wid)]
    check(wid)


def test_remainder_requests_that_cannot_be_served_are_refused_before_anything_moves(table: str) -> None:
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    status, error = debit(wid, 2000, allow_partial=True)
    assert status == 422 and "remainder_payment_method" in error["error"]["details"], error
    assert debit(wid, 2000, reference="r-1")[0] == 422
    ledger.change_status(wid, "freeze", None)
    assert debit(wid, 2000)[1]["error"]["type"] == "wallet_frozen"
    assert sandbox_charges() == [] and holds(wid) == []


def test_racing_remainder_debits_never_spend_the_wallet_twice(table: str) -> None:
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    barrier = threading.Barrier(4)

    def one(_: int) -> tuple[int, Any]:  # the domain call: the in-process resolver is not thread-safe
        barrier.wait()
        return topups.debit_with_remainder(wid, 700, "pm_card_visa", None, {}, None, wiring.get_gateway())

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, range(4)))
    assert all(status == 201 for status, _ in results), results
    applied = sum(body["applied_amount"] for _, body in results)
    charged = sum(body["charged_amount"] for _, body in results)
    assert (applied, charged) == (1000, 4 * 700 - 1000), results
    assert sum(int(c.amount) for c in sandbox_charges()) == charged
    assert len({body["id"] for _, body in results}) == 4
    assert wallet(wid)["balance"] == 0
    check(wid)


# ------------------------------------------------------------------ saved cards
def test_saving_a_card_links_one_gateway_customer_to_the_wallet(table: str) -> None:
    wid = new_wallet()
    status, setup = call("setup_payment_method", "POST", f"/wallets/{wid}/payment-methods/setup")
    assert status == 201 and setup["client_secret"] and setup["gateway"] == "sandbox", setup
    again = call("setup_payment_method", "POST", f"/wallets/{wid}/payment-methods/setup")[1]
    assert again["gateway_customer_id"] == setup["gateway_customer_id"] != again["id"] != setup["id"]
    assert wallet(wid)["gateway_customer_id"] == setup["gateway_customer_id"]


def test_a_given_gateway_customer_is_used_and_validated(table: str) -> None:
    status, body = call(
        "create_wallet",
        "POST",
        "/wallets",
        {"customer_id": "c1", "currency": "USD", "gateway_customer_id": "x"},
    )
    assert status == 422 and "gateway_customer_id" in body["error"]["details"], body
    status, body = call(
        "create_wallet",
        "POST",
        "/wallets",
        {"customer_id": "c1", "currency": "USD", "gateway_customer_id": "cus_given1"},
    )
    assert status == 201 and body["gateway_customer_id"] == "cus_given1"
    setup = call("setup_payment_method", "POST", f"/wallets/{body['id']}/payment-methods/setup")[1]
    assert setup["gateway_customer_id"] == "cus_given1"


def saved_card_wallet(**overrides: Any) -> str:
    auto = {k: v for k, v in {**AUTO, **overrides}.items() if k != "payment_method"}
    _, created = ledger.create_wallet("cus_saved", "USD", {}, {"auto_top_up": auto})
    ledger.credit(created["id"], 1000, "cash", None, None, None, {}, None)
    return str(created["id"])


def test_an_auto_top_up_without_a_payment_method_charges_the_saved_card_off_session(table: str) -> None:
    wid = saved_card_wallet()
    assert wallet(wid)["settings"]["auto_top_up"]["payment_method"] is None
    call("setup_payment_method", "POST", f"/wallets/{wid}/payment-methods/setup")
    ledger.debit(wid, 600, False, None, None, {}, None)
    jobs.run_top_up_job({}, None, wiring.get_gateway())
    assert wallet(wid)["available"] == 2400
    (item,) = list(TopUpItem.query(wallet_pk(wid), TopUpItem.sk.startswith("TOP#")))
    assert (item.payment_method, item.automatic) == (SandboxGateway.SAVED_CARD, True)
    check(wid)


def test_no_saved_card_is_a_failed_auto_top_up(table: str) -> None:
    wid = saved_card_wallet()
    ledger.debit(wid, 600, False, None, None, {}, None)
    jobs.run_top_up_job({}, None, wiring.get_gateway())
    (item,) = list(TopUpItem.query(wallet_pk(wid), TopUpItem.sk.startswith("TOP#")))
    assert (item.status, item.failure_code) == ("failed", "no_saved_card")
    assert repository.get_wallet(wid).auto_top_up_state["failures"] == 1


def test_a_card_that_needs_authentication_fails_off_session_only(table: str) -> None:
    wid = saved_card_wallet(payment_method="unused")
    ledger.update_wallet(
        wid, None, {"auto_top_up": {**AUTO, "payment_method": "pm_card_authentication_required"}}, None
    )
    ledger.debit(wid, 600, False, None, None, {}, None)
    jobs.run_top_up_job({}, None, wiring.get_gateway())
    (item,) = list(TopUpItem.query(wallet_pk(wid), TopUpItem.sk.startswith("TOP#")))
    assert (item.status, item.failure_code) == ("failed", "authentication_required")
    status, body = call(
        "top_up_wallet",
        "POST",
        f"/wallets/{wid}/top-ups",
        {"amount": 100, "payment_method": "pm_card_authentication_required"},
    )
    assert status == 201, body  # on session the customer is there to authenticate


# ------------------------------------------------------------------ payouts on close
def paid_wallet(amounts: tuple[int, ...] = (1000, 2000)) -> tuple[str, list[dict[str, Any]]]:
    wid = new_wallet()
    paid = []
    for amount in amounts:
        status, body = call(
            "top_up_wallet",
            "POST",
            f"/wallets/{wid}/top-ups",
            {"amount": amount, "payment_method": "pm_card_visa"},
        )
        assert status == 201, body
        paid.append(body)
    return wid, paid


def close(wallet_id: str, refund: bool = True) -> tuple[int, Any]:
    return call("close_wallet", "POST", f"/wallets/{wallet_id}/close", {"refund_to_original_payment": refund})


def refunded() -> dict[str, int]:
    return {str(c.charge_id): int(c.refunded_amount) for c in sandbox_charges() if int(c.refunded_amount)}


def test_close_refunds_the_cash_newest_top_up_first_and_the_rest_stays_due(table: str) -> None:
    wid, paid = paid_wallet()
    credit(wid, 300, funding_type="cash")
    credit(wid, 400, funding_type="promotional")  # spent first by the debit below
    call("debit_wallet", "POST", f"/wallets/{wid}/debits", {"amount": 2500})  # cash left: 1,200
    status, body = close(wid)
    assert status == 200 and body["status"] == "closed", body
    payout = body["payout"]
    assert (payout["status"], payout["amount"], payout["refunded_amount"], payout["refund_due"]) == (
        "completed",
        1200,
        1200,
        0,
    )
    assert [(r["top_up_id"], r["amount"]) for r in payout["refunds"]] == [(paid[1]["id"], 1200)]
    assert refunded() == {paid[1]["charge_id"]: 1200}


def test_what_no_top_up_paid_stays_refund_due(table: str) -> None:
    wid, paid = paid_wallet((500,))
    credit(wid, 300, funding_type="cash")
    payout = close(wid)[1]["payout"]
    assert (payout["refunded_amount"], payout["refund_due"]) == (500, 300)
    assert refunded() == {paid[0]["charge_id"]: 500}


def test_closing_without_asking_refunds_nothing(table: str) -> None:
    wid, _ = paid_wallet()
    status, body = close(wid, refund=False)
    assert status == 200 and body["payout"] is None and body["closing_transaction"]["refund_due"] == 3000
    assert refunded() == {} and payouts.get(wid) is None


class DiesAfterRefund(SandboxGateway):
    def refund(self, *args: Any, **kwargs: Any) -> None:
        super().refund(*args, **kwargs)
        raise ConnectionError("the answer never arrived")


def test_a_payout_stopped_after_a_refund_is_resumed_by_the_job_without_refunding_twice(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    wid, paid = paid_wallet()
    monkeypatch.setattr(wiring, "get_gateway", DiesAfterRefund)
    status, body = close(wid)
    assert status == 200 and body["payout"]["status"] == "pending", body
    assert [r["status"] for r in body["payout"]["refunds"]] == ["requested"]
    monkeypatch.undo()
    clock.advance(6 * 60)
    barrier = threading.Barrier(2)

    def job(_: int) -> dict[str, Any]:
        barrier.wait()
        return jobs.run_top_up_job({}, None, wiring.get_gateway())

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(job, range(2)))
    item = payouts.get(wid)
    assert item is not None and item.status == "completed"
    assert refunded() == {paid[1]["charge_id"]: 2000, paid[0]["charge_id"]: 1000}
    assert payouts.view(item)["refund_due"] == 0


def test_a_refund_the_gateway_refuses_stays_due(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    wid, paid = paid_wallet()

    class Refuses(SandboxGateway):
        def refund(self, key: str, intent_id: str | None, amount: int | None = None) -> None:
            if key.startswith(paid[1]["id"]):
                raise RefundRefused("disputed")
            super().refund(key, intent_id, amount)

    monkeypatch.setattr(wiring, "get_gateway", Refuses)
    payout = close(wid)[1]["payout"]
    assert [(r["top_up_id"], r["amount"], r["status"]) for r in payout["refunds"]] == [
        (paid[1]["id"], 2000, "refused"),
        (paid[0]["id"], 1000, "refunded"),
    ]
    assert (payout["status"], payout["refunded_amount"], payout["refund_due"]) == ("completed", 1000, 2000)
    assert PayoutItem.get(wallet_pk(wid), "PAYOUT").remaining == 2000


# ------------------------------------------------------------------ a failed payment stays failed
class Reconfirmable(SandboxGateway):
    """Stripe's declined PaymentIntent (requires_payment_method) can be confirmed again with another
    card by whoever holds its client secret; the sandbox's cannot unless it is still open."""

    reopened: set[str] = set()

    def confirm(self, key: str, intent_id: str, off_session: bool = False) -> Any:
        charge = super().confirm(key, intent_id, off_session)
        if charge.status == "failed":
            Reconfirmable.reopened.add(intent_id)  # still confirmable, as with Stripe
        return charge

    def cancel(self, key: str, intent_id: str) -> Any:
        Reconfirmable.reopened.discard(intent_id)
        return super().cancel(key, intent_id)


def test_a_declined_payment_is_canceled_so_it_can_never_be_confirmed_later(table: str) -> None:
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    Reconfirmable.reopened.clear()
    with pytest.raises(errors.PaymentFailed):
        topups.debit_with_remainder(wid, 2500, "pm_card_declined", None, {}, None, gateway=Reconfirmable())
    status, _ = call(
        "top_up_wallet",
        "POST",
        f"/wallets/{wid}/top-ups",
        {"amount": 100, "payment_method": "pm_card_declined"},
    )
    assert status == 402
    with pytest.raises(errors.PaymentFailed):
        topups.create(wid, 300, "pm_card_declined", gateway=Reconfirmable())
    assert Reconfirmable.reopened == set()


def test_a_success_that_arrives_for_a_failed_payment_is_refunded(table: str) -> None:
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    assert debit(wid, 2500, "pm_card_declined")[0] == 402
    (charge,) = sandbox_charges()
    charge.update(actions=[SandboxChargeItem.status.set("succeeded")])  # confirmed again, elsewhere
    intent = {"id": charge.pk.removeprefix("SANDBOX#"), "metadata": charge.metadata.as_dict()}
    assert topups.on_gateway_event("payment_intent.succeeded", intent, wiring.get_gateway()) == "refunded"
    assert topups.on_gateway_event("payment_intent.succeeded", intent, wiring.get_gateway()) == "unchanged"
    (charge,) = sandbox_charges()
    assert (charge.status, int(charge.refunded_amount)) == ("refunded", 1500)
    assert wallet(wid)["balance"] == 1000
    check(wid)


# issue 25 item 15 ---------------------------------------------------------------------------------
def test_a_closed_wallet_shows_its_payout_and_what_is_due_is_one_number(table: str) -> None:
    # GIVEN a wallet paid by two top-ups (3,000) and holding 200 of cash no payment brought in
    wid, _ = paid_wallet()
    credit(wid, 200, funding_type="cash")
    # WHEN it closes with refunds to the payments
    status, closed = close(wid)
    assert status == 200
    # THEN the payout refunded 3,000 of the 3,200, and 200 is due: everywhere it is shown
    payout = closed["payout"]
    assert (payout["amount"], payout["refunded_amount"], payout["refund_due"]) == (3200, 3000, 200)
    closing = closed["closing_transaction"]
    assert (closing["refund_due"], closing["refund_due_formatted"]) == (200, "$2.00")
    shown = wallet(wid)
    assert (shown["closing_transaction"], shown["payout"]) == (closing, payout)
    path = f"/wallets/{wid}/transactions"
    assert call("get_transaction", "GET", f"{path}/{closing['id']}") == (200, closing)
    listed = call("list_transactions", "GET", path, query={"type": "close"})[1]["data"]
    assert listed == [closing]
    check(wid)


def test_a_wallet_closed_without_a_payout_shows_its_closing_transaction(table: str) -> None:
    wid, _ = paid_wallet()
    status, closed = close(wid, refund=False)
    assert status == 200 and closed["closing_transaction"]["refund_due"] == 3000
    shown = wallet(wid)
    assert (shown["closing_transaction"], shown["payout"]) == (closed["closing_transaction"], None)


def test_a_payout_is_read_by_its_id_and_listed(table: str) -> None:
    # GIVEN a wallet closed with refunds to its payments, and one closed without
    wid, _ = paid_wallet()
    credit(wid, 200, funding_type="cash")
    payout = close(wid)[1]["payout"]
    other, _ = paid_wallet()
    assert close(other, refund=False)[0] == 200
    # THEN the payout is read by its id, and is the one payout its wallet lists
    assert call("get_payout", "GET", f"/wallets/{wid}/payouts/{payout['id']}") == (200, payout)
    assert call("list_payouts", "GET", f"/wallets/{wid}/payouts")[1]["data"] == [payout]
    # AND a wallet without one lists none; another wallet's payout id, or an unknown wallet, is 404
    assert call("list_payouts", "GET", f"/wallets/{other}/payouts")[1]["data"] == []
    for wallet_id, payout_id in ((other, payout["id"]), (other, f"pay_{other.removeprefix('wal_')}")):
        status, body = call("get_payout", "GET", f"/wallets/{wallet_id}/payouts/{payout_id}")
        assert (status, body["error"]["type"]) == (404, "not_found")
    missing = "wal_01JZZZZZZZZZZZZZZZZZZZZZZZ"
    assert call("list_payouts", "GET", f"/wallets/{missing}/payouts")[0] == 404
