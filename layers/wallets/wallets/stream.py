"""The table's stream, read as Lambda's DynamoDB event source hands it over.

Used to read back a range of records the publisher's event source gave up on (its failure
destination gets only the shard and sequence numbers, never the records), and by the local runtime.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wallets.settings import get_settings

EMPTY_PAGES = 3


def client() -> Any:
    import boto3

    s = get_settings()
    return boto3.client("dynamodbstreams", region_name=s.region, endpoint_url=s.dynamodb_endpoint_url)


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record in the shape Lambda passes to the function."""
    record = dict(record)
    ddb = dict(record["dynamodb"])
    created = ddb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        ddb["ApproximateCreationDateTime"] = created.timestamp()
    record["dynamodb"] = ddb
    record["eventSourceARN"] = stream_arn
    return record


def sequence(record: dict[str, Any]) -> int:
    return int(record["dynamodb"]["SequenceNumber"])


def read_range(
    stream_arn: str, shard_id: str, first: str, last: str, streams: Any = None
) -> list[dict[str, Any]]:
    """The records of one shard from sequence number `first` through `last`, in order.

    Raises if the stream no longer has `first` (DynamoDB keeps records 24 hours): the caller must
    not report such a range as redriven."""
    streams = streams or client()
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=first
    )["ShardIterator"]
    out: list[dict[str, Any]] = []
    empty = 0
    while iterator and empty < EMPTY_PAGES:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        records = page.get("Records", [])
        for r in records:
            if sequence(r) > int(last):
                return out
            out.append(lambda_record(r, stream_arn))
        empty = 0 if records else empty + 1  # an open shard answers empty pages once caught up
        iterator = page.get("NextShardIterator")
    if not out or sequence(out[0]) != int(first):
        raise LookupError(f"stream records from {first} are no longer in shard {shard_id}")
    return out
