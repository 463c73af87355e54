"""PUT /me/wallets/{wallet_id}/auto-top-up: the signed-in customer turns automatic top-up on or off."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import customer_api, errors
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
from wallets.schemas import MeAutoTopUpRequest, WalletOutput

app = build_resolver()


@app.put(
    "/me/wallets/<wallet_id>/auto-top-up",
    summary="Turn automatic top-up on or off",
    operation_id="setMyAutoTopUp",
    tags=["Customer API"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.IdempotencyKeyReused,
        errors.TopUpNotAllowed,
        errors.WalletClosed,
        *WRITE_ERRORS,
        *CUSTOMER_ERRORS,
    ),
)
def handle_me_auto_top_up(
    wallet_id: Annotated[str, Path()], request: Annotated[MeAutoTopUpRequest, Body()]
) -> tuple[WalletOutput, int]:
    return respond(
        customer_api.set_auto_top_up(
            me(app), require_id("wallet_id", wallet_id), request.enabled, request.amount, idempotency(app)
        ),
        WalletOutput,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
