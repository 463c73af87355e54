"""POST /me/wallets/{wallet_id}/payment-methods/setup: the signed-in customer saves a card."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import customer_api
from wallets.http import ME_RESPONSES, build_resolver, error_doc, idempotency, me, require_id, respond
from wallets.observability import logger, metrics
from wallets.schemas import SetupIntentOutput

app = build_resolver()


@app.post(
    "/me/wallets/<wallet_id>/payment-methods/setup",
    summary="Save a card",
    responses={
        201: {"description": "created"},
        403: error_doc("top_up_not_allowed: top-ups are off for this wallet"),
        409: error_doc(
            "wallet_frozen, wallet_closed, limit_exceeded (cards set up today), idempotency_key_reused"
        ),
        **ME_RESPONSES,
    },
)
def handle_me_setup_payment_method(wallet_id: Annotated[str, Path()]) -> SetupIntentOutput:
    return respond(  # type: ignore[return-value]
        customer_api.setup_card(me(app), require_id("wallet_id", wallet_id), idempotency(app))
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
