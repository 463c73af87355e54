"""POST /wallets/{wallet_id}/payment-methods/setup: start saving a card for automatic top-ups."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, topups, wiring
from wallets.http import WRITE_ERRORS, build_resolver, require_id, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import SetupIntentOutput

app = build_resolver()


@app.post(
    "/wallets/<wallet_id>/payment-methods/setup",
    summary="Save a card for automatic top-ups",
    description="Returns a SetupIntent's client secret for Stripe.js (confirmCardSetup). Once the card is "
    "confirmed, Stripe's setup_intent.succeeded webhook makes it the wallet customer's default payment "
    "method, which automatic top-ups without a payment_method charge off session.",
    operation_id="setupPaymentMethod",
    tags=["Top-ups"],
    responses=responses(
        {201: {"description": "created"}},
        errors.NotFound,
        errors.WalletClosed,
        errors.WalletFrozen,
        *WRITE_ERRORS,
    ),
)
def handle_setup_payment_method(wallet_id: Annotated[str, Path()]) -> tuple[SetupIntentOutput, int]:
    return respond(
        topups.setup_saved_card(require_id("wallet_id", wallet_id), wiring.get_gateway()), SetupIntentOutput
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
