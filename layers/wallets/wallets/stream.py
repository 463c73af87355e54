"""The table's stream, read as Lambda's DynamoDB event source hands it over.

Used to read back a range of records the publisher's event source gave up on (its failure
destination gets only the shard and sequence numbers, never the records), and by the local runtime.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from wallets.settings import get_settings

EMPTY_PAGE_PAUSE_S = 0.2


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
    stream_arn: str, shard_id: str, first: str, last: str, streams: Any = None, patience_s: float = 30.0
) -> list[dict[str, Any]]:
    """The records of one shard from sequence number `first` through `last`, in order.

    Raises unless it read exactly that range: the stream no longer has `first` (DynamoDB keeps
    records 24 hours), or `last` was not reached within `patience_s` (GetRecords may answer empty
    pages before the records). The caller must not report such a range as redriven."""
    streams = streams or client()
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=first
    )["ShardIterator"]
    out: list[dict[str, Any]] = []
    give_up = time.monotonic() + patience_s
    while iterator and time.monotonic() < give_up:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        records = page.get("Records", [])
        for r in records:
            if sequence(r) > int(last):
                return _exactly(out, first, last, shard_id)
            out.append(lambda_record(r, stream_arn))
            if sequence(r) == int(last):
                return _exactly(out, first, last, shard_id)
        iterator = page.get("NextShardIterator")
        if not records:
            time.sleep(EMPTY_PAGE_PAUSE_S)  # GetRecords allows 5 calls a second per shard
    return _exactly(out, first, last, shard_id)


def _exactly(records: list[dict[str, Any]], first: str, last: str, shard_id: str) -> list[dict[str, Any]]:
    if not records or sequence(records[0]) != int(first) or sequence(records[-1]) != int(last):
        got = (
            f"{records[0]['dynamodb']['SequenceNumber']}..{records[-1]['dynamodb']['SequenceNumber']}"
            if records
            else "nothing"
        )
        raise LookupError(f"read {got} of {first}..{last} from shard {shard_id}")
    return records
