"""Receiving the service's signed webhooks (Standard Webhooks, standardwebhooks.com).

    event = wallets_client.webhooks.verify(request.body, request.headers, secret, seen=replays)

A delivery is a POST whose body is `{"type", "timestamp", "data"}` (UTF-8 JSON) with three headers:
`webhook-id` (the event's id, the same on every retry), `webhook-timestamp` (this attempt's time,
integer seconds) and `webhook-signature`: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`,
keyed by the base64 after the secret's `whsec_` prefix. While the service rotates its secret it signs
with both keys, space-separated: one matching signature is enough.

`verify` accepts a delivery only if every check holds, and says which failed otherwise
(WebhookVerificationError): the three headers are there, the timestamp is within `tolerance` seconds
of now either way (an old delivery cannot be replayed later), a signature matches (each compared in
constant time, all of them, so timing tells nothing), and, with `seen`, the id was not accepted
before (a replay within the tolerance). Pass the body exactly as received: a re-serialised JSON
does not verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pydantic import AwareDatetime, ConfigDict
from pydantic import ValidationError as _InvalidEnvelope

from wallets_client.response import UTCModel

PREFIX = "whsec_"
TOLERANCE_S = 300  # Standard Webhooks' default: 5 minutes either way
MIN_KEY_BYTES = 16  # what the service accepts as a secret (wallets.webhooks.key_bytes)
VERSION = "v1"


class WebhookVerificationError(Exception):
    """A delivery that does not verify: a missing header, a timestamp out of tolerance, no matching
    signature, an id accepted before (a replay), or a body that is not an event. Answer it 400."""


class WebhookEvent(UTCModel):
    """A verified delivery: the event envelope. `id` is the `webhook-id` header (dedupe by it: a
    retried delivery has the same one); `timestamp` when the event happened, in UTC; `data` the
    event's detail (its `event_id`, wallet and amounts), as the event `type` defines it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    type: str
    timestamp: AwareDatetime
    data: dict[str, Any]


class ReplayStore(Protocol):
    """Where accepted webhook ids are kept, so a delivery captured in transit and sent again within
    the tolerance is refused. Shared by every process that receives (Redis `SET id 1 NX EXAT`, a
    conditional put in DynamoDB …); `MemoryReplayStore` for one process."""

    def add(self, webhook_id: str, expires_at: datetime) -> bool:
        """Keep the id until `expires_at` (after it the timestamp check refuses the delivery anyway);
        False, atomically, when it is already kept."""
        ...


class MemoryReplayStore:
    """A ReplayStore in this process's memory (thread-safe). An id is dropped once a newer one
    expires more than `window` after it: by then every delivery carrying it is out of tolerance,
    provided `window` is at least twice the tolerance (the default is for tolerances up to 30 min)."""

    def __init__(self, window: timedelta = timedelta(hours=1)) -> None:
        self._window = window
        self._ids: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def add(self, webhook_id: str, expires_at: datetime) -> bool:
        with self._lock:
            if webhook_id in self._ids:
                return False
            horizon = expires_at - self._window
            for old in [i for i, until in self._ids.items() if until < horizon]:
                del self._ids[old]
            self._ids[webhook_id] = expires_at
            return True


def key(secret: str) -> bytes:
    """The HMAC key of a `whsec_<base64>` secret (the prefix may be left off, as the official
    libraries allow). A malformed secret is the receiver's configuration error: ValueError."""
    text = secret.strip().removeprefix(PREFIX)
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a webhook secret is whsec_ followed by base64") from exc
    if len(raw) < MIN_KEY_BYTES:
        raise ValueError(f"a webhook secret holds at least {MIN_KEY_BYTES} bytes")
    return raw


def sign(secret: str, webhook_id: str, timestamp: int, payload: bytes) -> str:
    """The `v1,<base64>` signature the service sends for this delivery (to test a receiver with)."""
    signed = f"{webhook_id}.{timestamp}.".encode() + payload
    return f"{VERSION}," + base64.b64encode(hmac.new(key(secret), signed, hashlib.sha256).digest()).decode()


def verify(
    payload: bytes,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance: int = TOLERANCE_S,
    now: datetime | None = None,
    seen: ReplayStore | None = None,
) -> WebhookEvent:
    """The delivery's event if it is the service's, unchanged, recent and (with `seen`) new; else
    WebhookVerificationError. `headers` is any mapping of the request's headers (any case); `now`
    (aware) is for tests. The id is kept in `seen` only once everything else has verified, so a
    forged delivery cannot block the genuine one."""
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise TypeError("pass the body as the bytes received: a decoded or re-serialised one does not verify")
    body = bytes(payload)
    lowered = {name.lower(): value for name, value in headers.items()}
    webhook_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "").strip()
    given = lowered.get("webhook-signature", "")
    if not (webhook_id and stamp and given):
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    if not stamp.isascii() or not stamp.isdigit():
        raise WebhookVerificationError("webhook-timestamp is not integer seconds")
    at = int(stamp)
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if abs(int(moment.timestamp()) - at) > tolerance:
        raise WebhookVerificationError(f"webhook-timestamp is more than {tolerance} s from now")
    expected = sign(secret, webhook_id, at, body).encode()
    # Every signature is compared, each in constant time: no early exit tells which one came close.
    matches = [
        hmac.compare_digest(expected, candidate.encode()) for candidate in given.split(" ") if candidate
    ]
    if not any(matches):
        raise WebhookVerificationError("no webhook-signature matches the secret")
    try:
        envelope = json.loads(body)
        event = WebhookEvent.model_validate({**envelope, "id": webhook_id})
    except (ValueError, TypeError, _InvalidEnvelope) as exc:
        raise WebhookVerificationError(f"the body is not a webhook event: {exc}") from exc
    expires_at = datetime.fromtimestamp(at + tolerance, UTC)
    if seen is not None and not seen.add(webhook_id, expires_at):
        raise WebhookVerificationError(f"webhook-id {webhook_id} was accepted before (a replay)")
    return event
