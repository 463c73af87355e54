"""Small helpers for handler-level tests."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from wallets import clock, jobs, repository

from tests.conftest import call
from tests.invariants import assert_invariants, stored_wallet


def new_wallet(customer: str = "cus_1", currency: str = "USD", **settings: Any) -> str:
    status, body = call(
        "create_wallet",
        "POST",
        "/wallets",
        {"customer_id": customer, "currency": currency, **({"settings": settings} if settings else {})},
    )
    assert status == 201, body
    return str(body["id"])


def credit(
    wallet_id: str, amount: int, headers: dict[str, str] | None = None, **extra: Any
) -> tuple[int, Any]:
    return call(
        "credit_wallet", "POST", f"/wallets/{wallet_id}/credits", {"amount": amount, **extra}, headers=headers
    )


def debit(
    wallet_id: str, amount: int, headers: dict[str, str] | None = None, **extra: Any
) -> tuple[int, Any]:
    return call(
        "debit_wallet", "POST", f"/wallets/{wallet_id}/debits", {"amount": amount, **extra}, headers=headers
    )


def wallet(wallet_id: str) -> dict[str, Any]:
    status, body = call("get_wallet", "GET", f"/wallets/{wallet_id}")
    assert status == 200
    return body


def check(wallet_id: str) -> None:
    assert_invariants(stored_wallet(wallet_id), repository.all_entries(wallet_id))
    assert jobs.audit(wallet_id) == []  # and reconcile finds no drift


def stripe_signature(payload: str, secret: str, age_s: int = 0) -> dict[str, str]:
    """The Stripe-Signature header Stripe sends with this payload (signed `age_s` seconds ago)."""
    stamp = int(time.time()) - age_s
    mac = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={stamp},v1={mac}"}


def early_in_a_day() -> None:
    """Move the clock to 01:00 UTC of the next day: a test that spans hours and counts per day must
    not cross midnight (the daily cap of automatic top-ups resets there)."""
    day = 86_400_000
    now = clock.now_ms()
    clock.advance(((now // day + 1) * day + 3_600_000 - now) / 1000)
