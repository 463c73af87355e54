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
        self.iterators: dict[str, str | None] = {}

    def read(self) -> list[dict[str, Any]]:
        """New records since the last read, as Lambda's DynamoDB event source would pass them."""
        out: list[dict[str, Any]] = []
        for shard in self.client.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]:
            sid = shard["ShardId"]
            if sid not in self.iterators:
                self.iterators[sid] = self.client.get_shard_iterator(
                    StreamArn=self.arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            if self.iterators[sid] is None:
                continue
            page = self.client.get_records(ShardIterator=self.iterators[sid])
            for record in page["Records"]:
                record["dynamodb"]["ApproximateCreationDateTime"] = record["dynamodb"][
                    "ApproximateCreationDateTime"
                ].timestamp()
                record["eventSourceARN"] = self.arn
                out.append(record)
            self.iterators[sid] = page.get("NextShardIterator")
        return out
