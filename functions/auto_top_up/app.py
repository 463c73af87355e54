"""Scheduled: resolve top-ups left pending, then run the automatic top-ups that are due."""

from __future__ import annotations

from typing import Any

from wallets import jobs
from wallets.observability import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return jobs.run_top_up_job(event, context)
