"""Signed webhooks (wallets/webhooks.py, functions/deliver_webhooks): signatures as the official
Standard Webhooks library makes and checks them, the reference verifier, key rotation, and the
deliverer against a real HTTP receiver (its backoff set on the SQS message, one log line per attempt,
one wallet's events in order through the local FIFO queue)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import boto3
import pytest
import standardwebhooks
from moto import mock_aws
from wallets import clock, settings, webhooks
from wallets.observability import logger

from local import runtime
from local.background import LocalQueue, LocalQueues, _queue_rules, envelope
from tests.conftest import FUNCTIONS

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789").decode()
OTHER = "whsec_" + base64.b64encode(b"another secret of 26 bytes").decode()
DELIVERER = FUNCTIONS["DeliverWebhooksFunction"]


@pytest.fixture(autouse=True)
def real_time() -> Iterator[None]:
    clock.reset()  # the official library checks timestamps against the wall clock
    yield
    clock.reset()


# ------------------------------------------------------------------ a receiver


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    status: int
    reason: str = ""


@dataclass
class Receiver:
    """An HTTP endpoint that verifies each delivery with the official library and its own secret,
    refuses replays by webhook-id, and records what it got and answered."""

    secret: str
    url: str = ""
    received: list[Received] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    forced_status: int | None = None  # answer this instead, whatever the delivery
    then_secret: str | None = None  # the secret to hold once a delivery has been refused
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> Received:
        with self.lock:
            if self.forced_status is not None:
                return Received(headers, body, self.forced_status, "forced")
            try:
                standardwebhooks.Webhook(self.secret).verify(body, headers)
            except standardwebhooks.webhooks.WebhookVerificationError as exc:
                if self.then_secret is not None:
                    self.secret, self.then_secret = self.then_secret, None
                return Received(headers, body, 401, str(exc))
            if headers["webhook-id"] in self.seen:  # taken already: acknowledged, not processed again
                return Received(headers, body, 200, "replayed")
            self.seen.add(headers["webhook-id"])
            return Received(headers, body, 204)

    def delivered(self) -> list[dict[str, Any]]:
        """The payloads accepted, in the order received."""
        return [json.loads(r.body) for r in list(self.received) if r.status == 204]


@contextlib.contextmanager
def receiver(secret: str = SECRET) -> Iterator[Receiver]:
    state = Receiver(secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            got = state.answer({k.lower(): v for k, v in self.headers.items()}, body)
            state.received.append(got)
            self.send_response(got.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def wallet_event(name: str = "wallet.credited", wallet_id: str = "wal_1", n: int = 1) -> dict[str, Any]:
    """A wallet event as the rule puts it on the queue (EventBridge's envelope)."""
    detail = {
        "event_id": f"evt_{wallet_id}_{n}",
        "wallet_id": wallet_id,
        "customer_id": "cus_1",
        "currency": "USD",
        "occurred_at": "2026-12-06T12:00:00.000Z",
        "amount": 1000 * n,
    }
    return envelope({"source": "wallets", "detail-type": name, "detail": detail})


# ------------------------------------------------------------------ signatures


def test_the_signature_is_the_official_librarys() -> None:
    # GIVEN a delivery signed here
    msg_id, body = webhooks.payload(wallet_event())
    now = clock.now_ms() // 1000
    sent = webhooks.headers([SECRET], msg_id, now, body)
    # THEN it is the official library's signature, and that library accepts it
    official = standardwebhooks.Webhook(SECRET)
    from datetime import UTC, datetime

    assert sent["webhook-signature"] == official.sign(msg_id, datetime.fromtimestamp(now, UTC), body)
    assert official.verify(body, sent)["data"]["event_id"] == msg_id
    # AND the body is Standard Webhooks' shape, the event's detail as data
    assert json.loads(body) == {
        "type": "wallet.credited",
        "timestamp": "2026-12-06T12:00:00.000Z",
        "data": wallet_event()["detail"],
    }
    # AND a secret without its prefix is the same key
    assert webhooks.sign(SECRET.removeprefix("whsec_"), msg_id, now, body) == webhooks.sign(
        SECRET, msg_id, now, body
    )


def test_the_verifier_refuses_a_wrong_secret_a_stale_or_future_timestamp_a_tamper_and_a_replay() -> None:
    msg_id, body = webhooks.payload(wallet_event())
    now = clock.now_ms() // 1000
    sent = webhooks.headers([SECRET], msg_id, now, body)
    seen: set[str] = set()
    # GIVEN a delivery just received THEN it verifies, once
    assert webhooks.verify(SECRET, sent, body, seen)["data"]["event_id"] == msg_id
    with pytest.raises(webhooks.VerificationFailed, match="replay"):
        webhooks.verify(SECRET, sent, body, seen)
    # AND with another secret, or another body, it does not
    with pytest.raises(webhooks.VerificationFailed, match="no signature"):
        webhooks.verify(OTHER, sent, body)
    with pytest.raises(webhooks.VerificationFailed, match="no signature"):
        webhooks.verify(SECRET, sent, body.replace(b"1000", b"9000"))
    # AND 5 minutes either way is accepted, a second more is not (a stale or a future delivery)
    assert webhooks.verify(SECRET, sent, body, now_s=now + webhooks.TOLERANCE_S)
    assert webhooks.verify(SECRET, sent, body, now_s=now - webhooks.TOLERANCE_S)
    for when in (now + webhooks.TOLERANCE_S + 1, now - webhooks.TOLERANCE_S - 1):
        with pytest.raises(webhooks.VerificationFailed, match="5 minutes"):
            webhooks.verify(SECRET, sent, body, now_s=when)
    # AND so does the official library, on a stale one
    stale = webhooks.headers([SECRET], msg_id, now - webhooks.TOLERANCE_S - 1, body)
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError, match="too old"):
        standardwebhooks.Webhook(SECRET).verify(body, stale)
    # AND headers missing or malformed are refused
    for broken in (
        {**sent, "webhook-timestamp": "12.5"},
        {k: v for k, v in sent.items() if k != "webhook-id"},
    ):
        with pytest.raises(webhooks.VerificationFailed):
            webhooks.verify(SECRET, broken, body)


def test_while_a_key_rotates_deliveries_carry_both_signatures_until_the_old_one_expires() -> None:
    # GIVEN a secret rotated from SECRET to OTHER, SECRET valid for an hour more
    expires = clock.to_iso(clock.now_ms() + 3_600_000)
    rotation = json.dumps({"current": OTHER, "previous": SECRET, "previous_expires_at": expires})
    msg_id, body = webhooks.payload(wallet_event())
    now = clock.now_ms() // 1000
    # THEN a delivery now verifies with either key
    sent = webhooks.headers(webhooks.signing_secrets(rotation), msg_id, now, body)
    assert len(sent["webhook-signature"].split(" ")) == 2
    for key in (SECRET, OTHER):
        standardwebhooks.Webhook(key).verify(body, sent)
        webhooks.verify(key, sent, body)
    # AND once it expires, with the new key only
    later = webhooks.signing_secrets(rotation, now_ms=clock.now_ms() + 3_600_001)
    assert later == [OTHER]
    # AND a plain secret is the current key alone
    assert webhooks.signing_secrets(SECRET) == [SECRET]
    # AND the stack's generated secret (32 letters and digits, no prefix) is a key
    assert len(webhooks.key_bytes("A1b2" * 8)) == 24


# ------------------------------------------------------------------ the deliverer


@contextlib.contextmanager
def deployed(url: str, secret: str = SECRET) -> Iterator[Any]:
    """The deliverer as deployed: its secret in Secrets Manager, its FIFO queue in SQS (moto)."""
    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(Name="webhook", SecretString=secret)["ARN"]
        sqs = boto3.client("sqs")
        queue_url = sqs.create_queue(
            QueueName="webhooks.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        )["QueueUrl"]
        env = {"WEBHOOK_URL": url, "WEBHOOK_SECRET_ARN": arn, "WEBHOOK_QUEUE_URL": queue_url}
        with mock.patch.dict(os.environ, env), mock.patch.object(webhooks, "_sqs", sqs):
            os.environ.pop("WEBHOOK_SECRET", None)
            settings.reload()
            from aws_lambda_powertools.utilities import parameters

            parameters.clear_caches()
            try:
                yield sqs, queue_url
            finally:
                settings.reload()


def queued(sqs: Any, queue_url: str, event: dict[str, Any], receives: int = 1) -> dict[str, Any]:
    """Put the event on the queue as the rule does and receive it as Lambda's poller does."""
    sqs.send_message(
        QueueUrl=queue_url, MessageBody=json.dumps(event), MessageGroupId=event["detail"]["wallet_id"]
    )
    (message,) = sqs.receive_message(QueueUrl=queue_url, AttributeNames=["All"])["Messages"]
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {**message["Attributes"], "ApproximateReceiveCount": str(receives)},
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:webhooks.fifo",
        "awsRegion": "us-east-1",
    }
    return {"Records": [record]}


FIELDS = ("event_id", "host", "status", "attempt", "duration_ms", "delivered", "retry_in_s", "error")


@contextlib.contextmanager
def attempt_log(caplog: pytest.LogCaptureFixture) -> Iterator[list[dict[str, Any]]]:
    """The deliverer's "webhook delivery" log lines (INFO, which the local runtime otherwise hides)."""
    lines: list[dict[str, Any]] = []
    level = logger.log_level
    logger.setLevel("INFO")
    caplog.clear()
    try:
        yield lines
    finally:
        logger.setLevel(level)
        for record in caplog.records:
            if record.getMessage() == "webhook delivery":
                lines.append({name: getattr(record, name, None) for name in FIELDS})


def test_a_delivery_is_signed_with_the_stored_secret_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a receiver holding the stack's secret
    with receiver() as hook, deployed(hook.url) as (sqs, queue_url), attempt_log(caplog) as log:
        # WHEN the deliverer gets an event from its queue
        result = runtime.invoke(DELIVERER, queued(sqs, queue_url, wallet_event()))
    # THEN the receiver verified it and the message is done
    assert result == {"batchItemFailures": []}
    assert [r.status for r in hook.received] == [204]
    assert hook.received[0].headers["webhook-id"] == "evt_wal_1_1"
    assert hook.received[0].headers["content-type"] == "application/json"
    # AND the attempt is one log line: event id, host, status, attempt, duration
    (line,) = log
    assert {k: line[k] for k in ("event_id", "host", "status", "attempt", "delivered")} == {
        "event_id": "evt_wal_1_1",
        "host": "127.0.0.1",
        "status": 204,
        "attempt": 1,
        "delivered": True,
    }
    assert isinstance(line["duration_ms"], int)
    assert SECRET not in json.dumps(line)


@pytest.mark.parametrize(
    ("receives", "backoff"),
    [(1, 5), (2, 300), (7, 36000), (webhooks.ATTEMPTS, 0)],  # after the last: straight to the DLQ
)
def test_a_refused_delivery_comes_back_after_its_backoff(
    receives: int, backoff: int, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a receiver that holds another secret (it refuses the signature)
    with receiver(OTHER) as hook, deployed(hook.url) as (sqs, queue_url), attempt_log(caplog) as log:
        changed: list[dict[str, Any]] = []
        real = sqs.change_message_visibility

        def recorded(**kwargs: Any) -> Any:
            changed.append(kwargs)
            return real(**kwargs)

        with mock.patch.object(sqs, "change_message_visibility", recorded):
            # WHEN the deliverer makes its `receives`th attempt
            event = queued(sqs, queue_url, wallet_event(), receives)
            result = runtime.invoke(DELIVERER, event)
    # THEN the message failed, to come back after the backoff of that attempt
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert [r.status for r in hook.received] == [401]
    assert [c["VisibilityTimeout"] for c in changed] == [backoff]
    assert changed[0]["ReceiptHandle"] == event["Records"][0]["receiptHandle"]
    assert changed[0]["QueueUrl"] == queue_url
    (line,) = log
    assert (line["status"], line["attempt"], line["delivered"]) == (401, receives, False)
    assert line["retry_in_s"] == (backoff or None)


def test_no_answer_and_a_redirect_are_failures_too(caplog: pytest.LogCaptureFixture) -> None:
    with receiver() as hook:
        hook.forced_status = 302
        with deployed(hook.url) as (sqs, queue_url), attempt_log(caplog) as log:
            redirected = runtime.invoke(DELIVERER, queued(sqs, queue_url, wallet_event(n=1)))
        # a closed port: nothing answers
        with deployed("http://127.0.0.1:9/hooks") as (sqs, queue_url), attempt_log(caplog) as unanswered:
            refused = runtime.invoke(DELIVERER, queued(sqs, queue_url, wallet_event(n=2)))
    assert redirected["batchItemFailures"] and refused["batchItemFailures"]
    assert (log[0]["status"], log[0]["delivered"]) == (302, False)
    assert unanswered[0]["status"] is None and unanswered[0]["error"]


# ------------------------------------------------------------------ locally: the rule, the FIFO queue


def test_make_run_routes_events_to_the_webhook_queue_only_with_a_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEBHOOK_URL", raising=False)
    assert _queue_rules(FUNCTIONS, 1.0) == []  # no webhook configured: nothing to deliver
    monkeypatch.setenv("WEBHOOK_URL", "http://127.0.0.1:9/hooks")
    ((pattern, queue, group),) = _queue_rules(FUNCTIONS, 1.0)
    assert pattern == {"source": ["wallets"]} and group == "$.detail.wallet_id"
    assert (queue.logical_id, queue.reader.logical_id) == ("WebhookQueue", "DeliverWebhooksFunction")
    assert queue.max_receives == webhooks.ATTEMPTS


def test_a_wallets_events_wait_behind_its_failing_one_and_others_do_not() -> None:
    # GIVEN two events of one wallet and one of another on the local FIFO queue
    with receiver() as hook:
        first, second, other = wallet_event(n=1), wallet_event(n=2), wallet_event(wallet_id="wal_2")
        queue = LocalQueue("WebhookQueue", {"VisibilityTimeout": 180}, DELIVERER, speedup=1.0)
        env = {"WEBHOOK_URL": hook.url, "WEBHOOK_SECRET": SECRET}
        with mock.patch.dict(os.environ, env), mock.patch.object(webhooks, "_sqs", LocalQueues([queue])):
            settings.reload()
            for event in (first, second):
                queue.send(json.dumps(event), event["detail"]["wallet_id"])
            # WHEN the receiver refuses the wallet's first event, then another wallet's comes
            hook.forced_status = 503
            queue.poll()
            hook.forced_status = None
            queue.send(json.dumps(other), "wal_2")
            queue.poll()
            # THEN the other wallet's event went through, the wallet's second did not overtake
            assert [e["data"]["event_id"] for e in hook.delivered()] == ["evt_wal_2_1"]
            assert [m.receives for m in queue.messages] == [1, 0]  # the first waits 5 s, the second for it
            # WHEN its backoff has passed
            queue.messages[0].visible_at = 0
            queue.poll()
            queue.poll()
        settings.reload()
    # THEN the wallet's events arrived in order, the first one as a retry with the same id
    assert [e["data"]["event_id"] for e in hook.delivered()] == ["evt_wal_2_1", "evt_wal_1_1", "evt_wal_1_2"]
    assert [r.headers["webhook-id"] for r in hook.received if r.status == 503] == ["evt_wal_1_1"]
    assert queue.messages == [] and queue.dead == []


def test_a_message_failing_every_attempt_is_dead_lettered() -> None:
    queue = LocalQueue("WebhookQueue", {"RedrivePolicy": {"maxReceiveCount": 2}}, DELIVERER, speedup=1.0)
    with receiver(OTHER) as hook:
        env = {"WEBHOOK_URL": hook.url, "WEBHOOK_SECRET": SECRET}
        with mock.patch.dict(os.environ, env), mock.patch.object(webhooks, "_sqs", LocalQueues([queue])):
            settings.reload()
            queue.send(json.dumps(wallet_event()), "wal_1")
            for _ in range(3):  # each time its backoff has passed
                for message in queue.messages:
                    message.visible_at = 0
                queue.poll()
        settings.reload()
    assert [r.status for r in hook.received] == [401, 401]
    assert queue.messages == [] and [m.receives for m in queue.dead] == [3]
