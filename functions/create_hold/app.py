"""POST /wallets/{wallet_id}/holds: reserve funds from specific lots (checkout)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from wallets import ledger
from wallets.clock import from_datetime
from wallets.http import ERROR_RESPONSES, build_resolver, error_doc, idempotency, require_id, respond
from wallets.observability import logger, metrics
from wallets.schemas import CreateHoldRequest, HoldOutput

app = build_resolver()


@app.post(
    "/wallets/<wallet_id>/holds",
    summary="Reserve funds",
    responses={
        201: {"description": "held"},
        200: {"description": "a hold with this reference exists: that hold, as it stands"},
        402: error_doc("insufficient_funds"),
        409: error_doc(
            "wallet_frozen, wallet_closed, limit_exceeded, idempotency_key_reused, reference_reused"
        ),
        **ERROR_RESPONSES,
    },
)
def handle_create_hold(wallet_id: str, request: Annotated[CreateHoldRequest, Body()]) -> HoldOutput:
    expires = from_datetime(request.expires_at) if request.expires_at else None
    return respond(  # type: ignore[return-value]
        ledger.create_hold(
            require_id("wallet_id", wallet_id),
            request.amount,
            expires,
            request.reference,
            request.description,
            request.metadata,
            idempotency(app),
            request.category,
        )
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
