"""Scheduled daily: replay each wallet's ledger; drift is a metric (alarmed) and an error log line."""

from __future__ import annotations

from typing import Any

from wallets import jobs
from wallets.observability import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return jobs.run_reconcile_job(event, context)
