"""POST /codes: create a credit code (answered in full only here)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from wallets import codes, errors
from wallets.clock import from_datetime
from wallets.http import build_resolver, idempotency, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import CodeOutput, CreateCodeRequest, scope

app = build_resolver()


@app.post(
    "/codes",
    summary="Create a credit code",
    description="The code is stored as a hash: this response is the only one that shows it in full "
    "(a replay with the same Idempotency-Key answers it as null). Lists show its last four characters.",
    operation_id="createCode",
    tags=["Codes"],
    responses=responses(
        {201: {"description": "created"}},
        errors.ConflictingCode,
        errors.IdempotencyKeyReused,
        errors.Unavailable,
    ),
)
def handle_create_code(request: Annotated[CreateCodeRequest, Body()]) -> tuple[CodeOutput, int]:
    return respond(
        codes.create(
            dict(request.amounts),
            code=request.code,
            withdrawable=request.withdrawable,
            applies_to=scope(request.applies_to),
            redeemable_until=from_datetime(request.redeemable_until) if request.redeemable_until else None,
            credit_expires_at=from_datetime(request.credit_expires_at) if request.credit_expires_at else None,
            credit_expiry_days=request.credit_expiry_days,
            max_redemptions=request.max_redemptions,
            once_per_customer=request.once_per_customer,
            description=request.description,
            metadata=request.metadata,
            idem=idempotency(app),
        ),
        CodeOutput,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
