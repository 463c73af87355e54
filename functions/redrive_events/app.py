"""The publisher's failure queue -> the skipped stream records read back and published again.

A message that cannot be redriven yet stays on the queue and is tried again; after the queue's
maxReceiveCount it moves to a dead-letter queue, which is alarmed (docs/decisions.md 20)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from wallets import events
from wallets.observability import logger, metrics
from wallets.settings import get_settings

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def handle_message(record: SQSRecord) -> None:
    count = events.redrive(json.loads(record.body), get_settings().event_bus_name)
    logger.info("redrove skipped stream records", extra={"records": count})


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=handle_message, processor=processor, context=context
    )
