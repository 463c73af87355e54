"""What AWS runs around the functions, done locally: schedules, the stream -> publisher mapping,
an event bus that records what was published (shown on the console and at GET /_local/events), and
the bus's rules: those that invoke a function, and those that feed an SQS queue read by a function
(the webhooks' FIFO queue, when WEBHOOK_URL is set: template resources with a condition exist here
when it holds for the parameters `make run` has, read from the variables that name them)."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import sys
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from wallets.stream import lambda_record, sequence

from local import embedded, runtime
from local.template import Function, load


class RecordingBus:
    """Stands in for the EventBridge client: keeps published events, prints one line each."""

    def __init__(self, keep: int = 1000, echo: bool = True) -> None:
        self.events: deque[dict[str, Any]] = deque(maxlen=keep)
        self.outbox: deque[dict[str, Any]] = deque()  # not yet offered to the bus's rules
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
                self.outbox.append(event)
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

    def take(self) -> list[dict[str, Any]]:
        """The events published since the last call (for the rules), oldest first."""
        with self.lock:
            out = list(self.outbox)
            self.outbox.clear()
            return out


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """EventBridge's exact-value matching (lists of allowed values, nested objects): what the
    template's rules use."""
    for key, want in pattern.items():
        have = event.get(key)
        if isinstance(want, dict):
            if not isinstance(have, dict) or not matches(want, have):
                return False
        elif have not in want:
            return False
    return True


def envelope(event: dict[str, Any]) -> dict[str, Any]:
    """An event as a rule's target receives it."""
    return {
        "version": "0",
        "id": event["detail"].get("event_id", ""),
        "detail-type": event["detail-type"],
        "source": event["source"],
        "account": "000000000000",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        "resources": [],
        "detail": event["detail"],
    }


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

    def shard_ids(self) -> list[str]:
        shards = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        return [shard["ShardId"] for shard in shards]

    def records(self, shard_id: str, limit: int = 100) -> list[dict[str, Any]]:
        """Up to `limit` unacknowledged records of one shard, in Lambda's record format."""
        last = self.positions.get(shard_id)
        where = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
            if last
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        iterator = self.streams.get_shard_iterator(StreamArn=self.arn, ShardId=shard_id, **where)
        page = self.streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=limit)
        return [lambda_record(r, self.arn) for r in page.get("Records", [])]

    def pending(self, limit: int = 100) -> dict[str, list[dict[str, Any]]]:
        """Up to `limit` unacknowledged records per shard."""
        return {sid: records for sid in self.shard_ids() if (records := self.records(sid, limit))}

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


@dataclass
class ShardState:
    """Where the mapping is with one shard's batch at the head: failed attempts, the batch size
    bisection has narrowed it to, and when to try again."""

    limit: int
    attempts: int = 0
    retry_at: float = 0.0


@dataclass
class Skipped:
    """A range the stream mapping gave up on: the message its failure destination (an SQS queue) got,
    and what became of it there (redriven by the queue's function, or still failing)."""

    message: dict[str, Any]
    receives: int = 0
    state: str = "queued"  # queued -> redriven | dead (past the queue's maxReceiveCount)
    error: str | None = None
    retry_at: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        info = self.message["DDBStreamBatchInfo"]
        return {
            "shard_id": info["shardId"],
            "first_sequence_number": info["startSequenceNumber"],
            "last_sequence_number": info["endSequenceNumber"],
            "records": info["batchSize"],
            "state": self.state,
            "receives": self.receives,
            "error": self.error,
        }


class StreamPump:
    """Feeds the table's stream to the publisher function as its event source mapping does
    (template.yaml): a batch is retried from its first failed record, with backoff and halved each
    time (bisection); after MaximumRetryAttempts the range is skipped and announced to the failure
    destination, whose queue's function redrives it (retried up to the queue's maxReceiveCount)."""

    RETRY_BASE_S, RETRY_CAP_S = 0.5, 5.0
    QUEUE_RETRY_S = 5.0

    def __init__(
        self, table: str, publisher: Function, redriver: Function | None = None, reader: Any = None
    ) -> None:
        self.table = table
        self.reader = reader or StreamReader(table)
        self.publisher = publisher
        self.redriver = redriver
        mapping = publisher.streams[0]
        self.batch_size = int(mapping.get("BatchSize", 100))
        self.max_retries = int(mapping.get("MaximumRetryAttempts", -1))  # -1: until the record expires
        self.bisect = bool(mapping.get("BisectBatchOnFunctionError"))
        self.max_receives = 10
        self.shards: dict[str, ShardState] = {}
        self.failed = 0
        self.skipped: list[Skipped] = []

    def skip_backlog(self) -> int:
        """Start after every record already in the stream (kept data); returns how many were skipped."""
        return len(self.reader.read(limit=1000))

    def pump(self) -> int:
        """Deliver new records to the publisher; returns how many were delivered."""
        self.drain_failures()
        delivered = 0
        for sid in self.reader.shard_ids():
            state = self.shards.setdefault(sid, ShardState(limit=self.batch_size))
            if time.monotonic() < state.retry_at:
                continue
            records = self.reader.records(sid, state.limit)
            if not records:
                continue
            failed, error = self._invoke(records)
            if not failed:
                done = records
            else:
                first = min(int(f) for f in failed)
                done = [r for r in records if sequence(r) < first]
            if done:  # progress: the next batch starts after it, with fresh attempts
                self._advance(sid, done)
                delivered += len(done)
                state.attempts, state.limit = 0, self.batch_size
                continue
            self.failed += 1
            state.attempts += 1
            self._explain(records[0], error, state.attempts)
            if 0 <= self.max_retries < state.attempts:
                self._skip(sid, records, state.attempts)
                state.attempts, state.limit = 0, self.batch_size
            else:
                if self.bisect and len(records) > 1:  # narrow down to the failing record
                    state.limit = max(1, len(records) // 2)
                state.retry_at = time.monotonic() + min(
                    self.RETRY_CAP_S, self.RETRY_BASE_S * 2 ** (state.attempts - 1)
                )
        return delivered

    def _invoke(self, records: list[dict[str, Any]]) -> tuple[list[str], str | None]:
        try:
            result = runtime.invoke(self.publisher, {"Records": records})
        except Exception as exc:  # a function error fails the whole batch
            return [r["dynamodb"]["SequenceNumber"] for r in records], f"{type(exc).__name__}: {exc}"
        return [f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])], None

    def _advance(self, sid: str, done: list[dict[str, Any]]) -> None:
        last = done[-1]["dynamodb"]["SequenceNumber"]
        self.reader.acknowledge(sid, last)
        unresolved = [
            int(s.message["DDBStreamBatchInfo"]["startSequenceNumber"])
            for s in self.skipped
            if s.state == "queued"
        ]
        keep_from = min(unresolved, default=None)  # the redrive reads skipped records back
        if keep_from is None or keep_from > int(last):
            embedded.trim_stream(self.table, last)

    def _skip(self, sid: str, records: list[dict[str, Any]], attempts: int) -> None:
        """Give up on a batch: tell the failure destination which records (as Lambda does) and move on."""
        first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
        message = {
            "requestContext": {
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "DDBStreamBatchInfo": {
                "shardId": sid,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "batchSize": len(records),
                "streamArn": self.reader.arn,
            },
        }
        self.skipped.append(Skipped(message))
        self.reader.acknowledge(sid, last["SequenceNumber"])
        print(
            f"[background] stream records {first['SequenceNumber']}..{last['SequenceNumber']} skipped after "
            f"{attempts} attempts; sent to the failure queue (GET /_local/failures)",
            file=sys.stderr,
            flush=True,
        )

    def drain_failures(self) -> None:
        """The failure queue's event source: invoke the redrive function for each queued message."""
        if self.redriver is None:
            return
        now = time.monotonic()
        for item in self.skipped:
            if item.state != "queued" or now < item.retry_at:
                continue
            item.receives += 1
            event = {"Records": [{"messageId": str(id(item)), "body": json.dumps(item.message)}]}
            try:
                result = runtime.invoke(self.redriver, event)
                failed = bool((result or {}).get("batchItemFailures"))
                item.error = "the redrive function reported the message failed" if failed else None
            except Exception as exc:
                failed, item.error = True, f"{type(exc).__name__}: {exc}"
            if not failed:
                item.state = "redriven"
            elif item.receives >= self.max_receives:
                item.state = "dead"
            else:
                item.retry_at = now + self.QUEUE_RETRY_S

    def failures(self) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self.skipped]

    def _explain(self, record: dict[str, Any], error: str | None, attempt: int) -> None:
        from wallets.events import events_from_record

        sequence = record["dynamodb"]["SequenceNumber"]
        reason = error
        if reason is None:
            try:
                events_from_record(record)
                reason = "publishing failed"
            except Exception as exc:
                reason = f"{type(exc).__name__}: {exc}"
        keys = {k: next(iter(v.values())) for k, v in record["dynamodb"]["Keys"].items()}
        print(
            f"[background] stream record {sequence} {keys} failed ({reason}); attempt {attempt}",
            file=sys.stderr,
            flush=True,
        )


def _failure_queue_function(functions: dict[str, Function], publisher: Function | None) -> Function | None:
    """The function reading the queue the stream mapping sends skipped ranges to, if any."""
    if publisher is None:
        return None
    destination = publisher.streams[0].get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
    return next((fn for fn in functions.values() for q in fn.queues if q.get("Queue") == destination), None)


def _parameters(template: dict[str, Any], functions: dict[str, Function]) -> dict[str, str]:
    """The template's parameters as `make run` has them: a function's variable naming a parameter
    (`WEBHOOK_URL: !Ref WebhookUrl`) gives it that variable's value, else it keeps its default."""
    values = {name: str(p.get("Default", "")) for name, p in (template.get("Parameters") or {}).items()}
    for fn in functions.values():
        for variable, value in fn.environment.items():
            if isinstance(value, dict) and value.get("Ref") in values and variable in os.environ:
                values[value["Ref"]] = os.environ[variable]
    return values


def _holds(condition: Any, template: dict[str, Any], parameters: dict[str, str]) -> Any:
    """A template condition's value (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Ref, Condition)."""
    if not isinstance(condition, dict):
        return condition
    [(function, argument)] = condition.items()
    if function == "Ref":
        return parameters.get(argument, "")
    if function == "Condition":
        return _holds(template["Conditions"][argument], template, parameters)
    values = [_holds(a, template, parameters) for a in argument]
    if function == "Fn::Equals":
        return values[0] == values[1]
    if function == "Fn::Not":
        return not values[0]
    if function == "Fn::And":
        return all(values)
    if function == "Fn::Or":
        return any(values)
    raise ValueError(f"local/background.py cannot evaluate {function}")


def _path(document: dict[str, Any], path: str) -> str:
    """A target parameter: a static value, or a dynamic path (`$.detail.wallet_id`) into the event."""
    if not path.startswith("$."):
        return path
    value: Any = document
    for key in path[2:].split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return str(value)


@dataclass
class QueuedMessage:
    body: str
    group: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    sent_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    receives: int = 0
    visible_at: float = 0.0
    visibility_set: bool = False  # by the function (ChangeMessageVisibility) during this receive


class LocalQueue:
    """Stands in for an SQS FIFO queue between a rule and the function reading it (template.yaml):
    per message group, one message at a time and in order; a failed message comes back after its
    visibility timeout (the queue's, or what the function set through ChangeMessageVisibility,
    divided by LOCAL_SCHEDULE_SPEEDUP), and past the queue's maxReceiveCount it is dead (kept in
    `dead`, as the dead-letter queue would)."""

    def __init__(self, logical_id: str, properties: dict[str, Any], reader: Function, speedup: float) -> None:
        self.logical_id = logical_id
        self.reader = reader
        self.speedup = speedup
        self.visibility_s = float(properties.get("VisibilityTimeout", 30))
        self.max_receives = int((properties.get("RedrivePolicy") or {}).get("maxReceiveCount", 0)) or None
        self.messages: list[QueuedMessage] = []  # in the order sent
        self.dead: list[QueuedMessage] = []
        self.lock = threading.Lock()

    def send(self, body: str, group: str) -> None:
        with self.lock:
            self.messages.append(QueuedMessage(body, group))

    def receivable(self) -> list[QueuedMessage]:
        """The head of each message group, if it is visible."""
        now = time.monotonic()
        heads: dict[str, QueuedMessage] = {}
        with self.lock:
            for message in self.messages:
                heads.setdefault(message.group, message)
        return [m for m in heads.values() if m.visible_at <= now]

    def find(self, receipt_handle: str) -> QueuedMessage | None:
        with self.lock:
            return next((m for m in self.messages if f"{m.id}#{m.receives}" == receipt_handle), None)

    def record(self, message: QueuedMessage) -> dict[str, Any]:
        """The message as Lambda's SQS event source hands it to the function."""
        region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
        return {
            "messageId": message.id,
            "receiptHandle": f"{message.id}#{message.receives}",
            "body": message.body,
            "attributes": {
                "ApproximateReceiveCount": str(message.receives),
                "SentTimestamp": str(message.sent_ms),
                "SenderId": "events.amazonaws.com",
                "ApproximateFirstReceiveTimestamp": str(message.sent_ms),
                "MessageGroupId": message.group,
                "MessageDeduplicationId": message.id,
            },
            "messageAttributes": {},
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{region}:000000000000:{self.logical_id}",
            "awsRegion": region,
        }

    def poll(self) -> int:
        """Offer each receivable message to the function once; returns how many it took."""
        taken = 0
        for message in self.receivable():
            message.receives += 1
            if self.max_receives is not None and message.receives > self.max_receives:
                with self.lock:
                    self.messages.remove(message)
                    self.dead.append(message)
                print(
                    f"[background] {self.logical_id}: message {message.id} (group {message.group}) moved to the "
                    f"dead-letter queue after {self.max_receives} receives",
                    file=sys.stderr,
                    flush=True,
                )
                continue
            message.visibility_set = False
            try:
                result = runtime.invoke(self.reader, {"Records": [self.record(message)]})
                failed = bool((result or {}).get("batchItemFailures"))
            except Exception as exc:
                failed = True
                print(f"[background] {self.reader.logical_id}: {type(exc).__name__}: {exc}", file=sys.stderr)
            if not failed:
                with self.lock:
                    self.messages.remove(message)
                taken += 1
            elif not message.visibility_set:
                message.visible_at = time.monotonic() + self.visibility_s / self.speedup
            outcome = (
                "done" if not failed else f"failed, again in {message.visible_at - time.monotonic():.1f}s"
            )
            print(
                f"[queue] {self.logical_id} -> {self.reader.logical_id}: group {message.group} receive "
                f"{message.receives}: {outcome}",
                flush=True,
            )
        return taken


class LocalQueues:
    """Stands in for the SQS client of the functions that read a local queue."""

    def __init__(self, queues: list[LocalQueue]) -> None:
        self.queues = queues

    def change_message_visibility(
        self, QueueUrl: Any, ReceiptHandle: str, VisibilityTimeout: int
    ) -> dict[str, Any]:
        for queue in self.queues:
            message = queue.find(ReceiptHandle)
            if message is not None:
                message.visible_at = time.monotonic() + VisibilityTimeout / queue.speedup
                message.visibility_set = True
                return {}
        raise ValueError(f"ReceiptHandle {ReceiptHandle} is not in flight")


def _queue_rules(
    functions: dict[str, Function], speedup: float
) -> list[tuple[dict[str, Any], LocalQueue, str]]:
    """The template's rules that feed an SQS queue read by a function: (pattern, queue, group path)."""
    template = load()
    resources = template["Resources"]
    parameters = _parameters(template, functions)

    def exists(name: str) -> bool:
        condition = resources[name].get("Condition")
        return condition is None or bool(_holds({"Condition": condition}, template, parameters))

    queues: dict[str, LocalQueue] = {}
    out = []
    for name, rule in resources.items():
        if rule["Type"] != "AWS::Events::Rule" or not exists(name):
            continue
        for target in rule["Properties"].get("Targets", []):
            queue = (target.get("Arn") or {}).get("Fn::GetAtt", [None])[0]
            if queue not in resources or resources[queue]["Type"] != "AWS::SQS::Queue":
                continue
            reader = next(
                (fn for fn in functions.values() for q in fn.queues if q.get("Queue") == target["Arn"]), None
            )
            if reader is None or not exists(reader.logical_id):
                continue
            if queue not in queues:
                queues[queue] = LocalQueue(queue, resources[queue]["Properties"], reader, speedup)
            group = (target.get("SqsParameters") or {}).get("MessageGroupId", "default")
            out.append((rule["Properties"]["EventPattern"], queues[queue], group))
    return out


class Background(threading.Thread):
    def __init__(
        self,
        functions: dict[str, Function],
        table: str,
        speedup: float = 1.0,
        bus: RecordingBus | None = None,
    ) -> None:
        super().__init__(daemon=True, name="local-background")
        self.bus = bus
        self.rules = [(rule["Pattern"], fn) for fn in functions.values() for rule in fn.rules]
        self.queue_rules = _queue_rules(functions, speedup)
        self.queues = list({id(q): q for _, q, _ in self.queue_rules}.values())
        self.generated_secret = False
        if self.queues:
            from wallets import webhooks

            webhooks._sqs = LocalQueues(self.queues)  # the readers' SQS client
            if not (os.environ.get("WEBHOOK_SECRET") or os.environ.get("WEBHOOK_SECRET_ARN")):
                os.environ["WEBHOOK_SECRET"] = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
                self.generated_secret = True
        self.schedules: list[tuple[Function, dict[str, Any], float]] = []
        for fn in functions.values():
            for schedule in fn.schedules:
                event = json.loads(schedule.get("Input") or "{}")
                self.schedules.append((fn, event, _seconds(schedule["ScheduleExpression"]) / speedup))
        publisher = next((fn for fn in functions.values() if fn.streams), None)
        self.pump = (
            StreamPump(table, publisher, _failure_queue_function(functions, publisher)) if publisher else None
        )
        self.next_run = {fn.logical_id: time.monotonic() + every for fn, _, every in self.schedules}
        self.stopped = threading.Event()

    def describe(self) -> list[str]:
        lines = [f"  schedule {fn.logical_id:24} every {every:g}s" for fn, _, every in self.schedules]
        if self.pump:
            lines.append(f"  stream   -> {self.pump.publisher.logical_id}")
        for pattern, fn in self.rules:
            lines.append(f"  rule     {','.join(pattern.get('detail-type', ['*'])):24} -> {fn.logical_id}")
        for pattern, queue, group in self.queue_rules:
            lines.append(
                f"  rule     {','.join(pattern.get('detail-type', ['*'])):24} -> {queue.logical_id} "
                f"(FIFO by {group}) -> {queue.reader.logical_id}"
            )
        if self.queues and os.environ.get("WEBHOOK_URL"):
            lines.append(f"  webhooks -> {os.environ['WEBHOOK_URL']}, signed (Standard Webhooks)")
        if self.generated_secret:
            lines.append(f"  webhook secret (WEBHOOK_SECRET was unset): {os.environ['WEBHOOK_SECRET']}")
        return lines

    def route(self) -> int:
        """Hand the events published since the last call to the functions whose rules match them."""
        if self.bus is None:
            return 0
        routed = 0
        for event in self.bus.take():
            for pattern, queue, group in self.queue_rules:
                if matches(pattern, event):
                    target = envelope(event)
                    queue.send(json.dumps(target), _path(target, group))
                    routed += 1
            for pattern, fn in self.rules:
                if matches(pattern, event):
                    result = runtime.invoke(fn, envelope(event))
                    print(f"[rule] {fn.logical_id}: {json.dumps(result, default=str)}", flush=True)
                    routed += 1
        return routed

    def poll_queues(self) -> None:
        """The queues' event source mappings, in a thread of their own: a slow receiver of webhooks
        never holds back the schedules or the stream."""
        while not self.stopped.wait(0.1):
            for queue in self.queues:
                try:
                    queue.poll()
                except Exception as exc:
                    print(
                        f"[background] {queue.logical_id}: {type(exc).__name__}: {exc}",
                        file=sys.stderr,
                        flush=True,
                    )

    def run(self) -> None:
        if self.queues:
            threading.Thread(target=self.poll_queues, daemon=True, name="local-queues").start()
        while not self.stopped.wait(0.5):
            try:
                if self.pump:
                    self.pump.pump()
                self.route()
                now = time.monotonic()
                for fn, event, every in self.schedules:
                    if now >= self.next_run[fn.logical_id]:
                        self.next_run[fn.logical_id] = now + every
                        result = runtime.invoke(fn, event)
                        print(f"[job] {fn.logical_id}: {json.dumps(result, default=str)}", flush=True)
            except Exception as exc:  # keep serving; a local job failure is printed, not fatal
                print(f"[background] {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
