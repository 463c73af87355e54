"""What AWS runs around the functions, done locally: schedules, the stream -> publisher mapping,
and an event bus that records what was published (shown on the console and at GET /_local/events)."""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from collections import deque
from datetime import datetime
from typing import Any

import boto3

from local import embedded, runtime
from local.template import Function


class RecordingBus:
    """Stands in for the EventBridge client: keeps published events, prints one line each."""

    def __init__(self, keep: int = 1000, echo: bool = True) -> None:
        self.events: deque[dict[str, Any]] = deque(maxlen=keep)
        self.echo = echo
        self.lock = threading.Lock()

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        with self.lock:
            for entry in Entries:
                event = {
                    "source": entry["Source"],
                    "detail-type": entry["DetailType"],
                    "detail": json.loads(entry["Detail"]),
                    "event-bus-name": entry.get("EventBusName"),
                }
                self.events.append(event)
                if self.echo:
                    d = event["detail"]
                    amount = d.get("amount_formatted") or ""
                    print(f"[event] {entry['DetailType']:30} {d.get('wallet_id')} {amount}", flush=True)
        return {
            "FailedEntryCount": 0,
            "Entries": [{"EventId": e["detail"]["event_id"]} for e in list(self.events)[-len(Entries) :]],
        }

    def snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.events)


def _seconds(expression: str) -> float:
    m = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression.strip())
    if m:
        unit = {"minute": 60, "hour": 3600, "day": 86400}[m.group(2).rstrip("s")]
        return int(m.group(1)) * unit
    return 86400.0  # cron(...) schedules here are daily


class StreamReader:
    """Reads a table's stream as a Lambda DynamoDB event source mapping would hand it over.

    A fresh iterator after the last acknowledged sequence number on every read: moto restores a copy
    of the whole table (its stream shard included) when a transaction is cancelled, and iterators
    taken on the old copy never see another record.
    """

    def __init__(self, table: str) -> None:
        kwargs: dict[str, Any] = {"region_name": os.environ["AWS_DEFAULT_REGION"]}
        if os.environ.get("DYNAMODB_ENDPOINT_URL"):
            kwargs["endpoint_url"] = os.environ["DYNAMODB_ENDPOINT_URL"]
        ddb = boto3.client("dynamodb", **kwargs)
        self.streams = boto3.client("dynamodbstreams", **kwargs)
        self.arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        self.positions: dict[str, str] = {}

    def pending(self, limit: int = 100) -> dict[str, list[dict[str, Any]]]:
        """Up to `limit` unacknowledged records per shard, in Lambda's record format."""
        out: dict[str, list[dict[str, Any]]] = {}
        for shard in self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]:
            sid = shard["ShardId"]
            last = self.positions.get(sid)
            where = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
                if last
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            iterator = self.streams.get_shard_iterator(StreamArn=self.arn, ShardId=sid, **where)
            page = self.streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=limit)
            records = [self._lambda_record(r) for r in page.get("Records", [])]
            if records:
                out[sid] = records
        return out

    def acknowledge(self, shard_id: str, sequence_number: str) -> None:
        self.positions[shard_id] = sequence_number

    def read(self, limit: int = 100) -> list[dict[str, Any]]:
        """Every record not read yet, acknowledged as it is returned."""
        out: list[dict[str, Any]] = []
        while batch := self.pending(limit):
            for sid, records in batch.items():
                out.extend(records)
                self.acknowledge(sid, records[-1]["dynamodb"]["SequenceNumber"])
        return out

    def _lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        record = dict(record)
        ddb = dict(record["dynamodb"])
        created = ddb.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            ddb["ApproximateCreationDateTime"] = created.timestamp()
        record["dynamodb"] = ddb
        record["eventSourceARN"] = self.arn
        return record


class StreamPump:
    """Feeds the table's stream to the publisher function, with Lambda's partial-failure semantics."""

    def __init__(self, table: str, publisher: Function) -> None:
        self.table = table
        self.reader = StreamReader(table)
        self.publisher = publisher
        self.failed = 0

    def skip_backlog(self) -> int:
        """Start after every record already in the stream (kept data); returns how many were skipped."""
        return len(self.reader.read(limit=1000))

    def pump(self) -> int:
        """Deliver new records to the publisher; returns how many were delivered."""
        delivered = 0
        for sid, records in self.reader.pending().items():
            result = runtime.invoke(self.publisher, {"Records": records})
            failures = (result or {}).get("batchItemFailures", [])
            if failures:  # Lambda retries from the first failed record: keep the position before it
                self.failed += 1
                first = failures[0]["itemIdentifier"]
                self._explain(records, first)
                done = [r for r in records if int(r["dynamodb"]["SequenceNumber"]) < int(first)]
            else:
                done = records
            if done:
                self.reader.acknowledge(sid, done[-1]["dynamodb"]["SequenceNumber"])
                embedded.trim_stream(self.table, done[-1]["dynamodb"]["SequenceNumber"])
                delivered += len(done)
        return delivered

    def _explain(self, records: list[dict[str, Any]], sequence: str) -> None:
        from wallets.events import events_from_record

        record = next(r for r in records if r["dynamodb"]["SequenceNumber"] == sequence)
        try:
            events_from_record(record)
            reason = "publishing failed"
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
        keys = {k: next(iter(v.values())) for k, v in record["dynamodb"]["Keys"].items()}
        print(
            f"[background] stream record {sequence} {keys} failed ({reason}); retrying",
            file=sys.stderr,
            flush=True,
        )


class Background(threading.Thread):
    def __init__(self, functions: dict[str, Function], table: str, speedup: float = 1.0) -> None:
        super().__init__(daemon=True, name="local-background")
        self.schedules: list[tuple[Function, dict[str, Any], float]] = []
        for fn in functions.values():
            for schedule in fn.schedules:
                event = json.loads(schedule.get("Input") or "{}")
                self.schedules.append((fn, event, _seconds(schedule["ScheduleExpression"]) / speedup))
        publisher = next((fn for fn in functions.values() if fn.streams), None)
        self.pump = StreamPump(table, publisher) if publisher else None
        self.next_run = {fn.logical_id: time.monotonic() + every for fn, _, every in self.schedules}
        self.stopped = threading.Event()

    def describe(self) -> list[str]:
        lines = [f"  schedule {fn.logical_id:24} every {every:g}s" for fn, _, every in self.schedules]
        if self.pump:
            lines.append(f"  stream   -> {self.pump.publisher.logical_id}")
        return lines

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            try:
                if self.pump:
                    self.pump.pump()
                now = time.monotonic()
                for fn, event, every in self.schedules:
                    if now >= self.next_run[fn.logical_id]:
                        self.next_run[fn.logical_id] = now + every
                        result = runtime.invoke(fn, event)
                        print(f"[job] {fn.logical_id}: {json.dumps(result, default=str)}", flush=True)
            except Exception as exc:  # keep serving; a local job failure is printed, not fatal
                print(f"[background] {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
