"""GET /customers/{customer_id}/balances: one balance per currency."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.http import as_output, build_resolver, responses
from wallets.observability import logger, metrics
from wallets.schemas import BalanceList, CustomerId

app = build_resolver()


@app.get(
    "/customers/<customer_id>/balances",
    summary="List a customer's balances",
    operation_id="listCustomerBalances",
    tags=["Customers"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.Contention,
        errors.NotFound,
    ),
)
def handle_list_customer_balances(customer_id: Annotated[CustomerId, Path()]) -> BalanceList:
    return as_output(BalanceList, ledger.customer_balances(customer_id))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
