"""GET /me/wallets/{wallet_id}/holds: the signed-in customer's holds."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from wallets import customer_api, errors
from wallets.http import CUSTOMER_ERRORS, as_output, build_resolver, me, require_id, responses
from wallets.observability import logger, metrics
from wallets.schemas import HoldList, HoldStatus

app = build_resolver()


@app.get(
    "/me/wallets/<wallet_id>/holds",
    summary="My holds",
    operation_id="listMyHolds",
    tags=["Customer API"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.Contention,
        *CUSTOMER_ERRORS,
    ),
)
def handle_me_list_holds(
    wallet_id: Annotated[str, Path()],
    status: Annotated[HoldStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> HoldList:
    return as_output(
        HoldList, customer_api.holds(me(app), require_id("wallet_id", wallet_id), status, limit, cursor)
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
