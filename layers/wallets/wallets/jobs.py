"""Scheduled jobs (EventBridge Scheduler). Each is safe to run twice at once (every write is
conditional), resumes where a timeout left it (its work is found through sparse indexes, so
unfinished work is simply still due), and stops before the Lambda deadline."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from wallets import clock, topups
from wallets.observability import logger, metrics

SAFETY_MARGIN_MS = 3_000


def deadline_of(context: Any) -> float:
    """time.monotonic() value at which a job must stop starting new work."""
    remaining = context.get_remaining_time_in_millis() if context is not None else 60_000
    return time.monotonic() + max(0, remaining - SAFETY_MARGIN_MS) / 1000


def run_top_up_job(event: dict[str, Any], context: Any) -> dict[str, Any]:
    deadline = deadline_of(context)
    recovered = topups.recover(clock.now_ms(), deadline)
    for name, value in recovered.items():
        metrics.add_metric(name=f"top_ups_recovered_{name}", unit=MetricUnit.Count, value=value)
    logger.info("top-up job done", extra={"recovered": recovered})
    return {"recovered": recovered}
