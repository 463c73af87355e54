"""wallets_client.webhooks.verify against the official Standard Webhooks library (standardwebhooks,
a test dependency only) and against hand-made vectors: what one signs the other accepts, and every
delivery one refuses the other refuses too."""

from __future__ import annotations

import base64
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import standardwebhooks
from wallets_client import WebhookEvent, WebhookVerificationError, webhooks

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"fedcba9876543210fedcba9876543210").decode()
NOW = datetime(2026, 12, 6, 12, 0, 0, tzinfo=UTC)
EVENT_ID = "evt_3f1c0a9e2b7d4c5e"
BODY = json.dumps(
    {
        "type": "wallet.low_balance",
        "timestamp": "2026-12-06T11:59:58.123Z",
        "data": {"event_id": EVENT_ID, "wallet_id": "wal_1", "available": 90, "currency": "USD"},
    },
    separators=(",", ":"),
).encode()


def delivery(
    *,
    secrets: tuple[str, ...] = (SECRET,),
    at: datetime = NOW,
    webhook_id: str = EVENT_ID,
    body: bytes = BODY,
) -> dict[str, str]:
    """The headers the service sends, signed by the official library (one signature per secret)."""
    signatures = [standardwebhooks.Webhook(s).sign(webhook_id, at, body) for s in secrets]
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


def official(body: bytes, headers: dict[str, str], secret: str = SECRET, now: datetime = NOW) -> Any:
    """The official library's verdict at `now` (it reads the wall clock: pinned here)."""

    class Pinned(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Pinned:
            return cls.fromtimestamp(now.timestamp(), tz)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("standardwebhooks.webhooks.datetime", Pinned)
        return standardwebhooks.Webhook(secret).verify(body, headers)


def test_a_delivery_the_official_library_signs_verifies_into_its_event() -> None:
    # GIVEN a delivery signed as Standard Webhooks says
    headers = delivery()
    # WHEN it is verified
    event = webhooks.verify(BODY, headers, SECRET, now=NOW)
    # THEN it is the typed envelope, with the webhook id and an aware timestamp
    assert isinstance(event, WebhookEvent)
    assert (event.id, event.type, event.data["wallet_id"]) == (EVENT_ID, "wallet.low_balance", "wal_1")
    assert event.timestamp == datetime(2026, 12, 6, 11, 59, 58, 123000, tzinfo=UTC)
    assert event.timestamp.tzinfo is UTC
    # ... as the official library reads it
    assert official(BODY, headers) == json.loads(BODY)


def test_the_signature_is_the_specifications_vector() -> None:
    # A hand-made vector: Standard Webhooks' published example (secret, id, timestamp, body, signature)
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert webhooks.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected
    at = datetime.fromtimestamp(1614265330, UTC)
    assert standardwebhooks.Webhook(secret).sign("msg_p5jXN8AQM9LWM0D4loKWxJek", at, body) == expected


def test_during_a_rotation_one_matching_signature_of_several_is_enough() -> None:
    # GIVEN a delivery signed with the old and the new secret, space-separated
    headers = delivery(secrets=(OTHER_SECRET, SECRET))
    # THEN a receiver holding either secret accepts it, as the official library does
    for secret in (SECRET, OTHER_SECRET):
        assert webhooks.verify(BODY, headers, secret, now=NOW).id == EVENT_ID
        assert official(BODY, headers, secret)
    # ... and one holding neither refuses it
    third = "whsec_" + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(WebhookVerificationError, match="signature"):
        webhooks.verify(BODY, headers, third, now=NOW)


def refused_deliveries() -> dict[str, tuple[bytes, dict[str, str]]]:
    """Deliveries that must be refused, each with its reason."""
    good = delivery()
    return {
        "body changed": (BODY.replace(b"90", b"99"), good),
        "id changed": (BODY, {**good, "webhook-id": "evt_other"}),
        "timestamp changed": (BODY, {**good, "webhook-timestamp": str(int(NOW.timestamp()) + 1)}),
        "signed by another secret": (BODY, delivery(secrets=(OTHER_SECRET,))),
        "signature truncated": (BODY, {**good, "webhook-signature": good["webhook-signature"][:-4]}),
        "another version": (
            BODY,
            {**good, "webhook-signature": good["webhook-signature"].replace("v1,", "v2,")},
        ),
        "no signature": (BODY, {k: v for k, v in good.items() if k != "webhook-signature"}),
        "no id": (BODY, {k: v for k, v in good.items() if k != "webhook-id"}),
        "no timestamp": (BODY, {k: v for k, v in good.items() if k != "webhook-timestamp"}),
        "timestamp not seconds": (BODY, {**good, "webhook-timestamp": NOW.isoformat()}),
        "5 min 1 s old": (BODY, delivery(at=NOW - timedelta(seconds=301))),
        "5 min 1 s ahead": (BODY, delivery(at=NOW + timedelta(seconds=301))),
    }


@pytest.mark.parametrize("case", sorted(refused_deliveries()))
def test_what_the_official_library_refuses_is_refused(case: str) -> None:
    body, headers = refused_deliveries()[case]
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        official(body, headers)
    with pytest.raises(WebhookVerificationError):
        webhooks.verify(body, headers, SECRET, now=NOW)


def test_the_tolerance_is_five_minutes_either_way_and_can_be_changed() -> None:
    for seconds in (-300, 300):
        at = NOW + timedelta(seconds=seconds)
        assert webhooks.verify(BODY, delivery(at=at), SECRET, now=NOW).id == EVENT_ID
    late = delivery(at=NOW - timedelta(seconds=60))
    with pytest.raises(WebhookVerificationError, match="30 s"):
        webhooks.verify(BODY, late, SECRET, now=NOW, tolerance=30)


def test_a_delivery_accepted_once_is_refused_again_as_a_replay() -> None:
    # GIVEN a receiver that keeps the ids it accepted
    seen = webhooks.MemoryReplayStore()
    headers = delivery()
    # WHEN a forged copy arrives first, then the genuine delivery, then the genuine one again
    with pytest.raises(WebhookVerificationError, match="signature"):
        webhooks.verify(BODY, delivery(secrets=(OTHER_SECRET,)), SECRET, now=NOW, seen=seen)
    event = webhooks.verify(BODY, headers, SECRET, now=NOW, seen=seen)
    # THEN the forgery did not use up the id, and the copy of the genuine one is refused
    assert event.id == EVENT_ID
    with pytest.raises(WebhookVerificationError, match="replay"):
        webhooks.verify(BODY, headers, SECRET, now=NOW + timedelta(seconds=10), seen=seen)
    # ... while another event is accepted
    other = delivery(webhook_id="evt_2")
    assert webhooks.verify(BODY, other, SECRET, now=NOW, seen=seen).id == "evt_2"


def test_the_memory_store_forgets_ids_only_once_their_deliveries_are_out_of_tolerance() -> None:
    store = webhooks.MemoryReplayStore(window=timedelta(minutes=10))
    assert store.add("a", NOW) and not store.add("a", NOW)
    assert store.add("b", NOW + timedelta(minutes=10))  # "a" still within the window: kept
    assert not store.add("a", NOW)
    assert store.add("c", NOW + timedelta(minutes=11))  # now "a" expired 11 min before: dropped
    assert store.add("a", NOW)


def test_every_signature_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a delivery whose first signature matches, followed by two that do not
    good = delivery()["webhook-signature"]
    headers = {**delivery(), "webhook-signature": f"{good} v1,AAAA v1,BBBB"}
    compared: list[bytes] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        compared.append(b)
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    # WHEN it is verified THEN all three went through compare_digest (no early exit)
    webhooks.verify(BODY, headers, SECRET, now=NOW)
    assert len(compared) == 3


def test_headers_are_read_in_any_case_from_any_mapping() -> None:
    titled = {name.title(): value for name, value in delivery().items()}
    assert webhooks.verify(BODY, titled, SECRET, now=NOW).id == EVENT_ID
    assert webhooks.verify(BODY, httpx.Headers(delivery()), SECRET, now=NOW).id == EVENT_ID


def test_an_authentic_body_that_is_not_an_event_is_refused() -> None:
    body = b'{"test": 2432232314}'
    with pytest.raises(WebhookVerificationError, match="not a webhook event"):
        webhooks.verify(body, delivery(body=body), SECRET, now=NOW)


def test_a_decoded_body_or_a_bad_secret_is_the_callers_error() -> None:
    with pytest.raises(TypeError, match="bytes"):
        webhooks.verify(BODY.decode(), delivery(), SECRET, now=NOW)  # type: ignore[arg-type]
    for secret in ("whsec_not base64!", "whsec_" + base64.b64encode(b"short").decode()):
        with pytest.raises(ValueError, match="secret"):
            webhooks.verify(BODY, delivery(), secret, now=NOW)
    with pytest.raises(ValueError, match="aware"):
        webhooks.verify(BODY, delivery(), SECRET, now=datetime(2026, 12, 6, 12))


def test_a_delivery_the_service_signs_verifies_here() -> None:
    # GIVEN an event as the service delivers it (wallets.webhooks: its body and headers, signed with
    # the current and the previous secret during a rotation)
    from wallets import webhooks as service

    event = {
        "detail-type": "wallet.credited",
        "detail": {"event_id": "evt_9", "occurred_at": "2026-12-06T11:59:00.000Z", "wallet_id": "wal_1"},
    }
    webhook_id, body = service.payload(event)
    headers = service.headers([OTHER_SECRET, SECRET], webhook_id, int(NOW.timestamp()), body)
    # WHEN the client verifies it THEN it is the event, with the service's id and time
    verified = webhooks.verify(body, headers, SECRET, now=NOW)
    assert (verified.id, verified.type, verified.data["wallet_id"]) == ("evt_9", "wallet.credited", "wal_1")
    assert verified.timestamp == datetime(2026, 12, 6, 11, 59, tzinfo=UTC)
