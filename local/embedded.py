"""An embedded DynamoDB (moto), serialized, with the table built from template.yaml.

moto's DynamoDB backend has no locking: a cancelled transaction restores a copy of the whole table,
erasing concurrent writes. Every request to moto therefore goes through one lock, so that what a
multi-threaded caller observes is the application's concurrency, not moto's.

Three more patches keep moto's cost per request flat as the table ages (docs/decisions.md 19):
- `TransactWriteItems` deep-copies the whole table (stream included) once per item of every
  transaction, to roll back; here it snapshots only the items it touches.
- every shard iterator moto hands out is kept for ever, each holding the table copy it was taken on;
  here only the newest ITERATORS_KEPT are (DynamoDB expires them after 15 minutes).
- stream records are kept for ever; `trim_stream` forgets the ones the local pump delivered.
- every DynamoDB item and stream record moto ever made (old images included) stays in its model's
  `instances_tracked` list, kept only for moto's server dashboard; `start` turns that off.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import boto3

from local.template import table_spec, ttl_attribute

MOTO_LOCK = threading.RLock()
ITERATORS_KEPT = 100
_patched = False
_mock: Any = None


def _serialize_moto() -> None:
    global _patched
    if _patched:
        return
    _transactions_without_table_copies()
    _bounded_shard_iterators()
    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.__call__

    def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.enabled:  # no mock active: the request goes to a real endpoint, unserialized
            return original(self, *args, **kwargs)
        with MOTO_LOCK:
            return original(self, *args, **kwargs)

    BotocoreStubber.__call__ = locked  # type: ignore[method-assign]
    _patched = True


def _transactions_without_table_copies() -> None:
    """moto's transact_write_items, rolling back by the items it touched instead of table copies."""
    import copy

    from moto.dynamodb.exceptions import (
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import ConditionalCheckFailed, DynamoDBBackend, get_filter_expression
    from moto.dynamodb.models.dynamo_type import DynamoType

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        undo: list[tuple[Any, DynamoType, DynamoType | None, Any]] = []  # (table, hash, range, before)
        streams: dict[int, tuple[Any, int]] = {}  # id(shard) -> (shard, length before)
        targets: set[tuple[str, str]] = set()

        def rollback() -> None:
            for table, hash_value, range_value, before in reversed(undo):
                if range_value is not None:
                    if before is None:
                        table.items[hash_value].pop(range_value, None)
                    else:
                        table.items[hash_value][range_value] = before
                elif before is None:
                    table.items.pop(hash_value, None)
                else:
                    table.items[hash_value] = before
            for shard, length in streams.values():
                del shard.items[length:]

        errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
        for entry in transact_items:
            original_item: dict[str, Any] | None = None
            if len(entry) > 1:
                raise TransactWriteSingleOpException
            try:
                op_type, op = next(iter(entry.items()))
                if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                table = self.get_table(table_name)
                names = op.get("ExpressionAttributeNames")
                values = op.get("ExpressionAttributeValues")
                condition = op.get("ConditionExpression")
                if op_type == "Put":
                    attrs = op["Item"]
                    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = attrs[table.range_key_attr]
                else:
                    key = op["Key"]
                unique = (str(table_name), str(dict(sorted(key.items()))))
                if unique in targets:
                    raise MultipleTransactionsException()
                targets.add(unique)
                current = self.get_item(table_name, key)
                if condition is not None and not get_filter_expression(condition, names, values).expr(
                    current
                ):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
                if op_type != "ConditionCheck":
                    hash_value = DynamoType(key[table.hash_key_attr])
                    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
                    undo.append((table, hash_value, range_value, copy.deepcopy(current)))
                    if table.stream_shard is not None:
                        streams.setdefault(
                            id(table.stream_shard), (table.stream_shard, len(table.stream_shard.items))
                        )
                writes = {"expression_attribute_names": names, "expression_attribute_values": values}
                if op_type == "Put":
                    self.put_item(table_name, op["Item"], **writes)
                elif op_type == "Delete":
                    self.delete_item(table_name, key, **writes)
                elif op_type == "Update":
                    self.update_item(table_name, key, update_expression=op["UpdateExpression"], **writes)
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                rollback()
                raise
            except ConditionalCheckFailed as e:
                errors.append(("ConditionalCheckFailed", str(e.message), original_item))
            except Exception as e:
                errors.append((type(e).__name__, str(e), original_item))
        if any(code is not None for code, _, _ in errors):
            rollback()
            raise TransactionCanceledException(errors)

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _bounded_shard_iterators() -> None:
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    def bounded(original: Any) -> Any:
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return original(self, *args, **kwargs)
            finally:
                while len(self.shard_iterators) > ITERATORS_KEPT:
                    del self.shard_iterators[next(iter(self.shard_iterators))]

        return call

    for name in ("get_shard_iterator", "get_records"):
        setattr(DynamoDBStreamsBackend, name, bounded(getattr(DynamoDBStreamsBackend, name)))


class _Untracked(list[object]):
    def append(self, _: object) -> None:
        pass


def _untrack_dynamodb_models() -> None:
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import StreamRecord

    for model in (Item, StreamRecord):
        # moto's metaclass sets instances_tracked on each class at run time; it declares it on none
        model.instances_tracked = _Untracked()  # type: ignore[union-attr]


def trim_stream(table_name: str, through_sequence_number: str) -> None:
    """Forget the embedded table's stream records up to this one (no-op on other engines). The local
    pump is the stream's only reader; DynamoDB itself keeps records for 24 hours."""
    if _mock is None:
        return
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    with MOTO_LOCK:
        table = dynamodb_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_DEFAULT_REGION"]].tables.get(table_name)
        shard = table.stream_shard if table is not None else None
        if shard is None:
            return
        drop = int(through_sequence_number) - shard.starting_sequence_number + 1
        if drop > 0:
            del shard.items[:drop]
            shard.starting_sequence_number += drop


def create_table(table_name: str, endpoint_url: str | None = None) -> None:
    client = boto3.client("dynamodb", endpoint_url=endpoint_url, region_name=os.environ["AWS_DEFAULT_REGION"])
    existing = client.list_tables().get("TableNames", [])
    if table_name in existing:
        return
    client.create_table(TableName=table_name, **table_spec())
    client.get_waiter("table_exists").wait(TableName=table_name)
    ttl = ttl_attribute()
    if ttl:
        client.update_time_to_live(
            TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl}
        )


def start(table_name: str) -> None:
    """Start moto in this process (all boto clients are intercepted) and create the table."""
    global _mock
    from moto import mock_aws

    _serialize_moto()
    _mock = mock_aws()
    _mock.start()
    _untrack_dynamodb_models()
    create_table(table_name)
    events = boto3.client("events", region_name=os.environ["AWS_DEFAULT_REGION"])
    bus = os.environ.get("EVENT_BUS_NAME", "default")
    if bus != "default":
        events.create_event_bus(Name=bus)


def stop() -> None:
    global _mock
    if _mock is not None:
        _mock.stop()
        _mock = None
