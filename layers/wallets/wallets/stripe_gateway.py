"""The Stripe gateway: top-ups are PaymentIntents (gateway.py explains the two calls).

- `prepare` creates the PaymentIntent, unconfirmed, card only, with the top-up id as Stripe's
  Idempotency-Key and in its metadata. A retry of it returns the same PaymentIntent.
- `confirm` confirms it (Idempotency-Key `<top-up id>:confirm`). A decline is a `failed` charge with
  Stripe's decline code; 3-D Secure is `action_required` with the client secret.
- `retrieve` and `cancel` read and stop the PaymentIntent by its id. `refund` refunds a succeeded
  one, in part or in full (Idempotency-Key `<key>:refund`), so a retried refund never refunds twice.
- Saved cards: a Stripe customer per wallet (`create_customer`, Idempotency-Key from the wallet id),
  a SetupIntent to save a card (`setup`), and the customer's default payment method
  (`invoice_settings.default_payment_method`), which automatic top-ups charge off session.

Errors other than a card error propagate: the top-up stays pending, and recovery asks again.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import stripe

from wallets import secrets
from wallets.gateway import (
    ACTION_REQUIRED,
    FAILED,
    PROCESSING,
    SUCCEEDED,
    UNCONFIRMED,
    Charge,
    GatewayRefused,
    RefundRefused,
    Setup,
)

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


@contextlib.contextmanager
def refused() -> Iterator[None]:
    """Stripe's 4xx on a request that creates nothing when refused: GatewayRefused, with its code."""
    try:
        yield
    except stripe.InvalidRequestError as exc:
        raise GatewayRefused(str(exc.code or "invalid_request"), str(exc.user_message or exc)) from exc


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
        self,
        key: str,
        amount: int,
        currency: str,
        payment_method: str,
        description: str,
        metadata: dict[str, str],
        customer: str | None = None,
    ) -> str:
        params: Any = {  # card only: nothing that redirects the customer away
            "amount": amount,
            "currency": currency.lower(),
            "payment_method": payment_method,
            "payment_method_types": ["card"],
            # What the webhook needs to find the payment record (metadata: localstripe has no description).
            "metadata": {**metadata, "description": description[:500]},
        }
        if customer:
            params["customer"] = customer
        with refused():
            intent = self.stripe.v1.payment_intents.create(params, {"idempotency_key": key})
        return str(intent.id)

    def confirm(self, key: str, intent_id: str, off_session: bool = False) -> Charge:
        # Off session (automatic top-ups): a card that needs authentication is declined at once
        # (`authentication_required`) instead of waiting for a customer who is not there.
        params: Any = {"off_session": True} if off_session else {}
        try:
            intent = self.stripe.v1.payment_intents.confirm(
                intent_id, params, {"idempotency_key": f"{key}:confirm"}
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

    def refund(self, key: str, intent_id: str | None, amount: int | None = None) -> None:
        """Refund `amount` (default: what is left) of a PaymentIntent; the same key refunds once, even
        after Stripe forgets the Idempotency-Key (24 hours): the key is also in the refund's metadata,
        and a refund carrying it is looked for first."""
        if not intent_id:
            raise RefundRefused(f"payment {key} has no PaymentIntent to refund")
        made = self.stripe.v1.refunds.list({"payment_intent": intent_id, "limit": 100})
        if any((r.to_dict().get("metadata") or {}).get("idempotency_key") == key for r in made.data):
            return
        params: Any = {"payment_intent": intent_id, "metadata": {"idempotency_key": key}}
        if amount is not None:
            params["amount"] = amount
        try:
            self.stripe.v1.refunds.create(params, {"idempotency_key": f"{key}:refund"})
        except stripe.InvalidRequestError as exc:  # already fully refunded, more than is left, disputed
            raise RefundRefused(str(exc.user_message or exc)) from exc

    def create_customer(self, key: str, metadata: dict[str, str]) -> str:
        with refused():
            customer = self.stripe.v1.customers.create({"metadata": metadata}, {"idempotency_key": key})
        return str(customer.id)

    def setup(self, key: str, customer: str, metadata: dict[str, str]) -> Setup:
        params: Any = {
            "customer": customer,
            "usage": "off_session",
            "payment_method_types": ["card"],
            "metadata": metadata,
        }
        with refused():
            intent = self.stripe.v1.setup_intents.create(params, {"idempotency_key": key})
        return Setup(str(intent.id), str(intent.client_secret), customer)

    def default_payment_method(self, customer: str) -> str | None:
        with refused():
            found = self.stripe.v1.customers.retrieve(customer).to_dict()
        default = (found.get("invoice_settings") or {}).get("default_payment_method")
        if isinstance(default, dict):  # expanded
            default = default.get("id")
        return str(default) if default else None

    def set_default_payment_method(self, customer: str, payment_method: str) -> None:
        self.stripe.v1.customers.update(
            customer, {"invoice_settings": {"default_payment_method": payment_method}}
        )
