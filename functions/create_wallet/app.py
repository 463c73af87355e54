"""POST /wallets: create a wallet. One open wallet per (customer_id, currency): the existing one
answers 200 when the request asks for nothing it does not have, else 409 wallet_exists; a closed
(or expired) one is terminal, so a new wallet is created in its place."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.clock import from_datetime
from wallets.http import WRITE_ERRORS, build_resolver, idempotency, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import CreateWalletRequest, WalletOutput

app = build_resolver()


@app.post(
    "/wallets",
    summary="Create a wallet",
    operation_id="createWallet",
    tags=["Wallets"],
    responses=responses(
        {
            201: {"description": "created"},
            200: {"description": "the customer's open wallet in this currency, as the request asks"},
        },
        errors.IdempotencyKeyReused,
        errors.NotFound,
        errors.WalletExists,
        *WRITE_ERRORS,
    ),
)
def handle_create_wallet(request: Annotated[CreateWalletRequest, Body()]) -> tuple[WalletOutput, int]:
    # Only what the request sent is compared with an existing wallet (and set on a new one).
    settings = request.settings.changes() if request.settings else None
    return respond(
        ledger.create_wallet(
            request.customer_id,
            request.currency,
            request.metadata if "metadata" in request.model_fields_set else None,
            settings,
            idempotency(app),
            request.gateway_customer_id,
            from_datetime(request.expires_at) if request.expires_at else None,
        ),
        WalletOutput,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
