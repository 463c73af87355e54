"""GET /wallets/{wallet_id}: one wallet with exact balances as of now (one DynamoDB read)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.http import as_output, build_resolver, require_id, responses
from wallets.observability import logger, metrics
from wallets.schemas import WalletOutput

app = build_resolver()


@app.get(
    "/wallets/<wallet_id>",
    summary="Retrieve a wallet",
    operation_id="getWallet",
    tags=["Wallets"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.Contention,
        errors.NotFound,
    ),
)
def handle_get_wallet(wallet_id: str) -> WalletOutput:
    return as_output(WalletOutput, ledger.get_wallet(require_id("wallet_id", wallet_id)))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
