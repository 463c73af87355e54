"""What every model of wallets_client.models shares (they derive from APIModel): datetimes in UTC,
and, for an answer the client read, the HTTP response it came in (`last_response`).

Datetimes: the API writes UTC ("Z"); every datetime a model holds is `datetime.UTC`-aware whatever
offset it was written with (pydantic alone keeps the offset, as its own tzinfo class).

`replayed` is the server's `Idempotent-Replayed: true`: this answer is the one stored for the
request's Idempotency-Key, so this call changed nothing (a retry after a lost answer, or a key used
again), as Stripe's header says. How an answer came is not part of its value: it is not a field, not
in model_dump(), and two answers with the same body are equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import BaseModel, PrivateAttr, field_validator

REPLAYED = "Idempotent-Replayed"


@dataclass(frozen=True)
class Response:
    """The HTTP response an answer came in: status, headers (case-insensitive), the request id
    that AWS support asks for, and the Idempotency-Key the call was sent with (yours or the one the
    client made; None for a read): to send the same request again later, send it with that key."""

    status: int = field(compare=False)
    headers: Mapping[str, str] = field(compare=False, repr=False)
    request_id: str | None = field(compare=False)
    idempotency_key: str | None = field(compare=False, default=None)

    @classmethod
    def of(cls, response: httpx.Response, idempotency_key: str | None) -> Response:
        headers = response.headers
        request_id = headers.get("x-amzn-RequestId") or headers.get("x-amz-apigw-id")
        return cls(response.status_code, headers, request_id, idempotency_key)

    @property
    def replayed(self) -> bool:
        return self.headers.get(REPLAYED, "").strip().lower() == "true"


class UTCModel(BaseModel):
    """A model whose datetimes are in UTC (the webhooks' event too)."""

    @field_validator("*", mode="after")
    @classmethod
    def _in_utc(cls, value: Any) -> Any:
        return value.astimezone(UTC) if isinstance(value, datetime) else value


class APIModel(UTCModel):
    """The base of every generated model."""

    _last_response: Response | None = PrivateAttr(default=None)

    @property
    def last_response(self) -> Response | None:
        """The response this answer came in (None for a model built by the caller, or an item of a
        list: the list's page has it)."""
        return self._last_response

    @property
    def replayed(self) -> bool:
        """True when the server answered from its idempotency record (`Idempotent-Replayed: true`):
        the same answer as the first call with this Idempotency-Key, and nothing done this time."""
        return self._last_response is not None and self._last_response.replayed

    def _answered_by(self, response: Response) -> None:
        self._last_response = response
