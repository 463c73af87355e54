"""POST /me/wallets/{wallet_id}/payment-methods/setup: the signed-in customer saves a card."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import customer_api, errors, wiring
from wallets.http import (
    CUSTOMER_ERRORS,
    WRITE_ERRORS,
    build_resolver,
    idempotency,
    me,
    require_id,
    respond,
    responses,
)
from wallets.observability import logger, metrics
from wallets.schemas import SetupIntentOutput

app = build_resolver()


@app.post(
    "/me/wallets/<wallet_id>/payment-methods/setup",
    summary="Save a card",
    operation_id="setupMyPaymentMethod",
    tags=["Customer API"],
    responses=responses(
        {201: {"description": "created"}},
        errors.IdempotencyKeyReused,
        errors.LimitExceeded,
        errors.TopUpNotAllowed,
        errors.WalletClosed,
        errors.WalletFrozen,
        *WRITE_ERRORS,
        *CUSTOMER_ERRORS,
    ),
)
def handle_me_setup_payment_method(wallet_id: Annotated[str, Path()]) -> tuple[SetupIntentOutput, int]:
    return respond(
        customer_api.setup_card(
            me(app), require_id("wallet_id", wallet_id), idempotency(app), wiring.get_gateway()
        ),
        SetupIntentOutput,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
