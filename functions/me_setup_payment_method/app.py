"""POST /me/wallets/{wallet_id}/payment-methods/setup: the signed-in customer saves a card."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import customer_api, topups
from wallets.http import ME_RESPONSES, build_resolver, error_doc, me, require_id, respond
from wallets.observability import logger, metrics
from wallets.schemas import SetupIntentOutput

app = build_resolver()


@app.post(
    "/me/wallets/<wallet_id>/payment-methods/setup",
    summary="Save a card",
    responses={
        201: {"description": "created"},
        409: error_doc("wallet_frozen, wallet_closed"),
        **ME_RESPONSES,
    },
)
def handle_me_setup_payment_method(wallet_id: Annotated[str, Path()]) -> SetupIntentOutput:
    wallet = customer_api.owned(me(app), require_id("wallet_id", wallet_id))
    return respond(topups.setup_saved_card(wallet.id))  # type: ignore[return-value]


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
