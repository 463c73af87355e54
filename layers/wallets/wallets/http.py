"""The REST surface shared by every API function: the resolver, error mapping, and request helpers.

One place maps domain exceptions and validation errors to the error envelope
`{"error": {"type", "message", "details"}}`. Anything else is a bug: it propagates, and API Gateway
answers 502 without leaking a stack trace.

One gate reads every request body, before pydantic sees it (`parse_body`, the resolver's JSON
deserializer): JSON only (not Python's NaN or Infinity), nested at most MAX_DEPTH deep, number
literals of at most MAX_NUMBER_LENGTH characters, at most MAX_VALUES keys and items in all, and no
NUL or unpaired surrogate in any key or string. Query and path parameters pass the same character
check. What the gate refuses is 400 `invalid_json` or 422 `validation_error` naming the field; every
error answer is bounded (`error_response`: at most MAX_DETAILS fields, each word shortened).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestValidationError,
    ResponseValidationError,
)
from aws_lambda_powertools.metrics import MetricUnit

from wallets import errors, priming
from wallets.ledger import ACTOR, REPLAYED, Idempotency, acting_as
from wallets.observability import logger, metrics

if TYPE_CHECKING:  # types only: the resolver imports them when it builds the document or validates
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseHeader
    from pydantic import BaseModel

WALLET_ID = r"^wal_[0-9A-Z]{26}$"
HOLD_ID = r"^hld_[0-9A-Z]{26}$"
TRANSACTION_ID = r"^txn_[0-9A-Z]{26}$"
TOP_UP_ID = r"^top_[0-9A-Z]{26}$"
CODE_ID = r"^code_[0-9A-Z]{26}$"
PAYOUT_ID = r"^pay_[0-9A-Z]{26}$"
_ID_PATTERNS = {
    "code_id": CODE_ID,
    "wallet_id": WALLET_ID,
    "hold_id": HOLD_ID,
    "transaction_id": TRANSACTION_ID,
    "top_up_id": TOP_UP_ID,
    "payout_id": PAYOUT_ID,
}


# ------------------------------------------------------------------ the OpenAPI document
# What every route answers: the request gate's refusals and pydantic's (see the module docstring).
GATE_ERRORS: tuple[type[errors.WalletError], ...] = (errors.InvalidJson, errors.ValidationFailed)
# What every write can also answer: the wallet changed under each attempt of the bounded retry, or
# DynamoDB (or the payment gateway) did not answer; nothing was written either way.
WRITE_ERRORS: tuple[type[errors.WalletError], ...] = (errors.Contention, errors.Unavailable)
REPLAYED_HEADER = "Idempotent-Replayed"
# What an Idempotency-Key may be (the document states the same pattern: local/openapi.py).
IDEMPOTENCY_KEY = re.compile(r"[\x20-\x7e]{1,255}")
_REPLAYED_DOC: dict[str, OpenAPIResponseHeader] = {
    REPLAYED_HEADER: {
        "description": "`true` when this is the answer first given to a request with the same Idempotency-Key",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
_RETRY_AFTER_DOC: dict[str, OpenAPIResponseHeader] = {
    "Retry-After": {"description": "seconds until a retry can succeed", "schema": {"type": "integer"}}
}


def responses(
    answers: dict[int, OpenAPIResponse], *raises: type[errors.WalletError]
) -> dict[int, OpenAPIResponse]:
    """A route's `responses=`: its successes as given, then one entry per error status it can answer,
    whose `error.type` is an enum of exactly the types of `raises` (and the gate's) with that status.
    A route that raises IdempotencyKeyReused reads the Idempotency-Key header: its successes say when
    they are replays (REPLAYED_HEADER). tests/unit/test_openapi_contract.py checks `raises` against
    what the route's code can raise."""
    idempotent = errors.IdempotencyKeyReused in raises
    out: dict[int, OpenAPIResponse] = {
        status: {**answer, "headers": {**answer.get("headers", {}), **_REPLAYED_DOC}}
        if idempotent
        else answer
        for status, answer in answers.items()
    }
    by_status: dict[int, list[type[errors.WalletError]]] = {}
    for cls in dict.fromkeys((*GATE_ERRORS, *raises)):
        by_status.setdefault(cls.status, []).append(cls)
    for status, classes in sorted(by_status.items()):
        classes.sort(key=lambda c: c.type)
        entry: OpenAPIResponse = {
            "description": "; ".join(_describe(c) for c in classes),
            "content": {"application/json": {"schema": error_schema([c.type for c in classes])}},
        }
        if errors.TooManyAttempts in classes:
            entry["headers"] = _RETRY_AFTER_DOC
        out[status] = entry
    return out


def _describe(cls: type[errors.WalletError]) -> str:
    doc = (cls.__doc__ or "").strip().split("\n\n")[0]
    return f"{cls.type}: {' '.join(doc.split()).rstrip('.')}" if doc else cls.type


def error_schema(types: list[str]) -> dict[str, Any]:
    """The error envelope (ErrorOutput) with `error.type` one of `types`."""
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["type", "message", "details"],
                "properties": {
                    "type": {"type": "string", "enum": sorted(types)},
                    "message": {"type": "string"},
                    "details": {"type": "object", "additionalProperties": True},
                },
            }
        },
    }


# The customer API (/me): `me()` requires the customer the authorizer verified.
CUSTOMER_ERRORS: tuple[type[errors.WalletError], ...] = (errors.Unauthenticated, errors.NotFound)


def error_response(
    status: int,
    type_: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The error envelope. Its size does not grow with the request: details name at most MAX_DETAILS
    fields (the message says how many there were), each name and message at most MAX_DETAIL_TEXT
    characters, and a character that is not UTF-8 (an unpaired surrogate) is written escaped."""
    shown, count = _bounded(details or {})
    if count > len(shown):
        message = f"{message} ({count} fields; the first {len(shown)} are named)"
    body = json.dumps({"error": {"type": type_, "message": message, "details": shown}}, ensure_ascii=False)
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body.encode("utf-8", "backslashreplace").decode("utf-8"),
        headers=headers,
    )


def _bounded(details: dict[str, Any]) -> tuple[dict[str, Any], int]:
    def short(text: str) -> str:
        return text if len(text) <= MAX_DETAIL_TEXT else text[: MAX_DETAIL_TEXT - 1] + "…"

    shown: dict[str, Any] = {}
    for name, value in itertools.islice(details.items(), MAX_DETAILS):
        if isinstance(value, list):
            value = [short(v) if isinstance(v, str) else v for v in value[:MAX_DETAIL_MESSAGES]]
        elif isinstance(value, str):
            value = short(value)
        shown[short(str(name))] = value
    return shown, len(details)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = (
        [str(p) for p in loc[1:]]
        if loc and loc[0] in ("body", "query", "path", "header")
        else list(map(str, loc))
    )
    return _printable(".".join(parts) or str(loc[0] if loc else "body"))


# ------------------------------------------------------------------ the request gate
MAX_DEPTH = 32  # arrays and objects in one another; the deepest request of this API is 3
MAX_NUMBER_LENGTH = 40  # characters of one number literal; an amount has at most 16 digits
MAX_VALUES = 1_000  # object keys and array items in one body; the largest request has about 100
MAX_DETAILS, MAX_DETAIL_MESSAGES, MAX_DETAIL_TEXT = 20, 3, 200  # what one error answer may name
_UNSAFE = re.compile("[\x00\ud800-\udfff]")  # NUL and unpaired surrogates (a pair decodes to one character)


class _LongNumber:
    """A number literal past MAX_NUMBER_LENGTH, kept in place so that the gate names its field."""


def _number(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    return lambda literal: parse(literal) if len(literal) <= MAX_NUMBER_LENGTH else _LongNumber()


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _printable(name: str) -> str:
    """A field name as an answer may show it: NUL and unpaired surrogates escaped."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", name)


def parse_body(text: str) -> Any:
    """A request body through the gate: the parsed JSON, or 400 `invalid_json` / 422 naming the field."""
    try:
        value = json.loads(text, parse_int=_number(int), parse_float=_number(float), parse_constant=_not_json)
    except RecursionError:  # nested far past MAX_DEPTH: the parser ran out of stack first
        raise errors.InvalidJson(f"The request body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        raise errors.InvalidJson("The request body is not valid JSON") from None
    _screen(value)
    return value


def _screen(body: Any) -> None:
    """Walk the parsed body (iteratively: no recursion) for what the parser lets through."""
    count = 0
    stack: list[tuple[tuple[str, ...], Any, int]] = [((), body, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise errors.InvalidJson(f"The request body nests deeper than {MAX_DEPTH} levels")
            count += len(value)
            if count > MAX_VALUES:
                raise errors.field_error("body", f"at most {MAX_VALUES} keys and array items in all")
            members = value.items() if isinstance(value, dict) else enumerate(value)
            for key, member in members:
                where = (*path, str(key))
                if isinstance(key, str) and _UNSAFE.search(key):
                    raise errors.field_error(
                        _printable(".".join(where)), "a key may not contain NUL or an unpaired surrogate"
                    )
                stack.append((where, member, depth + 1))
        elif isinstance(value, str) and _UNSAFE.search(value):
            raise errors.field_error(
                _printable(".".join(path) or "body"), "may not contain NUL or an unpaired surrogate"
            )
        elif isinstance(value, _LongNumber):
            raise errors.field_error(
                _printable(".".join(path) or "body"), f"a number of at most {MAX_NUMBER_LENGTH} characters"
            )


def _screen_parameters(event: Any) -> None:
    """Query and path parameters: the body's character rule (a path naming NUL names nothing)."""
    for name, value in (event.query_string_parameters or {}).items():
        if _UNSAFE.search(name) or _UNSAFE.search(value or ""):
            raise errors.field_error(_printable(name), "may not contain NUL or an unpaired surrogate")
    for value in (event.path_parameters or {}).values():
        if _UNSAFE.search(value or ""):
            raise errors.NotFound("No such resource")


# The request a thread is resolving. Powertools keeps the current event on its router CLASS (shared
# by every resolver in the process) and the routing context on the resolver: two requests at once in
# one process (`make run`'s threads, the threaded race tests; never Lambda) would read each other's.
_REQUEST = threading.local()


class WalletsResolver(APIGatewayRestResolver):
    """The API speaks JSON only: a body sent as form data or text is read as JSON (or is 400).
    Its current event, Lambda context and routing context are the calling thread's own."""

    @property  # a per-thread value where Powertools has a class attribute
    def current_event(self) -> Any:
        return _REQUEST.event

    @current_event.setter
    def current_event(self, value: Any) -> None:
        _REQUEST.event = value

    @property
    def lambda_context(self) -> Any:
        return getattr(_REQUEST, "lambda_context", None)

    @lambda_context.setter
    def lambda_context(self, value: Any) -> None:
        _REQUEST.lambda_context = value

    @property
    def context(self) -> dict[str, Any]:
        if not hasattr(_REQUEST, "routing"):
            _REQUEST.routing = {}
        routing: dict[str, Any] = _REQUEST.routing
        return routing

    @context.setter
    def context(self, value: dict[str, Any]) -> None:
        _REQUEST.routing = value

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        if event.get("body"):
            headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
            headers["Content-Type"] = "application/json"
            multi = {
                k: v for k, v in (event.get("multiValueHeaders") or {}).items() if k.lower() != "content-type"
            }
            multi["Content-Type"] = ["application/json"]
            event = {**event, "headers": headers, "multiValueHeaders": multi}
        self.current_event = self._to_proxy_event(cast(dict, event))  # this thread's, read by all below
        self.lambda_context = context
        replayed = REPLAYED.set(False)
        try:
            with acting_as(caller(event)):
                answer = super().resolve(event, context)
            if REPLAYED.get():  # the answer stored under the request's Idempotency-Key, given again
                answer.setdefault("multiValueHeaders", {})[REPLAYED_HEADER] = ["true"]
            return answer
        finally:
            REPLAYED.reset(replayed)


def _gate(app: APIGatewayRestResolver, next_middleware: Any) -> Any:
    """Every request, whatever its route takes: parameters checked, a body read through the gate
    (`json_body` is `parse_body`, once), and a JSON object: an array, string or number is refused even
    where the body is optional (validation would otherwise let `[null, null]` through as "none")."""
    _screen_parameters(app.current_event)
    if app.current_event.body:
        parsed = app.current_event.json_body
        if parsed is not None and not isinstance(parsed, dict):
            raise errors.field_error("body", "must be a JSON object")
    return next_middleware(app)


def build_resolver() -> WalletsResolver:
    app = WalletsResolver(
        enable_validation=True,
        response_validation_error_http_code=500,
        serializer=lambda body: json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        json_body_deserializer=parse_body,
    )
    app.use([_gate])

    @app.exception_handler(errors.WalletError)
    def _domain(exc: errors.WalletError) -> Response:
        retry = exc.retry_after_s if isinstance(exc, errors.TooManyAttempts) else None
        headers = {"Retry-After": str(retry)} if retry is not None else None
        return error_response(exc.status, exc.type, exc.message, exc.details, headers)

    @app.exception_handler(UnicodeDecodeError)
    def _not_text(exc: UnicodeDecodeError) -> Response:  # a binary body (base64 from API Gateway)
        return error_response(400, "invalid_json", "The request body is not UTF-8 text")

    @app.exception_handler(RequestValidationError)
    def _validation(exc: RequestValidationError) -> Response:
        problems = exc.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return error_response(400, "invalid_json", "The request body is not valid JSON")
        if any(p.get("type") == "unsupported_content_type" for p in problems):
            return error_response(400, "invalid_json", "The request body must be JSON")
        details: dict[str, list[str]] = {}
        for p in problems:
            loc = tuple(p.get("loc", ()))
            if p.get("type") == "missing" and loc and loc[0] == "body" and len(loc) == 1:
                details.setdefault("body", []).append("a JSON object is required")
                continue
            details.setdefault(_field_name(loc), []).append(str(p.get("msg", "invalid")))
        return error_response(422, "validation_error", "Request validation failed", details)

    @app.exception_handler(ResponseValidationError)
    def _bad_response(exc: ResponseValidationError) -> Response:
        # Our bug, not the client's: logged, then it propagates like any other bug (API Gateway
        # answers 502 without internals). The API has no 500 answer.
        logger.error("response failed its schema", extra={"errors": exc.errors()})
        raise exc

    @app.not_found
    def _not_found(exc: NotFoundError) -> Response:
        return error_response(404, "not_found", "No such route")

    # On SnapStart: build the DynamoDB clients and run the resolver once (a request no route takes)
    # before the snapshot. The lambda runs then, when the handler module has registered its routes.
    priming.register(lambda: app.resolve(PRIMING_EVENT, None))
    return app


PRIMING_EVENT: dict[str, Any] = {
    "resource": "/_priming",
    "path": "/_priming",
    "httpMethod": "GET",
    "headers": {},
    "multiValueHeaders": {},
    "queryStringParameters": None,
    "pathParameters": None,
    "body": None,
    "isBase64Encoded": False,
    "requestContext": {"resourcePath": "/_priming", "httpMethod": "GET", "stage": "prime", "identity": {}},
}


def require_id(name: str, value: str) -> str:
    """Malformed ids can't exist: answer 404 rather than ask DynamoDB about a 5 KB key."""
    if not re.match(_ID_PATTERNS[name], value):
        raise errors.NotFound(f"No such {name.removesuffix('_id')}: {value[:64]}")
    return value


def idempotency(app: APIGatewayRestResolver) -> Idempotency | None:
    """`Idempotency-Key` header -> key + fingerprint of (method, path, JSON body)."""
    event = app.current_event
    key = event.headers.get("Idempotency-Key") or event.headers.get("idempotency-key")
    if key is None:
        for name, value in (event.headers or {}).items():
            if name.lower() == "idempotency-key":
                key = value
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise errors.ValidationFailed(
            "Invalid Idempotency-Key", {"Idempotency-Key": ["must be 1 to 255 printable ASCII characters"]}
        )
    body = event.json_body if event.body else None  # read through the gate, once per request
    canonical = json.dumps(
        {"method": event.http_method, "path": event.path, "body": body}, sort_keys=True, separators=(",", ":")
    )
    # Scoped to the caller (the request's actor, set once by the resolver), as Stripe scopes keys to
    # an account: two callers may pick the same key.
    return Idempotency(f"{ACTOR.get()} {key}", hashlib.sha256(canonical.encode()).hexdigest(), key)


def caller(event: Mapping[str, Any]) -> str:
    """The IAM principal that signed the request (from API Gateway's request context), or
    `anonymous` where nothing checks signatures (the local server). A role's sessions are one
    caller: `arn:aws:sts::123:assumed-role/Role/session` -> `arn:aws:sts::123:assumed-role/Role`.
    A member of staff signed in to the dashboard (identity pool credentials) is `staff:<sub>`.
    A customer of the customer API (`/me`, a JWT) is `customer:<id>`."""
    customer = customer_of(event)
    if customer is not None:
        return f"customer:{customer}"
    identity = (event.get("requestContext") or {}).get("identity") or {}
    staff = _staff_member(identity)
    if staff is not None:
        return f"staff:{staff}"
    arn = identity.get("userArn")
    if not isinstance(arn, str) or not arn:
        return "anonymous"
    if ":assumed-role/" in arn:
        arn = arn.rsplit("/", 1)[0]
    return arn


def _staff_member(identity: Mapping[str, Any]) -> str | None:
    """The user pool subject behind Cognito identity pool credentials (the dashboard's staff): API
    Gateway passes `cognitoAuthenticationProvider` as `<pool>,<pool>:CognitoSignIn:<sub>` for an
    authenticated identity. Their role's session name is the same for everyone, so not the role."""
    if identity.get("cognitoAuthenticationType") != "authenticated":
        return None
    provider = identity.get("cognitoAuthenticationProvider")
    if not isinstance(provider, str) or ":CognitoSignIn:" not in provider:
        return None
    return provider.rsplit(":CognitoSignIn:", 1)[1] or None


def customer_of(event: Mapping[str, Any]) -> str | None:
    """The customer the customer API's authorizer verified (its context), if any."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    customer = authorizer.get("customer_id") if isinstance(authorizer, Mapping) else None
    return customer if isinstance(customer, str) and customer else None


def me(app: APIGatewayRestResolver) -> str:
    """The customer a /me request acts for: from the verified token only, never from the request."""
    customer = customer_of(app.current_event.raw_event)
    if customer is None:
        raise errors.Unauthenticated("A customer token is required")
    return customer


# What a route answers, as its handler's return annotation names it: the resolver validates the body
# against that annotation and serializes it (enable_validation=True; a body that fails is
# ResponseValidationError, a 502), and the document's schemas are those annotations.
Output = TypeVar("Output", bound="BaseModel")
Other = TypeVar("Other", bound="BaseModel")


def as_output(model: type[Output], body: Mapping[str, Any]) -> Output:
    """A read's body as the route's output model, for the type checker only: the body stays the JSON
    object the use case built (no model is built, nothing changes at run time), and the resolver
    validates it against `model`, the handler's return annotation, before it answers. `model` ties the
    handler's annotation to what it returns: a handler annotated with another model does not check."""
    return cast(Output, body)


@overload
def respond(result: tuple[int, dict[str, Any]], model: type[Output], /) -> tuple[Output, int]: ...
@overload
def respond(
    result: tuple[int, dict[str, Any]], model: type[Output], other: type[Other], /
) -> tuple[Output | Other, int]: ...
def respond(result: tuple[int, dict[str, Any]], *models: type[BaseModel]) -> tuple[BaseModel, int]:
    """(status, body) of a write -> what the route returns, (body, status), typed as the route's output
    model(s) (`as_output`: the body stays the use case's JSON object, which the resolver validates);
    counts the money moved as a metric."""
    status, body = result
    if status == 201 and body.get("object") == "transaction":
        metrics.add_metric(name=f"{body['type']}_count", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name=f"{body['type']}_amount", unit=MetricUnit.Count, value=body["amount"])
    return cast("BaseModel", body), status
