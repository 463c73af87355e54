"""POST /codes/{code_id}/disable: no redemption after this."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from wallets import codes
from wallets.http import ERROR_RESPONSES, build_resolver, require_id, respond
from wallets.observability import logger, metrics
from wallets.schemas import CodeOutput

app = build_resolver()


@app.post(
    "/codes/<code_id>/disable",
    summary="Disable a credit code",
    responses={200: {"description": "disabled (also when it already was)"}, **ERROR_RESPONSES},
)
def handle_disable_code(code_id: str) -> CodeOutput:
    return respond(codes.disable(require_id("code_id", code_id)))  # type: ignore[return-value]


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
