"""Wallet lifecycle through the handlers on the embedded DynamoDB (docs/contract.md sections 2 and 3)."""

from __future__ import annotations

import pytest
from wallets import clock

from tests.conftest import call
from tests.integration.helpers import credit, new_wallet, wallet


def create(
    customer: str = "cus_1", currency: str = "USD", headers: dict[str, str] | None = None, **extra: object
) -> tuple[int, dict]:
    body = {"customer_id": customer, "currency": currency, **extra}
    return call("create_wallet", "POST", "/wallets", body, headers=headers)


def test_create_is_idempotent_on_customer_and_currency(table: str) -> None:
    status, first = create(metadata={"plan": "pro"})
    assert status == 201
    assert first["id"].startswith("wal_") and first["status"] == "active"
    assert (first["balance"], first["balance_formatted"]) == (0, "$0.00")
    assert first["metadata"] == {"plan": "pro"}
    status, again = create()
    assert status == 200 and again["id"] == first["id"]
    status, other = create(currency="EUR")
    assert status == 201 and other["id"] != first["id"]


def test_every_balance_field_has_a_formatted_twin(table: str) -> None:
    _, wallet = create(currency="GHS")
    for field in ("balance", "pending", "available", "withdrawable", "expiring_soon"):
        assert wallet[field] == 0 and wallet[f"{field}_formatted"] == "GH₵0.00"
    assert set(wallet["balances_by_type"]) == {
        "cash",
        "promotional",
        "code_redemption",
        "refund",
        "manual_adjustment",
    }


def test_retrieve_by_id_and_by_customer(table: str) -> None:
    _, wallet = create()
    assert call("get_wallet", "GET", f"/wallets/{wallet['id']}") == (200, wallet)
    status, by_customer = call("get_customer_wallet", "GET", "/customers/cus_1/wallets/USD")
    assert status == 200 and by_customer["id"] == wallet["id"]
    status, body = call("get_customer_wallet", "GET", "/customers/cus_1/wallets/EUR")
    assert status == 404 and body["error"]["type"] == "not_found"
    status, body = call("get_customer_wallet", "GET", "/customers/cus_1/wallets/XYZ")
    assert status == 422 and "currency" in body["error"]["details"]


def test_list_filters_and_paginates_newest_first(table: str) -> None:
    made = [create("cus_a", cur)[1]["id"] for cur in ("USD", "EUR", "GBP")]
    made += [create("cus_b", "USD")[1]["id"]]
    call("freeze_wallet", "POST", f"/wallets/{made[1]}/freeze")
    status, page = call("list_wallets", "GET", "/wallets", query={"customer_id": "cus_a", "limit": "2"})
    assert status == 200 and [w["id"] for w in page["data"]] == [made[2], made[1]] and page["has_more"]
    status, rest = call(
        "list_wallets",
        "GET",
        "/wallets",
        query={"customer_id": "cus_a", "limit": "2", "cursor": page["next_cursor"]},
    )
    assert (
        [w["id"] for w in rest["data"]] == [made[0]] and not rest["has_more"] and rest["next_cursor"] is None
    )
    _, frozen = call("list_wallets", "GET", "/wallets", query={"status": "frozen"})
    assert [w["id"] for w in frozen["data"]] == [made[1]]
    _, usd = call("list_wallets", "GET", "/wallets", query={"currency": "USD"})
    assert [w["id"] for w in usd["data"]] == [made[3], made[0]]
    collected, cursor = [], None
    while True:
        query = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        _, page = call("list_wallets", "GET", "/wallets", query=query)
        collected += [w["id"] for w in page["data"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert collected == list(reversed(made))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"status": "gone"}, "status"),
        ({"cursor": "garbage"}, "cursor"),
        ({"currency": "usd"}, "currency"),
    ],
)
def test_list_rejects_bad_parameters(table: str, query: dict[str, str], field: str) -> None:
    status, body = call("list_wallets", "GET", "/wallets", query=query)
    assert status == 422 and field in body["error"]["details"], body


def test_patch_updates_metadata_and_validated_settings(table: str) -> None:
    _, wallet = create(metadata={"a": "1", "b": "2"})
    path = f"/wallets/{wallet['id']}"
    status, updated = call(
        "update_wallet",
        "PATCH",
        path,
        {
            "metadata": {"b": "", "c": "3"},
            "settings": {
                "low_balance_threshold": 500,
                "credit_expiry_days": 30,
                "auto_top_up": {
                    "enabled": True,
                    "threshold": 100,
                    "amount": 2000,
                    "payment_method": "pm_card_visa",
                },
            },
        },
    )
    assert status == 200, updated
    assert updated["metadata"] == {"a": "1", "c": "3"}
    assert updated["settings"]["low_balance_threshold"] == 500
    assert updated["settings"]["auto_top_up"]["max_per_day"] == 3
    status, again = call("update_wallet", "PATCH", path, {"settings": {"allow_top_up": False}})
    assert again["settings"]["low_balance_threshold"] == 500 and again["settings"]["allow_top_up"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"settings": {"low_balance_threshold": -1}}, "settings.low_balance_threshold"),
        ({"settings": {"low_balance_threshold": 1.5}}, "settings.low_balance_threshold"),
        ({"settings": {"credit_expiry_days": 0}}, "settings.credit_expiry_days"),
        ({"settings": {"allow_top_up": "yes"}}, "settings.allow_top_up"),
        ({"settings": {"auto_top_up": {"enabled": True}}}, "settings.auto_top_up.amount"),
        ({"metadata": {str(i): "v" for i in range(21)}}, "metadata"),
        ({"metadata": {"k": "v" * 501}}, "metadata"),
        ({"metadata": {"k": 1}}, "metadata.k"),
        ({"status": "closed"}, "status"),
    ],
)
def test_patch_rejects_invalid_input_and_writes_nothing(table: str, body: dict, field: str) -> None:
    _, wallet = create()
    status, error = call("update_wallet", "PATCH", f"/wallets/{wallet['id']}", body)
    assert status == 422 and error["error"]["type"] == "validation_error"
    assert field in error["error"]["details"], error
    assert call("get_wallet", "GET", f"/wallets/{wallet['id']}")[1] == wallet


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"customer_id": "", "currency": "USD"}, "customer_id"),
        ({"customer_id": "x" * 256, "currency": "USD"}, "customer_id"),
        ({"customer_id": "cus 1", "currency": "USD"}, "customer_id"),
        ({"customer_id": "cus_1", "currency": "DEM"}, "currency"),
        ({"customer_id": "cus_1", "currency": "usd"}, "currency"),
        ({"customer_id": 7, "currency": "USD"}, "customer_id"),
        ({"currency": "USD"}, "customer_id"),
        ({"customer_id": "cus_1", "currency": "USD", "extra": 1}, "extra"),
    ],
)
def test_create_rejects_invalid_input(table: str, body: dict, field: str) -> None:
    status, error = call("create_wallet", "POST", "/wallets", body)
    assert status == 422 and field in error["error"]["details"], error
    assert call("list_wallets", "GET", "/wallets")[1]["data"] == []


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", "null", ""])
def test_bad_bodies_are_4xx_with_the_error_envelope(table: str, raw: str) -> None:
    status, body = call("create_wallet", "POST", "/wallets", raw)
    assert status in (400, 422)
    assert set(body["error"]) == {"type", "message", "details"}
    assert "Traceback" not in str(body)


@pytest.mark.parametrize("raw", ["[null, null]", '[{"amount": 1}]', '"all"', "5", "true"])
@pytest.mark.parametrize("action", ["capture", "release"])
def test_a_body_that_is_not_an_object_is_refused_where_the_body_is_optional(
    table: str, raw: str, action: str
) -> None:
    # Found by schemathesis: a capture with the body `[null, null]` captured the whole hold.
    wid = new_wallet()
    credit(wid, 500)
    _, held = call("create_hold", "POST", f"/wallets/{wid}/holds", {"amount": 100})
    path = f"/wallets/{wid}/holds/{held['id']}/{action}"
    status, body = call(f"{action}_hold", "POST", path, raw)
    assert status == 422 and list(body["error"]["details"]) == ["body"], body
    assert call(f"{action}_hold", "POST", path, "{not json")[0] == 400
    assert wallet(wid)["pending"] == 100  # nothing captured or released


@pytest.mark.parametrize("value", [0, 1_800_000_000, 1.8e9, True])
def test_an_expiry_is_a_date_and_time_never_a_number(table: str, value: object) -> None:
    # Found by schemathesis: `"expires_at": 0` was read as seconds since 1970.
    wid = new_wallet()
    status, body = credit(wid, 100, expires_at=value)
    assert status == 422 and "expires_at" in body["error"]["details"], body
    assert wallet(wid)["balance"] == 0


def test_freeze_unfreeze_close_status_machine(table: str) -> None:
    _, wallet = create()
    path = f"/wallets/{wallet['id']}"
    assert call("freeze_wallet", "POST", f"{path}/freeze")[1]["status"] == "frozen"
    assert call("freeze_wallet", "POST", f"{path}/freeze")[0] == 200  # already frozen: no-op
    assert call("unfreeze_wallet", "POST", f"{path}/unfreeze")[1]["status"] == "active"
    status, closed = call("close_wallet", "POST", f"{path}/close")
    assert status == 200 and closed["status"] == "closed"
    assert closed["closing_transaction"]["type"] == "close"
    for fn, suffix in [
        ("freeze_wallet", "/freeze"),
        ("unfreeze_wallet", "/unfreeze"),
        ("close_wallet", "/close"),
    ]:
        status, body = call(fn, "POST", path + suffix)
        assert status == 409 and body["error"]["type"] == "wallet_closed"
    status, body = call("close_wallet", "DELETE", path)
    assert status == 409
    status, body = call("update_wallet", "PATCH", path, {"metadata": {"a": "b"}})
    assert status == 409 and body["error"]["type"] == "wallet_closed"
    # closed is terminal: creating the customer's USD wallet again opens a new one
    status, again = create()
    assert status == 201 and again["id"] != wallet["id"]


def test_delete_closes(table: str) -> None:
    _, wallet = create()
    status, closed = call("close_wallet", "DELETE", f"/wallets/{wallet['id']}")
    assert status == 200 and closed["status"] == "closed"


def test_unknown_wallet_is_404_everywhere(table: str) -> None:
    missing = "wal_01JZZZZZZZZZZZZZZZZZZZZZZZ"
    for fn, method, suffix in [
        ("get_wallet", "GET", ""),
        ("freeze_wallet", "POST", "/freeze"),
        ("close_wallet", "DELETE", ""),
    ]:
        status, body = call(fn, method, f"/wallets/{missing}{suffix}")
        assert status == 404 and body["error"]["type"] == "not_found"
    status, _ = call("update_wallet", "PATCH", f"/wallets/{missing}", {"metadata": {}})
    assert status == 404


# issue 25 item 16 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("ended", ["closed", "expired"])
def test_a_customer_whose_wallet_ended_gets_a_new_one(table: str, ended: str) -> None:
    # GIVEN a customer's USD wallet that closed (or expired), with credit to forfeit
    soon = clock.to_iso(clock.now_ms() + 3_600_000)
    expiring: dict[str, object] = {"expires_at": soon} if ended == "expired" else {}
    status, old = create("cus_1", "USD", None, **expiring)
    assert status == 201
    credit(old["id"], 500)
    if ended == "closed":
        assert call("close_wallet", "POST", f"/wallets/{old['id']}/close")[0] == 200
    else:
        clock.advance(3600)  # past expires_at; nothing has written the wallet since
    # WHEN the customer's USD wallet is created again
    key = {"Idempotency-Key": f"reopen-{ended}"}
    status, new = create(settings={"low_balance_threshold": 100}, headers=key)
    # THEN a new, empty wallet is opened (201), and it is the customer's USD wallet from now on
    assert status == 201, new
    assert new["id"] != old["id"] and (new["status"], new["balance"]) == ("active", 0)
    assert call("get_customer_wallet", "GET", "/customers/cus_1/wallets/USD")[1]["id"] == new["id"]
    assert credit(new["id"], 300)[0] == 201
    status, granted = call(
        "grant_customer_balance", "POST", "/customers/cus_1/balances/USD/grant", {"amount": 200}
    )
    assert status == 201 and granted["wallet_id"] == new["id"]
    # AND the ended wallet is still there, closed, listed with the customer's others
    assert wallet(old["id"])["status"] == "closed"
    listed = call("list_wallets", "GET", "/wallets", query={"customer_id": "cus_1"})[1]["data"]
    assert [(w["id"], w["status"]) for w in listed] == [(new["id"], "active"), (old["id"], "closed")]
    # AND a retry of the create replays its 201, a plain create finds the new wallet
    assert create(settings={"low_balance_threshold": 100}, headers=key) == (201, new)
    status, found = create()
    assert (status, found["id"]) == (200, new["id"])


def test_a_grant_to_a_customer_whose_wallet_closed_opens_a_new_one(table: str) -> None:
    _, old = create()
    assert call("close_wallet", "POST", f"/wallets/{old['id']}/close")[0] == 200
    status, granted = call(
        "grant_customer_balance", "POST", "/customers/cus_1/balances/USD/grant", {"amount": 200}
    )
    assert status == 201 and granted["wallet_id"] != old["id"]
    assert wallet(granted["wallet_id"])["balance"] == 200


def test_creating_an_open_wallet_again_answers_it_or_says_it_differs(table: str) -> None:
    # GIVEN an open wallet created with settings and metadata
    body: dict[str, object] = {"settings": {"low_balance_threshold": 500}, "metadata": {"plan": "pro"}}
    status, first = create("cus_1", "USD", {"Idempotency-Key": "create-1"}, **body)
    assert status == 201
    # WHEN the same body comes again, or asks for nothing beyond customer and currency
    # THEN the existing wallet answers, 200
    assert create("cus_1", "USD", None, **body) == (200, first)
    assert create() == (200, first)
    assert create(settings={"low_balance_threshold": 500}) == (200, first)
    # WHEN a body asks for other settings or metadata: 409 wallet_exists naming the wallet, nothing changed
    others: list[dict[str, object]] = [
        {"settings": {"low_balance_threshold": 100}},
        {"metadata": {"plan": "free"}},
        {"settings": {"auto_top_up": {"enabled": True, "threshold": 100, "amount": 1000}}},
        {"gateway_customer_id": "cus_Stripe1"},
    ]
    for other in others:
        status, refused = create("cus_1", "USD", None, **other)
        assert (status, refused["error"]["type"]) == (409, "wallet_exists"), other
        assert refused["error"]["details"]["wallet_id"] == first["id"]
        assert refused["error"]["details"]["fields"] == [next(iter(other))]
    assert wallet(first["id"]) == first
    # AND the original request's retry still replays its 201
    assert create("cus_1", "USD", {"Idempotency-Key": "create-1"}, **body) == (201, first)
