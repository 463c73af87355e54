"""PATCH /wallets/{wallet_id}: metadata and settings."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.clock import from_datetime
from wallets.http import WRITE_ERRORS, build_resolver, idempotency, require_id, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import UpdateWalletRequest, WalletOutput

app = build_resolver()


@app.patch(
    "/wallets/<wallet_id>",
    summary="Update metadata and settings",
    operation_id="updateWallet",
    tags=["Wallets"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.IdempotencyKeyReused,
        errors.NotFound,
        errors.WalletClosed,
        *WRITE_ERRORS,
    ),
)
def handle_update_wallet(
    wallet_id: str, request: Annotated[UpdateWalletRequest, Body()]
) -> tuple[WalletOutput, int]:
    settings = request.settings.changes() if request.settings else None
    return respond(
        ledger.update_wallet(
            require_id("wallet_id", wallet_id),
            request.metadata,
            settings,
            idempotency(app),
            request.gateway_customer_id,
            from_datetime(request.expires_at) if request.expires_at else None,
            clear_expiry="expires_at" in request.model_fields_set and request.expires_at is None,
        ),
        WalletOutput,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
