"""POST /wallets/{wallet_id}/debits: take a payment from the wallet (optionally partial)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger, topups, wiring
from wallets.http import WRITE_ERRORS, build_resolver, idempotency, require_id, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import DebitWalletRequest, RemainderChargeOutput, TransactionOutput

app = build_resolver()


@app.post(
    "/wallets/<wallet_id>/debits",
    summary="Take a payment",
    operation_id="debitWallet",
    tags=["Transactions"],
    responses=responses(
        {
            201: {"description": "debited (with remainder_payment_method: the rest charged too)"},
            200: {"description": "reference already used"},
            202: {
                "description": "remainder_payment_method: the charge awaits the customer (3-D Secure, with "
                "client_secret) or the gateway; the wallet's part stays held until it settles",
                "content": {"application/json": {"model": RemainderChargeOutput}},
            },
        },
        errors.HoldNotPending,
        errors.IdempotencyKeyReused,
        errors.InsufficientFunds,
        errors.LimitExceeded,
        errors.NotFound,
        errors.PaymentFailed,
        errors.ReferenceReused,
        errors.WalletClosed,
        errors.WalletFrozen,
        *WRITE_ERRORS,
    ),
)
def handle_debit_wallet(
    wallet_id: str, request: Annotated[DebitWalletRequest, Body()]
) -> tuple[TransactionOutput | RemainderChargeOutput, int]:
    if request.remainder_payment_method is not None:
        return respond(
            topups.debit_with_remainder(
                require_id("wallet_id", wallet_id),
                request.amount,
                request.remainder_payment_method,
                request.description,
                request.metadata,
                idempotency(app),
                wiring.get_gateway(),
                category=request.category,
            ),
            TransactionOutput,
            RemainderChargeOutput,
        )
    return respond(
        ledger.debit(
            require_id("wallet_id", wallet_id),
            request.amount,
            request.allow_partial,
            request.description,
            request.reference,
            request.metadata,
            idempotency(app),
            request.category,
        ),
        TransactionOutput,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
