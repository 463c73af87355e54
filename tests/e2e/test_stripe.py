"""Top-ups through Stripe for real: the local server with PAYMENT_GATEWAY=stripe against localstripe
(a stateful fake Stripe server, its test cards and its signed webhooks), over HTTP."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from local import dynamodb_local
from tests import sockets
from tests.conftest import ROOT
from tests.e2e.conftest import Client, events, local_server, wait_for
from tests.integration.helpers import stripe_signature

LOCALSTRIPE = ROOT / ".venv-localstripe" / "bin" / "python"  # runs local/localstripe_server.py
SECRET_KEY = "sk_test_wallets_e2e"
WEBHOOK_SECRET = "whsec_wallets_e2e_0123456789abcdef"
CARDS = {
    "visa": "4242424242424242",
    "declined": "4000000000000341",
    "3ds": "4000002500003155",
    "always_3ds": "4000002760003184",  # authentication on every payment, off session too
}


class Stripe:
    """localstripe over HTTP (form-encoded, as Stripe)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def post(self, path: str, data: dict[str, str]) -> Any:
        req = urllib.request.Request(
            self.base + path,
            data=urllib.parse.urlencode(data).encode(),
            headers={"Authorization": f"Bearer {SECRET_KEY}"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
            return json.loads(body) if body else None

    def card(self, name: str) -> str:
        data = {
            "type": "card",
            "card[number]": CARDS[name],
            "card[exp_month]": "12",
            "card[exp_year]": "2034",
        }
        return str(self.post("/v1/payment_methods", {**data, "card[cvc]": "123"})["id"])

    def get(self, path: str) -> Any:
        req = urllib.request.Request(self.base + path, headers={"Authorization": f"Bearer {SECRET_KEY}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def save_card(self, setup: dict[str, Any], name: str) -> None:
        """What Stripe.js confirmCardSetup does with the SetupIntent's client secret (and the
        customer's 3-D Secure, when the card asks for it)."""
        secret = {"client_secret": setup["client_secret"]}
        confirmed = self.post(
            f"/v1/setup_intents/{setup['id']}/confirm", {**secret, "payment_method": self.card(name)}
        )
        if confirmed["status"] == "requires_action":
            self.post(f"/v1/setup_intents/{setup['id']}/_authenticate", {**secret, "success": "true"})

    def authenticate(self, intent_id: str, client_secret: str) -> None:
        self.post(
            f"/v1/payment_intents/{intent_id}/_authenticate",
            {"client_secret": client_secret, "success": "true"},
        )


@pytest.fixture(scope="module")
def localstripe() -> Iterator[Stripe]:
    if not LOCALSTRIPE.exists():
        pytest.skip("localstripe is installed by `make test` into .venv-localstripe")
    port = dynamodb_local.free_port()
    proc = subprocess.Popen(
        [
            str(LOCALSTRIPE),
            str(ROOT / "local" / "localstripe_server.py"),
            "--port",
            str(port),
            "--from-scratch",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stripe = Stripe(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 30
    while True:
        try:
            stripe.post("/v1/customers", {})
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("localstripe did not start")
            time.sleep(0.2)
    try:
        yield stripe
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_localstripe_listens_on_loopback_only(localstripe: Stripe) -> None:
    # GIVEN localstripe started as `make localstripe` starts it (local/localstripe_server.py)
    port = urlsplit(localstripe.base).port
    assert port is not None
    # THEN it listens only on loopback (localstripe's own start() binds every interface)
    addresses = sockets.listening(port)
    assert addresses and all(sockets.loopback(a) for a in addresses), addresses


@pytest.fixture(scope="module")
def stripe_env(localstripe: Stripe) -> Iterator[tuple[Client, Stripe]]:
    """The local server with PAYMENT_GATEWAY=stripe, localstripe sending it its webhooks."""
    env = {
        "PAYMENT_GATEWAY": "stripe",
        "STRIPE_API_BASE": localstripe.base,
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    with local_server("moto", None, env) as server:
        localstripe.post(
            "/_config/webhooks/wallets", {"url": server.base + "/webhooks/stripe", "secret": WEBHOOK_SECRET}
        )
        yield server, localstripe


def wallet(server: Client, customer: str) -> str:
    status, body = server.post("/wallets", {"customer_id": customer, "currency": "USD"})
    assert status == 201, body
    return str(body["id"])


def balance(server: Client, wallet_id: str) -> int:
    return int(server.get(f"/wallets/{wallet_id}")[1]["balance"])


def test_a_card_top_up_is_a_payment_intent_and_credits_once(stripe_env: tuple[Client, Stripe]) -> None:
    server, stripe = stripe_env
    wid = wallet(server, "cus_stripe_ok")
    status, top_up = server.post(
        f"/wallets/{wid}/top-ups", {"amount": 2500, "payment_method": stripe.card("visa")}
    )
    assert status == 201, top_up
    assert top_up["gateway"] == "stripe" and top_up["charge_id"].startswith("pi_")
    assert balance(server, wid) == 2500
    time.sleep(1.5)  # localstripe's payment_intent.succeeded arrives: a duplicate of what we settled
    assert balance(server, wid) == 2500


def test_a_declined_card_is_402_with_the_decline_code_and_credits_nothing(
    stripe_env: tuple[Client, Stripe],
) -> None:
    server, stripe = stripe_env
    wid = wallet(server, "cus_stripe_declined")
    status, body = server.post(
        f"/wallets/{wid}/top-ups", {"amount": 2500, "payment_method": stripe.card("declined")}
    )
    assert status == 402 and body["error"]["type"] == "payment_failed", body
    assert body["error"]["details"]["failure_code"] == "card_declined"
    assert balance(server, wid) == 0


def test_3d_secure_answers_202_then_the_webhook_credits_once_whatever_the_redeliveries(
    stripe_env: tuple[Client, Stripe],
) -> None:
    server, stripe = stripe_env
    wid = wallet(server, "cus_stripe_3ds")
    status, top_up = server.post(
        f"/wallets/{wid}/top-ups", {"amount": 4000, "payment_method": stripe.card("3ds")}
    )
    assert status == 202 and top_up["status"] == "pending" and top_up["client_secret"], top_up
    assert balance(server, wid) == 0
    stripe.authenticate(intent_id(top_up), top_up["client_secret"])
    wait_for(lambda: balance(server, wid) == 4000)  # localstripe's signed payment_intent.succeeded
    # The same event delivered three more times (Stripe retries; a replay): credited once.
    for _ in range(3):
        assert deliver(server, succeeded(top_up, wid))[0] == 200
    assert balance(server, wid) == 4000
    status, again = server.get(f"/wallets/{wid}/transactions?type=top_up")
    assert [t["amount"] for t in again["data"]] == [4000]


def deliver(
    server: Client, event: dict[str, Any], secret: str = WEBHOOK_SECRET, age_s: int = 0
) -> tuple[int, Any]:
    payload = json.dumps(event)
    headers = stripe_signature(payload, secret, age_s)
    return server.request("POST", "/webhooks/stripe", raw=payload.encode(), headers=headers)


def intent_id(top_up: dict[str, Any]) -> str:
    """A pending top-up's PaymentIntent id (its client secret is `<id>_secret_<...>`)."""
    return str(top_up["client_secret"].split("_secret")[0])


def succeeded(top_up: dict[str, Any], wallet_id: str) -> dict[str, Any]:
    """A payment_intent.succeeded event about this top-up, as Stripe sends it."""
    intent = {"id": intent_id(top_up), "metadata": {"top_up_id": top_up["id"], "wallet_id": wallet_id}}
    data = {"object": intent}
    return {"id": f"evt_{top_up['id']}", "object": "event", "type": "payment_intent.succeeded", "data": data}


@pytest.mark.parametrize(
    ("secret", "age_s"), [("whsec_wrong_secret_000000000000000", 0), (WEBHOOK_SECRET, 600)]
)
def test_a_webhook_with_a_bad_or_stale_signature_is_400_and_writes_nothing(
    stripe_env: tuple[Client, Stripe], secret: str, age_s: int
) -> None:
    server, stripe = stripe_env
    wid = wallet(server, f"cus_stripe_forged_{age_s}")
    status, top_up = server.post(
        f"/wallets/{wid}/top-ups", {"amount": 900, "payment_method": stripe.card("3ds")}
    )
    assert status == 202
    status, body = deliver(server, succeeded(top_up, wid), secret, age_s)
    assert status == 400 and body["error"]["type"] == "invalid_signature", body
    assert balance(server, wid) == 0
    assert server.get(f"/wallets/{wid}")[1]["status"] == "active"


def test_an_event_of_another_kind_is_acknowledged(stripe_env: tuple[Client, Stripe]) -> None:
    server, _ = stripe_env
    event = {
        "id": "evt_other",
        "object": "event",
        "type": "customer.created",
        "data": {"object": {"id": "cus_x"}},
    }
    status, body = deliver(server, event)
    assert status == 200 and body == {"received": True, "outcome": "ignored"}


def credit_cash(server: Client, wallet_id: str, amount: int) -> None:
    status, body = server.post(f"/wallets/{wallet_id}/credits", {"amount": amount, "funding_type": "cash"})
    assert status == 201, body


def saved_card_wallet(server: Client, stripe: Stripe, customer: str, card: str) -> str:
    """A wallet whose automatic top-up (2,000 below 1,000) charges the card saved through the setup
    route; funded with 1,500 so that a debit of 1,000 crosses the threshold."""
    auto = {"enabled": True, "threshold": 1000, "amount": 2000, "cooldown_seconds": 0}
    status, body = server.post(
        "/wallets", {"customer_id": customer, "currency": "USD", "settings": {"auto_top_up": auto}}
    )
    assert status == 201, body
    wid = str(body["id"])
    status, setup = server.post(f"/wallets/{wid}/payment-methods/setup")
    assert status == 201 and setup["client_secret"] and setup["gateway_customer_id"].startswith("cus_"), setup
    stripe.save_card(setup, card)  # localstripe then sends setup_intent.succeeded
    customer_path = f"/v1/customers/{setup['gateway_customer_id']}"
    wait_for(lambda: stripe.get(customer_path)["invoice_settings"]["default_payment_method"] is not None)
    credit_cash(server, wid, 1500)
    return wid


def test_an_automatic_top_up_charges_the_saved_card_off_session(stripe_env: tuple[Client, Stripe]) -> None:
    server, stripe = stripe_env
    wid = saved_card_wallet(server, stripe, "cus_stripe_saved", "visa")
    assert server.get(f"/wallets/{wid}")[1]["gateway_customer_id"].startswith("cus_")
    # WHEN a debit crosses the threshold THEN the schedule (sped up locally) charges the saved card
    assert server.post(f"/wallets/{wid}/debits", {"amount": 1000})[0] == 201
    wait_for(lambda: bool(events(server, wid, "wallet.auto_top_up_succeeded")), timeout=40)
    (done,) = events(server, wid, "wallet.auto_top_up_succeeded")
    assert balance(server, wid) == 2500
    top_ups = server.get(f"/wallets/{wid}/transactions?type=top_up")[1]["data"]
    assert [t["amount"] for t in top_ups] == [2000] and done["detail"]["amount"] == 2000
    (intent,) = [
        i
        for i in stripe.get("/v1/payment_intents?limit=100")["data"]
        if i["metadata"].get("wallet_id") == wid
    ]
    assert intent["status"] == "succeeded" and intent["customer"].startswith("cus_"), intent
    assert intent["metadata"]["top_up_id"] == top_ups[0]["top_up_id"]


def test_a_saved_card_that_needs_authentication_off_session_fails_the_auto_top_up(
    stripe_env: tuple[Client, Stripe],
) -> None:
    server, stripe = stripe_env
    wid = saved_card_wallet(server, stripe, "cus_stripe_saved_3ds", "always_3ds")
    assert server.post(f"/wallets/{wid}/debits", {"amount": 1000})[0] == 201
    wait_for(lambda: bool(events(server, wid, "wallet.auto_top_up_failed")), timeout=40)
    (failed,) = events(server, wid, "wallet.auto_top_up_failed")
    assert failed["detail"]["failure_code"] == "authentication_required", failed
    assert balance(server, wid) == 500


def test_a_debit_charges_its_remainder_to_the_card_and_records_both_parts(
    stripe_env: tuple[Client, Stripe],
) -> None:
    server, stripe = stripe_env
    wid = wallet(server, "cus_stripe_remainder")
    credit_cash(server, wid, 1000)
    body = {"amount": 2500, "remainder_payment_method": stripe.card("visa"), "description": "order 7"}
    status, debit = server.post(f"/wallets/{wid}/debits", body, headers={"Idempotency-Key": "remainder-ok"})
    assert status == 201, debit
    assert (debit["type"], debit["amount"], debit["applied_amount"], debit["charged_amount"]) == (
        "debit",
        1000,
        1000,
        1500,
    )
    assert stripe.get(f"/v1/payment_intents/{debit['charge_id']}")["amount"] == 1500
    w = server.get(f"/wallets/{wid}")[1]
    assert (w["balance"], w["pending"]) == (0, 0)
    # A retry answers the same debit and charges nothing more.
    again = server.post(f"/wallets/{wid}/debits", body, headers={"Idempotency-Key": "remainder-ok"})
    assert again == (201, debit)
    status, holds = server.get(f"/wallets/{wid}/holds")
    assert [h["status"] for h in holds["data"]] == ["captured"]


def test_a_declined_remainder_releases_the_wallets_part_and_is_402(stripe_env: tuple[Client, Stripe]) -> None:
    server, stripe = stripe_env
    wid = wallet(server, "cus_stripe_remainder_declined")
    credit_cash(server, wid, 1000)
    body = {"amount": 2500, "remainder_payment_method": stripe.card("declined")}
    status, error = server.post(f"/wallets/{wid}/debits", body)
    assert status == 402 and error["error"]["type"] == "payment_failed", error
    assert error["error"]["details"]["failure_code"] == "card_declined"
    w = server.get(f"/wallets/{wid}")[1]
    assert (w["balance"], w["available"], w["pending"]) == (1000, 1000, 0)
    status, holds = server.get(f"/wallets/{wid}/holds")
    assert [h["status"] for h in holds["data"]] == ["released"]
    assert server.get(f"/wallets/{wid}/transactions?type=debit")[1]["data"] == []


def test_closing_refunds_the_cash_to_the_top_ups_newest_first(stripe_env: tuple[Client, Stripe]) -> None:
    server, stripe = stripe_env
    wid = wallet(server, "cus_stripe_payout")
    paid = []
    for amount in (1000, 2000):
        status, top_up = server.post(
            f"/wallets/{wid}/top-ups", {"amount": amount, "payment_method": stripe.card("visa")}
        )
        assert status == 201, top_up
        paid.append(top_up)
    credit_cash(server, wid, 300)  # cash that came from no payment: it stays refund_due
    assert server.post(f"/wallets/{wid}/debits", {"amount": 100})[0] == 201  # spends the newest lot first
    withdrawable = server.get(f"/wallets/{wid}")[1]["withdrawable"]
    assert withdrawable == 3200
    status, closed = server.post(f"/wallets/{wid}/close", {"refund_to_original_payment": True})
    assert status == 200, closed
    payout = closed["payout"]
    assert payout["status"] == "completed" and payout["amount"] == 3200, payout
    refunds = [(r["top_up_id"], r["amount"], r["status"]) for r in payout["refunds"]]
    assert refunds == [(paid[1]["id"], 2000, "refunded"), (paid[0]["id"], 1000, "refunded")]
    assert (payout["refunded_amount"], payout["refund_due"]) == (3000, 200)
    for top_up, amount in zip(paid, (1000, 2000), strict=True):
        intent = stripe.get(f"/v1/payment_intents/{top_up['charge_id']}")
        charge = intent["latest_charge"]  # localstripe expands it
        assert charge["amount_refunded"] == amount
    # Closing again is refused, and refunds nothing more.
    assert server.post(f"/wallets/{wid}/close", {"refund_to_original_payment": True})[0] == 409


# ------------------------------------------------------------------ the adapter, in this process
class Recording:
    """A StripeClient's requestor wrapper: what the adapter sends (the keys themselves, not only
    their effect on localstripe)."""

    def __init__(self, client: Any) -> None:
        self.sent: list[tuple[str, str, str | None]] = []
        real = client._requestor.request

        def request(method: str, url: str, params: Any = None, options: Any = None, **kw: Any) -> Any:
            self.sent.append((method, url, (options or {}).get("idempotency_key")))
            return real(method, url, params, options, **kw)

        client._requestor.request = request


@pytest.fixture
def gateway(localstripe: Stripe, monkeypatch: pytest.MonkeyPatch, table: str) -> Iterator[Any]:
    from wallets import settings
    from wallets.stripe_gateway import StripeGateway

    monkeypatch.setenv("PAYMENT_GATEWAY", "stripe")
    monkeypatch.setenv("STRIPE_API_BASE", localstripe.base)
    monkeypatch.setenv("STRIPE_SECRET_KEY", SECRET_KEY)
    settings.reload()
    adapter = StripeGateway()
    adapter.recording = Recording(adapter.stripe)  # type: ignore[attr-defined]
    yield adapter
    monkeypatch.undo()
    settings.reload()


def test_every_call_that_can_move_money_carries_the_top_up_id_as_its_idempotency_key(
    gateway: Any, localstripe: Stripe
) -> None:
    from wallets import ledger, topups

    _, wallet = ledger.create_wallet("cus_keys", "USD", {}, None)
    status, top_up = topups.create(wallet["id"], 700, localstripe.card("visa"), gateway=gateway)
    assert status == 201, top_up
    key = top_up["id"]
    assert [(m, u.split("/v1/")[1].split("/")[0], k) for m, u, k in gateway.recording.sent] == [
        ("post", "payment_intents", key),
        ("post", "payment_intents", f"{key}:confirm"),
    ]


def test_a_process_that_dies_after_the_charge_is_settled_once_by_recovery(
    gateway: Any, localstripe: Stripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wallets import clock, ledger, topups
    from wallets.gateway import GatewayTimeout

    _, wallet = ledger.create_wallet("cus_dies", "USD", {}, None)
    confirm = gateway.confirm

    def confirm_then_die(key: str, intent_id: str, **kw: Any) -> Any:
        confirm(key, intent_id, **kw)  # Stripe charged the card
        raise GatewayTimeout("the answer never arrived")

    monkeypatch.setattr(gateway, "confirm", confirm_then_die)
    status, top_up = topups.create(wallet["id"], 1200, localstripe.card("visa"), gateway=gateway)
    assert status == 202 and top_up["status"] == "pending"
    assert ledger.get_wallet(wallet["id"])["balance"] == 0
    clock.advance(120)
    assert topups.recover(gateway=gateway)["settled"] == 1
    assert topups.recover(gateway=gateway)["settled"] == 0
    assert ledger.get_wallet(wallet["id"])["balance"] == 1200


def test_a_process_that_dies_before_confirming_is_canceled_and_never_charged(
    gateway: Any, localstripe: Stripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wallets import clock, ledger, topups
    from wallets.items import TopUpItem, wallet_pk

    _, wallet = ledger.create_wallet("cus_dies_early", "USD", {}, None)

    def die(key: str, intent_id: str, **kw: Any) -> Any:
        raise ConnectionError("the function timed out before confirming")

    confirm = gateway.confirm
    monkeypatch.setattr(gateway, "confirm", die)
    status, top_up = topups.create(wallet["id"], 1200, localstripe.card("visa"), gateway=gateway)
    assert status == 202
    clock.advance(120)
    monkeypatch.setattr(gateway, "confirm", confirm)  # recovery runs later, in a healthy process
    assert topups.recover(gateway=gateway)["failed"] == 1
    item = TopUpItem.get(wallet_pk(wallet["id"]), f"TOP#{top_up['id']}")
    assert (item.status, item.failure_code) == ("failed", "canceled")
    assert gateway.stripe.v1.payment_intents.retrieve(item.intent_id).status == "canceled"  # can never charge
    assert ledger.get_wallet(wallet["id"])["balance"] == 0


def test_a_payment_method_stripe_refuses_fails_at_once_and_nothing_is_held(gateway: Any) -> None:
    from wallets import errors, ledger, topups

    _, wallet = ledger.create_wallet("cus_refused", "USD", {}, None)
    ledger.credit(wallet["id"], 500, "cash", None, None, None, {}, None)
    with pytest.raises(errors.PaymentFailed) as failed:
        topups.debit_with_remainder(wallet["id"], 900, "pm_does_not_exist", None, {}, None, gateway=gateway)
    # Stripe says resource_missing; localstripe's 404 carries no code.
    assert failed.value.details["failure_code"] in ("resource_missing", "invalid_request"), (
        failed.value.details
    )
    after = ledger.get_wallet(wallet["id"])
    assert (after["available"], after["pending"]) == (500, 0)


def test_a_refund_is_made_once_per_key_even_after_stripe_forgets_the_key(
    gateway: Any, localstripe: Stripe
) -> None:
    from wallets import ledger, topups

    _, wallet = ledger.create_wallet("cus_refund_once", "USD", {}, None)
    status, top_up = topups.create(wallet["id"], 800, localstripe.card("visa"), gateway=gateway)
    assert status == 201
    key = f"{top_up['id']}:payout"
    gateway.refund(key, top_up["charge_id"], 300)
    gateway.recording.sent.clear()
    gateway.refund(key, top_up["charge_id"], 300)  # a retry days later
    assert [m for m, _, _ in gateway.recording.sent] == ["get"]  # found by its metadata: no new refund
    charge = localstripe.get(f"/v1/payment_intents/{top_up['charge_id']}")["latest_charge"]
    assert charge["amount_refunded"] == 300
