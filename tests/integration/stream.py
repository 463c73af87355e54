"""Read the embedded table's real stream (records produced by the ledger's own writes)."""

from __future__ import annotations

import os
from typing import Any

import boto3


class StreamReader:
    def __init__(self) -> None:
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        self.client = boto3.client("dynamodbstreams", region_name="us-east-1")
        self.arn = ddb.describe_table(TableName=os.environ["TABLE_NAME"])["Table"]["LatestStreamArn"]
        self.positions: dict[str, str] = {}

    def read(self) -> list[dict[str, Any]]:
        """New records since the last read, as Lambda's DynamoDB event source would pass them.

        A fresh iterator per read: a cancelled transaction makes moto swap the table (and its shard)
        for a copy, which iterators taken earlier never see.
        """
        out: list[dict[str, Any]] = []
        for shard in self.client.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]:
            sid = shard["ShardId"]
            while True:
                last = self.positions.get(sid)
                where = (
                    {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
                    if last
                    else {"ShardIteratorType": "TRIM_HORIZON"}
                )
                iterator = self.client.get_shard_iterator(StreamArn=self.arn, ShardId=sid, **where)[
                    "ShardIterator"
                ]
                records = self.client.get_records(ShardIterator=iterator)["Records"]
                if not records:
                    break
                for record in records:
                    record["dynamodb"]["ApproximateCreationDateTime"] = record["dynamodb"][
                        "ApproximateCreationDateTime"
                    ].timestamp()
                    record["eventSourceARN"] = self.arn
                    out.append(record)
                self.positions[sid] = records[-1]["dynamodb"]["SequenceNumber"]
        return out
