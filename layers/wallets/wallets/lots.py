"""Credit lots and the consumption order (pure functions, no I/O).

Consumption order for debits, holds and voids without a type:
  1. lots that expire soonest first; lots without expiry last;
  2. on an expiry tie, non-withdrawable funding types before withdrawable ones;
  3. then the oldest lot first (creation time, then id, so the order is total and deterministic).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

FUNDING_TYPES = ("cash", "promotional", "code_redemption", "refund", "manual_adjustment")
WITHDRAWABLE = frozenset({"cash", "refund", "manual_adjustment"})


def is_withdrawable(funding_type: str) -> bool:
    return funding_type in WITHDRAWABLE


@dataclass
class Lot:
    id: str
    funding_type: str
    amount: int
    remaining: int
    created_at: int
    expires_at: int | None = None
    source_transaction_id: str | None = None
    warned: bool = False

    def expired(self, now: int) -> bool:
        """Expiry is exact to the millisecond: at `expires_at` the credit is already gone."""
        return self.expires_at is not None and now >= self.expires_at


def consumption_key(lot: Lot) -> tuple[bool, int, bool, int, str]:
    return (
        lot.expires_at is None,
        lot.expires_at or 0,
        is_withdrawable(lot.funding_type),
        lot.created_at,
        lot.id,
    )


def consumption_order(lots: Iterable[Lot]) -> list[Lot]:
    return sorted(lots, key=consumption_key)


@dataclass(frozen=True)
class Allocation:
    lot_id: str
    funding_type: str
    amount: int
    expires_at: int | None

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "lot_id": self.lot_id,
            "funding_type": self.funding_type,
            "amount": self.amount,
        }
        if self.expires_at is not None:
            data["expires_at"] = self.expires_at
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Allocation:
        expires = data.get("expires_at")
        return cls(
            lot_id=str(data["lot_id"]),
            funding_type=str(data["funding_type"]),
            amount=int(data["amount"]),  # type: ignore[call-overload]
            expires_at=int(expires) if expires is not None else None,  # type: ignore[call-overload]
        )


def allocate(
    lots: Iterable[Lot],
    amount: int,
    now: int,
    held: Mapping[str, int] | None = None,
    funding_type: str | None = None,
) -> list[Allocation]:
    """Take up to `amount` from the unheld, unexpired part of `lots` in consumption order.

    Returns fewer than `amount` in total when there is not enough; the caller decides whether that
    is a partial payment or `insufficient_funds`.
    """
    held = held or {}
    out: list[Allocation] = []
    left = amount
    for lot in consumption_order(lots):
        if left == 0:
            break
        if lot.expired(now) or (funding_type is not None and lot.funding_type != funding_type):
            continue
        free = lot.remaining - held.get(lot.id, 0)
        if free <= 0:
            continue
        take = min(free, left)
        out.append(Allocation(lot.id, lot.funding_type, take, lot.expires_at))
        left -= take
    return out


def total(allocations: Iterable[Allocation]) -> int:
    return sum(a.amount for a in allocations)


def by_type(allocations: Iterable[Allocation]) -> dict[str, int]:
    out: dict[str, int] = {}
    for a in allocations:
        out[a.funding_type] = out.get(a.funding_type, 0) + a.amount
    return out
