"""POST /wallets/{wallet_id}/redemptions: redeem a credit code into the wallet."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from wallets import codes, errors
from wallets.http import WRITE_ERRORS, build_resolver, idempotency, require_id, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import RedeemCodeRequest, TransactionOutput

app = build_resolver()


@app.post(
    "/wallets/<wallet_id>/redemptions",
    summary="Redeem a credit code",
    description="Credits the code's amount in the wallet's currency as code_redemption credit, and "
    "counts the redemption, in one transaction. The errors never tell whether another customer holds or "
    "redeemed a code. A wallet gets 10 refusals about codes an hour (windows aligned to the clock); "
    "then every redemption is 429 until the window ends.",
    operation_id="redeemCode",
    tags=["Codes"],
    responses=responses(
        {201: {"description": "credited"}},
        errors.CodeAlreadyRedeemed,
        errors.CodeDisabled,
        errors.CodeExpired,
        errors.CodeInvalid,
        errors.CodeUsedUp,
        errors.IdempotencyKeyReused,
        errors.LimitExceeded,
        errors.NotFound,
        errors.TooManyAttempts,
        errors.WalletClosed,
        errors.WalletFrozen,
        *WRITE_ERRORS,
    ),
)
def handle_redeem_code(
    wallet_id: str, request: Annotated[RedeemCodeRequest, Body()]
) -> tuple[TransactionOutput, int]:
    return respond(
        codes.redeem(require_id("wallet_id", wallet_id), request.code, idempotency(app)), TransactionOutput
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
