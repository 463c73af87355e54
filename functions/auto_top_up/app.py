"""Automatic top-ups: the event `wallet.auto_top_up_due` (an EventBridge rule) runs one wallet's at
once; the schedule resolves top-ups left pending, then runs every automatic top-up still due."""

from __future__ import annotations

from typing import Any

from wallets import jobs, wiring
from wallets.observability import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("detail-type") == "wallet.auto_top_up_due":
        return jobs.run_triggered_top_up(event, context, wiring.get_gateway())
    return jobs.run_top_up_job(event, context, wiring.get_gateway())
