"""Signed webhooks from `make run`: the local server, given WEBHOOK_URL and WEBHOOK_SECRET, delivers
every wallet event through DeliverWebhooksFunction (the bus's rule -> the local FIFO queue -> the
function) to a receiver here, which verifies each with the official Standard Webhooks library."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from wallets import webhooks

from tests.conftest import ENGINES
from tests.e2e.conftest import Client, events, local_server, wait_for
from tests.integration.test_webhooks import OTHER, SECRET, Receiver, receiver

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", params=ENGINES)
def hooked(request: pytest.FixtureRequest) -> Iterator[tuple[Client, Receiver]]:
    """A local server sending its webhooks to a receiver that holds the same secret."""
    endpoint = request.getfixturevalue("dynamodb_local_engine").endpoint if request.param == "ddb" else None
    with receiver(SECRET) as hook:
        env = {"WEBHOOK_URL": hook.url, "WEBHOOK_SECRET": SECRET}
        with local_server(request.param, endpoint, env) as server:
            yield server, hook


def delivered(hook: Receiver, wallet_id: str) -> list[dict[str, Any]]:
    return [p for p in hook.delivered() if p["data"].get("wallet_id") == wallet_id]


def new_wallet(server: Client, customer: str) -> str:
    status, wallet = server.post("/wallets", {"customer_id": customer, "currency": "USD"})
    assert status == 201, wallet
    return str(wallet["id"])


def test_make_run_without_a_webhook_delivers_nothing(server: Client) -> None:
    assert "WebhookQueue" not in server.banner  # type: ignore[attr-defined]
    assert "DeliverWebhooksFunction" not in server.banner  # type: ignore[attr-defined]


def test_every_event_of_a_wallet_is_delivered_signed_and_in_order(hooked: tuple[Client, Receiver]) -> None:
    server, hook = hooked
    assert "WebhookQueue (FIFO by $.detail.wallet_id) -> DeliverWebhooksFunction" in server.banner  # type: ignore[attr-defined]
    # GIVEN a wallet credited, then paid from
    wallet = new_wallet(server, "cus_hooks_order")
    assert server.post(f"/wallets/{wallet}/credits", {"amount": 1000})[0] == 201
    assert server.post(f"/wallets/{wallet}/debits", {"amount": 400})[0] == 201
    kinds = wait_for(lambda: len(events(server, wallet, "")) >= 3 and events(server, wallet, ""))
    published = [e["detail"]["event_id"] for e in kinds]
    # THEN the receiver verified one delivery per event, in the order they were published
    got = wait_for(lambda: len(delivered(hook, wallet)) >= len(published) and delivered(hook, wallet))
    assert [p["data"]["event_id"] for p in got] == published
    assert [p["type"] for p in got][:3] == ["wallet.created", "wallet.credited", "wallet.payment_made"]
    # AND each one's webhook-id is its event's id
    ids = [r.headers["webhook-id"] for r in hook.received if r.status == 204]
    assert set(published) <= set(ids)


def test_a_receiver_with_a_wrong_secret_refuses_and_the_delivery_is_retried(
    hooked: tuple[Client, Receiver],
) -> None:
    server, hook = hooked
    # GIVEN a receiver that holds another secret until it has refused a delivery, then the right one
    with hook.lock:
        hook.secret, hook.then_secret = OTHER, SECRET
    # WHEN a wallet's first event is delivered
    wallet = new_wallet(server, "cus_hooks_wrong")
    created = wait_for(lambda: events(server, wallet, "wallet.created"))[0]["detail"]["event_id"]
    # THEN the receiver refused it, and the retry of the same event, signed anew, was accepted
    (accepted,) = wait_for(lambda: delivered(hook, wallet))
    assert accepted["data"]["event_id"] == created
    attempts = [r for r in list(hook.received) if r.headers["webhook-id"] == created]
    assert [r.status for r in attempts] == [401, 204]
    assert "no matching signature" in attempts[0].reason.lower()
    assert int(attempts[1].headers["webhook-timestamp"]) >= int(attempts[0].headers["webhook-timestamp"])


def test_a_stale_or_replayed_delivery_is_refused_by_the_verifier(hooked: tuple[Client, Receiver]) -> None:
    server, hook = hooked
    wallet = new_wallet(server, "cus_hooks_stale")
    wait_for(lambda: delivered(hook, wallet))
    real = next(
        r for r in hook.received if r.status == 204 and json.loads(r.body)["data"]["wallet_id"] == wallet
    )
    sent_at = int(real.headers["webhook-timestamp"])
    # GIVEN a real delivery THEN it verifies within 5 minutes of its timestamp, once
    seen: set[str] = set()
    webhooks.verify(SECRET, real.headers, real.body, seen, now_s=sent_at + webhooks.TOLERANCE_S)
    with pytest.raises(webhooks.VerificationFailed, match="replay"):
        webhooks.verify(SECRET, real.headers, real.body, seen, now_s=sent_at)
    # AND later than that it is stale
    with pytest.raises(webhooks.VerificationFailed, match="5 minutes"):
        webhooks.verify(SECRET, real.headers, real.body, now_s=sent_at + webhooks.TOLERANCE_S + 1)
    # AND with a wrong secret it never verifies
    with pytest.raises(webhooks.VerificationFailed, match="no signature"):
        webhooks.verify(OTHER, real.headers, real.body, now_s=sent_at)
