"""The webhook queue (SQS FIFO, one message group per wallet) -> one signed delivery per message.

A delivery the receiver does not accept is reported failed after its backoff is set on the message
(wallets/webhooks.py); the queue offers it again then, and after the last attempt moves it to the
dead-letter queue, which is alarmed. One message per invocation (template.yaml): the queue holds a
wallet's later events while its message is in flight or waiting, so a wallet's events arrive in
order, and a failure is reported, not raised (no function error for a receiver's refusal)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from wallets import secrets, webhooks
from wallets.observability import logger, metrics
from wallets.settings import get_settings

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class NotDelivered(Exception):
    """The receiver did not answer 2xx: the message stays on the queue for its next attempt."""


def handle_message(record: SQSRecord) -> None:
    settings = get_settings()
    if not settings.webhook_url:
        raise RuntimeError("WEBHOOK_URL is not set")
    attempt = webhooks.deliver(
        json.loads(record.body),
        settings.webhook_url,
        secrets.webhook_secret(),
        int(record.attributes.approximate_receive_count),
        settings.webhook_queue_url,
        record.receipt_handle,
    )
    if not attempt.delivered:
        raise NotDelivered(f"{attempt.event_id}: attempt {attempt.attempt} answered {attempt.status}")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=handle_message, processor=processor, context=context
    )
