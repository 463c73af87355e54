"""GET /wallets/{wallet_id}/top-ups: a wallet's top-ups, newest first, failed ones included; filter by status."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, topups
from wallets.http import as_output, build_resolver, require_id, responses
from wallets.observability import logger, metrics
from wallets.schemas import TopUpList, TopUpStatus

app = build_resolver()


@app.get(
    "/wallets/<wallet_id>/top-ups",
    summary="List top-ups",
    description="The wallet's top-ups, newest first, failed ones included (a debit's remainder charges "
    "are not top-ups and are left out). Each item's `transaction` is null: the list reads no "
    "transaction; retrieve the top-up for it. A `status` filter reads at most 1,000 top-ups a page, "
    "so a page may be short, even empty, and still have a `next_cursor`.",
    operation_id="listTopUps",
    tags=["Top-ups"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.NotFound,
    ),
)
def handle_list_top_ups(
    wallet_id: str,
    status: Annotated[TopUpStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> TopUpList:
    return as_output(
        TopUpList, topups.list_top_ups(require_id("wallet_id", wallet_id), status, limit, cursor)
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
