"""What the sync and async clients share: routes, request building, SigV4 signing, answers, retries.

Only sending differs between `WalletsClient` and `AsyncWalletsClient`, so every rule here (which
requests get an Idempotency-Key, what is retried and how long to wait, how an answer becomes a model
or an exception) holds for both.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from pydantic import BaseModel, ValidationError

from wallets_client import answers, errors, models
from wallets_client.response import APIModel, Response

# Every route of docs/openapi.json and the model its 2xx answer is read into (tests/client checks
# both against the document).
ROUTES: dict[str, type[BaseModel]] = {
    "GET /customers/{customer_id}/balances": models.BalanceList,
    "GET /customers/{customer_id}/balances/{currency}": models.BalanceOutput,
    "POST /customers/{customer_id}/balances/{currency}/grant": models.TransactionOutput,
    "POST /customers/{customer_id}/balances/{currency}/revoke": models.TransactionOutput,
    "GET /customers/{customer_id}/wallets/{currency}": models.WalletOutput,
    "GET /wallets": models.WalletList,
    "POST /wallets": answers.WalletCreation,  # 201 created, 200 found
    "DELETE /wallets/{wallet_id}": models.WalletOutput,
    "GET /wallets/{wallet_id}": models.WalletOutput,
    "PATCH /wallets/{wallet_id}": models.WalletOutput,
    "POST /wallets/{wallet_id}/close": models.WalletOutput,
    "POST /wallets/{wallet_id}/credits": models.TransactionOutput,
    "POST /wallets/{wallet_id}/debits": models.TransactionOutput,  # 202: RemainderChargeOutput
    "POST /wallets/{wallet_id}/freeze": models.WalletOutput,
    "GET /wallets/{wallet_id}/holds": models.HoldList,
    "POST /wallets/{wallet_id}/holds": models.HoldOutput,
    "POST /wallets/{wallet_id}/holds/{hold_id}/capture": models.HoldOutput,
    "POST /wallets/{wallet_id}/holds/{hold_id}/release": models.HoldOutput,
    "GET /wallets/{wallet_id}/lots": models.LotList,
    "GET /wallets/{wallet_id}/payouts": models.PayoutList,
    "GET /wallets/{wallet_id}/payouts/{payout_id}": models.PayoutOutput,
    "POST /wallets/{wallet_id}/payment-methods/setup": models.SetupIntentOutput,
    "POST /wallets/{wallet_id}/refunds": models.TransactionOutput,
    "GET /wallets/{wallet_id}/top-ups": models.TopUpList,
    "POST /wallets/{wallet_id}/top-ups": models.TopUpOutput,
    "GET /wallets/{wallet_id}/top-ups/{top_up_id}": models.TopUpOutput,
    "GET /wallets/{wallet_id}/transactions": models.TransactionList,
    "GET /wallets/{wallet_id}/transactions/{transaction_id}": models.TransactionOutput,
    "POST /wallets/{wallet_id}/unfreeze": models.WalletOutput,
    "POST /wallets/{wallet_id}/voids": models.TransactionOutput,
    "POST /wallets/{wallet_id}/adjustments": models.TransactionOutput,
    "POST /wallets/{wallet_id}/redemptions": models.TransactionOutput,
    "POST /codes": models.CodeOutput,
    "GET /codes": models.CodeList,
    "GET /codes/{code_id}": models.CodeOutput,
    "POST /codes/{code_id}/disable": models.CodeOutput,
}
# Answers whose model depends on the status (202: the charge is not finished).
BY_STATUS: dict[tuple[str, int], type[BaseModel]] = {
    ("POST /wallets/{wallet_id}/debits", 202): models.RemainderChargeOutput,
}
MUTATING = frozenset({"POST", "PATCH", "DELETE"})


class Resource:
    """A resource of the API (resources.py, and its async twin generated from it): its methods build
    Calls, the client it belongs to sends them (`_call` one answer, `_iterate` every item of a paged
    list as the caller goes, `_list` a list the API does not page)."""

    def __init__(self, client: Any) -> None:
        self._client = client


@dataclass(frozen=True)
class Call:
    """One API operation: a route of ROUTES with its path parameters, query and JSON body."""

    route: str
    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    idempotency_key: str | None = None

    @property
    def method(self) -> str:
        return self.route.split(" ", 1)[0]

    @property
    def path(self) -> str:
        template = self.route.split(" ", 1)[1]
        return re.sub(r"\{(\w+)\}", lambda m: _segment(self.params[m.group(1)]), template)


def _segment(value: str) -> str:
    text = str(value)
    if text in ("", ".", ".."):  # a client or an HTTP stack would resolve these to another route
        raise ValueError(f"{text!r} is not an id")
    return quote(text, safe="")


def call(
    route: str,
    *,
    query: dict[str, Any] | None = None,
    body: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    **params: str,
) -> Call:
    if route not in ROUTES:  # pragma: no cover - a typo in this package
        raise KeyError(route)
    clean_body = None if body is None else {k: _jsonable(v) for k, v in body.items() if v is not None}
    clean_query = {k: _jsonable(v) for k, v in (query or {}).items() if v is not None}
    return Call(route, params, clean_query, clean_body, idempotency_key)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("datetimes must be timezone-aware")
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def region_of(base_url: str) -> str | None:
    """The region of an execute-api URL (https://<id>.execute-api.<region>.amazonaws.com/<stage>)."""
    found = re.search(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com", base_url)
    return found.group(1) if found else None


class Core:
    """Configuration and the sending-independent halves of every request."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: str | None = "sigv4",
        region: str | None = None,
        timeout: float = 10.0,
        max_retries: int = 3,
        credentials: Any = None,
    ) -> None:
        if auth not in ("sigv4", None):
            raise ValueError('auth is "sigv4" or None')
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.timeout = timeout
        self.max_retries = max_retries
        self.region = region or region_of(base_url)
        self._credentials = credentials
        if auth == "sigv4":
            import botocore.session

            session = botocore.session.get_session()
            self.region = self.region or session.get_config_variable("region")
            if self.region is None:
                raise ValueError("SigV4 needs a region: pass region= or set AWS_REGION")
            # Resolved once: botocore's credentials object refreshes itself (assumed roles, SSO,
            # instance metadata) when they near expiry, instead of one lookup per request.
            self._credentials = credentials or session.get_credentials()
            if self._credentials is None:
                raise errors.WalletsError("no AWS credentials found for SigV4 (the default chain is empty)")

    # ------------------------------------------------------------------ requests
    def idempotency_key(self, c: Call) -> str | None:
        """A POST, PATCH or DELETE carries a key (the caller's, or a new one) that its retries reuse."""
        if c.method not in MUTATING:
            return None
        return c.idempotency_key or str(uuid.uuid4())

    def build(self, c: Call, key: str | None) -> httpx.Request:
        # %20, not +, for spaces: what SigV4 canonicalises, so the signature is over what is sent.
        query = urlencode(c.query, doseq=True, quote_via=quote) if c.query else ""
        url = self.base_url + c.path + (f"?{query}" if query else "")
        content = json.dumps(c.body, separators=(",", ":")).encode() if c.body is not None else b""
        headers = {"Accept": "application/json", "User-Agent": "wallets-client-python/0.1"}
        if c.body is not None:
            headers["Content-Type"] = "application/json"
        if key is not None:
            headers["Idempotency-Key"] = key
        if self.auth == "sigv4":
            headers = self.sign(c.method, url, headers, content)
        return httpx.Request(c.method, url, headers=headers, content=content)

    def sign(self, method: str, url: str, headers: dict[str, str], content: bytes) -> dict[str, str]:
        """SigV4 for API Gateway (service execute-api), credentials from the default AWS chain."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        request = AWSRequest(method=method, url=url, data=content, headers=headers)
        SigV4Auth(self._credentials, "execute-api", str(self.region)).add_auth(request)
        return dict(request.headers.items())

    # ------------------------------------------------------------------ answers
    def retry_after(self, attempt: int, response: httpx.Response | None) -> float | None:
        """Seconds to wait before retrying, or None when this outcome is final. Retried: 429, 5xx,
        409 `concurrent_modification` (nothing was written: the wallet changed under every attempt, or
        a first attempt with the same key is still running) and connection errors, with jittered
        exponential backoff (or the server's Retry-After). A retry carries the same Idempotency-Key."""
        if attempt >= self.max_retries:
            return None
        if response is not None and not (
            response.status_code == 429 or response.status_code >= 500 or _contended(response)
        ):
            return None
        if response is not None and response.headers.get("Retry-After", "").isdigit():
            return min(float(response.headers["Retry-After"]), 20.0)
        return random.uniform(0, min(8.0, 0.25 * 2**attempt))  # full jitter

    def answer(self, c: Call, response: httpx.Response, key: str | None) -> Any:
        """The answer's model (with the response it came in), or the error it is (with the key)."""
        answered = Response.of(response, key)
        request_id = answered.request_id
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        if response.status_code >= 400:
            raise errors.from_response(response.status_code, body, request_id, response.text, key)
        model = BY_STATUS.get((c.route, response.status_code)) or ROUTES[c.route]
        try:
            result = model.model_validate(body)
        except ValidationError as exc:
            raise errors.WalletsError(
                f"the answer is not a {model.__name__}: {exc}",
                status=response.status_code,
                request_id=request_id,
                idempotency_key=key,
            ) from exc
        if isinstance(result, answers.Created):
            result.created = response.status_code == 201
        if isinstance(result, APIModel):
            result._answered_by(answered)
        return result

    @staticmethod
    def connection_error(exc: Exception, key: str | None) -> errors.APIConnectionError:
        return errors.APIConnectionError(f"could not reach the Wallets API: {exc}", idempotency_key=key)


def _contended(response: httpx.Response) -> bool:
    if response.status_code != 409:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and error.get("type") == "concurrent_modification"
