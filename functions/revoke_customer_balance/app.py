"""POST /customers/{customer_id}/balances/{currency}/revoke: remove credit from a customer balance."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.http import WRITE_ERRORS, build_resolver, idempotency, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import Currency, CustomerId, RevokeBalanceRequest, TransactionOutput

app = build_resolver()


@app.post(
    "/customers/<customer_id>/balances/<currency>/revoke",
    summary="Revoke from a customer balance",
    operation_id="revokeCustomerBalance",
    tags=["Customers"],
    responses=responses(
        {201: {"description": "revoked"}},
        errors.IdempotencyKeyReused,
        errors.InsufficientFunds,
        errors.NotFound,
        errors.WalletClosed,
        errors.WalletFrozen,
        *WRITE_ERRORS,
    ),
)
def handle_revoke_customer_balance(
    customer_id: Annotated[CustomerId, Path()],
    currency: Annotated[Currency, Path()],
    request: Annotated[RevokeBalanceRequest, Body()],
) -> tuple[TransactionOutput, int]:
    return respond(
        ledger.revoke(customer_id, currency, request.amount, request.reason, idempotency(app)),
        TransactionOutput,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
