"""POST /wallets/{wallet_id}/credits: grant credit (a new lot), idempotent by key and by reference."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.clock import from_datetime
from wallets.http import WRITE_ERRORS, build_resolver, idempotency, require_id, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import CreditWalletRequest, TransactionOutput, scope

app = build_resolver()


@app.post(
    "/wallets/<wallet_id>/credits",
    summary="Grant credit",
    operation_id="creditWallet",
    tags=["Transactions"],
    responses=responses(
        {201: {"description": "credited"}, 200: {"description": "reference already used"}},
        errors.IdempotencyKeyReused,
        errors.LimitExceeded,
        errors.NotFound,
        errors.ReferenceReused,
        errors.WalletClosed,
        *WRITE_ERRORS,
    ),
)
def handle_credit_wallet(
    wallet_id: str, request: Annotated[CreditWalletRequest, Body()]
) -> tuple[TransactionOutput, int]:
    expires = from_datetime(request.expires_at) if request.expires_at else None
    return respond(
        ledger.credit(
            require_id("wallet_id", wallet_id),
            request.amount,
            request.funding_type,
            expires,
            request.description,
            request.reference,
            request.metadata,
            idempotency(app),
            scope(request.applies_to),
        ),
        TransactionOutput,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
