"""GET /wallets/{wallet_id}/payouts/{payout_id}: a closed wallet's refunds to its payments, as they stand."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, payouts
from wallets.http import as_output, build_resolver, require_id, responses
from wallets.observability import logger, metrics
from wallets.schemas import PayoutOutput

app = build_resolver()


@app.get(
    "/wallets/<wallet_id>/payouts/<payout_id>",
    summary="Retrieve a payout",
    operation_id="getPayout",
    tags=["Payouts"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.NotFound,
    ),
)
def handle_get_payout(wallet_id: Annotated[str, Path()], payout_id: Annotated[str, Path()]) -> PayoutOutput:
    return as_output(
        PayoutOutput, payouts.retrieve(require_id("wallet_id", wallet_id), require_id("payout_id", payout_id))
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
