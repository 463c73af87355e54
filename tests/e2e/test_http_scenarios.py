"""The seed scenarios of the ledger, holds and jobs issues, over HTTP against `make run`."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.conftest import Client, events, wait_for


def new_wallet(server: Client, currency: str = "USD", **settings: Any) -> str:
    body: dict[str, Any] = {"customer_id": f"cus_{uuid.uuid4().hex[:10]}", "currency": currency}
    if settings:
        body["settings"] = settings
    status, wallet = server.post("/wallets", body)
    assert status == 201, wallet
    return str(wallet["id"])


def iso_in(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def test_welcome_bonus_once_referral_and_partial_payment(server: Client) -> None:
    wid = new_wallet(server)
    first = server.post(f"/wallets/{wid}/credits", {"amount": 1000, "reference": "promo_welcome_2026"})
    again = server.post(f"/wallets/{wid}/credits", {"amount": 1000, "reference": "promo_welcome_2026"})
    assert (first[0], again[0]) == (201, 200) and first[1]["id"] == again[1]["id"]
    assert server.get(f"/wallets/{wid}")[1]["balance"] == 1000
    referee = new_wallet(server)
    for side in (wid, referee):
        assert (
            server.post(f"/wallets/{side}/credits", {"amount": 500, "reference": f"referral_{referee}"})[0]
            == 201
        )
    status, refused = server.post(f"/wallets/{wid}/debits", {"amount": 2000})
    assert status == 402 and refused["error"]["type"] == "insufficient_funds"
    status, history = server.get(f"/wallets/{wid}/transactions?type=debit")
    assert history["data"] == []
    status, partial = server.post(f"/wallets/{wid}/debits", {"amount": 2000, "allow_partial": True})
    assert status == 201 and (partial["applied_amount"], partial["unapplied_amount"]) == (1500, 500)


def test_two_second_grant_stops_being_spendable_and_is_swept(server: Client) -> None:
    wid = new_wallet(server)
    assert server.post(f"/wallets/{wid}/credits", {"amount": 700, "expires_at": iso_in(2)})[0] == 201
    assert server.get(f"/wallets/{wid}")[1]["available"] == 700
    time.sleep(2.1)
    assert server.get(f"/wallets/{wid}")[1]["available"] == 0
    assert server.post(f"/wallets/{wid}/debits", {"amount": 1})[0] == 402
    expired = wait_for(lambda: events(server, wid, "wallet.credit_expired"))
    assert expired[0]["detail"]["amount"] == 700


def test_checkout_hold_capture_and_an_expired_hold(server: Client) -> None:
    wid = new_wallet(server)
    server.post(f"/wallets/{wid}/credits", {"amount": 5000, "funding_type": "cash"})
    status, hold = server.post(f"/wallets/{wid}/holds", {"amount": 3000})
    assert status == 201 and server.get(f"/wallets/{wid}")[1]["available"] == 2000
    status, captured = server.post(f"/wallets/{wid}/holds/{hold['id']}/capture", {"amount": 2500})
    assert status == 200 and captured["status"] == "captured"
    assert server.get(f"/wallets/{wid}")[1]["available"] == 2500
    _, short = server.post(f"/wallets/{wid}/holds", {"amount": 100, "expires_at": iso_in(1)})
    time.sleep(1.2)
    status, refused = server.post(f"/wallets/{wid}/holds/{short['id']}/capture")
    assert (status, refused["error"]["type"]) == (409, "hold_not_pending")


def test_top_up_with_bonus_and_refund_of_promotional_payment(server: Client) -> None:
    wid = new_wallet(server)
    status, top_up = server.post(
        f"/wallets/{wid}/top-ups", {"amount": 5000, "payment_method": "pm_card_visa", "bonus_amount": 500}
    )
    assert status == 201 and top_up["status"] == "succeeded"
    _, lots = server.get(f"/wallets/{wid}/lots")
    assert sorted((lot["funding_type"], lot["withdrawable"]) for lot in lots["data"]) == [
        ("cash", True),
        ("promotional", False),
    ]
    status, paid = server.post(f"/wallets/{wid}/debits", {"amount": 400})
    assert paid["breakdown"] == {"promotional": 400}
    status, refund = server.post(f"/wallets/{wid}/refunds", {"transaction_id": paid["id"]})
    assert status == 201 and refund["breakdown"] == {"promotional": 400}
    assert server.get(f"/wallets/{wid}")[1]["withdrawable"] == 5000
    status, declined = server.post(
        f"/wallets/{wid}/top-ups", {"amount": 100, "payment_method": "pm_card_declined"}
    )
    assert (status, declined["error"]["type"]) == (402, "payment_failed")


def test_low_balance_fires_once_and_auto_top_up_refills(server: Client) -> None:
    wid = new_wallet(
        server,
        low_balance_threshold=500,
        auto_top_up={
            "enabled": True,
            "threshold": 300,
            "amount": 2000,
            "payment_method": "pm_card_visa",
            "cooldown_seconds": 0,
        },
    )
    server.post(f"/wallets/{wid}/credits", {"amount": 1000, "funding_type": "cash"})
    server.post(f"/wallets/{wid}/debits", {"amount": 600})  # 400: crosses 500
    server.post(f"/wallets/{wid}/debits", {"amount": 50})  # 350: still below, no second event
    wait_for(lambda: events(server, wid, "wallet.payment_made")[1:])
    assert len(events(server, wid, "wallet.balance_low")) == 1
    server.post(f"/wallets/{wid}/debits", {"amount": 100})  # 250: crosses the auto top-up threshold
    refilled = wait_for(lambda: events(server, wid, "wallet.auto_top_up_succeeded"), timeout=30)
    assert refilled[0]["detail"]["amount"] == 2000
    assert server.get(f"/wallets/{wid}")[1]["available"] == 2250
    assert len(events(server, wid, "wallet.balance_low")) == 1


def test_a_manual_adjustment_each_way_with_its_event(server: Client) -> None:
    status, created = server.post("/wallets", {"customer_id": "cus_http_adjust", "currency": "USD"})
    wid = created["id"]
    status, up = server.post(f"/wallets/{wid}/adjustments", {"amount": 900, "reason": "migration from v1"})
    assert status == 201 and up["adjustment_direction"] == "increase"
    server.post(f"/wallets/{wid}/freeze")
    status, down = server.post(f"/wallets/{wid}/adjustments", {"amount": -200, "reason": "duplicate credit"})
    assert status == 201 and down["adjustment_direction"] == "decrease"
    assert server.get(f"/wallets/{wid}")[1]["balance"] == 700
    adjusted = wait_for(lambda: events(server, wid, "wallet.adjusted")[1:])
    seen = sorted(
        (e["detail"]["amount"], e["detail"]["direction"]) for e in events(server, wid, "wallet.adjusted")
    )
    assert seen == [(200, "decrease"), (900, "increase")]
    assert adjusted


def test_a_wallet_expires_on_time_and_is_swept_with_its_event(server: Client) -> None:
    wid = new_wallet(server)
    server.post(f"/wallets/{wid}/credits", {"amount": 1000, "funding_type": "cash"})
    server.post(f"/wallets/{wid}/credits", {"amount": 300})
    status, body = server.request("PATCH", f"/wallets/{wid}", {"expires_at": iso_in(2)})
    assert status == 200 and body["expires_at"]
    assert server.post(f"/wallets/{wid}/debits", {"amount": 100})[0] == 201
    wait_for(lambda: server.get(f"/wallets/{wid}")[1]["status"] == "closed", timeout=10)
    status, error = server.post(f"/wallets/{wid}/debits", {"amount": 1})
    assert (status, error["error"]["type"]) == (409, "wallet_closed")
    (expired,) = wait_for(lambda: events(server, wid, "wallet.expired"), timeout=30)
    assert (expired["detail"]["refund_due"], expired["detail"]["forfeited"]) == (
        1000,
        200,
    )  # promo spent first
    assert events(server, wid, "wallet.closed")


def test_a_crossing_debit_is_topped_up_within_seconds_without_the_schedule(
    dynamodb_local_engine: Any,
) -> None:
    """`make run` as it starts by default (schedules at their real 5 minutes): the crossing write's
    `wallet.auto_top_up_due` event starts the top-up."""
    from tests.e2e.conftest import local_server

    with local_server("ddb", dynamodb_local_engine.endpoint, {"LOCAL_SCHEDULE_SPEEDUP": "1"}) as local:
        wid = new_wallet(
            local,
            auto_top_up={
                "enabled": True,
                "threshold": 500,
                "amount": 2000,
                "payment_method": "pm_card_visa",
            },
        )
        local.post(f"/wallets/{wid}/credits", {"amount": 1000, "funding_type": "cash"})
        assert local.post(f"/wallets/{wid}/debits", {"amount": 600})[0] == 201  # 400 < 500
        crossed = time.monotonic()
        (succeeded,) = wait_for(lambda: events(local, wid, "wallet.auto_top_up_succeeded"), timeout=10)
        took = time.monotonic() - crossed
        assert succeeded["detail"]["amount"] == 2000 and took < 10
        assert local.get(f"/wallets/{wid}")[1]["available"] == 2400
        assert len(events(local, wid, "wallet.auto_top_up_due")) == 1


def test_twenty_racing_redemptions_of_a_code_limited_to_five(server: Client) -> None:
    from concurrent.futures import ThreadPoolExecutor

    status, code = server.post("/codes", {"amounts": {"USD": 250}, "max_redemptions": 5})
    assert status == 201 and code["code"]
    wallets = [new_wallet(server) for _ in range(20)]

    def redeem(wallet_id: str) -> int:
        return server.post(f"/wallets/{wallet_id}/redemptions", {"code": code["code"]})[0]

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(redeem, wallets))
    assert sorted(statuses) == [201] * 5 + [409] * 15
    assert server.get(f"/codes/{code['id']}")[1]["redemptions"] == 5
    winners = [w for w, s in zip(wallets, statuses, strict=True) if s == 201]
    for wallet_id in winners:
        (event,) = wait_for(lambda w=wallet_id: events(server, w, "code.redeemed"))
        assert (event["detail"]["code_id"], event["detail"]["amount"]) == (code["id"], 250)
        assert "code" not in event["detail"]  # never the code itself


def test_a_scoped_credit_pays_only_for_its_category_over_http(server: Client) -> None:
    wid = new_wallet(server)
    server.post(f"/wallets/{wid}/credits", {"amount": 500, "funding_type": "cash"})
    server.post(f"/wallets/{wid}/credits", {"amount": 300, "applies_to": ["api_calls"]})
    status, error = server.post(f"/wallets/{wid}/debits", {"amount": 600})
    assert (status, error["error"]["details"]["available"]) == (402, 500)
    status, paid = server.post(f"/wallets/{wid}/debits", {"amount": 600, "category": "api_calls"})
    assert status == 201 and [(s["applies_to"], s["amount"]) for s in paid["scopes"]] == [
        (None, 300),
        (["api_calls"], 300),
    ]
    body = server.get(f"/wallets/{wid}")[1]
    assert [(s["applies_to"], s["balance"]) for s in body["balances_by_scope"]] == [(None, 200)]
