"""DynamoDB stream -> wallet events on the EventBridge bus, with partial batch failures."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from wallets import events
from wallets.observability import logger, metrics
from wallets.settings import get_settings

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def handle_record(record: DynamoDBRecord) -> None:
    published = events.events_from_record(record.raw_event)
    events.publish(published, get_settings().event_bus_name)
    for event in published:
        logger.debug("published", extra={"event": event.name, "event_id": event.detail["event_id"]})


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
