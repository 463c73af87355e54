"""Scoped credits through the handlers: `applies_to` on credits, grants and top-up bonuses, `category`
on debits and holds, balances by scope, and which scopes paid (docs/decisions.md 37)."""

from __future__ import annotations

from tests.conftest import call
from tests.integration.helpers import check, credit, debit, new_wallet, wallet


def test_balances_by_scope_and_the_scopes_that_paid(table: str) -> None:
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    status, txn = credit(wid, 500, applies_to=["prod_b", "prod_a", "prod_a"])
    assert status == 201 and txn["scopes"] == [
        {"applies_to": ["prod_a", "prod_b"], "amount": 500, "amount_formatted": "$5.00"}
    ]
    body = wallet(wid)
    assert [(s["applies_to"], s["balance"], s["available"]) for s in body["balances_by_scope"]] == [
        (None, 1000, 1000),
        (["prod_a", "prod_b"], 500, 500),
    ]
    status, error = debit(wid, 1200)
    assert (status, error["error"]["details"]) == (402, {"requested": 1200, "available": 1000})
    status, paid = debit(wid, 1200, category="prod_a")
    assert status == 201 and paid["category"] == "prod_a"
    assert [(s["applies_to"], s["amount"]) for s in paid["scopes"]] == [
        (None, 700),
        (["prod_a", "prod_b"], 500),
    ]
    lots = call("list_lots", "GET", f"/wallets/{wid}/lots")[1]["data"]
    assert [lot["applies_to"] for lot in lots] == [None]
    status, refund = call(
        "refund_transaction",
        "POST",
        f"/wallets/{wid}/refunds",
        {"transaction_id": paid["id"]},
    )
    assert status == 201 and sorted(str(s["applies_to"]) for s in refund["scopes"]) == [
        "None",
        "['prod_a', 'prod_b']",
    ]
    check(wid)


def test_holds_grants_and_top_up_bonuses_carry_scopes(table: str) -> None:
    wid = new_wallet("cus_scope")
    status, granted = call(
        "grant_customer_balance",
        "POST",
        "/customers/cus_scope/balances/USD/grant",
        {"amount": 300, "applies_to": ["seat"]},
    )
    assert status == 201 and granted["scopes"][0]["applies_to"] == ["seat"]
    status, top_up = call(
        "top_up_wallet",
        "POST",
        f"/wallets/{wid}/top-ups",
        {"amount": 1000, "payment_method": "pm_card_visa", "bonus_amount": 100, "bonus_applies_to": ["seat"]},
    )
    assert status == 201, top_up
    status, hold = call("create_hold", "POST", f"/wallets/{wid}/holds", {"amount": 450, "category": "seat"})
    assert status == 201
    txn = call("get_transaction", "GET", f"/wallets/{wid}/transactions/{hold['transaction_id']}")[1]
    assert txn["category"] == "seat" and [(s["applies_to"], s["amount"]) for s in txn["scopes"]] == [
        (None, 50),
        (["seat"], 400),
    ]
    assert wallet(wid)["available"] == 950
    check(wid)


def test_categories_are_validated_with_field_details(table: str) -> None:
    wid = new_wallet()
    for body in (
        {"amount": 5, "applies_to": []},
        {"amount": 5, "applies_to": ["bad category"]},
        {"amount": 5, "applies_to": ["x\n"]},
        {"amount": 5, "applies_to": ["a" * 65]},
        {"amount": 5, "applies_to": [f"p{n}" for n in range(21)]},
    ):
        status, error = credit(wid, **body)  # type: ignore[arg-type]
        assert status == 422 and "applies_to" in str(error["error"]["details"]), body
    status, error = debit(wid, 5, category="")
    assert status == 422 and "category" in str(error["error"]["details"])
    assert wallet(wid)["balance"] == 0


def test_racing_category_debits_spend_the_scoped_credit_exactly_once(table: str) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from wallets import errors, ledger

    wid = new_wallet("cus_scope_race")
    credit(wid, 500, applies_to=["seat"])
    credit(wid, 1000, funding_type="cash")
    barrier = threading.Barrier(8)

    def pay(n: int) -> str:
        barrier.wait()
        try:
            ledger.debit(wid, 100, False, None, None, {}, None, "seat" if n % 2 == 0 else None)
            return "paid"
        except errors.WalletError as exc:
            return exc.type

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(pay, range(8)))
    assert outcomes == ["paid"] * 8
    body = wallet(wid)
    assert [(s["applies_to"], s["balance"]) for s in body["balances_by_scope"]] == [
        (None, 600),  # four category-less debits: cash only
        (["seat"], 100),  # four seat debits: the seat credit first
    ]
    check(wid)
