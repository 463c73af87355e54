"""POST /wallets/{wallet_id}/freeze: status change (docs/contract.md section 2)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.http import WRITE_ERRORS, build_resolver, idempotency, require_id, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import WalletOutput

app = build_resolver()


@app.post(
    "/wallets/<wallet_id>/freeze",
    summary="Freeze a wallet",
    operation_id="freezeWallet",
    tags=["Wallets"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.IdempotencyKeyReused,
        errors.NotFound,
        errors.WalletClosed,
        *WRITE_ERRORS,
    ),
)
def handle_freeze_wallet(wallet_id: Annotated[str, Path()]) -> tuple[WalletOutput, int]:
    return respond(
        ledger.change_status(require_id("wallet_id", wallet_id), "freeze", idempotency(app)), WalletOutput
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
