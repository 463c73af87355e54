"""GET /customers/{customer_id}/wallets/{currency}: the customer's wallet in a currency."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.http import as_output, build_resolver, responses
from wallets.observability import logger, metrics
from wallets.schemas import Currency, CustomerId, WalletOutput

app = build_resolver()


@app.get(
    "/customers/<customer_id>/wallets/<currency>",
    summary="Retrieve a wallet by customer and currency",
    operation_id="getCustomerWallet",
    tags=["Customers"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.Contention,
        errors.NotFound,
    ),
)
def handle_get_customer_wallet(
    customer_id: Annotated[CustomerId, Path()], currency: Annotated[Currency, Path()]
) -> WalletOutput:
    return as_output(WalletOutput, ledger.get_wallet_by_customer(customer_id, currency))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
