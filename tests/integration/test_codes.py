"""Credit codes through the handlers, and redemptions racing on both engines (docs/decisions.md 38)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from wallets import clock, codes, errors, ledger, repository

from tests.conftest import call
from tests.integration.helpers import check, new_wallet, wallet


def create(**body: Any) -> dict[str, Any]:
    status, code = call("create_code", "POST", "/codes", {"amounts": {"USD": 500}, **body})
    assert status == 201, code
    return code


def redeem(wallet_id: str, code: str) -> tuple[int, Any]:
    return call("redeem_code", "POST", f"/wallets/{wallet_id}/redemptions", {"code": code})


def test_a_code_is_shown_once_stored_hashed_and_listed_by_its_last_four(table: str) -> None:
    made = create(description="welcome")
    secret = made["code"]
    assert len(secret) == 19 and made["last4"] == secret[-4:] and made["status"] == "active"
    item = repository.get_item(codes.CodeItem, f"CODE#{made['id']}", "CODE")
    assert secret.replace("-", "") not in str(item.attribute_values)  # only its hash and last four
    status, got = call("get_code", "GET", f"/codes/{made['id']}")
    assert status == 200 and got["code"] is None and got["last4"] == made["last4"]
    listed = call("list_codes", "GET", "/codes")[1]["data"]
    assert [c["id"] for c in listed] == [made["id"]] and listed[0]["code"] is None
    status, again = call("create_code", "POST", "/codes", {"amounts": {"USD": 1}, "code": secret.lower()})
    assert (status, again["error"]["type"]) == (409, "code_exists")


def test_a_replayed_creation_answers_the_code_redacted(table: str) -> None:
    headers = {"Idempotency-Key": "code-1"}
    first = call("create_code", "POST", "/codes", {"amounts": {"USD": 5}}, headers=headers)
    second = call("create_code", "POST", "/codes", {"amounts": {"USD": 5}}, headers=headers)
    assert first[0] == second[0] == 201 and first[1]["id"] == second[1]["id"]
    assert first[1]["code"] and second[1]["code"] is None


def test_redeeming_credits_code_credit_with_the_codes_terms(table: str) -> None:
    made = create(code="SPRING-25", applies_to=["pro"], credit_expiry_days=30, withdrawable=True)
    wid = new_wallet()
    status, txn = redeem(wid, " spring25 ")
    assert status == 201, txn
    assert (txn["type"], txn["amount"], txn["code_id"], txn["code_last4"]) == (
        "credit",
        500,
        made["id"],
        "NG25",
    )
    assert txn["breakdown"] == {"code_redemption": 500} and txn["scopes"][0]["applies_to"] == ["pro"]
    lot = call("list_lots", "GET", f"/wallets/{wid}/lots")[1]["data"][0]
    assert lot["withdrawable"] is True and lot["applies_to"] == ["pro"]
    redeemed_at = clock.from_datetime(datetime.fromisoformat(txn["created_at"]))
    assert lot["expires_at"] == txn["lots"][0]["expires_at"] == clock.to_iso(redeemed_at + 30 * clock.DAY_MS)
    assert wallet(wid)["withdrawable"] == 500
    assert call("get_code", "GET", f"/codes/{made['id']}")[1]["redemptions"] == 1
    _, closed = ledger.change_status(wid, "close", None)
    assert closed["closing_transaction"]["refund_due"] == 500
    check(wid)


def test_wrong_used_up_expired_disabled_and_repeated_codes_are_distinct_errors(table: str) -> None:
    wid, other = new_wallet("cus_a"), new_wallet("cus_b")
    eur = new_wallet("cus_a", "EUR")
    once = create(max_redemptions=1)["code"]
    assert redeem(wid, "NOPE-NOPE")[1]["error"]["type"] == "code_invalid"
    assert redeem(eur, once)[1]["error"]["type"] == "code_invalid"  # no EUR amount: as if none
    assert redeem(wid, once)[0] == 201
    status, error = redeem(wid, once)
    assert (status, error["error"]["type"]) == (409, "code_already_redeemed")
    status, error = redeem(other, once)
    assert (status, error["error"]["type"]) == (409, "code_used_up")
    assert "cus_a" not in str(error) and wid not in str(error)
    soon = create(redeemable_until=clock.to_iso(clock.now_ms() + 1000))["code"]
    clock.advance(1)
    status, error = redeem(wid, soon)
    assert (status, error["error"]["type"]) == (410, "code_expired")
    spent = create(credit_expires_at=clock.to_iso(clock.now_ms() + 1000))["code"]
    clock.advance(1)
    assert redeem(wid, spent)[1]["error"]["type"] == "code_expired"  # its credit would expire at once
    off = create()
    assert call("disable_code", "POST", f"/codes/{off['id']}/disable")[1]["status"] == "disabled"
    status, error = redeem(wid, off["code"])
    assert (status, error["error"]["type"]) == (409, "code_disabled")
    many = create(once_per_customer=False)["code"]
    assert redeem(wid, many)[0] == redeem(wid, many)[0] == 201
    assert wallet(wid)["balance"] == 500 + 1000


def outcome(wallet_id: str, code: str) -> str:
    """What one redemption did: "credited", or the type of the error it got."""
    try:
        codes.redeem(wallet_id, code, None)
        return "credited"
    except errors.WalletError as exc:
        return exc.type


def test_a_hundred_racing_redemptions_of_a_code_limited_to_ten_credit_exactly_ten(table: str) -> None:
    made = create(max_redemptions=10)
    wallets = [ledger.create_wallet(f"cus_race_{n}", "USD", {}, None)[1]["id"] for n in range(100)]
    barrier = threading.Barrier(20)

    def attempt(wallet_id: str) -> str:
        if wallets.index(wallet_id) < 20:
            barrier.wait()
        return outcome(wallet_id, made["code"])

    with ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(attempt, wallets))
    assert outcomes.count("credited") == 10, outcomes
    assert set(outcomes) == {"credited", "code_used_up"}
    assert call("get_code", "GET", f"/codes/{made['id']}")[1]["redemptions"] == 10
    assert sum(wallet(w)["balance"] for w in wallets) == 10 * 500


def test_one_customer_racing_itself_redeems_once(table: str) -> None:
    made = create()
    wid = new_wallet("cus_self")
    barrier = threading.Barrier(8)

    def attempt(_: int) -> str:
        barrier.wait()
        return outcome(wid, made["code"])

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert outcomes.count("credited") == 1 and set(outcomes) == {"credited", "code_already_redeemed"}
    assert wallet(wid)["balance"] == 500
    check(wid)


def test_a_custom_code_needs_six_letters_or_digits_whatever_its_dashes(table: str) -> None:
    status, error = call("create_code", "POST", "/codes", {"amounts": {"USD": 5}, "code": "A----------B"})
    assert status == 422 and "code" in error["error"]["details"]
