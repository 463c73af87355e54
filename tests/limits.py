"""DynamoDB's hard limits, checked on every write request the code sends (on every engine).

moto accepts transactions of any size; real DynamoDB refuses more than 100 items or 4 MB per
`TransactWriteItems` and any item over 400 KB. Installed for the whole test session by conftest, so a
test that drives a command past a limit fails on moto too, not only on DynamoDB Local.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import botocore.client

MAX_TRANSACTION_ITEMS = 100
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024
MAX_ITEM_BYTES = 400 * 1024

# The largest sizes seen since the last reset (tests at the maxima report them).
largest: dict[str, int] = {"transaction_items": 0, "transaction_bytes": 0, "item_bytes": 0}


class LimitExceededInTest(AssertionError):
    pass


def _number_size(text: str) -> int:
    digits = Decimal(text).normalize().as_tuple().digits
    return (len(digits) + 1) // 2 + 1


def attribute_size(value: dict[str, Any]) -> int:
    """Size of one typed attribute value, by DynamoDB's published rules."""
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return _number_size(inner)
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in inner)
    if kind == "NS":
        return sum(_number_size(n) for n in inner)
    if kind == "L":
        return 3 + sum(1 + attribute_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + attribute_size(v) for k, v in inner.items())
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


def check_request(operation: str, params: dict[str, Any]) -> None:
    if operation == "TransactWriteItems":
        entries = params["TransactItems"]
        total = 0
        for entry in entries:
            body = next(iter(entry.values()))
            size = item_size(body.get("Item") or body.get("Key") or {})
            largest["item_bytes"] = max(largest["item_bytes"], size)
            if size > MAX_ITEM_BYTES:
                raise LimitExceededInTest(f"an item of {size} bytes (DynamoDB allows {MAX_ITEM_BYTES})")
            total += size
        largest["transaction_items"] = max(largest["transaction_items"], len(entries))
        largest["transaction_bytes"] = max(largest["transaction_bytes"], total)
        if len(entries) > MAX_TRANSACTION_ITEMS:
            raise LimitExceededInTest(
                f"TransactWriteItems with {len(entries)} items (DynamoDB allows {MAX_TRANSACTION_ITEMS})"
            )
        if total > MAX_TRANSACTION_BYTES:
            raise LimitExceededInTest(f"TransactWriteItems of {total} bytes (DynamoDB allows 4 MB)")
    elif operation == "PutItem":
        size = item_size(params["Item"])
        largest["item_bytes"] = max(largest["item_bytes"], size)
        if size > MAX_ITEM_BYTES:
            raise LimitExceededInTest(f"an item of {size} bytes (DynamoDB allows {MAX_ITEM_BYTES})")


def install() -> None:
    """Wrap whatever sends requests now (bench.counting may have wrapped it already)."""
    send = botocore.client.BaseClient._make_api_call
    if getattr(send, "checks_limits", False):
        return

    def checked(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            check_request(operation_name, api_params)
        return send(self, operation_name, api_params)

    checked.checks_limits = True  # type: ignore[attr-defined]
    botocore.client.BaseClient._make_api_call = checked


def reset() -> None:
    for key in largest:
        largest[key] = 0
