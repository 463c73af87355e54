"""Credits, debits, voids, history and idempotency through the handlers (docs/contract.md sections 1 to 3)."""

from __future__ import annotations

from typing import Any

import pytest
from wallets import clock, repository

from tests.conftest import call
from tests.integration.helpers import check, credit, debit, new_wallet, wallet


def test_welcome_bonus_by_reference_is_granted_once(table: str) -> None:
    wallet_id = new_wallet()
    status, first = credit(wallet_id, 1000, reference="promo_welcome_2026", description="Welcome")
    assert status == 201 and first["type"] == "credit" and first["breakdown"] == {"promotional": 1000}
    status, second = credit(wallet_id, 1000, reference="promo_welcome_2026")
    assert status == 200 and second["id"] == first["id"]
    assert wallet(wallet_id)["balance"] == 1000
    check(wallet_id)


def test_referral_pays_both_sides(table: str) -> None:
    referrer, referee = new_wallet("cus_referrer"), new_wallet("cus_referee")
    for wallet_id in (referrer, referee):
        assert credit(wallet_id, 500, reference="referral_cus_referee")[0] == 201
    assert wallet(referrer)["available"] == wallet(referee)["available"] == 500


def test_promotional_credit_expiring_in_two_seconds(table: str) -> None:
    wallet_id = new_wallet()
    expires = clock.to_iso(clock.now_ms() + 2000)
    status, _ = credit(wallet_id, 700, expires_at=expires)
    assert status == 201
    assert wallet(wallet_id)["available"] == 700
    clock.advance(2)
    assert wallet(wallet_id)["available"] == 0  # no sweep has run
    status, body = debit(wallet_id, 1)
    assert status == 402 and body["error"]["type"] == "insufficient_funds"
    check(wallet_id)


def test_debit_more_than_available_is_402_and_writes_nothing(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 300, funding_type="cash")
    before = repository.all_entries(wallet_id)
    status, body = debit(wallet_id, 301)
    assert status == 402
    assert body["error"]["details"] == {"requested": 301, "available": 300}
    assert repository.all_entries(wallet_id) == before


def test_allow_partial_pays_what_it_can(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 300, funding_type="cash")
    status, body = debit(wallet_id, 1000, allow_partial=True)
    assert status == 201
    assert (body["applied_amount"], body["unapplied_amount"], body["amount"]) == (300, 700, 300)
    assert body["unapplied_amount_formatted"] == "$7.00"
    status, body = debit(wallet_id, 10, allow_partial=True)
    assert status == 402  # nothing at all to apply


def test_transaction_records_balances_breakdown_and_lots(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 400, funding_type="promotional", expires_at="2099-01-01T00:00:00Z")
    credit(wallet_id, 600, funding_type="cash")
    status, txn = debit(wallet_id, 500, description="Invoice 7", reference="in_7", metadata={"invoice": "7"})
    assert status == 201
    assert txn["balance_after"] == 500 and txn["available_after"] == 500
    assert txn["breakdown"] == {"promotional": 400, "cash": 100}
    assert [lot["amount"] for lot in txn["lots"]] == [400, 100]
    assert txn["lots"][0]["expires_at"] == "2099-01-01T00:00:00.000Z"
    assert (txn["description"], txn["reference"], txn["metadata"]) == ("Invoice 7", "in_7", {"invoice": "7"})
    status, fetched = call("get_transaction", "GET", f"/wallets/{wallet_id}/transactions/{txn['id']}")
    assert status == 200 and fetched == txn


def test_voids_remove_credit_optionally_by_type(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 400, funding_type="promotional")
    credit(wallet_id, 600, funding_type="cash")
    status, void = call(
        "void_wallet",
        "POST",
        f"/wallets/{wallet_id}/voids",
        {"amount": 100, "funding_type": "cash", "reason": "mistake"},
    )
    assert status == 201 and void["breakdown"] == {"cash": 100} and void["reason"] == "mistake"
    body = wallet(wallet_id)
    assert body["withdrawable"] == 500 and body["balances_by_type"]["promotional"]["amount"] == 400
    status, _err = call(
        "void_wallet", "POST", f"/wallets/{wallet_id}/voids", {"amount": 600, "funding_type": "cash"}
    )
    assert status == 402
    check(wallet_id)


def test_frozen_accepts_credits_refuses_debits_and_voids_closed_refuses_all(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 100, funding_type="cash")
    call("freeze_wallet", "POST", f"/wallets/{wallet_id}/freeze")
    assert credit(wallet_id, 100)[0] == 201
    assert debit(wallet_id, 1)[1]["error"]["type"] == "wallet_frozen"
    status, body = call("void_wallet", "POST", f"/wallets/{wallet_id}/voids", {"amount": 1})
    assert (status, body["error"]["type"]) == (409, "wallet_frozen")
    call("close_wallet", "POST", f"/wallets/{wallet_id}/close")
    assert credit(wallet_id, 1)[1]["error"]["type"] == "wallet_closed"
    assert debit(wallet_id, 1)[1]["error"]["type"] == "wallet_closed"


@pytest.mark.parametrize("amount", [10.0, 10.5, "10", True, 0, -5, 10**15 + 1, None, [1], {"v": 1}])
def test_amounts_must_be_positive_integers(table: str, amount: object) -> None:
    wallet_id = new_wallet()
    for fn, suffix in [("credit_wallet", "credits"), ("debit_wallet", "debits"), ("void_wallet", "voids")]:
        status, body = call(fn, "POST", f"/wallets/{wallet_id}/{suffix}", {"amount": amount})
        assert status == 422 and "amount" in body["error"]["details"], (fn, body)
    assert repository.all_entries(wallet_id) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 1, "funding_type": "gift"}, "funding_type"),
        ({"amount": 1, "expires_at": "tomorrow"}, "expires_at"),
        ({"amount": 1, "expires_at": "2099-01-01T00:00:00"}, "expires_at"),  # no timezone
        ({"amount": 1, "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),  # in the past
        ({"amount": 1, "reference": ""}, "reference"),
        ({"amount": 1, "reference": "x" * 256}, "reference"),
        ({"amount": 1, "metadata": {"k" * 41: "v"}}, "metadata"),
        ({"amount": 1, "description": "d" * 501}, "description"),
    ],
)
def test_credit_validation(table: str, body: dict, field: str) -> None:
    wallet_id = new_wallet()
    status, error = call("credit_wallet", "POST", f"/wallets/{wallet_id}/credits", body)
    assert status == 422 and field in error["error"]["details"], error
    assert repository.all_entries(wallet_id) == []


def test_max_amount_is_accepted(table: str) -> None:
    wallet_id = new_wallet()
    assert credit(wallet_id, 10**15, funding_type="cash")[0] == 201
    assert wallet(wallet_id)["balance"] == 10**15


def test_idempotent_replay_returns_the_original_response_and_moves_money_once(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 1000, funding_type="cash")
    key = {"Idempotency-Key": "order-1"}
    status, first = debit(wallet_id, 600, headers=key)
    status2, second = debit(wallet_id, 600, headers=key)
    assert (status, status2) == (201, 201) and second == first
    # a replay after the money is gone still answers the original, not insufficient_funds
    debit(wallet_id, 400)
    assert debit(wallet_id, 600, headers=key) == (201, first)
    status, err = debit(wallet_id, 601, headers=key)
    assert status == 409 and err["error"]["type"] == "idempotency_key_reused"
    assert wallet(wallet_id)["balance"] == 0
    check(wallet_id)


def test_idempotency_key_covers_wallet_creation(table: str) -> None:
    body = {"customer_id": "cus_k", "currency": "USD"}
    first = call("create_wallet", "POST", "/wallets", body, headers={"Idempotency-Key": "w1"})
    assert first[0] == 201
    assert call("create_wallet", "POST", "/wallets", body, headers={"Idempotency-Key": "w1"}) == first
    status, err = call(
        "create_wallet", "POST", "/wallets", {**body, "currency": "EUR"}, headers={"Idempotency-Key": "w1"}
    )
    assert status == 409 and err["error"]["type"] == "idempotency_key_reused"


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_idempotency_key_is_validated(table: str, key: str) -> None:
    wallet_id = new_wallet()
    status, err = credit(wallet_id, 1, headers={"Idempotency-Key": key})
    assert status == 422 and "Idempotency-Key" in err["error"]["details"]


def test_history_is_newest_first_filtered_and_paginated(table: str) -> None:
    wallet_id = new_wallet()
    made = []
    for amount in (100, 200, 300):
        made.append(credit(wallet_id, amount, funding_type="cash")[1])
        clock.advance(1)
    made.append(debit(wallet_id, 50)[1])
    status, page = call(
        "list_transactions", "GET", f"/wallets/{wallet_id}/transactions", query={"limit": "3"}
    )
    assert [t["id"] for t in page["data"]] == [t["id"] for t in reversed(made)][:3] and page["has_more"]
    status, rest = call(
        "list_transactions",
        "GET",
        f"/wallets/{wallet_id}/transactions",
        query={"limit": "3", "cursor": page["next_cursor"]},
    )
    assert [t["id"] for t in rest["data"]] == [made[0]["id"]] and not rest["has_more"]
    _, debits = call(
        "list_transactions", "GET", f"/wallets/{wallet_id}/transactions", query={"type": "debit"}
    )
    assert [t["id"] for t in debits["data"]] == [made[3]["id"]]
    window = {"created_after": made[0]["created_at"], "created_before": made[2]["created_at"]}
    _, between = call("list_transactions", "GET", f"/wallets/{wallet_id}/transactions", query=window)
    assert [t["id"] for t in between["data"]] == [made[1]["id"]]
    status, _err = call(
        "list_transactions", "GET", f"/wallets/{wallet_id}/transactions", query={"type": "nope"}
    )
    assert status == 422
    backwards = {"created_after": made[2]["created_at"], "created_before": made[0]["created_at"]}
    status, err = call("list_transactions", "GET", f"/wallets/{wallet_id}/transactions", query=backwards)
    assert status == 422 and "created_before" in err["error"]["details"]


def test_lots_show_remaining_expiry_and_consumption_order(table: str) -> None:
    wallet_id = new_wallet(expiry_warning_days=3)
    soon = clock.to_iso(clock.now_ms() + 86_400_000)
    credit(wallet_id, 500, funding_type="cash")
    credit(wallet_id, 300, funding_type="promotional", expires_at=soon)
    debit(wallet_id, 100)
    status, lots = call("list_lots", "GET", f"/wallets/{wallet_id}/lots")
    assert status == 200
    assert [(lot["funding_type"], lot["remaining"]) for lot in lots["data"]] == [
        ("promotional", 200),
        ("cash", 500),
    ]
    assert lots["data"][0]["expiring_soon"] is True and lots["data"][0]["withdrawable"] is False
    body = wallet(wallet_id)
    assert body["expiring_soon"] == 200 and body["next_expiry_at"] == soon


def test_customer_balance_api(table: str) -> None:
    status, grant = call(
        "grant_customer_balance", "POST", "/customers/cus_9/balances/EUR/grant", {"amount": 1500}
    )
    assert status == 201 and grant["amount_formatted"] == "€15.00"
    call("grant_customer_balance", "POST", "/customers/cus_9/balances/JPY/grant", {"amount": 1500})
    status, balance = call("get_customer_balance", "GET", "/customers/cus_9/balances/EUR")
    assert status == 200
    assert (balance["amount"], balance["available"], balance["pending"], balance["amount_formatted"]) == (
        1500,
        1500,
        0,
        "€15.00",
    )
    _, all_balances = call("list_customer_balances", "GET", "/customers/cus_9/balances")
    assert [(b["currency"], b["amount_formatted"]) for b in all_balances["data"]] == [
        ("EUR", "€15.00"),
        ("JPY", "¥1,500"),
    ]
    status, revoke = call(
        "revoke_customer_balance",
        "POST",
        "/customers/cus_9/balances/EUR/revoke",
        {"amount": 500, "reason": "chargeback"},
    )
    assert status == 201 and revoke["type"] == "void" and revoke["balance_after"] == 1000
    status, _err = call(
        "revoke_customer_balance", "POST", "/customers/cus_9/balances/GBP/revoke", {"amount": 1}
    )
    assert status == 404
    assert call("get_customer_balance", "GET", "/customers/cus_9/balances/GBP")[0] == 404


def test_a_backlog_larger_than_one_transaction_is_settled_first(table: str) -> None:
    from wallets import ledger
    from wallets.wallet import MAX_SETTLED_PER_WRITE

    wallet_id = new_wallet()
    soon = clock.now_ms() + 60_000
    for _ in range(30):  # many lots expire together: one expiry entry, however many
        ledger_credit(wallet_id, 10, soon)
    credit(wallet_id, 1000, funding_type="cash")
    holds = MAX_SETTLED_PER_WRITE + 10  # more expired holds than one write may release
    for _ in range(holds):
        assert ledger.create_hold(wallet_id, 10, soon, None, None, {}, None)[0] == 201
    clock.advance(61)
    status, paid = debit(wallet_id, 60)
    assert status == 201 and paid["balance_after"] == 940
    entries = repository.all_entries(wallet_id)
    types = [e.type for e in entries]
    assert types.count("release") == holds and entries[-1].type == "debit"
    expiries = [e for e in entries if e.type == "expiry"]
    assert sum(len(e.allocations) for e in expiries) == 30 and sum(e.amount for e in expiries) == 300
    check(wallet_id)


def ledger_credit(wallet_id: str, amount: int, expires_at: int) -> None:
    from wallets import ledger

    ledger.credit(wallet_id, amount, "promotional", expires_at, None, None, {}, None)


def test_a_cursor_only_pages_the_list_that_issued_it(table: str) -> None:
    import base64
    import json

    mine, theirs = new_wallet("cus_mine"), new_wallet("cus_theirs")
    for wallet_id in (mine, theirs):
        for amount in (100, 200, 300):
            credit(wallet_id, amount, funding_type="cash")
            clock.advance(1)

    def page(wallet_id: str, **query: str) -> tuple[int, dict]:
        return call("list_transactions", "GET", f"/wallets/{wallet_id}/transactions", query=query)

    status, first = page(mine, limit="1")
    assert status == 200 and first["next_cursor"]
    cursor = first["next_cursor"]
    assert page(mine, limit="1", cursor=cursor)[0] == 200
    for status, body in (
        page(theirs, limit="1", cursor=cursor),  # another wallet's list
        page(mine, limit="1", cursor=cursor, type="debit"),  # another filter
        call("list_holds", "GET", f"/wallets/{mine}/holds", query={"cursor": cursor}),  # another list
    ):
        assert status == 422 and "cursor" in body["error"]["details"], body
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    for edit in ({"pk": f"WAL#{theirs}"}, {"sk": "HLD#x"}):  # edited keys, scope tag kept
        forged = base64.urlsafe_b64encode(json.dumps({**raw, **edit}).encode()).decode().rstrip("=")
        status, body = page(mine, limit="1", cursor=forged)
        assert status in (200, 422) and (status == 200 or "cursor" in body["error"]["details"]), body
        if "pk" in edit:
            assert status == 422


def test_idempotency_keys_are_scoped_to_the_caller(table: str) -> None:
    wallet_id = new_wallet()
    credit(wallet_id, 1000, funding_type="cash")
    alice = "arn:aws:sts::111122223333:assumed-role/checkout/session-1"
    bob = "arn:aws:iam::111122223333:user/bob"

    def pay(amount: int, caller_arn: str) -> tuple[int, Any]:
        return call(
            "debit_wallet",
            "POST",
            f"/wallets/{wallet_id}/debits",
            {"amount": amount},
            headers={"Idempotency-Key": "order-1"},
            caller_arn=caller_arn,
        )

    first, other = pay(100, alice), pay(250, bob)  # two callers picked the same key
    assert (first[0], other[0]) == (201, 201) and first[1]["id"] != other[1]["id"]
    # A role's new session is the same caller: its retry replays the original.
    again = pay(100, alice.replace("session-1", "session-2"))
    assert again == first
    status, body = pay(999, alice)
    assert status == 409 and body["error"]["details"] == {"idempotency_key": "order-1"}
    assert wallet(wallet_id)["available"] == 1000 - 100 - 250


def test_every_transaction_records_who_moved_the_money(table: str) -> None:
    from wallets import jobs

    checkout = "arn:aws:sts::111122223333:assumed-role/checkout/i-0abc"
    wallet_id = new_wallet(expiry_warning_days=0)
    status, credited = call(
        "credit_wallet",
        "POST",
        f"/wallets/{wallet_id}/credits",
        {"amount": 500, "funding_type": "promotional", "expires_at": clock.to_iso(clock.now_ms() + 10_000)},
        caller_arn=checkout,
    )
    assert status == 201 and credited["actor"] == "arn:aws:sts::111122223333:assumed-role/checkout"
    assert debit(wallet_id, 10)[1]["actor"] == "anonymous"  # the local server checks no signatures
    clock.advance(11)
    jobs.run_sweep_job({}, None)
    _, history = call("list_transactions", "GET", f"/wallets/{wallet_id}/transactions")
    assert [(t["type"], t["actor"]) for t in history["data"]] == [
        ("expiry", "scheduler"),
        ("debit", "anonymous"),
        ("credit", "arn:aws:sts::111122223333:assumed-role/checkout"),
    ]


def test_holds_and_top_ups_record_who_created_them(table: str) -> None:
    ops = "arn:aws:iam::111122223333:user/ops"
    wallet_id = new_wallet()
    status, topped = call(
        "top_up_wallet",
        "POST",
        f"/wallets/{wallet_id}/top-ups",
        {"amount": 500, "payment_method": "pm_card_visa"},
        caller_arn=ops,
    )
    assert status == 201 and topped["actor"] == ops and topped["transaction"]["actor"] == ops
    status, held = call("create_hold", "POST", f"/wallets/{wallet_id}/holds", {"amount": 100}, caller_arn=ops)
    assert status == 201 and held["actor"] == ops
    _, listed = call("list_holds", "GET", f"/wallets/{wallet_id}/holds")
    assert [h["actor"] for h in listed["data"]] == [ops]
    status, released = call("release_hold", "POST", f"/wallets/{wallet_id}/holds/{held['id']}/release")
    assert status == 200 and released["actor"] == ops and released["transaction"]["actor"] == "anonymous"
