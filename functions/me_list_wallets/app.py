"""GET /me/wallets: the signed-in customer's wallets with their balances."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from wallets import customer_api, errors
from wallets.http import CUSTOMER_ERRORS, as_output, build_resolver, me, responses
from wallets.observability import logger, metrics
from wallets.schemas import WalletList

app = build_resolver()


@app.get(
    "/me/wallets",
    summary="My wallets",
    operation_id="listMyWallets",
    tags=["Customer API"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.Contention,
        *CUSTOMER_ERRORS,
    ),
)
def handle_me_list_wallets() -> WalletList:
    return as_output(WalletList, customer_api.wallets(me(app)))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
