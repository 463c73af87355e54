"""The one source of 'now' (epoch milliseconds). Tests and the local runtime shift it to jump in time."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import overload

_offset_ms = 0


def now_ms() -> int:
    return int(time.time() * 1000) + _offset_ms


def advance(seconds: float) -> None:
    global _offset_ms
    _offset_ms += int(seconds * 1000)


def reset() -> None:
    global _offset_ms
    _offset_ms = 0


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@overload
def to_iso(ms: int) -> str: ...
@overload
def to_iso(ms: None) -> None: ...
@overload
def to_iso(ms: int | None) -> str | None: ...
def to_iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    dt = EPOCH + timedelta(milliseconds=ms)  # integer arithmetic: floats lose a millisecond
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def from_datetime(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - EPOCH) // timedelta(milliseconds=1)


DAY_MS = 86_400_000
