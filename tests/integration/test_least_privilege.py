"""Every function's policy grants only what its code calls (tests/iam.py checks the converse on
every call of the suite): a scenario drives each function through its paths, and every granted
(action, resource) must have been used, or be one its event source's poller needs."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from typing import Any
from unittest import mock

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws
from wallets import clock, codes, events, ledger, payouts, repository, settings, topups, wiring
from wallets.items import TopUpItem, wallet_pk
from wallets.sandbox_gateway import SandboxGateway

from local import runtime
from local.background import StreamReader
from local.template import Function
from tests import iam
from tests.conftest import FUNCTIONS, ROOT, call, fresh_table
from tests.integration.helpers import stripe_signature
from tests.integration.test_edges import bulk_credit
from tests.integration.test_events import (
    DEMO_CODE,
    DEMO_CODE_SECRET,
    DEMO_HOLD,
    DEMO_TOP,
    DEMO_TXN,
    DEMO_WALLET,
)
from tests.integration.test_jobs import AUTO

RETRIED = {"Idempotency-Key": "least-privilege"}
WEBHOOK_SECRET = "whsec_least_privilege"
STRIPE_FUNCTIONS = (
    "TopUpWalletFunction",
    "AutoTopUpFunction",
    "StripeWebhookFunction",
    "DebitWalletFunction",
    "CloseWalletFunction",
    "SetupPaymentMethodFunction",
    "MeTopUpFunction",
    "MeSetupPaymentMethodFunction",
)
# Paths the sample events do not take: all wallets (an index); a top-up whose charge outcome is
# unknown (202), retried (the top-up record and the wallet in one read); a refused refund (was it
# served before? the idempotency record).
OTHER_PATHS: dict[str, list[tuple[str, str, Any]]] = {
    "ListWalletsFunction": [("GET", "/wallets", None)],
    # the customer's wallet asked for as it is: answered (the sample creates a new customer's)
    "CreateWalletFunction": [("POST", "/wallets", {"customer_id": "cus_demo", "currency": "USD"})],
    "RefundTransactionFunction": [
        ("POST", "/wallets/{wallet}/refunds", {"transaction_id": "{txn}", "amount": 10**9})
    ],
    "TopUpWalletFunction": [
        ("POST", "/wallets/{wallet}/top-ups", {"amount": 100, "payment_method": "pm_card_timeout"})
    ],
    "MeTopUpFunction": [
        ("POST", "/me/wallets/{wallet}/top-ups", {"amount": 100, "payment_method": "pm_card_timeout"})
    ],
}
DEMO_CUSTOMER = {"customer_id": "cus_demo", "principalId": "cus_demo"}  # the customer API's authorizer


@contextlib.contextmanager
def moto_table() -> Iterator[str]:
    """A fresh moto table, with the event bus the publisher sends to."""
    with fresh_table("moto") as name, mock_aws():
        boto3.client("events").create_event_bus(Name=os.environ["EVENT_BUS_NAME"])
        events._client = None
        try:
            yield name
        finally:
            events._client = None


def sample(fn: Function, ids: dict[str, str] | None = None) -> dict[str, Any]:
    text = (ROOT / "events" / f"{fn.code_uri.name}.json").read_text()
    for demo, real in (ids or {}).items():
        text = text.replace(demo, real)
    return json.loads(text)


# What the seed makes "just expired" expires this far ahead of the write that makes it, and the
# clock then moves past it: however slow the machine, nothing expires before the seed has used it.
EXPIRING_S = 3_600


def seed() -> dict[str, str]:
    """The demo customer's USD wallet: cash, a pending hold, a debit, and a hold and 20 small grants
    that have just expired (so whatever command comes next also releases and expires them: 12 of
    the grants are stored outside the wallet item, decision 40, so it reads their page and deletes
    it), and an EUR wallet whose auto top-up is due and
    whose promotional credit has just expired."""
    expiring = clock.now_ms() + EXPIRING_S * 1000
    _, demo = ledger.create_wallet("cus_demo", "USD", {}, {"auto_top_up": {**AUTO, "enabled": False}})
    ledger.credit(demo["id"], 5000, "cash", None, None, None, {}, None)
    _, hold = ledger.create_hold(demo["id"], 300, None, None, None, {}, None)
    _, spent = ledger.debit(demo["id"], 500, False, None, None, {}, None)
    _, paid = topups.create(demo["id"], 1000, "pm_card_visa", gateway=wiring.get_gateway())
    ledger.create_hold(demo["id"], 100, expiring, None, None, {}, None)
    bulk_credit(demo["id"], [(1, expiring)] * 20, "promotional")
    _, auto = ledger.create_wallet("cus_demo", "EUR", {}, {"auto_top_up": AUTO})
    ledger.credit(auto["id"], 1000, "promotional", expiring, None, None, {}, None)
    ledger.credit(auto["id"], 1000, "cash", None, None, None, {}, None)
    ledger.debit(auto["id"], 1600, False, None, None, {}, None)  # below its threshold: top-up due
    bulk_credit(auto["id"], [(1, expiring)] * 20, "promotional")
    _, code = codes.create({"USD": 500}, code=DEMO_CODE_SECRET, max_redemptions=1000)
    clock.advance((expiring - clock.now_ms()) / 1000 + 2)  # all of them expired 2 s ago
    return {
        DEMO_WALLET: demo["id"],
        DEMO_HOLD: hold["id"],
        DEMO_TXN: spent["id"],
        DEMO_TOP: paid["id"],
        DEMO_CODE: code["id"],
    }


@contextlib.contextmanager
def stripe_mode() -> Iterator[None]:
    """PAYMENT_GATEWAY=stripe with its secrets in (moto's) Secrets Manager, as deployed; Stripe itself
    unreachable (a closed port), which leaves a top-up pending."""
    manager = boto3.client("secretsmanager")

    def secret(name: str, value: str) -> str:
        try:
            return str(manager.create_secret(Name=name, SecretString=value)["ARN"])
        except manager.exceptions.ResourceExistsException:  # made by an earlier stripe_mode()
            return str(manager.describe_secret(SecretId=name)["ARN"])

    env = {
        "PAYMENT_GATEWAY": "stripe",
        "STRIPE_API_BASE": "http://127.0.0.1:9",
        "STRIPE_SECRET_KEY_ARN": secret("sk", "sk_test_x"),
        "STRIPE_WEBHOOK_SECRET_ARN": secret("wh", WEBHOOK_SECRET),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    settings.reload()
    parameters.clear_caches()  # each function reads the secrets itself
    try:
        yield
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
        settings.reload()


def pending_payout(by_close: bool = True) -> None:
    """A wallet paid by a Stripe top-up, closed with refunds to it while Stripe is unreachable: its
    payout stays pending (the close function). Or (`by_close=False`) a payout the close recorded and
    nothing else, for the top-up job to resume."""
    _, other = ledger.create_wallet("cus_payout", "USD", {}, None)
    _, paid = call(
        "top_up_wallet",
        "POST",
        f"/wallets/{other['id']}/top-ups",
        {"amount": 100, "payment_method": "pm_card_visa"},
    )
    TopUpItem(wallet_pk(other["id"]), f"TOP#{paid['id']}").update(
        actions=[TopUpItem.gateway.set("stripe"), TopUpItem.intent_id.set("pi_x")]
    )
    if not by_close:
        payouts.payout_item(repository.get_wallet(other["id"]), 100, clock.now_ms()).save()
        return
    with stripe_mode():
        status, answer = call(
            "close_wallet", "POST", f"/wallets/{other['id']}/close", {"refund_to_original_payment": True}
        )
    assert status == 200 and answer["payout"]["status"] == "pending", answer


def drive_stripe(fn: Function, ids: dict[str, str]) -> None:
    """The functions that call Stripe, reading its secrets (Stripe unreachable: the top-up stays
    pending); the webhook settling a pending top-up (the sandbox stands in for Stripe's records)."""
    if fn.logical_id == "CloseWalletFunction":  # a Stripe top-up to refund (Stripe unreachable)
        pending_payout()
        return
    if fn.logical_id == "AutoTopUpFunction":
        pending_payout(by_close=False)  # the job resumes it
    wallet_path = f"/wallets/{ids[DEMO_WALLET]}/top-ups"
    status, pending = call(
        "top_up_wallet", "POST", wallet_path, {"amount": 100, "payment_method": "pm_card_timeout"}
    )
    assert status == 202, pending
    with stripe_mode():
        if fn.logical_id == "TopUpWalletFunction":  # a new top-up: Stripe is asked (and unreachable)
            call("top_up_wallet", "POST", wallet_path, {"amount": 100, "payment_method": "pm_card_visa"})
            return
        if fn.logical_id == "AutoTopUpFunction":  # recovery asks Stripe about the pending top-up
            clock.advance(400)  # past the payout's retry time too
            runtime.invoke(fn, sample(fn, ids), timeout_s=30)
            return
        if fn.logical_id == "DebitWalletFunction":  # more than the wallet has: the rest is charged
            body = {"amount": 10**6, "remainder_payment_method": "pm_card_visa"}
            status, answer = call("debit_wallet", "POST", f"/wallets/{ids[DEMO_WALLET]}/debits", body)
            assert status == 202, answer
            return
        if fn.logical_id == "MeTopUpFunction":  # a customer's top-up: Stripe is asked (and unreachable)
            body = {"amount": 100, "payment_method": "pm_card_visa"}
            path = f"/me/wallets/{ids[DEMO_WALLET]}/top-ups"
            assert call("me_top_up", "POST", path, body, authorizer=DEMO_CUSTOMER)[0] == 202
            return
        if fn.logical_id == "MeSetupPaymentMethodFunction":  # Stripe unreachable: 503, nothing saved
            path = f"/me/wallets/{ids[DEMO_WALLET]}/payment-methods/setup"
            assert call("me_setup_payment_method", "POST", path, authorizer=DEMO_CUSTOMER)[0] == 503
            return
        if fn.logical_id == "SetupPaymentMethodFunction":  # Stripe unreachable: 503, nothing saved
            status, answer = call(
                "setup_payment_method", "POST", f"/wallets/{ids[DEMO_WALLET]}/payment-methods/setup"
            )
            assert status == 503, answer
            return
        intent = {"id": "pi_x", "metadata": {"top_up_id": pending["id"], "wallet_id": ids[DEMO_WALLET]}}
        event = {
            "id": "evt_x",
            "object": "event",
            "type": "payment_intent.succeeded",
            "data": {"object": intent},
        }
        payload = json.dumps(event)
        with mock.patch.object(wiring, "get_gateway", SandboxGateway):
            status, answer = call(
                "stripe_webhook",
                "POST",
                "/webhooks/stripe",
                payload,
                headers=stripe_signature(payload, WEBHOOK_SECRET),
            )
        assert (status, answer["outcome"]) == (200, "settled"), answer


@contextlib.contextmanager
def pages_moved_once() -> Iterator[None]:
    """The first read of a wallet's lot pages finds them moved by a write since the wallet was read
    (as a race would): the function reads the wallet again (GetItem), then its pages."""
    real = repository.with_pages
    moved: list[bool] = []

    def with_pages(wallet: Any, pages: Any) -> Any:
        if not moved and wallet.cold is not None:
            moved.append(True)
            return None
        return real(wallet, pages)

    with mock.patch.object(repository, "with_pages", with_pages):
        yield


def stale_index_copies(ids: dict[str, str]) -> None:
    """The sweep given index copies that lag the table: the demo wallet's names a page that a later
    write deleted, so the sweep reads the wallet itself (GetItem) and finds nothing left to do."""
    stale = list(repository.due_wallets("sweep", clock.now_ms()))
    ledger.debit(ids[DEMO_WALLET], 1, False, None, None, {}, None)  # expires the grants, deletes the page
    sweep = next(f for f in FUNCTIONS.values() if f.logical_id == "ExpirySweepFunction")
    with mock.patch.object(repository, "due_wallets", lambda *_a, **_k: iter(stale)):
        runtime.invoke(sweep, sample(sweep, ids), timeout_s=30)


def drive_webhooks(fn: Function) -> None:
    """The webhook deliverer as deployed (its secret and FIFO queue in moto), its receiver down: it
    reads the secret and sets the message's backoff."""
    from tests.integration.test_webhooks import deployed, queued, wallet_event

    with deployed("http://127.0.0.1:9/hooks") as (sqs, queue_url):
        result = runtime.invoke(fn, queued(sqs, queue_url, wallet_event()))
    assert result["batchItemFailures"], result


def drive(fn: Function) -> None:
    """Run the function's sample event on an empty table and on a seeded one (each path it has)."""
    if fn.logical_id == "DeliverWebhooksFunction":  # no table: an event from its queue, to a URL
        drive_webhooks(fn)
        return
    if fn.logical_id == "CustomerAuthorizerFunction":  # no AWS calls; its sample token is a placeholder
        with pytest.raises(Exception, match="Unauthorized"):
            runtime.invoke(fn, sample(fn))
        return
    with moto_table() as table:
        runtime.invoke(fn, sample(fn), timeout_s=30)
    if fn.logical_id == "ExpirySweepFunction":
        with moto_table():
            stale_index_copies(seed())
    with moto_table() as table:
        stream = StreamReader(table)
        ids = seed()
        if fn.logical_id == "PublishEventsFunction":
            ((_, records),) = stream.pending(limit=1000).items()
            runtime.invoke(fn, {"Records": records})
        elif fn.logical_id == "RedriveEventsFunction":
            ((shard, records),) = stream.pending(limit=1000).items()
            info = {"shardId": shard, "streamArn": stream.arn, "batchSize": 2}
            info |= {"startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"]}
            info |= {"endSequenceNumber": records[1]["dynamodb"]["SequenceNumber"]}
            body = json.dumps({"DDBStreamBatchInfo": info})
            runtime.invoke(fn, {"Records": [{"messageId": "m", "body": body}]})
        if fn.logical_id not in ("PublishEventsFunction", "RedriveEventsFunction", "StripeWebhookFunction"):
            with pages_moved_once():
                runtime.invoke(fn, sample(fn, ids), timeout_s=30)
            if fn.routes and fn.routes[0].method == "POST":  # its retry, answered from the record
                runtime.invoke(fn, sample(fn, ids), timeout_s=30)
            for method, path, body in OTHER_PATHS.get(fn.logical_id, []):
                text = json.dumps(body).replace("{txn}", ids[DEMO_TXN]) if body else None
                customer = DEMO_CUSTOMER if path.startswith("/me/") else None
                for _ in range(2):
                    call(
                        fn.code_uri.name,
                        method,
                        path.format(wallet=ids[DEMO_WALLET]),
                        text,
                        headers=RETRIED,
                        authorizer=customer,
                    )
        if fn.logical_id in STRIPE_FUNCTIONS:
            drive_stripe(fn, ids)


def test_every_function_is_granted_only_what_it_uses() -> None:
    iam.called.clear()
    unused = {}
    for name, fn in FUNCTIONS.items():
        drive(fn)
        policy = iam.policy(name)
        extra = policy.granted() - iam.called.get(name, set()) - policy.event_source_needs
        if extra:
            unused[name] = sorted(extra)
    assert unused == {}, f"granted but never called: {json.dumps(unused, indent=1)}"


def test_the_seed_does_not_depend_on_how_fast_the_machine_is() -> None:
    """On a loaded machine each write of the seed may take a second or more: what it makes expire
    must still expire only when it says, after every write it needs is done."""
    commit = repository.commit

    def slow(plan: Any) -> None:
        commit(plan)
        clock.advance(5)  # the machine is slow: seconds pass between one write and the next

    with moto_table(), mock.patch.object(repository, "commit", slow):
        ids = seed()
    with moto_table():
        seed()  # and at full speed
    assert set(ids) == {DEMO_WALLET, DEMO_HOLD, DEMO_TXN, DEMO_TOP, DEMO_CODE}


def test_a_call_outside_the_policy_is_refused_in_tests(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the read-only wallet function (it may only read)
    _, wallet = ledger.create_wallet("cus_iam", "USD", {}, None)
    real = ledger.get_wallet

    def writes_too(wallet_id: str) -> Any:
        ledger.credit(wallet_id, 1, "cash", None, None, None, {}, None)
        return real(wallet_id)

    monkeypatch.setattr(ledger, "get_wallet", writes_too)
    # WHEN its code writes THEN the call is refused as AWS would refuse it
    with pytest.raises(
        iam.AccessDeniedInTest, match=r"GetWalletFunction calls dynamodb:(UpdateItem|PutItem)"
    ):
        call("get_wallet", "GET", f"/wallets/{wallet['id']}")
    iam.denied.clear()  # refused, as expected
