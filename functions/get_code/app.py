"""GET /codes/{code_id}: one credit code (last four characters only)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from wallets import codes, errors
from wallets.http import as_output, build_resolver, require_id, responses
from wallets.observability import logger, metrics
from wallets.schemas import CodeOutput

app = build_resolver()


@app.get(
    "/codes/<code_id>",
    summary="Get a credit code",
    operation_id="getCode",
    tags=["Codes"],
    responses=responses(
        {200: {"description": "OK"}},
        errors.NotFound,
    ),
)
def handle_get_code(code_id: str) -> CodeOutput:
    return as_output(CodeOutput, codes.get(require_id("code_id", code_id)))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
