"""GET /wallets/{wallet_id}/transactions/{transaction_id}: one ledger transaction."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.http import as_output, build_resolver, require_id, responses
from wallets.observability import logger, metrics
from wallets.schemas import TransactionOutput

app = build_resolver()


@app.get(
    "/wallets/<wallet_id>/transactions/<transaction_id>",
    summary="Retrieve a transaction",
    operation_id="getTransaction",
    tags=["Transactions"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.NotFound,
    ),
)
def handle_get_transaction(
    wallet_id: Annotated[str, Path()], transaction_id: Annotated[str, Path()]
) -> TransactionOutput:
    return as_output(
        TransactionOutput,
        ledger.get_transaction(
            require_id("wallet_id", wallet_id), require_id("transaction_id", transaction_id)
        ),
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
