"""POST /wallets/{wallet_id}/voids: remove credit without a payment (optionally one funding type)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.http import WRITE_ERRORS, build_resolver, idempotency, require_id, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import TransactionOutput, VoidWalletRequest

app = build_resolver()


@app.post(
    "/wallets/<wallet_id>/voids",
    summary="Remove credit",
    operation_id="voidWallet",
    tags=["Transactions"],
    responses=responses(
        {201: {"description": "voided"}},
        errors.IdempotencyKeyReused,
        errors.InsufficientFunds,
        errors.NotFound,
        errors.ReferenceReused,
        errors.WalletClosed,
        errors.WalletFrozen,
        *WRITE_ERRORS,
    ),
)
def handle_void_wallet(
    wallet_id: str, request: Annotated[VoidWalletRequest, Body()]
) -> tuple[TransactionOutput, int]:
    return respond(
        ledger.void(
            require_id("wallet_id", wallet_id),
            request.amount,
            request.funding_type,
            request.reason,
            request.reference,
            request.metadata,
            idempotency(app),
        ),
        TransactionOutput,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
