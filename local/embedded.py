"""An embedded DynamoDB (moto), serialized, with the table built from template.yaml.

moto's DynamoDB backend has no locking: a cancelled transaction restores a copy of the whole table,
erasing concurrent writes. Every request to moto therefore goes through one lock, so that what a
multi-threaded caller observes is the application's concurrency, not moto's.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import boto3

from local.template import table_spec, ttl_attribute

MOTO_LOCK = threading.RLock()
_patched = False
_mock: Any = None


def _serialize_moto() -> None:
    global _patched
    if _patched:
        return
    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.__call__

    def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.enabled:  # no mock active: the request goes to a real endpoint, unserialized
            return original(self, *args, **kwargs)
        with MOTO_LOCK:
            return original(self, *args, **kwargs)

    BotocoreStubber.__call__ = locked  # type: ignore[method-assign]
    _patched = True


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
