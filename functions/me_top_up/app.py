"""POST /me/wallets/{wallet_id}/top-ups: the signed-in customer adds funds (an allowed amount)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
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
from wallets.schemas import MeTopUpRequest, TopUpOutput

app = build_resolver()


@app.post(
    "/me/wallets/<wallet_id>/top-ups",
    summary="Add funds",
    operation_id="topUpMyWallet",
    tags=["Customer API"],
    responses=responses(
        {
            201: {"description": "charged and credited"},
            202: {
                "description": "the customer must authenticate (client_secret), or the gateway has not answered"
            },
        },
        errors.HoldNotPending,
        errors.IdempotencyKeyReused,
        errors.LimitExceeded,
        errors.PaymentFailed,
        errors.TooManyAttempts,
        errors.TopUpNotAllowed,
        errors.WalletClosed,
        *WRITE_ERRORS,
        *CUSTOMER_ERRORS,
    ),
)
def handle_me_top_up(
    wallet_id: Annotated[str, Path()], request: Annotated[MeTopUpRequest, Body()]
) -> tuple[TopUpOutput, int]:
    return respond(
        customer_api.top_up(
            me(app),
            require_id("wallet_id", wallet_id),
            request.amount,
            request.payment_method,
            idempotency(app),
            wiring.get_gateway(),
        ),
        TopUpOutput,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
