"""GET /wallets/{wallet_id}/lots: live credit lots in consumption order, with expiry."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.http import as_output, build_resolver, require_id, responses
from wallets.observability import logger, metrics
from wallets.schemas import LotList

app = build_resolver()


@app.get(
    "/wallets/<wallet_id>/lots",
    summary="List credit lots",
    operation_id="listLots",
    tags=["Wallets"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.Contention,
        errors.NotFound,
    ),
)
def handle_list_lots(wallet_id: Annotated[str, Path()]) -> LotList:
    return as_output(LotList, ledger.list_lots(require_id("wallet_id", wallet_id)))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
