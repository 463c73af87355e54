"""POST /wallets/{wallet_id}/top-ups: charge a payment method, then credit paid (+ bonus) credit."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, topups, wiring
from wallets.clock import from_datetime
from wallets.http import WRITE_ERRORS, build_resolver, idempotency, require_id, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import CreateTopUpRequest, TopUpOutput, scope

app = build_resolver()


@app.post(
    "/wallets/<wallet_id>/top-ups",
    summary="Top up a wallet",
    operation_id="topUpWallet",
    tags=["Top-ups"],
    responses=responses(
        {
            201: {"description": "charged and credited"},
            202: {"description": "charge outcome unknown yet; the recovery job settles it"},
        },
        errors.HoldNotPending,
        errors.IdempotencyKeyReused,
        errors.LimitExceeded,
        errors.NotFound,
        errors.PaymentFailed,
        errors.TopUpNotAllowed,
        errors.WalletClosed,
        *WRITE_ERRORS,
    ),
)
def handle_top_up_wallet(
    wallet_id: str, request: Annotated[CreateTopUpRequest, Body()]
) -> tuple[TopUpOutput, int]:
    bonus_expires = from_datetime(request.bonus_expires_at) if request.bonus_expires_at else None
    return respond(
        topups.create(
            require_id("wallet_id", wallet_id),
            request.amount,
            request.payment_method,
            request.bonus_amount,
            bonus_expires_at=bonus_expires,
            bonus_applies_to=scope(request.bonus_applies_to),
            description=request.description,
            idem=idempotency(app),
            gateway=wiring.get_gateway(),
        ),
        TopUpOutput,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
