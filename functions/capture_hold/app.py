"""POST /wallets/{wallet_id}/holds/{hold_id}/capture: take all or part; the rest is released."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from wallets import errors, ledger
from wallets.http import WRITE_ERRORS, build_resolver, idempotency, require_id, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import CaptureHoldRequest, HoldOutput

app = build_resolver()


@app.post(
    "/wallets/<wallet_id>/holds/<hold_id>/capture",
    summary="Capture a hold",
    operation_id="captureHold",
    tags=["Holds"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.HoldNotPending,
        errors.IdempotencyKeyReused,
        errors.NotFound,
        errors.WalletClosed,
        *WRITE_ERRORS,
    ),
)
def handle_capture_hold(
    wallet_id: str, hold_id: str, request: Annotated[CaptureHoldRequest | None, Body()] = None
) -> tuple[HoldOutput, int]:
    amount = request.amount if request else None
    return respond(
        ledger.settle_hold(
            require_id("wallet_id", wallet_id),
            require_id("hold_id", hold_id),
            "capture",
            amount,
            idempotency(app),
        ),
        HoldOutput,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
