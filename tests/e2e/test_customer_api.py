"""The customer API (/me) over HTTP: tokens from the local issuer, checked by the deployed
authorizer's code; two customers who can never see or touch each other's wallets."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.e2e.conftest import Client
from tests.jwts import unsigned


def login(server: Client, customer: str, **extra: str) -> dict[str, str]:
    query = "&".join(f"{k}={v}" for k, v in {"customer_id": customer, **extra}.items())
    status, body = server.get(f"/_local/login?{query}")
    assert status == 200, body
    return {"Authorization": f"Bearer {body['access_token']}"}


def as_customer(
    server: Client, headers: dict[str, str], method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    return server.request(method, path, body if body is not None or method == "GET" else {}, headers=headers)


def funded_wallet(server: Client, customer: str, **settings: Any) -> str:
    status, wallet = server.post(
        "/wallets", {"customer_id": customer, "currency": "USD", "settings": settings}
    )
    assert status == 201, wallet
    assert server.post(f"/wallets/{wallet['id']}/credits", {"amount": 1000, "funding_type": "cash"})[0] == 201
    assert server.post(f"/wallets/{wallet['id']}/holds", {"amount": 100})[0] == 201
    return str(wallet["id"])


def me_paths(wallet_id: str, top_up_id: str) -> list[tuple[str, str, Any]]:
    base = f"/me/wallets/{wallet_id}"
    return [
        ("GET", base, None),
        ("GET", f"{base}/transactions", None),
        ("GET", f"{base}/lots", None),
        ("GET", f"{base}/holds", None),
        ("GET", f"{base}/top-ups/{top_up_id}", None),
        ("POST", f"{base}/top-ups", {"amount": 500, "payment_method": "pm_card_visa"}),
        ("POST", f"{base}/payment-methods/setup", None),
        ("PUT", f"{base}/auto-top-up", {"enabled": True}),
    ]


def test_each_customer_sees_and_changes_only_their_own_wallets(server: Client) -> None:
    alice, bob = login(server, "cus_me_alice"), login(server, "cus_me_bob")
    auto = {"enabled": False, "threshold": 200, "amount": 500}
    mine = funded_wallet(server, "cus_me_alice", top_up_amounts=[500, 1000], auto_top_up=auto)
    theirs = funded_wallet(server, "cus_me_bob", auto_top_up=auto)
    status, paid = server.post(f"/wallets/{mine}/top-ups", {"amount": 500, "payment_method": "pm_card_visa"})
    assert status == 201
    status, listed = as_customer(server, alice, "GET", "/me/wallets")
    assert status == 200 and [w["id"] for w in listed["data"]] == [mine]
    assert listed["data"][0]["available"] == 1400
    # Every route, on her own wallet: allowed.
    for method, path, body in me_paths(mine, paid["id"]):
        status, answer = as_customer(server, alice, method, path, body)
        assert status in (200, 201), (method, path, answer)
    # Bob, whatever ids he puts in the request: 404, exactly as for a wallet that does not exist.
    for method, path, body in me_paths(mine, paid["id"]):
        status, answer = as_customer(server, bob, method, path, body)
        assert (status, answer["error"]["type"]) == (404, "not_found"), (method, path, answer)
        missing = path.replace(mine, "wal_" + "0" * 26)
        assert as_customer(server, bob, method, missing, body)[1]["error"]["message"] == answer["error"][
            "message"
        ].replace(mine, "wal_" + "0" * 26)
    assert [w["id"] for w in as_customer(server, bob, "GET", "/me/wallets")[1]["data"]] == [theirs]
    # Nothing of Alice's changed through Bob's attempts.
    assert server.get(f"/wallets/{mine}")[1]["available"] == 1900  # her own top-up of 500 landed
    assert server.get(f"/wallets/{mine}")[1]["settings"]["auto_top_up"]["enabled"] is True


def test_a_customer_tops_up_only_as_the_merchant_allows(server: Client) -> None:
    carol = login(server, "cus_me_carol")
    wid = funded_wallet(server, "cus_me_carol", top_up_amounts=[500, 1000])
    status, error = as_customer(
        server, carol, "POST", f"/me/wallets/{wid}/top-ups", {"amount": 700, "payment_method": "pm_card_visa"}
    )
    assert (status, error["error"]["type"]) == (403, "top_up_not_allowed"), error
    assert error["error"]["details"]["top_up_amounts"] == [500, 1000]
    status, top_up = as_customer(
        server,
        carol,
        "POST",
        f"/me/wallets/{wid}/top-ups",
        {"amount": 1000, "payment_method": "pm_card_visa"},
    )
    assert status == 201 and top_up["actor"] == "customer:cus_me_carol", top_up
    server.request("PATCH", f"/wallets/{wid}", {"settings": {"allow_top_up": False}})
    status, error = as_customer(
        server, carol, "POST", f"/me/wallets/{wid}/top-ups", {"amount": 500, "payment_method": "pm_card_visa"}
    )
    assert status == 403
    # Auto top-up must be offered by the merchant before a customer can switch it on.
    status, error = as_customer(server, carol, "PUT", f"/me/wallets/{wid}/auto-top-up", {"enabled": True})
    assert status == 403


def test_backend_only_operations_are_not_in_the_customer_api(server: Client) -> None:
    dave = login(server, "cus_me_dave")
    wid = funded_wallet(server, "cus_me_dave")
    for method, path, body in [
        ("POST", f"/me/wallets/{wid}/credits", {"amount": 1}),
        ("POST", f"/me/wallets/{wid}/debits", {"amount": 1}),
        ("POST", f"/me/wallets/{wid}/freeze", None),
        ("POST", "/me/balances/USD/grant", {"amount": 1}),
    ]:
        assert as_customer(server, dave, method, path, body)[0] == 403  # no such route


def forged(claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers=header)


@pytest.mark.parametrize(
    "kind", ["expired", "wrong_audience", "wrongly_signed", "alg_none", "missing", "garbage"]
)
def test_bad_tokens_are_401(server: Client, kind: str) -> None:
    good = login(server, "cus_me_eve")["Authorization"].split()[1]
    claims = jwt.decode(good, options={"verify_signature": False})
    kid = jwt.get_unverified_header(good)["kid"]
    token = {
        "expired": lambda: login(server, "cus_me_eve", expires_in="-120")["Authorization"].split()[1],
        "wrong_audience": lambda: login(server, "cus_me_eve", audience="another-app")[
            "Authorization"
        ].split()[1],
        "wrongly_signed": lambda: forged(claims, {"kid": kid}),
        "alg_none": lambda: unsigned(claims),
        "missing": lambda: "",
        "garbage": lambda: "not.a.token",
    }[kind]()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, body = server.request("GET", "/me/wallets", None, headers=headers)
    assert status == 401, body


def test_retries_get_their_first_answer_and_customers_never_see_the_merchants_identity(
    server: Client,
) -> None:
    frank = login(server, "cus_me_frank")
    wid = funded_wallet(server, "cus_me_frank", top_up_amounts=[500])
    body = {"amount": 500, "payment_method": "pm_card_visa"}
    headers = {**frank, "Idempotency-Key": "frank-1"}
    first = server.request("POST", f"/me/wallets/{wid}/top-ups", body, headers=headers)
    assert first[0] == 201
    server.request("PATCH", f"/wallets/{wid}", {"settings": {"allow_top_up": False}})
    assert server.request("POST", f"/me/wallets/{wid}/top-ups", body, headers=headers) == first  # not a 403
    history = as_customer(server, frank, "GET", f"/me/wallets/{wid}/transactions")[1]["data"]
    assert {t["actor"] for t in history} <= {"merchant", "customer:cus_me_frank", "scheduler", "system"}
    holds = as_customer(server, frank, "GET", f"/me/wallets/{wid}/holds")[1]["data"]
    assert [h["actor"] for h in holds] == ["merchant"]


def test_the_merchants_notes_stay_backend_and_a_card_is_set_up_once_per_key(server: Client) -> None:
    gina = login(server, "cus_me_gina")
    note = {"internal_note": "VIP churn risk, margin 3%"}
    status, wallet = server.post(
        "/wallets", {"customer_id": "cus_me_gina", "currency": "USD", "metadata": note}
    )
    assert status == 201, wallet
    base = f"/me/wallets/{wallet['id']}"
    credit = {"amount": 700, "description": "Welcome", "reference": "churn-save-7", "metadata": note}
    assert server.post(f"/wallets/{wallet['id']}/credits", credit)[0] == 201
    hold = {"amount": 100, "description": "Your order", "reference": "ord-7", "metadata": note}
    assert server.post(f"/wallets/{wallet['id']}/holds", hold)[0] == 201
    # Every customer read: no metadata, reference or reason; the descriptions show.
    shown = [
        as_customer(server, gina, "GET", path)
        for path in ("/me/wallets", base, f"{base}/transactions", f"{base}/lots", f"{base}/holds")
    ]
    assert all(status == 200 for status, _ in shown), shown
    text = json.dumps([body for _, body in shown])
    assert "churn" not in text and "ord-7" not in text and "Welcome" in text and "Your order" in text
    # A card set up twice with one Idempotency-Key is one SetupIntent.
    keyed = {**gina, "Idempotency-Key": "gina-card-1"}
    first = server.request("POST", f"{base}/payment-methods/setup", {}, headers=keyed)
    assert (
        first[0] == 201
        and server.request("POST", f"{base}/payment-methods/setup", {}, headers=keyed) == first
    )
    # Where the merchant turns top-ups off, no card is set up.
    server.request("PATCH", f"/wallets/{wallet['id']}", {"settings": {"allow_top_up": False}})
    status, error = as_customer(server, gina, "POST", f"{base}/payment-methods/setup")
    assert (status, error["error"]["type"]) == (403, "top_up_not_allowed"), error


def test_declined_top_ups_are_bounded_per_wallet_and_day_then_429_with_retry_after(
    server: Client,
) -> None:
    """Card testing through /me: every declined top-up is an answer about a card. After the wallet's
    limit for the day, a top-up with any card and any new key is 429 and asks the gateway nothing."""
    from wallets.customer_api import MAX_DECLINED_TOP_UPS_PER_DAY

    hana = login(server, "cus_me_hana")
    _, wallet = server.post("/wallets", {"customer_id": "cus_me_hana", "currency": "USD"})
    path = f"/me/wallets/{wallet['id']}/top-ups"
    declined = {"amount": 500, "payment_method": "pm_card_declined"}
    for n in range(MAX_DECLINED_TOP_UPS_PER_DAY):
        status, body = server.request("POST", path, declined, headers={**hana, "Idempotency-Key": f"d{n}"})
        assert (status, body["error"]["type"]) == (402, "payment_failed"), body
    request = urllib.request.Request(
        server.base + path,
        data=json.dumps({**declined, "payment_method": "pm_card_visa"}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **hana, "Idempotency-Key": "v1"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    body = json.loads(refused.value.read())
    assert (refused.value.code, body["error"]["type"]) == (429, "too_many_attempts"), body
    assert 0 < int(refused.value.headers["Retry-After"]) <= 86400
    # nothing was charged: the wallet holds nothing
    assert server.get(f"/wallets/{wallet['id']}")[1]["balance"] == 0
