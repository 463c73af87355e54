"""GET /me/wallets/{wallet_id}/lots: the signed-in customer's credits, with their expiry dates."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import customer_api, errors
from wallets.http import CUSTOMER_ERRORS, as_output, build_resolver, me, require_id, responses
from wallets.observability import logger, metrics
from wallets.schemas import LotList

app = build_resolver()


@app.get(
    "/me/wallets/<wallet_id>/lots",
    summary="My credits",
    operation_id="listMyLots",
    tags=["Customer API"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.Contention,
        *CUSTOMER_ERRORS,
    ),
)
def handle_me_list_lots(wallet_id: Annotated[str, Path()]) -> LotList:
    return as_output(LotList, customer_api.lots(me(app), require_id("wallet_id", wallet_id)))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
