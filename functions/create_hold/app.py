"""POST /wallets/{wallet_id}/holds: reserve funds from specific lots (checkout)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.clock import from_datetime
from wallets.http import WRITE_ERRORS, build_resolver, idempotency, require_id, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import CreateHoldRequest, HoldOutput

app = build_resolver()


@app.post(
    "/wallets/<wallet_id>/holds",
    summary="Reserve funds",
    operation_id="createHold",
    tags=["Holds"],
    responses=responses(
        {
            201: {"description": "held"},
            200: {"description": "a hold with this reference exists: that hold, as it stands"},
        },
        errors.IdempotencyKeyReused,
        errors.InsufficientFunds,
        errors.LimitExceeded,
        errors.NotFound,
        errors.ReferenceReused,
        errors.WalletClosed,
        errors.WalletFrozen,
        *WRITE_ERRORS,
    ),
)
def handle_create_hold(
    wallet_id: str, request: Annotated[CreateHoldRequest, Body()]
) -> tuple[HoldOutput, int]:
    expires = from_datetime(request.expires_at) if request.expires_at else None
    return respond(
        ledger.create_hold(
            require_id("wallet_id", wallet_id),
            request.amount,
            expires,
            request.reference,
            request.description,
            request.metadata,
            idempotency(app),
            request.category,
        ),
        HoldOutput,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
