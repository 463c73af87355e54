"""POST /wallets/{wallet_id}/refunds: credit back a debit or capture, restoring its funding types."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.http import WRITE_ERRORS, build_resolver, idempotency, require_id, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import RefundTransactionRequest, TransactionOutput

app = build_resolver()


@app.post(
    "/wallets/<wallet_id>/refunds",
    summary="Refund a payment into the wallet",
    operation_id="refundTransaction",
    tags=["Transactions"],
    responses=responses(
        {201: {"description": "refunded"}},
        errors.IdempotencyKeyReused,
        errors.LimitExceeded,
        errors.NotFound,
        errors.RefundExceedsOriginal,
        errors.WalletClosed,
        *WRITE_ERRORS,
    ),
)
def handle_refund_transaction(
    wallet_id: str, request: Annotated[RefundTransactionRequest, Body()]
) -> tuple[TransactionOutput, int]:
    return respond(
        ledger.refund(
            require_id("wallet_id", wallet_id),
            request.transaction_id,
            request.amount,
            request.reason,
            request.metadata,
            idempotency(app),
        ),
        TransactionOutput,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
