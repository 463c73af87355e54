"""GET /wallets/{wallet_id}/holds: holds, newest first; filter by status."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.http import as_output, build_resolver, require_id, responses
from wallets.observability import logger, metrics
from wallets.schemas import HoldList, HoldStatus

app = build_resolver()


@app.get(
    "/wallets/<wallet_id>/holds",
    summary="List holds",
    operation_id="listHolds",
    tags=["Holds"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.NotFound,
    ),
)
def handle_list_holds(
    wallet_id: str,
    status: Annotated[HoldStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> HoldList:
    return as_output(HoldList, ledger.list_holds(require_id("wallet_id", wallet_id), status, limit, cursor))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
