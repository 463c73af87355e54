"""Scheduled: expire due credit lots, release due holds, send expiry warnings (sparse `due` index)."""

from __future__ import annotations

from typing import Any

from wallets import jobs
from wallets.observability import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return jobs.run_sweep_job(event, context)
