"""POST /wallets/{wallet_id}/adjustments: a manual correction (signed amount, a reason required)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from wallets import ledger
from wallets.http import ERROR_RESPONSES, build_resolver, error_doc, idempotency, require_id, respond
from wallets.observability import logger, metrics
from wallets.schemas import AdjustWalletRequest, TransactionOutput

app = build_resolver()


@app.post(
    "/wallets/<wallet_id>/adjustments",
    summary="Adjust a balance",
    description="Positive: adds a manual_adjustment lot (withdrawable). Negative: takes from available "
    "credit in the consumption order, never from held funds. Allowed on frozen wallets.",
    responses={
        201: {"description": "adjusted"},
        200: {"description": "reference already used"},
        402: error_doc("insufficient_funds: a decrease larger than what is available"),
        409: error_doc("wallet_closed, limit_exceeded, idempotency_key_reused, reference_reused"),
        **ERROR_RESPONSES,
    },
)
def handle_adjust_wallet(
    wallet_id: str, request: Annotated[AdjustWalletRequest, Body()]
) -> TransactionOutput:
    return respond(  # type: ignore[return-value]
        ledger.adjust(
            require_id("wallet_id", wallet_id),
            request.amount,
            request.reason,
            request.reference,
            request.metadata,
            idempotency(app),
        )
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
