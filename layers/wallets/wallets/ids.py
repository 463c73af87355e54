"""Prefixed, time-sortable ids (ULID layout: 48-bit milliseconds + 80 random bits, Crockford base32).

Randomness comes from os.urandom on every call: nothing is seeded at init, so SnapStart restores
cannot hand two sandboxes the same id sequence.
"""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}


def _encode(value: int) -> str:
    return "".join(_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def _decode(text: str) -> int:
    value = 0
    for ch in text:
        value = (value << 5) | _INDEX[ch]
    return value


def ulid(ms: int | None = None) -> str:
    ms = int(time.time() * 1000) if ms is None else ms
    return _encode((ms << 80) | int.from_bytes(os.urandom(10), "big"))


def new_id(prefix: str, ms: int | None = None) -> str:
    return f"{prefix}_{ulid(ms)}"


def new_id_after(prefix: str, last: str | None, ms: int | None = None) -> str:
    """A new id strictly greater than `last` (same prefix), so a wallet's ledger sorts in commit order
    even when two transactions fall in the same millisecond or this host's clock is behind the one
    that wrote `last`. Past `last` it steps by a random amount, never by a fixed one: two writers
    planning on the same wallet version never make the same id, whatever their clocks say."""
    candidate = new_id(prefix, ms)
    if last is None or candidate > last:
        return candidate
    step = 1 + int.from_bytes(os.urandom(8), "big")
    return f"{prefix}_{_encode(_decode(last.split('_', 1)[1]) + step)}"


def ms_of(identifier: str) -> int:
    """Milliseconds encoded in an id."""
    return _decode(identifier.split("_", 1)[1]) >> 80
