"""GET /wallets/{wallet_id}/top-ups/{top_up_id}: a top-up as it stands (a 202 one included)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, topups
from wallets.http import as_output, build_resolver, require_id, responses
from wallets.observability import logger, metrics
from wallets.schemas import TopUpOutput

app = build_resolver()


@app.get(
    "/wallets/<wallet_id>/top-ups/<top_up_id>",
    summary="Retrieve a top-up",
    operation_id="getTopUp",
    tags=["Top-ups"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.NotFound,
    ),
)
def handle_get_top_up(wallet_id: Annotated[str, Path()], top_up_id: Annotated[str, Path()]) -> TopUpOutput:
    return as_output(
        TopUpOutput, topups.get(require_id("wallet_id", wallet_id), require_id("top_up_id", top_up_id))
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
