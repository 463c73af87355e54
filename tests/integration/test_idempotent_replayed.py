"""A retry answered from its Idempotency-Key's record says so (`Idempotent-Replayed: true`, as Stripe
does); a first answer, or one to another key, does not."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local import runtime
from tests.conftest import BY_DIR
from tests.integration.helpers import new_wallet


def post(
    function_dir: str, path: str, body: dict[str, Any], key: str
) -> tuple[int, Any, dict[str, list[str]]]:
    """The handler's whole answer: status, body and headers (as API Gateway gets them)."""
    fn = BY_DIR[function_dir]
    route = fn.routes[0]
    params = runtime.route_regex(route.path).match(path)
    assert params, path
    event = runtime.api_event(
        "POST", path, body, headers={"Idempotency-Key": key}, route=route, path_params=params.groupdict()
    )
    answer = runtime.invoke(fn, event)
    headers = {k: list(v) for k, v in (answer.get("multiValueHeaders") or {}).items()}
    for k, v in (answer.get("headers") or {}).items():
        headers.setdefault(k, [v])
    return answer["statusCode"], json.loads(answer["body"]), headers


def test_a_replayed_success_says_it_is_a_replay(table: str) -> None:
    # GIVEN a credit made with an Idempotency-Key
    wallet_id = new_wallet()
    status, first, headers = post(
        "credit_wallet", f"/wallets/{wallet_id}/credits", {"amount": 300}, "credit-1"
    )
    assert status == 201 and "Idempotent-Replayed" not in headers
    # WHEN it is sent again with the same key
    status, again, headers = post(
        "credit_wallet", f"/wallets/{wallet_id}/credits", {"amount": 300}, "credit-1"
    )
    # THEN the first answer comes back, marked as a replay
    assert status == 201 and again == first
    assert headers["Idempotent-Replayed"] == ["true"]
    # AND a new key is a new credit, not a replay
    status, other, headers = post(
        "credit_wallet", f"/wallets/{wallet_id}/credits", {"amount": 300}, "credit-2"
    )
    assert status == 201 and other["id"] != first["id"] and "Idempotent-Replayed" not in headers


def test_a_replayed_refusal_says_it_is_a_replay(table: str) -> None:
    # GIVEN a top-up the card declined, under an Idempotency-Key
    wallet_id = new_wallet()
    top_up = {"amount": 2000, "payment_method": "pm_card_declined"}
    status, first, headers = post("top_up_wallet", f"/wallets/{wallet_id}/top-ups", top_up, "top-up-1")
    assert status == 402 and first["error"]["type"] == "payment_failed"
    assert "Idempotent-Replayed" not in headers
    # WHEN the same request is retried
    status, again, headers = post("top_up_wallet", f"/wallets/{wallet_id}/top-ups", top_up, "top-up-1")
    # THEN the stored refusal is given again, marked as a replay
    assert (status, again) == (402, first)
    assert headers["Idempotent-Replayed"] == ["true"]


def test_a_key_reused_with_another_request_is_no_replay(table: str) -> None:
    wallet_id = new_wallet()
    post("credit_wallet", f"/wallets/{wallet_id}/credits", {"amount": 300}, "credit-1")
    status, body, headers = post(
        "credit_wallet", f"/wallets/{wallet_id}/credits", {"amount": 400}, "credit-1"
    )
    assert status == 409 and body["error"]["type"] == "idempotency_key_reused"
    assert "Idempotent-Replayed" not in headers


@pytest.mark.parametrize("key", ["", "clé-1", "tab\there", "k" * 256])
def test_an_idempotency_key_is_1_to_255_printable_ascii_characters(table: str, key: str) -> None:
    # The document states the same rule (its Idempotency-Key pattern), so a generated client can check it.
    wallet_id = new_wallet()
    status, body, _ = post("credit_wallet", f"/wallets/{wallet_id}/credits", {"amount": 300}, key)
    assert status == 422 and body["error"]["details"] == {
        "Idempotency-Key": ["must be 1 to 255 printable ASCII characters"]
    }
    assert post("credit_wallet", f"/wallets/{wallet_id}/credits", {"amount": 300}, "k" * 255)[0] == 201
