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


# ------------------------------------------------------------------ the request gate (issue 25, items 9 and 10)
NESTED_ARRAYS = "[" * 100_000
NESTED_OBJECTS = '{"a":' * 100_000
LONG_NUMBER = '{"amount": ' + "9" * 5000 + "}"


def credit_raw(wallet_id: str, body: str | bytes, **kw: Any) -> tuple[int, Any, str]:
    from tests.conftest import BY_DIR

    fn = BY_DIR["credit_wallet"]
    path = f"/wallets/{wallet_id}/credits"
    event = runtime.api_event(
        "POST", path, body, route=fn.routes[0], path_params={"wallet_id": wallet_id}, **kw
    )
    result = runtime.invoke(fn, event)
    return result["statusCode"], json.loads(result["body"]), result["body"]


def new_wallet_id() -> str:
    return str(ledger.create_wallet("cus_gate", "USD", {}, None)[1]["id"])


def test_json_nested_past_the_limit_is_400_however_deep(table: str) -> None:
    wid = new_wallet_id()
    just_past = '{"amount": 5, "metadata": ' + "[" * 32 + "]" * 32 + "}"
    for body in (NESTED_ARRAYS, NESTED_OBJECTS, just_past):
        # WHEN the body nests deeper than the gate allows (100,000 levels overflowed Python's stack)
        status, answer, _ = credit_raw(wid, body)
        # THEN it is the client's mistake, named
        assert (status, answer["error"]["type"]) == (400, "invalid_json"), body[:40]
        assert "nest" in answer["error"]["message"]


def test_a_number_literal_past_its_length_is_422_on_its_field(table: str) -> None:
    wid = new_wallet_id()
    # 5,000 digits passed Python's int-string limit (a ValueError outside any handler)
    status, answer, _ = credit_raw(wid, LONG_NUMBER)
    assert (status, answer["error"]["type"]) == (422, "validation_error")
    assert list(answer["error"]["details"]) == ["amount"]
    status, answer, _ = credit_raw(wid, '{"amount": 5, "metadata": {"a": 1e' + "9" * 60 + "}}")
    assert status == 422 and list(answer["error"]["details"]) == ["metadata.a"]


def test_json_that_python_reads_but_json_forbids_is_400(table: str) -> None:
    wid = new_wallet_id()
    for body in ('{"amount": NaN}', '{"amount": Infinity}', '{"amount": -Infinity}'):
        status, answer, _ = credit_raw(wid, body)
        assert (status, answer["error"]["type"]) == (400, "invalid_json"), body


def test_unpaired_surrogates_and_nul_are_422_wherever_they_are(table: str) -> None:
    wid = new_wallet_id()
    cases = {
        '{"amount": 5, "metadata": {"\\udc00": "x"}}': "metadata.\\udc00",  # crashed the transaction
        '{"amount": 5, "metadata": {"k": "\\ud800"}}': "metadata.k",
        '{"amount": 5, "reference": "a\\u0000b"}': "reference",
        '{"amount": 5, "metadata": {"a\\u0000": "x"}}': "metadata.a\\u0000",
        '{"amount": 5, "description": "x\\udfff\\ud800"}': "description",
    }
    for body, field in cases.items():
        status, answer, raw = credit_raw(wid, body)
        assert (status, answer["error"]["type"]) == (422, "validation_error"), body
        assert list(answer["error"]["details"]) == [field], answer
        raw.encode()  # the answer itself is valid UTF-8: the offending character is escaped
    # a surrogate pair is one character, not two unpaired halves
    status, _, _ = credit_raw(wid, '{"amount": 5, "metadata": {"smile": "\\ud83d\\ude00"}}')
    assert status == 201


def test_a_body_with_too_many_keys_is_refused_in_a_small_answer(table: str) -> None:
    wid = new_wallet_id()
    # 100,000 unknown keys were echoed back one by one: a 4.6 MB answer
    body = json.dumps({"amount": 5, **{f"k{i}": 1 for i in range(100_000)}})
    status, answer, raw = credit_raw(wid, body)
    assert (status, answer["error"]["type"]) == (422, "validation_error")
    assert list(answer["error"]["details"]) == ["body"] and len(raw) < 1000
    items = json.dumps({"amount": 5, "metadata": {"k": "v"}, "x": [0] * 100_000})
    status, answer, raw = credit_raw(wid, items)
    assert status == 422 and list(answer["error"]["details"]) == ["body"] and len(raw) < 1000


def test_a_422_names_a_bounded_number_of_fields_in_bounded_words(table: str) -> None:
    from wallets import http

    wid = new_wallet_id()
    # GIVEN a body under the key limit whose every key is unknown, and one key of 100,000 characters
    many = json.dumps({"amount": 5, **{f"unknown_{i}": 1 for i in range(500)}})
    long_key = json.dumps({"amount": 5, "x" * 100_000: 1, "metadata": {"y" * 50_000: "v"}})
    for body in (many, long_key):
        status, answer, raw = credit_raw(wid, body)
        # THEN the answer names some of them, each shortened, and says how many there were
        assert (status, answer["error"]["type"]) == (422, "validation_error")
        details = answer["error"]["details"]
        assert len(details) <= http.MAX_DETAILS and len(raw) < 8 * 1024, len(raw)
        assert all(len(name) <= http.MAX_DETAIL_TEXT for name in details)
    status, answer, _ = credit_raw(wid, many)
    assert "500" in answer["error"]["message"]


def test_the_stripe_webhook_gates_its_body_before_reading_it(table: str) -> None:
    from tests.conftest import BY_DIR

    fn = BY_DIR["stripe_webhook"]
    for body in (NESTED_ARRAYS, LONG_NUMBER, '{"id": "\\udc00"}'):
        # WHEN a body no signature could make acceptable arrives (the signature is checked after parsing)
        event = runtime.api_event(
            "POST", "/webhooks/stripe", body, headers={"Stripe-Signature": "t=1,v1=x"}, route=fn.routes[0]
        )
        result = runtime.invoke(fn, event)
        # THEN it is a client error, never a crash
        assert result["statusCode"] in (400, 422), (body[:20], result)


def test_nul_and_unpaired_surrogates_in_paths_and_queries_are_client_errors(table: str) -> None:
    from tests.conftest import call

    wid = new_wallet_id()
    for function_dir, path, query in (
        ("list_wallets", "/wallets", {"cursor": "\udc00"}),
        ("list_wallets", "/wallets", {"cursor": "a\x00"}),
        ("list_transactions", f"/wallets/{wid}/transactions", {"cursor": "\ud800x"}),
        ("get_wallet", "/wallets/wal_\udc00", None),
        ("get_customer_wallet", "/customers/cus_\x00/wallets/USD", None),
    ):
        status, answer = call(function_dir, "GET", path, query=query)
        assert status in (404, 422), (path, query, answer)
        assert answer["error"]["type"] in ("not_found", "validation_error")
