"""POST /webhooks/stripe: Stripe's events settle the top-ups they are about (outside IAM auth: the
Stripe-Signature header, checked against the endpoint secret, is the authentication).

Stripe's SDK parses the body before it checks the signature, so anyone can send it any body: the
resolver's request gate (http.py) reads it first, and a body it refuses is a 4xx, never a crash."""

from __future__ import annotations

from typing import Any

import stripe
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, secrets, topups, wiring
from wallets.http import WRITE_ERRORS, build_resolver, responses
from wallets.ledger import acting_as
from wallets.observability import logger, metrics
from wallets.schemas import WebhookReceipt
from wallets.settings import get_settings

app = build_resolver()
TOLERANCE_S = 300  # a signature older than this is refused (a replayed delivery)


@app.post(
    "/webhooks/stripe",
    summary="Receive a Stripe event",
    operation_id="receiveStripeEvent",
    tags=["Webhooks"],
    responses=responses(
        {200: {"description": "Received"}},
        errors.HoldNotPending,
        errors.InvalidSignature,
        errors.LimitExceeded,
        errors.NotFound,
        errors.PaymentFailed,
        errors.WalletClosed,
        *WRITE_ERRORS,
    ),
    include_in_schema=False,  # Stripe's contract, not this API's
)
def handle_stripe_webhook() -> WebhookReceipt:
    if get_settings().payment_gateway != "stripe":
        raise errors.NotFound("No such route")
    event = app.current_event
    try:
        received = stripe.Webhook.construct_event(
            event.body or "",
            event.headers.get("Stripe-Signature") or event.headers.get("stripe-signature") or "",
            secrets.stripe_webhook_secret(),
            tolerance=TOLERANCE_S,
        )
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise errors.InvalidSignature("The Stripe-Signature header does not verify") from exc
    with acting_as("webhook:stripe"):
        outcome = topups.on_gateway_event(received.type, received.data.object.to_dict(), wiring.get_gateway())
    logger.info("stripe event", extra={"event_id": received.id, "type": received.type, "outcome": outcome})
    return WebhookReceipt(received=True, outcome=outcome)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
