"""The Stripe gateway: top-ups are PaymentIntents (gateway.py explains the two calls).

- `prepare` creates the PaymentIntent, unconfirmed, card only, with the top-up id as Stripe's
  Idempotency-Key and in its metadata. A retry of it returns the same PaymentIntent.
- `confirm` confirms it (Idempotency-Key `<top-up id>:confirm`). A decline is a `failed` charge with
  Stripe's decline code; 3-D Secure is `action_required` with the client secret.
- `retrieve` and `cancel` read and stop the PaymentIntent by its id. `refund` refunds a succeeded
  one (Idempotency-Key `<top-up id>:refund`), so a retried refund never refunds twice.

Errors other than a card error propagate: the top-up stays pending, and recovery asks again.
"""

from __future__ import annotations

import os
from typing import Any

import stripe

from wallets import secrets
from wallets.gateway import ACTION_REQUIRED, FAILED, PROCESSING, SUCCEEDED, UNCONFIRMED, Charge

TIMEOUT_S = 8  # inside the top-up function's 10 s: a slow Stripe leaves the top-up pending, not dead
STATUSES = {
    "succeeded": SUCCEEDED,
    "requires_action": ACTION_REQUIRED,
    "processing": PROCESSING,
    "requires_confirmation": UNCONFIRMED,
    "requires_payment_method": FAILED,  # declined, or 3-D Secure failed: it needs a new card
    "canceled": FAILED,
}


def client() -> stripe.StripeClient:
    """A client for this request: the key from Secrets Manager (cached), `STRIPE_API_BASE` locally
    (localstripe), a bounded timeout and no retries of its own (recovery retries, with the same keys)."""
    base = os.environ.get("STRIPE_API_BASE")
    return stripe.StripeClient(
        secrets.stripe_secret_key(),
        base_addresses={"api": base} if base else {},
        max_network_retries=0,
        http_client=stripe.new_default_http_client(timeout=TIMEOUT_S),
    )


def to_charge(intent: Any) -> Charge:
    data = intent.to_dict() if hasattr(intent, "to_dict") else dict(intent)
    stripe_status = str(data.get("status"))
    status = STATUSES.get(stripe_status, FAILED)
    error = data.get("last_payment_error") or {}
    code = message = None
    if status == FAILED:
        canceled = stripe_status == "canceled"
        code = (
            error.get("decline_code")
            or error.get("code")
            or ("canceled" if canceled else "authentication_failed")
        )
        message = error.get("message") or (
            "The payment was canceled" if canceled else "The payment was not authenticated"
        )
    return Charge(
        id=str(data["id"]),
        status=status,
        amount=int(data["amount"]),
        currency=str(data["currency"]).upper(),
        failure_code=code,
        failure_message=message,
        client_secret=data.get("client_secret") if status == ACTION_REQUIRED else None,
        metadata=tuple(sorted((str(k), str(v)) for k, v in (data.get("metadata") or {}).items())),
    )


class StripeGateway:
    name = "stripe"

    def __init__(self, stripe_client: stripe.StripeClient | None = None) -> None:
        self._client = stripe_client

    @property
    def stripe(self) -> stripe.StripeClient:
        if self._client is None:
            self._client = client()
        return self._client

    def prepare(
        self, key: str, amount: int, currency: str, payment_method: str, description: str, wallet_id: str
    ) -> str:
        params: Any = {  # card only: nothing that redirects the customer away
            "amount": amount,
            "currency": currency.lower(),
            "payment_method": payment_method,
            "payment_method_types": ["card"],
            # What the webhook needs to find the top-up record (metadata: localstripe has no description).
            "metadata": {"top_up_id": key, "wallet_id": wallet_id, "description": description[:500]},
        }
        intent = self.stripe.v1.payment_intents.create(params, {"idempotency_key": key})
        return str(intent.id)

    def confirm(self, key: str, intent_id: str) -> Charge:
        try:
            intent = self.stripe.v1.payment_intents.confirm(
                intent_id, {}, {"idempotency_key": f"{key}:confirm"}
            )
        except stripe.CardError:
            intent = self.stripe.v1.payment_intents.retrieve(intent_id)
        return to_charge(intent)

    def retrieve(self, key: str, intent_id: str | None) -> Charge | None:
        if not intent_id:
            return None  # never created: no money can have moved
        return to_charge(self.stripe.v1.payment_intents.retrieve(intent_id))

    def cancel(self, key: str, intent_id: str) -> Charge:
        try:
            intent = self.stripe.v1.payment_intents.cancel(
                intent_id, {}, {"idempotency_key": f"{key}:cancel"}
            )
        except stripe.InvalidRequestError:
            intent = self.stripe.v1.payment_intents.retrieve(
                intent_id
            )  # it succeeded (or was canceled) first
        return to_charge(intent)

    def refund(self, key: str, intent_id: str | None) -> None:
        if not intent_id:
            raise RuntimeError(f"top-up {key} has no PaymentIntent to refund")
        self.stripe.v1.refunds.create({"payment_intent": intent_id}, {"idempotency_key": f"{key}:refund"})
