"""The payment gateway port: the protocol, its results and its errors. Nothing else.

Its adapters are sandbox_gateway.py (the default for development) and stripe_gateway.py; wiring.py
chooses one. This module imports neither, nor any storage (import-linter checks both, `make lint`).

A top-up moves money in two calls, so that the record recovery needs is committed before any money
moves (docs/decisions.md 29):

1. `prepare` creates the payment intent (Stripe: a PaymentIntent, not confirmed) with the top-up id
   as the idempotency key. No money moves. The top-up record then stores the intent id.
2. `confirm` charges it (idempotency key `<top-up id>:confirm`). Its answer may be final
   (succeeded, failed) or not yet (`action_required`: 3-D Secure, with the client secret a front end
   finishes it with; `processing`).

`retrieve` answers what happened to an intent (recovery, webhooks). `cancel` stops an intent that has
not moved money, answering its final state: succeeded if it raced a confirmation. `refund` gives a
succeeded intent's money back, once per key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

SUCCEEDED, FAILED, ACTION_REQUIRED, PROCESSING, UNCONFIRMED = (
    "succeeded",
    "failed",
    "action_required",
    "processing",
    "unconfirmed",
)
NOT_FINAL = (ACTION_REQUIRED, PROCESSING, UNCONFIRMED)


@dataclass(frozen=True)
class Charge:
    id: str
    status: str  # succeeded | failed | action_required | processing | unconfirmed
    amount: int
    currency: str
    failure_code: str | None = None
    failure_message: str | None = None
    client_secret: str | None = None  # for a front end to finish an action_required intent
    metadata: tuple[tuple[str, str], ...] = ()  # what the intent was created with (payment and wallet ids)


@dataclass(frozen=True)
class Setup:
    """A request to save a card for later (Stripe: a SetupIntent); a front end confirms it."""

    id: str
    client_secret: str
    customer: str


class GatewayTimeout(Exception):
    """The gateway did not answer in time; the charge may or may not have happened."""


class GatewayRefused(Exception):
    """The gateway refused the request outright (no such customer or payment method, a payment
    method of another customer...): nothing was created and nothing moved."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class RefundRefused(Exception):
    """The gateway will not refund this (nothing left to refund, or the payment cannot be refunded)."""


class PaymentGateway(Protocol):
    name: str

    def prepare(
        self,
        key: str,
        amount: int,
        currency: str,
        payment_method: str,
        description: str,
        metadata: dict[str, str],
        customer: str | None = None,
    ) -> str: ...

    def confirm(self, key: str, intent_id: str, off_session: bool = False) -> Charge: ...

    def retrieve(self, key: str, intent_id: str | None) -> Charge | None: ...

    def cancel(self, key: str, intent_id: str) -> Charge: ...

    def refund(self, key: str, intent_id: str | None, amount: int | None = None) -> None: ...

    def create_customer(self, key: str, metadata: dict[str, str]) -> str: ...

    def setup(self, key: str, customer: str, metadata: dict[str, str]) -> Setup: ...

    def default_payment_method(self, customer: str) -> str | None: ...

    def set_default_payment_method(self, customer: str, payment_method: str) -> None: ...
