"""GET /wallets: list wallets, newest first; filters customer_id, currency, status."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.http import as_output, build_resolver, responses
from wallets.observability import logger, metrics
from wallets.schemas import Currency, CustomerId, WalletList, WalletStatus

app = build_resolver()


@app.get(
    "/wallets",
    summary="List wallets",
    operation_id="listWallets",
    tags=["Wallets"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.Contention,
        errors.NotFound,
    ),
)
def handle_list_wallets(
    customer_id: Annotated[CustomerId | None, Query()] = None,
    currency: Annotated[Currency | None, Query()] = None,
    status: Annotated[WalletStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> WalletList:
    return as_output(WalletList, ledger.list_wallets(customer_id, currency, status, limit, cursor))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
