"""Count DynamoDB requests, items and estimated write units by hooking botocore's client calls."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.client

WRITE_OPS = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


def _size(item: dict[str, Any]) -> int:
    """DynamoDB's item size, by its published rules (the same function checks the hard limits in
    the tests)."""
    from tests.limits import item_size

    return item_size(item)


@dataclass
class Tally:
    requests: Counter[str] = field(default_factory=Counter)
    items_written: int = 0
    write_units: float = 0
    items_read: int = 0

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    @property
    def writes(self) -> int:
        return sum(n for op, n in self.requests.items() if op in WRITE_OPS)

    @property
    def reads(self) -> int:
        return self.total - self.writes


_active: list[Tally] = []
_original = botocore.client.BaseClient._make_api_call


def _counting(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
    tallies = list(_active)
    if self.meta.service_model.service_name != "dynamodb" or not tallies:
        return _original(self, operation_name, api_params)
    for t in tallies:
        t.requests[operation_name] += 1
        if operation_name == "TransactWriteItems":
            for entry in api_params["TransactItems"]:
                body = next(iter(entry.values()))
                t.items_written += 1
                size = _size(body.get("Item") or body.get("Key") or {})
                t.write_units += 2 * max(1, math.ceil(size / 1024))  # transactional writes cost double
        elif operation_name in ("PutItem", "UpdateItem", "DeleteItem"):
            t.items_written += 1
            t.write_units += max(1, math.ceil(_size(api_params.get("Item") or api_params["Key"]) / 1024))
    response = _original(self, operation_name, api_params)
    for t in tallies:
        if operation_name in ("Query", "Scan"):
            t.items_read += int(response.get("ScannedCount", response.get("Count", 0)))
        elif operation_name == "GetItem":
            t.items_read += 1 if response.get("Item") else 0
        elif operation_name == "BatchGetItem":
            t.items_read += sum(len(v) for v in response.get("Responses", {}).values())
    return response


botocore.client.BaseClient._make_api_call = _counting


@contextmanager
def tally() -> Iterator[Tally]:
    t = Tally()
    _active.append(t)
    try:
        yield t
    finally:
        _active.remove(t)
