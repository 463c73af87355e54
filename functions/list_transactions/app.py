"""GET /wallets/{wallet_id}/transactions: the ledger, newest first."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.clock import from_datetime
from wallets.http import as_output, build_resolver, require_id, responses
from wallets.observability import logger, metrics
from wallets.schemas import Instant, TransactionList, TransactionType

app = build_resolver()


@app.get(
    "/wallets/<wallet_id>/transactions",
    summary="List transactions",
    operation_id="listTransactions",
    tags=["Transactions"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.NotFound,
    ),
)
def handle_list_transactions(
    wallet_id: str,
    type: Annotated[TransactionType | None, Query()] = None,
    created_after: Annotated[Instant | None, Query()] = None,
    created_before: Annotated[Instant | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> TransactionList:
    return as_output(
        TransactionList,
        ledger.list_transactions(
            require_id("wallet_id", wallet_id),
            type,
            from_datetime(created_after) if created_after else None,
            from_datetime(created_before) if created_before else None,
            limit,
            cursor,
        ),
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
