"""POST /wallets/{wallet_id}/adjustments: a manual correction (signed amount, a reason required)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.http import WRITE_ERRORS, build_resolver, idempotency, require_id, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import AdjustWalletRequest, TransactionOutput

app = build_resolver()


@app.post(
    "/wallets/<wallet_id>/adjustments",
    summary="Adjust a balance",
    description="Positive: adds a manual_adjustment lot (withdrawable). Negative: takes from available "
    "credit in the consumption order, never from held funds. Allowed on frozen wallets.",
    operation_id="adjustWallet",
    tags=["Transactions"],
    responses=responses(
        {201: {"description": "adjusted"}, 200: {"description": "reference already used"}},
        errors.IdempotencyKeyReused,
        errors.InsufficientFunds,
        errors.LimitExceeded,
        errors.NotFound,
        errors.ReferenceReused,
        errors.WalletClosed,
        *WRITE_ERRORS,
    ),
)
def handle_adjust_wallet(
    wallet_id: str, request: Annotated[AdjustWalletRequest, Body()]
) -> tuple[TransactionOutput, int]:
    return respond(
        ledger.adjust(
            require_id("wallet_id", wallet_id),
            request.amount,
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
