"""POST /wallets/{wallet_id}/close and DELETE /wallets/{wallet_id}: terminate a wallet.

Releases pending holds, forfeits non-withdrawable credit and reports `refund_due`, the withdrawable
amount to pay back, in the close transaction. `refund_to_original_payment` refunds it to the top-ups'
payments, newest first (payouts.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, jobs, ledger, wiring
from wallets.http import WRITE_ERRORS, build_resolver, idempotency, require_id, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import CloseWalletRequest, WalletOutput

app = build_resolver()


@app.post(
    "/wallets/<wallet_id>/close",
    summary="Close a wallet",
    operation_id="closeWallet",
    tags=["Wallets"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.IdempotencyKeyReused,
        errors.NotFound,
        errors.WalletClosed,
        *WRITE_ERRORS,
    ),
)
def handle_close_wallet(
    wallet_id: Annotated[str, Path()], request: Annotated[CloseWalletRequest | None, Body()] = None
) -> tuple[WalletOutput, int]:
    return respond(
        ledger.close_wallet(
            require_id("wallet_id", wallet_id),
            idempotency(app),
            bool(request and request.refund_to_original_payment),
            jobs.deadline_of(app.lambda_context),
            gateway=wiring.get_gateway,
        ),
        WalletOutput,
    )


@app.delete(
    "/wallets/<wallet_id>",
    summary="Close a wallet (DELETE)",
    operation_id="deleteWallet",
    tags=["Wallets"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.IdempotencyKeyReused,
        errors.NotFound,
        errors.WalletClosed,
        *WRITE_ERRORS,
    ),
)
def handle_delete_wallet(wallet_id: Annotated[str, Path()]) -> tuple[WalletOutput, int]:
    return handle_close_wallet(wallet_id, None)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
