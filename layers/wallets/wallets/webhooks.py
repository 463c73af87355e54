"""Signed webhooks (Standard Webhooks, standardwebhooks.com): every wallet event POSTed to the
merchant's URL, signed so the receiver knows it came from this stack, unchanged and recently.

What a delivery is:
- Body: `{"type": <event name>, "timestamp": <occurred_at>, "data": <the event's detail>}`, UTF-8 JSON.
- `webhook-id`: the event's `event_id`, the same on every retry and redelivery (receivers dedupe by it).
- `webhook-timestamp`: this attempt's time, in integer seconds.
- `webhook-signature`: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, one per valid key,
  space-separated. A key is a `whsec_` secret: base64 after the prefix.

The secret (Secrets Manager, read through `secrets.webhook_secret`) is either one `whsec_…` string,
or, to rotate, JSON `{"current": "whsec_…", "previous": "whsec_…", "previous_expires_at": ISO 8601}`:
until `previous_expires_at` every delivery is signed with both keys, so receivers can switch keys
whenever they like within that window.

Delivery (functions/deliver_webhooks): a rule puts every event on an SQS FIFO queue grouped by
wallet, so a wallet's events are delivered one at a time in bus order. An answer other than 2xx
(redirects included) or none within `TIMEOUT_S` is a failure: the message comes back after
`RETRY_DELAYS_S[attempt - 1]` (ChangeMessageVisibility), for `ATTEMPTS` attempts over more than 24 h,
then the queue moves it to its dead-letter queue, which is alarmed. Each attempt is one log line.

Receiving: `verify` is the reference check both clients implement: tolerance `TOLERANCE_S` either
way, constant-time comparison of every signature given, and an id seen before is refused (a replay).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, MutableSet
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from wallets import clock
from wallets.observability import logger

PREFIX = "whsec_"
TOLERANCE_S = 300
TIMEOUT_S = 10
# After attempt n fails, attempt n + 1 comes RETRY_DELAYS_S[n - 1] seconds later: Standard Webhooks'
# schedule, 27.6 h from the first attempt to the last. Each is at most SQS's 12 h visibility limit;
# the queue's maxReceiveCount is ATTEMPTS (tests/unit/test_template.py).
RETRY_DELAYS_S = (5, 300, 1800, 7200, 18000, 36000, 36000)
ATTEMPTS = len(RETRY_DELAYS_S) + 1
USER_AGENT = "wallets-webhooks/1"


class VerificationFailed(Exception):
    """A delivery that does not verify: missing headers, a stale or future timestamp, no matching
    signature, or an id already received (a replay)."""


# ------------------------------------------------------------------ keys and signatures


def key_bytes(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret (the prefix is optional, as in the official libraries)."""
    text = secret.strip().removeprefix(PREFIX)
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a webhook secret is base64 after its whsec_ prefix") from exc
    if len(key) < 16:
        raise ValueError("a webhook secret must hold at least 16 bytes")
    return key


def signing_secrets(value: str, now_ms: int | None = None) -> list[str]:
    """The secrets to sign with now: the current one, and the previous one until it expires."""
    text = value.strip()
    if not text.startswith("{"):
        return [text]
    stored = json.loads(text)
    keys = [str(stored["current"])]
    previous, expires = stored.get("previous"), stored.get("previous_expires_at")
    if previous and expires:
        until = clock.from_datetime(datetime.fromisoformat(str(expires).replace("Z", "+00:00")))
        if (clock.now_ms() if now_ms is None else now_ms) < until:
            keys.append(str(previous))
    return keys


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,` signature of `{id}.{timestamp}.{body}`."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every secret given."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets),
    }


def verify(
    secret: str,
    received: Mapping[str, str],
    body: bytes,
    seen: MutableSet[str] | None = None,
    now_s: int | None = None,
) -> dict[str, Any]:
    """The delivery's payload if it verifies against `secret`, else VerificationFailed.

    `seen` holds the ids already accepted (kept at least TOLERANCE_S: an older delivery is refused by
    its timestamp anyway); the id is added once the delivery verifies."""
    lowered = {k.lower(): v for k, v in received.items()}
    msg_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "")
    given = lowered.get("webhook-signature", "")
    if not (msg_id and stamp and given):
        raise VerificationFailed("missing webhook-id, webhook-timestamp or webhook-signature")
    if not stamp.isdigit():
        raise VerificationFailed("webhook-timestamp is not integer seconds")
    now = clock.now_ms() // 1000 if now_s is None else now_s
    if abs(now - int(stamp)) > TOLERANCE_S:
        raise VerificationFailed("webhook-timestamp is more than 5 minutes from now")
    expected = sign(secret, msg_id, int(stamp), body).encode()
    # Every signature is compared (no early exit), each in constant time.
    matches = [hmac.compare_digest(expected, s.encode()) for s in given.split(" ") if s]
    if not any(matches):
        raise VerificationFailed("no signature matches the secret")
    if seen is not None:
        if msg_id in seen:
            raise VerificationFailed("webhook-id was received before (a replay)")
        seen.add(msg_id)
    payload: dict[str, Any] = json.loads(body)
    return payload


# ------------------------------------------------------------------ delivery


def payload(event: Mapping[str, Any]) -> tuple[str, bytes]:
    """The webhook id and body of an EventBridge event (as the rule puts it on the queue)."""
    detail = event["detail"]
    body = {"type": event["detail-type"], "timestamp": detail.get("occurred_at"), "data": detail}
    return str(detail["event_id"]), json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Attempt:
    """One POST of one event: what the receiver answered (None: no answer) and how long it took."""

    event_id: str
    attempt: int
    status: int | None
    duration_ms: int
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retry_in_s(self) -> int | None:
        """Seconds until the next attempt; None when delivered or when this was the last one."""
        if self.delivered or self.attempt >= ATTEMPTS:
            return None
        return RETRY_DELAYS_S[self.attempt - 1]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx (a failure), never followed: it would resend the
    signed body to a URL the merchant did not configure."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(url: str, msg_id: str, body: bytes, secrets: list[str], attempt: int) -> Attempt:
    """POST one signed delivery and log the attempt (event id, host, status, attempt, duration)."""
    timestamp = clock.now_ms() // 1000
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **headers(secrets, msg_id, timestamp, body),
        },
    )
    started = time.monotonic()
    status: int | None = None
    error: str | None = None
    try:
        with _opener.open(request, timeout=TIMEOUT_S) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:  # refused, reset, timed out, unresolvable
        error = f"{type(exc).__name__}: {exc}"
    result = Attempt(msg_id, attempt, status, int((time.monotonic() - started) * 1000), error)
    logger.info(
        "webhook delivery",
        extra={
            "event_id": msg_id,
            "host": urlsplit(url).hostname,
            "status": status,
            "attempt": attempt,
            "of": ATTEMPTS,
            "duration_ms": result.duration_ms,
            "delivered": result.delivered,
            "retry_in_s": result.retry_in_s,
            "error": error,
        },
    )
    return result


_sqs: Any = None


def _queue_client() -> Any:
    global _sqs
    if _sqs is None:
        import boto3

        _sqs = boto3.client("sqs")
    return _sqs


def deliver(
    event: Mapping[str, Any],
    url: str,
    secret_value: str,
    attempt: int,
    queue_url: str | None,
    receipt_handle: str,
) -> Attempt:
    """Deliver one queued event; on failure, set when the queue offers it again (the backoff)."""
    msg_id, body = payload(event)
    result = post(url, msg_id, body, signing_secrets(secret_value), attempt)
    if not result.delivered:
        # After the last attempt: visible at once, so the queue moves it to the dead-letter queue.
        _queue_client().change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=result.retry_in_s or 0
        )
    return result
