"""DynamoDB stream -> wallet events on the EventBridge bus, in order: a failed record holds back the
records after it (reported as batch item failures, retried from the first)."""

from __future__ import annotations

from typing import Any

from wallets import events
from wallets.observability import logger, metrics
from wallets.settings import get_settings


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failed = events.publish_records(event.get("Records", []), get_settings().event_bus_name)
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}
