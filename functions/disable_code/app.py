"""POST /codes/{code_id}/disable: no redemption after this."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from wallets import codes, errors
from wallets.http import build_resolver, require_id, respond, responses
from wallets.observability import logger, metrics
from wallets.schemas import CodeOutput

app = build_resolver()


@app.post(
    "/codes/<code_id>/disable",
    summary="Disable a credit code",
    operation_id="disableCode",
    tags=["Codes"],
    responses=responses(
        {200: {"description": "disabled (also when it already was)"}},
        errors.NotFound,
        errors.Unavailable,
    ),
)
def handle_disable_code(code_id: str) -> tuple[CodeOutput, int]:
    return respond(codes.disable(require_id("code_id", code_id)), CodeOutput)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
