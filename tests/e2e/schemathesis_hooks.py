"""The rules the server enforces that JSON Schema cannot state, so that schemathesis does not count
them as findings. Each is matched on the server's own answer (a 422 naming the field and the rule),
never on the request alone, and each is tested directly in tests/integration."""

from __future__ import annotations

import re
from typing import Any

import schemathesis

TIMES = (
    "expires_at",
    "bonus_expires_at",
    "created_after",
    "created_before",
    "redeemable_until",
    "credit_expires_at",
)
# (fields it applies to, or None for any; the end of the message the server gives, or its pattern)
NOT_IN_SCHEMA: tuple[tuple[tuple[str, ...] | None, str | re.Pattern[str]], ...] = (
    (("cursor",), "is not a cursor this API returned"),  # opaque and signed: only the API's own
    (TIMES, "must be in the future"),  # checked against the clock
    (TIMES, "must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z"),  # format: date-time
    (("transaction_id",), "must be a debit or a capture"),  # depends on the transaction named
    (("created_before",), "must be later than created_after"),  # one field against another
    (("amount",), re.compile(r"must be at most \d+")),  # a capture of more than the hold named
    # a bonus against the wallet's own setting
    (("bonus_amount",), re.compile(r"must be at most \d+% of amount \(the wallet's max_bonus_percent\)")),
    # 299.0 is an integer to JSON Schema; numbers written with a fraction part are refused, as Stripe
    # refuses them, so that 299.0000000000000001 can never become 299.
    (None, "Input should be a valid integer"),
    # The request gate (http.py): no string or key anywhere holds NUL or an unpaired surrogate.
    (None, "may not contain NUL or an unpaired surrogate"),
)


def _known(field: str, message: str) -> bool:
    name = field.rsplit(".", 1)[-1]
    return any(
        (fields is None or name in fields)
        and (end.fullmatch(message) if isinstance(end, re.Pattern) else message.endswith(end))
        for fields, end in NOT_IN_SCHEMA
    )


def _error(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return (body.get("error") or {}) if isinstance(body, dict) else {}


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    error = _error(response)
    if failure.code == "ST202" and response.status_code == 422:
        found = [(f, m) for f, messages in (error.get("details") or {}).items() for m in messages]
        return not (found and all(_known(f, m) for f, m in found))
    # A 404 for another resource the request names (a transaction id taken from an earlier
    # response) is not the created wallet going missing.
    if failure.code == "ST302" and response.status_code == 404:
        return not str(error.get("message", "")).startswith(("No such transaction", "No such hold"))
    return True
