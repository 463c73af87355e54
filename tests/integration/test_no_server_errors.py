"""A client never causes a 500: random junk at every route (bodies, paths, queries, headers)."""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

from wallets import ledger

from local import runtime
from tests.conftest import FUNCTIONS

JUNK: list[Any] = [
    None,
    "",
    "x" * 5000,
    "ü🙂",
    -1,
    0,
    1.5,
    True,
    [],
    {},
    {"a": "b"},
    10**20,
    "2099-01-01T00:00:00Z",
    "1999-01-01",
    "wal_" + "0" * 26,
    "../../etc",
    "USD",
    "pm_card_visa",
]
FIELDS = [
    "amount",
    "customer_id",
    "currency",
    "metadata",
    "settings",
    "funding_type",
    "expires_at",
    "reference",
    "description",
    "allow_partial",
    "reason",
    "transaction_id",
    "payment_method",
    "bonus_amount",
    "bonus_expires_at",
    "limit",
    "cursor",
    "status",
    "type",
    "created_after",
    "created_before",
]
RAW_BODIES = ["{", "[]", "null", "\x00", "1", '{"amount": 1e400}']


def test_random_requests_get_4xx_or_success_never_5xx(table: str) -> None:
    # GIVEN a funded wallet whose ids some requests will hit
    _, wallet = ledger.create_wallet("cus_f", "USD", {}, None)
    wid = wallet["id"]
    ledger.credit(wid, 1000, "cash", None, None, None, {}, None)
    real = {
        "wallet_id": wid,
        "customer_id": "cus_f",
        "currency": "USD",
        "hold_id": "hld_" + "0" * 26,
        "transaction_id": "txn_" + "0" * 26,
    }
    rng = random.Random(20261123)
    statuses: Counter[int] = Counter()
    routes = [(fn, route) for fn in FUNCTIONS.values() for route in fn.routes]
    # WHEN 500 random requests arrive
    for _ in range(500):
        fn, route = rng.choice(routes)
        path = route.path
        for name, value in real.items():
            junk = rng.choice([wid, "cus_f", "USD", "x" * 3000, "%00", "ü", "hld_" + "1" * 26])
            path = path.replace("{" + name + "}", junk if rng.random() < 0.5 else value)
        body: Any = {rng.choice(FIELDS): rng.choice(JUNK) for _ in range(rng.randint(0, 4))}
        if rng.random() < 0.1:
            body = rng.choice(RAW_BODIES)
        query = (
            {rng.choice(FIELDS): str(rng.choice(JUNK)) for _ in range(rng.randint(0, 2))}
            if route.method == "GET"
            else None
        )
        headers = {"Idempotency-Key": rng.choice(["k", "k" * 300, "é", "\t"])} if rng.random() < 0.2 else None
        match = runtime.route_regex(route.path).match(path)
        event = runtime.api_event(
            route.method,
            path,
            body if route.method != "GET" else None,
            headers=headers,
            query=query,
            route=route,
            path_params=match.groupdict() if match else None,
        )
        result = runtime.invoke(fn, event)
        # THEN every answer is a success or a client error with the error envelope
        statuses[result["statusCode"]] += 1
        assert result["statusCode"] < 500, (fn.logical_id, path[:80], body, query, result["body"][:300])
    assert statuses[422] and statuses[404] and (statuses[200] or statuses[201])


def test_a_body_that_is_not_utf8_is_400_not_a_crash(table: str) -> None:
    from local import runtime
    from tests.conftest import BY_DIR

    for function_dir, path in (("create_wallet", "/wallets"), ("list_wallets", "/wallets")):
        fn = BY_DIR[function_dir]
        route = fn.routes[0]
        event = runtime.api_event(route.method, path, b"\x84\xff\tUL", route=route)
        assert event["isBase64Encoded"] is True
        result = runtime.invoke(fn, event)
        assert result["statusCode"] in (200, 400), result
        if result["statusCode"] == 400:
            assert json.loads(result["body"])["error"]["type"] == "invalid_json"
