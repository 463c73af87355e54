"""GET /codes: credit codes, newest first (last four characters only)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from wallets import codes
from wallets.http import as_output, build_resolver, responses
from wallets.observability import logger, metrics
from wallets.schemas import CodeList

app = build_resolver()


@app.get(
    "/codes",
    summary="List credit codes",
    operation_id="listCodes",
    tags=["Codes"],
    responses=responses(
        {200: {"description": "OK"}},
    ),
)
def handle_list_codes(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> CodeList:
    return as_output(CodeList, codes.list_codes(limit, cursor))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
