"""POST /me/wallets/{wallet_id}/top-ups: the signed-in customer adds funds (an allowed amount)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import customer_api
from wallets.http import ME_RESPONSES, build_resolver, error_doc, idempotency, me, require_id, respond
from wallets.observability import logger, metrics
from wallets.schemas import MeTopUpRequest, TopUpOutput

app = build_resolver()


@app.post(
    "/me/wallets/<wallet_id>/top-ups",
    summary="Add funds",
    responses={
        201: {"description": "charged and credited"},
        202: {
            "description": "the customer must authenticate (client_secret), or the gateway has not answered"
        },
        402: error_doc("payment_failed"),
        403: error_doc("top_up_not_allowed: top-ups are off, or the amount is not one offered"),
        409: error_doc("wallet_closed, limit_exceeded, idempotency_key_reused"),
        **ME_RESPONSES,
    },
)
def handle_me_top_up(
    wallet_id: Annotated[str, Path()], request: Annotated[MeTopUpRequest, Body()]
) -> TopUpOutput:
    return respond(  # type: ignore[return-value]
        customer_api.top_up(
            me(app),
            require_id("wallet_id", wallet_id),
            request.amount,
            request.payment_method,
            idempotency(app),
        )
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
