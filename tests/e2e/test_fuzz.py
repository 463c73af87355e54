"""Hostile input at every route of template.yaml, over HTTP on the local server: the request gate's
corpus (issue 25) in bodies, path parameters and queries. No answer is a 5xx and none is large."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import Counter

from tests.conftest import FUNCTIONS
from tests.e2e.conftest import Client
from tests.e2e.test_customer_api import login

MAX_ERROR_BYTES = 8 * 1024  # an error answer never grows with the request

BODIES: dict[str, bytes] = {
    "100,000 nested arrays": b"[" * 100_000,
    "100,000 nested objects": b'{"a":' * 100_000,
    "33 levels": b'{"metadata": ' + b"[" * 32 + b"]" * 32 + b"}",
    "a 5,000-digit integer": b'{"amount": ' + b"9" * 5000 + b"}",
    "a 5,000-digit float": b'{"amount": 1.' + b"9" * 5000 + b"}",
    "a huge exponent": b'{"amount": 1e999999}',
    "NaN": b'{"amount": NaN}',
    "an unpaired surrogate in a key": b'{"amount": 100, "metadata": {"\\udc00": "x"}}',
    "an unpaired surrogate in a value": b'{"amount": 100, "reference": "r\\ud800", "code": "\\udfff"}',
    "NUL in a value": b'{"amount": 100, "reference": "a\\u0000b", "code": "AB\\u0000CDEF"}',
    "NUL in a key": b'{"amount": 100, "metadata": {"a\\u0000": "x"}}',
    "100,000 unknown keys": b"{" + b",".join(b'"k%d": 1' % i for i in range(100_000)) + b"}",
    "a 100,000-item array": b'{"applies_to": [' + b",".join([b"1"] * 100_000) + b"]}",
    "a 100,000-character key": b'{"' + b"k" * 100_000 + b'": 1}',
    "bytes that are not UTF-8": b'{"amount": 100, "reference": "\xed\xb0\x80\xff"}',
    "a NUL byte": b"\x00",
}
# What a path parameter may be replaced with (already percent-encoded, as a client sends it).
PATH_JUNK = ["%00", "a%00b", "%ED%B0%80", "%FF", "x" * 2000, "%F0%9F%99%82", "..%2F..%2Ftemplate.yaml"]
QUERIES = [
    "limit=%00",
    "cursor=%00",
    "cursor=%ED%B0%80",
    "limit=" + "9" * 5000,
    "created_after=" + "9" * 5000,
    "cursor=" + "A" * 5000,
    "%00=1",
]
PORTAL_PATHS = ["/portal/style.css%00.html", "/portal/%00", "/portal/index.html%00", "/portal/%ED%B0%80.css"]


def send(
    server: Client, method: str, path: str, body: bytes | None, headers: dict[str, str]
) -> tuple[int, bytes]:
    request = urllib.request.Request(
        server.base + path, data=body, method=method, headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_no_input_at_any_route_is_a_server_error_or_a_large_answer(server: Client) -> None:
    # GIVEN a funded wallet of a signed-in customer, whose ids the valid paths name
    status, wallet = server.post("/wallets", {"customer_id": "cus_fuzz", "currency": "USD"})
    assert status == 201, wallet
    wid = wallet["id"]
    status, txn = server.post(f"/wallets/{wid}/credits", {"amount": 1000})
    assert status == 201, txn
    status, hold = server.post(f"/wallets/{wid}/holds", {"amount": 10})
    assert status == 201, hold
    real = {
        "wallet_id": wid,
        "hold_id": hold["id"],
        "transaction_id": txn["id"],
        "top_up_id": "top_" + "0" * 26,
        "code_id": "code_" + "0" * 26,
        "customer_id": "cus_fuzz",
        "currency": "USD",
        "asset": "index.html",
    }
    token = login(server, "cus_fuzz")
    refused: list[tuple[str, str, str, int, int]] = []
    statuses: Counter[int] = Counter()

    def check(method: str, path: str, body: bytes | None, what: str, headers: dict[str, str]) -> None:
        status, answer = send(server, method, path, body, headers)
        statuses[status] += 1
        if status >= 500 or (status >= 400 and len(answer) > MAX_ERROR_BYTES):
            refused.append((method, path[:80], what, status, len(answer)))

    routes = [route for fn in FUNCTIONS.values() for route in fn.routes]
    for route in routes:
        headers = token if route.authorizer else {}
        path = route.path
        for name, value in real.items():
            path = path.replace("{" + name + "}", value)
        # WHEN every body of the corpus is sent to the route (GETs too: API Gateway passes them on)
        for what, body in BODIES.items():
            check(route.method, path, body, what, headers)
        # AND every path parameter is replaced by junk, one at a time
        for name in real:
            if "{" + name + "}" not in route.path:
                continue
            for junk in PATH_JUNK:
                bad = route.path.replace("{" + name + "}", junk)
                for other, value in real.items():
                    bad = bad.replace("{" + other + "}", value)
                check(
                    route.method,
                    bad,
                    None if route.method == "GET" else b"{}",
                    f"{name}={junk[:20]}",
                    headers,
                )
        # AND queries carry junk
        for query in QUERIES:
            check(
                route.method, f"{path}?{query}", None if route.method == "GET" else b"{}", query[:30], headers
            )
    for path in PORTAL_PATHS:
        check("GET", path, None, "portal asset", {})
    # THEN no answer is a 5xx, and no error answer is larger than a few kilobytes
    assert not refused, refused
    assert statuses[400] and statuses[422] and statuses[404]
