"""Credit lots and the consumption order (pure functions, no I/O).

Consumption order for debits, holds and voids without a type:
  1. lots that expire soonest first; lots without expiry last;
  2. on an expiry tie, scoped lots (`applies_to`) before unscoped ones: the narrower credit goes
     first, keeping the credit that pays for anything for later;
  3. then non-withdrawable funding types before withdrawable ones;
  4. then the oldest lot first (creation time, then id, so the order is total and deterministic).

Scopes: a lot with `applies_to` (charge categories, e.g. product ids) pays only for debits and holds
naming one of them as their `category`; an unscoped lot pays for anything. Voids, decreasing
adjustments and closing take from every lot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

FUNDING_TYPES = ("cash", "promotional", "code_redemption", "refund", "manual_adjustment")
Scope = tuple[str, ...] | None  # the sorted categories a lot applies to; None: to every charge
WITHDRAWABLE = frozenset({"cash", "refund", "manual_adjustment"})


def is_withdrawable(funding_type: str) -> bool:
    return funding_type in WITHDRAWABLE


def pays_for(scope: Scope, category: str | None) -> bool:
    """Whether credit of this scope pays for a charge of `category` (unscoped credit pays for any)."""
    return scope is None or (category is not None and category in scope)


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
    applies_to: Scope = None
    # Whether its credit may be paid out; None: as its funding type says (a code decides its own).
    withdrawable: bool | None = None

    def can_withdraw(self) -> bool:
        return is_withdrawable(self.funding_type) if self.withdrawable is None else self.withdrawable

    def portion(self, amount: int) -> Allocation:
        """`amount` of this lot, as a ledger entry records it."""
        return Allocation(
            self.id, self.funding_type, amount, self.expires_at, self.applies_to, self.withdrawable
        )

    def pays_for(self, category: str | None) -> bool:
        return pays_for(self.applies_to, category)

    def expired(self, now: int) -> bool:
        """Expiry is exact to the millisecond: at `expires_at` the credit is already gone."""
        return self.expires_at is not None and now >= self.expires_at


def consumption_key(lot: Lot) -> tuple[bool, int, bool, bool, int, str]:
    return (
        lot.expires_at is None,
        lot.expires_at or 0,
        lot.applies_to is None,
        lot.can_withdraw(),
        lot.created_at,
        lot.id,
    )


def consumption_order(lots: Iterable[Lot]) -> list[Lot]:
    return sorted(lots, key=consumption_key)


ConsumptionKey = tuple[bool, int, bool, bool, int, str]


@dataclass
class ColdLots:
    """What a wallet needs to know about the live lots it has not read (its cold lots): their totals,
    where they start in the consumption order, and when one of them next needs the sweep.

    A wallet keeps the head of its consumption order in its own item and the rest in pages it reads
    only when a command reaches them (decision 40); these totals keep balances, the due time and the
    consumption order exact without reading them. Cold lots are never held (held lots stay loaded).
    """

    count: int
    by_type: dict[str, int]
    by_scope: dict[Scope, int]
    withdrawable: int
    first_key: ConsumptionKey  # every cold lot comes at or after this in the consumption order
    next_expiry: int | None  # the earliest expiry among them
    next_unwarned: int | None  # the earliest expiry among those not warned yet
    version: int  # the wallet version that last wrote them (a read of the pages checks it)
    pages: int = 0  # how many pages of the table hold them

    @property
    def balance(self) -> int:
        return sum(self.by_type.values())


def summarize(lots: Iterable[Lot], version: int) -> ColdLots | None:
    """The totals of `lots` (None when there are none)."""
    ordered = consumption_order(lots)
    if not ordered:
        return None
    by_type: dict[str, int] = {}
    by_scope: dict[Scope, int] = {}
    for lot in ordered:
        by_type[lot.funding_type] = by_type.get(lot.funding_type, 0) + lot.remaining
        by_scope[lot.applies_to] = by_scope.get(lot.applies_to, 0) + lot.remaining
    expiries = [lot.expires_at for lot in ordered if lot.expires_at is not None]
    unwarned = [lot.expires_at for lot in ordered if lot.expires_at is not None and not lot.warned]
    return ColdLots(
        count=len(ordered),
        by_type=by_type,
        by_scope=by_scope,
        withdrawable=sum(lot.remaining for lot in ordered if lot.can_withdraw()),
        first_key=consumption_key(ordered[0]),
        next_expiry=min(expiries, default=None),
        next_unwarned=min(unwarned, default=None),
        version=version,
    )


@dataclass(frozen=True)
class Allocation:
    lot_id: str
    funding_type: str
    amount: int
    expires_at: int | None
    applies_to: Scope = None  # stored interned (items.py), shown summed by scope (`by_scope`)
    withdrawable: bool | None = None  # the lot's own setting, when it has one

    def can_withdraw(self) -> bool:
        return is_withdrawable(self.funding_type) if self.withdrawable is None else self.withdrawable

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
    category: str | None = None,
    any_scope: bool = False,
) -> list[Allocation]:
    """Take up to `amount` from the unheld, unexpired part of `lots` in consumption order: only
    lots that pay for `category` unless `any_scope` (voids and adjustments take from every lot).

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
        if not any_scope and not lot.pays_for(category):
            continue
        free = lot.remaining - held.get(lot.id, 0)
        if free <= 0:
            continue
        take = min(free, left)
        out.append(lot.portion(take))
        left -= take
    return out


def total(allocations: Iterable[Allocation]) -> int:
    return sum(a.amount for a in allocations)


def by_type(allocations: Iterable[Allocation]) -> dict[str, int]:
    out: dict[str, int] = {}
    for a in allocations:
        out[a.funding_type] = out.get(a.funding_type, 0) + a.amount
    return out


def by_scope(allocations: Iterable[Allocation]) -> list[dict[str, Any]]:
    """Amounts per scope (unscoped first, then by categories): which scopes paid or were moved."""
    sums: dict[Scope, int] = {}
    for a in allocations:
        sums[a.applies_to] = sums.get(a.applies_to, 0) + a.amount
    return [
        {"applies_to": list(scope) if scope is not None else None, "amount": amount}
        for scope, amount in sorted(sums.items(), key=lambda kv: (kv[0] is not None, kv[0] or ()))
    ]
