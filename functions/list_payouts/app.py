"""GET /wallets/{wallet_id}/payouts: a wallet's payouts (one once it closed with refunds to its payments)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, payouts
from wallets.http import as_output, build_resolver, require_id, responses
from wallets.observability import logger, metrics
from wallets.schemas import PayoutList

app = build_resolver()


@app.get(
    "/wallets/<wallet_id>/payouts",
    summary="List payouts",
    operation_id="listPayouts",
    tags=["Payouts"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.NotFound,
    ),
)
def handle_list_payouts(wallet_id: str) -> PayoutList:
    return as_output(PayoutList, payouts.listed(require_id("wallet_id", wallet_id)))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
