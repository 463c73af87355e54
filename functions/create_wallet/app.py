"""POST /wallets: create a wallet; idempotent on (customer_id, currency)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from wallets import ledger
from wallets.clock import from_datetime
from wallets.http import ERROR_RESPONSES, build_resolver, idempotency, respond
from wallets.observability import logger, metrics
from wallets.schemas import CreateWalletRequest, WalletOutput

app = build_resolver()


@app.post(
    "/wallets",
    summary="Create a wallet",
    responses={201: {"description": "created"}, 200: {"description": "already existed"}, **ERROR_RESPONSES},
)
def handle_create_wallet(request: Annotated[CreateWalletRequest, Body()]) -> WalletOutput:
    settings = request.settings.model_dump(mode="json") if request.settings else None
    return respond(  # type: ignore[return-value]
        ledger.create_wallet(
            request.customer_id,
            request.currency,
            request.metadata,
            settings,
            idempotency(app),
            request.gateway_customer_id,
            from_datetime(request.expires_at) if request.expires_at else None,
        )
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
