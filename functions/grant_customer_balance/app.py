"""POST /customers/{customer_id}/balances/{currency}/grant: credit, creating the wallet if missing."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.clock import from_datetime
from wallets.http import WRITE_ERRORS, build_resolver, idempotency, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import Currency, CustomerId, GrantBalanceRequest, TransactionOutput, scope

app = build_resolver()


@app.post(
    "/customers/<customer_id>/balances/<currency>/grant",
    summary="Grant to a customer balance",
    operation_id="grantCustomerBalance",
    tags=["Customers"],
    responses=responses(
        {201: {"description": "granted"}, 200: {"description": "reference already used"}},
        errors.IdempotencyKeyReused,
        errors.LimitExceeded,
        errors.NotFound,
        errors.ReferenceReused,
        errors.WalletClosed,
        *WRITE_ERRORS,
    ),
)
def handle_grant_customer_balance(
    customer_id: Annotated[CustomerId, Path()],
    currency: Annotated[Currency, Path()],
    request: Annotated[GrantBalanceRequest, Body()],
) -> tuple[TransactionOutput, int]:
    return respond(
        ledger.grant(
            customer_id,
            currency,
            request.amount,
            request.description,
            request.reference,
            request.metadata,
            idempotency(app),
            request.funding_type,
            from_datetime(request.expires_at) if request.expires_at else None,
            scope(request.applies_to),
        ),
        TransactionOutput,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
