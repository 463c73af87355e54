"""The wallet aggregate: status, settings, live lots, pending holds and the ledger entries a command adds.

Everything a balance decision needs lives in this one object (stored as one DynamoDB item, its
colder lots summed in it and kept in pages: `cold`, decision 40), so a command is: read the item,
run a pure method here (which asks for the cold lots, `ColdLotsNeeded`, when it reaches them),
write the result with a condition on `version`.
Every method takes `now` and first settles what is due (expired lots, expired holds), so the ledger
always records expiry before anything that happens after it, and `balance_after` replays exactly.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any

from wallets import errors, ids
from wallets.clock import DAY_MS
from wallets.lots import (
    Allocation,
    ColdLots,
    Lot,
    Scope,
    allocate,
    by_type,
    consumption_key,
    pays_for,
    total,
)

ACTIVE, FROZEN, CLOSED = "active", "frozen", "closed"
STATUSES = (ACTIVE, FROZEN, CLOSED)

# Transaction types and their effect on `balance` (+1 in, -1 out, 0 moves only `pending`).
BALANCE_SIGN = {
    "credit": 1,
    "top_up": 1,
    "refund": 1,
    "debit": -1,
    "void": -1,
    "expiry": -1,
    "capture": -1,
    "close": -1,
    "hold": 0,
    "release": 0,
}


def balance_sign(entry: Entry) -> int | None:
    """+1, -1 or 0: how an entry moves `balance`. An adjustment goes either way (its direction)."""
    if entry.type == "adjustment":
        return -1 if entry.details.get("direction") == "decrease" else 1
    return BALANCE_SIGN.get(entry.type)


DEFAULT_HOLD_MS = 7 * DAY_MS
MAX_HOLD_MS = 30 * DAY_MS
# A wallet item holds at most 400 KB and one transaction at most 100 items; see
# docs/decisions.md ("Every command fits DynamoDB's limits") for how these maxima were chosen.
MAX_LIVE_LOTS = 1000
MAX_PENDING_HOLDS = 50
MAX_HOLD_ALLOCATIONS = 1000  # lots reserved by all pending holds together (they live in the wallet item)
# Distinct scopes (`applies_to` lists) among a wallet's live lots, and a scope's categories: the wallet
# item stores each scope once and its lots name it (items.py), so this bounds what scopes add to it.
MAX_SCOPES = 20
MAX_SCOPE_CATEGORIES = 20
MAX_CATEGORY_LENGTH = 64
# Expired holds one write releases (2 items each); expired lots always leave in ONE expiry entry.
MAX_SETTLED_PER_WRITE = 20
# Items (entries, hold records, refund counters) one command may add to its transaction: the rest of
# DynamoDB's 100 is the wallet item, the pages of its cold lots (at most 30: items.MAX_PAGES) and the
# request's own records (idempotency, reference, top-up).
MAX_EFFECTS_PER_WRITE = 60

DEFAULT_SETTINGS: dict[str, Any] = {
    "low_balance_threshold": None,
    "credit_expiry_days": None,
    "expiry_warning_days": 7,
    "allow_top_up": True,
    "top_up_amounts": [],
    "max_bonus_percent": 100,
    "auto_top_up": None,
}


class ColdLotsNeeded(Exception):
    """The command reached lots this wallet has not read (its cold lots: `Wallet.cold`). The caller
    reads them (`repository.with_cold`) and runs the command again on the whole wallet."""


@dataclass
class PendingHold:
    id: str
    amount: int
    expires_at: int
    created_at: int
    allocations: list[Allocation]

    def expired(self, now: int) -> bool:
        return now >= self.expires_at


@dataclass
class Entry:
    """One ledger transaction. Immutable once written (except the refunded counter of its item)."""

    id: str
    type: str
    amount: int
    balance_after: int
    available_after: int
    pending_after: int
    created_at: int
    allocations: list[Allocation] = field(default_factory=list)
    description: str | None = None
    reason: str | None = None
    reference: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    hold_id: str | None = None
    original_transaction_id: str | None = None
    top_up_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None  # who moved the money: an IAM principal, `scheduler` or `system`

    @property
    def breakdown(self) -> dict[str, int]:
        return by_type(self.allocations)


@dataclass
class HoldChange:
    hold_id: str
    status: str  # captured | released | expired
    captured_amount: int = 0
    released_amount: int = 0


@dataclass
class Effects:
    """What the current command did besides changing the wallet item itself."""

    entries: list[Entry] = field(default_factory=list)
    new_holds: list[PendingHold] = field(default_factory=list)
    hold_changes: list[HoldChange] = field(default_factory=list)
    refunded: list[tuple[str, int]] = field(default_factory=list)  # (original txn id, new refunded total)
    warned: list[Lot] = field(default_factory=list)  # lots entering the expiry warning window

    def items(self) -> int:
        """DynamoDB items these effects write besides the wallet item itself."""
        return len(self.entries) + len(self.new_holds) + len(self.hold_changes) + len(self.refunded)


@dataclass
class Balances:
    balance: int
    pending: int
    available: int
    withdrawable: int
    by_type: dict[str, int]
    by_scope: dict[Scope, tuple[int, int]]  # (balance, available) per applies_to list


@dataclass
class Wallet:
    id: str
    customer_id: str
    currency: str
    status: str
    created_at: int
    updated_at: int
    version: int = 0
    metadata: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_SETTINGS))
    # The live lots read: all of them, or the head of the consumption order when `cold` is set.
    lots: dict[str, Lot] = field(default_factory=dict)
    # The totals of the live lots not read (None: every live lot is in `lots`).
    cold: ColdLots | None = None
    holds: dict[str, PendingHold] = field(default_factory=dict)
    last_transaction_id: str | None = None
    auto_top_up_state: dict[str, Any] = field(default_factory=dict)
    # The payment gateway's customer (Stripe: cus_…) whose saved card automatic top-ups charge.
    gateway_customer_id: str | None = None
    # When the wallet closes by itself (as `close` would, reason `expired`); None: never.
    expires_at: int | None = None
    effects: Effects = field(default_factory=Effects, compare=False, repr=False)
    # Who the current command acts for; stamped on the entries it records (not stored on the wallet).
    actor: str = field(default="system", compare=False, repr=False)
    # How storage found this wallet (items.py's notes on where its lots were); never read here.
    stored: Any = field(default=None, compare=False, repr=False)

    # ---------------------------------------------------------------- construction
    @classmethod
    def open(
        cls,
        customer_id: str,
        currency: str,
        now: int,
        metadata: dict[str, str] | None = None,
        settings: dict[str, Any] | None = None,
        gateway_customer_id: str | None = None,
        expires_at: int | None = None,
    ) -> Wallet:
        _require_future("expires_at", expires_at, now)
        wallet = cls(
            id=ids.new_id("wal", now),
            customer_id=customer_id,
            currency=currency,
            status=ACTIVE,
            created_at=now,
            updated_at=now,
            metadata=dict(metadata or {}),
            gateway_customer_id=gateway_customer_id,
            expires_at=expires_at,
        )
        if settings:
            wallet.settings.update(settings)
        # Opening below the auto top-up threshold is not crossing it: only a fall from at or above
        # the threshold arms an automatic top-up.
        wallet.auto_top_up_state["crossing_served"] = True
        return wallet

    def fork(self) -> Wallet:
        """A working copy for one command attempt; the original stays as read."""
        # Storage's notes are shared, not copied (the memo maps them to themselves): no command
        # changes them, and the pages they describe can be large.
        clone = copy.deepcopy(self, {id(self.stored): self.stored})
        clone.effects = Effects()
        return clone

    def live_lots(self) -> int:
        return len(self.lots) + (self.cold.count if self.cold is not None else 0)

    def _need_cold(self) -> None:
        if self.cold is not None:
            raise ColdLotsNeeded()

    def _allocate(
        self,
        amount: int,
        now: int,
        funding_type: str | None = None,
        category: str | None = None,
        any_scope: bool = False,
    ) -> list[Allocation]:
        """`allocate` over the live lots: from the lots read that come before every cold lot, and
        when they do not cover `amount`, from all of them once the cold lots are read."""
        cold = self.cold
        lots = (
            self.lots.values()
            if cold is None
            else [lot for lot in self.lots.values() if consumption_key(lot) < cold.first_key]
        )
        out = allocate(lots, amount, now, self.held_by_lot(), funding_type, category, any_scope)
        if total(out) < amount:
            self._need_cold()
        return out

    # ---------------------------------------------------------------- derived balances
    def held_by_lot(self) -> dict[str, int]:
        held: dict[str, int] = {}
        for hold in self.holds.values():
            for a in hold.allocations:
                held[a.lot_id] = held.get(a.lot_id, 0) + a.amount
        return held

    def balances(self) -> Balances:
        """Balances of a settled wallet (call `settle(now)` first, or use `view(now)`)."""
        held = self.held_by_lot()
        balance = pending = available = withdrawable = 0
        types: dict[str, int] = {}
        scopes: dict[Scope, tuple[int, int]] = {}
        for lot in self.lots.values():
            balance += lot.remaining
            types[lot.funding_type] = types.get(lot.funding_type, 0) + lot.remaining
            free = lot.remaining - held.get(lot.id, 0)
            available += free
            in_scope = scopes.get(lot.applies_to, (0, 0))
            scopes[lot.applies_to] = (in_scope[0] + lot.remaining, in_scope[1] + free)
            if lot.can_withdraw():
                withdrawable += free
        if self.cold is not None:  # cold lots are never held: all of them is available
            cold = self.cold
            balance += cold.balance
            available += cold.balance
            withdrawable += cold.withdrawable
            for funding_type, amount in cold.by_type.items():
                types[funding_type] = types.get(funding_type, 0) + amount
            for scope, amount in cold.by_scope.items():
                in_scope = scopes.get(scope, (0, 0))
                scopes[scope] = (in_scope[0] + amount, in_scope[1] + amount)
        pending = sum(h.amount for h in self.holds.values())
        return Balances(balance, pending, available, withdrawable, types, scopes)

    def view(self, now: int) -> Wallet:
        """The wallet as of `now`: what a read shows whether or not the sweep has run."""
        clone = self.fork()
        clone.settle(now, limit=None)
        return clone

    def warn_ms(self) -> int:
        """How long before a lot expires it is warned of and counted as expiring soon (0: never)."""
        return int(self.settings.get("expiry_warning_days") or 0) * DAY_MS

    def expiring_soon(self, now: int) -> int:
        """Credit inside the expiry warning window (of a settled wallet): cold lots inside it are
        read for it (the totals do not say when each cold lot expires)."""
        warn_ms = self.warn_ms()
        cold = self.cold
        if cold is not None and cold.next_expiry is not None and now >= cold.next_expiry - warn_ms:
            raise ColdLotsNeeded()
        return sum(
            lot.remaining
            for lot in self.lots.values()
            if lot.expires_at is not None and lot.expires_at - warn_ms <= now < lot.expires_at
        )

    def next_expiry(self) -> int | None:
        """When credit next expires (the cold lots expire no earlier than their `next_expiry`)."""
        expiries = [lot.expires_at for lot in self.lots.values() if lot.expires_at is not None]
        if self.cold is not None and self.cold.next_expiry is not None:
            expiries.append(self.cold.next_expiry)
        return min(expiries, default=None)

    def next_due_at(self) -> int | None:
        """When this wallet next needs the sweep (lot expiry, expiry warning or hold expiry)."""
        times: list[int] = [h.expires_at for h in self.holds.values()]
        if self.expires_at is not None and self.status != CLOSED:
            times.append(self.expires_at)
        warn_ms = self.warn_ms()
        held = self.held_by_lot()
        for lot in self.lots.values():
            if lot.expires_at is None:
                continue
            if lot.remaining - held.get(lot.id, 0) > 0:
                times.append(lot.expires_at)
                # A fully held lot is warned about (if ever) once a release frees part of it: that
                # write recomputes this time. Counting it now would keep the wallet due for nothing.
                if not lot.warned and warn_ms:
                    times.append(lot.expires_at - warn_ms)
        if self.cold is not None:
            if self.cold.next_expiry is not None:
                times.append(self.cold.next_expiry)
            if self.cold.next_unwarned is not None and warn_ms:
                times.append(self.cold.next_unwarned - warn_ms)
        return min(times) if times else None

    def due_count(self, now: int) -> int:
        """Holds settling would release: the expired ones, or all of them once the wallet itself has
        expired (expired lots, however many, leave in one entry)."""
        if self.expired(now):
            return len(self.holds)
        return sum(1 for h in self.holds.values() if h.expired(now))

    def expired(self, now: int) -> bool:
        """Past its `expires_at` and not closed yet: settling closes it (exact to the millisecond)."""
        return self.status != CLOSED and self.expires_at is not None and now >= self.expires_at

    # ---------------------------------------------------------------- ledger plumbing
    def _record(self, type_: str, amount: int, now: int, **fields: Any) -> Entry:
        b = self.balances()
        entry = Entry(
            id=ids.new_id_after("txn", self.last_transaction_id, now),
            type=type_,
            amount=amount,
            balance_after=b.balance,
            available_after=b.available,
            pending_after=b.pending,
            created_at=now,
            actor=self.actor,
            **fields,
        )
        self.last_transaction_id = entry.id
        self.effects.entries.append(entry)
        self.updated_at = now
        return entry

    def _take(self, allocations: list[Allocation]) -> None:
        for a in allocations:
            lot = self.lots[a.lot_id]
            lot.remaining -= a.amount
            if lot.remaining < 0:  # pragma: no cover - allocation never over-takes
                raise AssertionError(f"lot {lot.id} would go negative")
            if lot.remaining == 0:
                del self.lots[lot.id]

    def _no_room(self, applies_to: Scope) -> errors.LimitExceeded | None:
        """Why one more live lot (of scope `applies_to`) would pass the wallet's maxima, or None."""
        if self.live_lots() + 1 > MAX_LIVE_LOTS:
            return errors.LimitExceeded(
                f"A wallet holds at most {MAX_LIVE_LOTS} live credit lots", {"live_lots": self.live_lots()}
            )
        scopes = {lot.applies_to for lot in self.lots.values() if lot.applies_to is not None}
        if self.cold is not None:
            scopes.update(scope for scope in self.cold.by_scope if scope is not None)
        if applies_to is not None and applies_to not in scopes and len(scopes) >= MAX_SCOPES:
            return errors.LimitExceeded(
                f"A wallet's live credit has at most {MAX_SCOPES} distinct applies_to lists",
                {"scopes": len(scopes)},
            )
        return None

    def _add_lot(
        self,
        funding_type: str,
        amount: int,
        now: int,
        expires_at: int | None,
        source_transaction_id: str | None = None,
        applies_to: Scope = None,
        withdrawable: bool | None = None,
        checked: bool = True,
    ) -> Lot:
        """A new live lot; `checked`: refused past the maxima (every caller but a refund's restores)."""
        refusal = self._no_room(applies_to) if checked else None
        if refusal is not None:
            raise refusal
        lot = Lot(
            applies_to=applies_to,
            withdrawable=withdrawable,
            id=ids.new_id("lot", now),
            funding_type=funding_type,
            amount=amount,
            remaining=amount,
            created_at=now,
            expires_at=expires_at,
            source_transaction_id=source_transaction_id,
        )
        self.lots[lot.id] = lot
        return lot

    def _release(self, hold: PendingHold, now: int, status: str, **fields: Any) -> Entry:
        """End a pending hold without taking anything: its funds are available again."""
        del self.holds[hold.id]
        self.effects.hold_changes.append(HoldChange(hold.id, status, released_amount=hold.amount))
        return self._record(
            "release", hold.amount, now, allocations=hold.allocations, hold_id=hold.id, **fields
        )

    # ---------------------------------------------------------------- settlement of due work
    def settle(self, now: int, limit: int | None = MAX_SETTLED_PER_WRITE) -> int:
        """Release expired holds, then expire the unheld part of every expired lot in ONE entry.

        Returns how many holds and lots it settled. With a limit, a command releases at most that
        many expired holds (two items each) in its transaction; callers commit the backlog first
        while `due_count(now)` is above it. The expiry entry has one allocation per lot, so however
        many lots expire together they cost one item.
        """
        if self.cold is not None and self.cold.next_expiry is not None and now >= self.cold.next_expiry:
            raise ColdLotsNeeded()
        released = 0  # the limit counts holds released (two items each); lots leave in one entry
        for hold in sorted(self.holds.values(), key=lambda h: (h.expires_at, h.id)):
            if limit is not None and released >= limit:
                break
            if hold.expired(now):
                self._release(hold, now, "expired", reason="expired")
                released += 1
        expired = self._expire_lots(now)
        if self.expired(now):
            # The wallet's own expiry: it closes as `close` would, its holds released first (at most
            # `limit` of them per write, like expired holds; the close waits for the last one).
            for hold in sorted(self.holds.values(), key=lambda h: h.id):
                if limit is not None and released >= limit:
                    return released + expired
                self._release(hold, now, "released", reason="wallet_expired")
                released += 1
            expired += self._expire_lots(now)  # what those holds freed of expired lots expires
            self._close_out(now, "expired")
            return released + expired + 1
        return released + expired

    def _expire_lots(self, now: int) -> int:
        """Expire the unheld part of every expired lot in ONE entry; returns how many lots."""
        held = self.held_by_lot()
        expired = [
            lot.portion(lot.remaining - held.get(lot.id, 0))
            for lot in sorted(self.lots.values(), key=lambda x: (x.expires_at or 0, x.id))
            if lot.expired(now) and lot.remaining - held.get(lot.id, 0) > 0
        ]
        if expired:
            self._take(expired)
            self._record("expiry", total(expired), now, allocations=expired, reason="expired")
        return len(expired)

    def in_warning_window(self, lot: Lot, now: int) -> bool:
        warn_ms = self.warn_ms()
        return bool(warn_ms) and lot.expires_at is not None and now >= lot.expires_at - warn_ms

    def mark_warned(self, now: int) -> list[Lot]:
        """Lots entering the expiry warning window; each is warned once (wallet.credit_expiring)."""
        warn_ms = self.warn_ms()
        cold = self.cold
        if (
            cold is not None
            and cold.next_unwarned is not None
            and warn_ms
            and now >= cold.next_unwarned - warn_ms
        ):
            raise ColdLotsNeeded()
        held = self.held_by_lot()
        out = []
        for lot in self.lots.values():
            if (
                not lot.warned
                and self.in_warning_window(lot, now)
                and not lot.expired(now)
                and lot.remaining - held.get(lot.id, 0) > 0
            ):
                lot.warned = True
                out.append(lot)
        if out:
            self.updated_at = now
            self.effects.warned.extend(out)
        return out

    # ---------------------------------------------------------------- automatic top-up state
    AUTO_TOP_UP_RETRY_MS = 5 * 60_000
    AUTO_TOP_UP_MAX_FAILURES = 3

    def auto_top_up_config(self) -> dict[str, Any] | None:
        cfg = self.settings.get("auto_top_up")
        return dict(cfg) if cfg and cfg.get("enabled") else None

    def arm_auto_top_up(self, now: int) -> None:
        """Mark the wallet due for an automatic top-up when available is below the threshold.

        Runs after every command. Arms once per crossing: while a top-up is in flight, suspended, or
        waiting for its retry time, nothing changes; a crossing already served (a top-up succeeded, or
        the wallet opened below) does not re-arm; back at or above the threshold disarms it.
        """
        state = self.auto_top_up_state
        cfg = self.auto_top_up_config()
        if cfg is None or state.get("suspended") or self.status != ACTIVE:
            state.pop("due_at", None)
            return
        below = self.balances().available < int(cfg["threshold"])
        if not below:
            for key in ("due_at", "next_attempt_at", "crossing_served"):
                state.pop(key, None)
            return
        if state.get("crossing_served") or state.get("pending_top_up") or state.get("due_at") is not None:
            return
        state["due_at"] = max(now, int(state.get("next_attempt_at") or now))

    def claim_auto_top_up(self, now: int, top_up_id: str) -> dict[str, Any] | None:
        """Decide whether the due automatic top-up may run now (guardrails), and claim it.

        Returns the config to charge with, or None when the guardrails say not now (the wallet is
        then re-armed for when they allow it).
        """
        state = self.auto_top_up_state
        due = state.get("due_at")
        if due is None or int(due) > now:
            # Not due: the crossing was served (a top-up that left the wallet below still serves
            # it), or a backoff or cooldown runs. A late or repeated trigger event changes nothing.
            return None
        cfg = self.auto_top_up_config()
        state.pop("due_at", None)
        if cfg is None or state.get("suspended") or state.get("pending_top_up"):
            return None
        if self.balances().available >= int(cfg["threshold"]) or self.status != ACTIVE:
            return None
        if self.live_lots() >= MAX_LIVE_LOTS:
            return None  # the credit could not land; a later write that frees a lot re-arms it
        day = now // DAY_MS
        if state.get("day") != day:
            state["day"], state["count_today"] = day, 0
        last = state.get("last_at")
        ready_at = int(last) + int(cfg.get("cooldown_seconds", 0)) * 1000 if last is not None else now
        if int(state["count_today"]) >= int(cfg.get("max_per_day", 3)):
            ready_at = max(ready_at, (day + 1) * DAY_MS)
        if ready_at > now:
            state["due_at"] = ready_at
            return None
        state["pending_top_up"] = top_up_id
        state["count_today"] = int(state["count_today"]) + 1
        state["last_at"] = now
        self.updated_at = now
        return cfg

    def auto_top_up_finished(self, now: int, succeeded: bool) -> None:
        state = self.auto_top_up_state
        state.pop("pending_top_up", None)
        if succeeded:
            state["failures"] = 0
            state.pop("next_attempt_at", None)
            state["crossing_served"] = True  # still below afterwards: the next crossing arms again
        else:
            failures = int(state.get("failures", 0)) + 1
            state["failures"] = failures
            if failures >= self.AUTO_TOP_UP_MAX_FAILURES:
                state["suspended"] = True
                state["suspended_at"] = now
            else:
                state["next_attempt_at"] = now + self.AUTO_TOP_UP_RETRY_MS * 2 ** (failures - 1)
        self.updated_at = now

    def switch_auto_top_up(self, now: int, enabled: bool, amount: int | None = None) -> None:
        """Switch the configured automatic top-up on or off (and set its amount), as its customer.

        Unlike `configure` this never resumes a suspended one (that stays the merchant's, so
        switching on is refused while suspended); switching off is always allowed and keeps the
        suspension on record, so off-then-on resumes nothing either."""
        self.require_open()
        configured = self.settings.get("auto_top_up")
        if not configured:
            raise errors.TopUpNotAllowed("Automatic top-up is not offered for this wallet")
        if enabled and self.auto_top_up_state.get("suspended"):
            raise errors.TopUpNotAllowed(
                "Automatic top-up is suspended after failed payments; add funds or ask the merchant"
            )
        changed = {**configured, "enabled": enabled}
        if amount is not None:
            changed["amount"] = amount
        self.settings["auto_top_up"] = changed
        self.updated_at = now

    MAX_CARD_SETUPS_PER_DAY = 10

    def count_card_setup(self, now: int) -> None:
        """Count a customer's request to start saving a card (a SetupIntent at the gateway) against
        the UTC day's cap: each one creates gateway objects, and unbounded ones are how stolen cards
        get tested."""
        self.require_active()
        state = self.auto_top_up_state
        day = now // DAY_MS
        if state.get("setup_day") != day:
            state["setup_day"], state["setups_today"] = day, 0
        if int(state["setups_today"]) >= self.MAX_CARD_SETUPS_PER_DAY:
            raise errors.LimitExceeded(
                f"At most {self.MAX_CARD_SETUPS_PER_DAY} cards can be set up for this wallet a day; "
                "use a saved one or try again tomorrow",
                {"max_per_day": self.MAX_CARD_SETUPS_PER_DAY},
            )
        state["setups_today"] = int(state["setups_today"]) + 1
        self.updated_at = now

    # ---------------------------------------------------------------- status machine
    def require_open(self) -> None:
        if self.status == CLOSED:
            raise errors.WalletClosed(f"Wallet {self.id} is closed")

    def require_active(self) -> None:
        self.require_open()
        if self.status == FROZEN:
            raise errors.WalletFrozen(f"Wallet {self.id} is frozen")

    def freeze(self, now: int) -> None:
        self.require_open()
        if self.status != FROZEN:
            self.status, self.updated_at = FROZEN, now

    def unfreeze(self, now: int) -> None:
        self.require_open()
        if self.status != ACTIVE:
            self.status, self.updated_at = ACTIVE, now

    def configure(
        self,
        now: int,
        metadata: dict[str, str] | None,
        settings: dict[str, Any] | None,
        gateway_customer_id: str | None = None,
        expires_at: int | None = None,
        clear_expiry: bool = False,
    ) -> None:
        self.require_open()
        if gateway_customer_id is not None:
            self.gateway_customer_id = gateway_customer_id
        if clear_expiry:
            self.expires_at = None
        elif expires_at is not None:
            _require_future("expires_at", expires_at, now)
            self.expires_at = expires_at
        if metadata is not None:
            merged = {**self.metadata, **metadata}
            # Stripe-style: an empty string removes a key.
            self.metadata = {k: v for k, v in merged.items() if v != ""}
            if len(self.metadata) > 20:
                raise errors.field_error("metadata", "at most 20 keys")
        if settings:
            if "auto_top_up" in settings and self.auto_top_up_state.get("suspended"):
                # Saving auto top-up settings again is how a merchant resumes it after suspension.
                # The daily count and the last attempt stay: resuming never bypasses the guardrails.
                state = self.auto_top_up_state
                for key in ("suspended", "suspended_at", "failures", "next_attempt_at"):
                    state.pop(key, None)
                saved = settings["auto_top_up"]
                if isinstance(saved, dict) and saved.get("enabled"):  # turned off is not resumed
                    state["resumed_at"] = now
            self.settings.update(settings)
        self.updated_at = now

    def link_gateway_customer(self, customer: str, now: int) -> str:
        """Record the gateway customer created for this wallet, unless one was linked meanwhile
        (then that one stands). Returns the wallet's customer. It settles nothing (it moves no money:
        the function that links may not write holds), but an expired wallet is closed to it too."""
        self.view(now).require_open()
        if self.gateway_customer_id is None:
            self.gateway_customer_id, self.updated_at = customer, now
        return self.gateway_customer_id

    def close(self, now: int, reason: str | None = None) -> Entry | None:
        """Release pending holds, forfeit non-withdrawable credit, report `refund_due`. Terminal.

        A wallet with more pending holds than one transaction can release closes in several writes:
        this releases as many as fit and returns None; the caller commits that and calls again. A
        stop in between leaves an open wallet with fewer holds, which a retried close finishes.
        """
        self.settle(now)
        self.require_open()
        for hold in sorted(self.holds.values(), key=lambda h: h.id):
            if self.effects.items() + 2 > MAX_EFFECTS_PER_WRITE - 2:  # room for expiry + close entry
                return None
            self._release(hold, now, "released", reason="wallet_closed")
        self.settle(now)
        return self._close_out(now, reason)

    def _close_out(self, now: int, reason: str | None) -> Entry:
        """Forfeit the non-withdrawable credit of a wallet without holds, report `refund_due`, close."""
        self._need_cold()
        allocations = [lot.portion(lot.remaining) for lot in sorted(self.lots.values(), key=lambda x: x.id)]
        refund_due = sum(a.amount for a in allocations if a.can_withdraw())
        amount = total(allocations)
        self._take(allocations)
        self.status = CLOSED
        self.auto_top_up_state.pop("due_at", None)
        return self._record(
            "close",
            amount,
            now,
            allocations=allocations,
            reason=reason,
            details={"refund_due": refund_due, "forfeited": amount - refund_due},
        )

    # ---------------------------------------------------------------- money movements
    def credit(
        self,
        amount: int,
        now: int,
        funding_type: str = "promotional",
        expires_at: int | None = None,
        type_: str = "credit",
        applies_to: Scope = None,
        withdrawable: bool | None = None,
        **fields: Any,
    ) -> Entry:
        self.settle(now)
        self.require_open()
        _require_future("expires_at", expires_at, now)
        if expires_at is None and funding_type == "promotional" and self.settings.get("credit_expiry_days"):
            expires_at = now + int(self.settings["credit_expiry_days"]) * DAY_MS
        lot = self._add_lot(
            funding_type, amount, now, expires_at, applies_to=applies_to, withdrawable=withdrawable
        )
        entry = self._record(type_, amount, now, allocations=[lot.portion(amount)], **fields)
        lot.source_transaction_id = entry.id
        return entry

    def check_top_up(
        self,
        now: int,
        amount: int,
        bonus_amount: int,
        bonus_expires_at: int | None,
        automatic: bool = False,
        bonus_applies_to: Scope = None,
    ) -> None:
        """Refuse, before anything is charged, a top-up this wallet could not credit now.

        Besides the merchant's policy, it runs `top_up` itself on a copy of the wallet as read: every
        limit the settlement can hit (closed, live lots, scopes) refuses here first, from one rule."""
        settled = self.view(now)
        settled.require_open()
        if not automatic and not self.settings.get("allow_top_up", True):
            raise errors.TopUpNotAllowed("Top-ups are disabled for this wallet (allow_top_up is false)")
        _require_future("bonus_expires_at", bonus_expires_at, now)
        percent = int(self.settings["max_bonus_percent"])
        if bonus_amount * 100 > amount * percent:
            raise errors.field_error(
                "bonus_amount", f"must be at most {percent}% of amount (the wallet's max_bonus_percent)"
            )
        settled.top_up(amount, now, "top_check", bonus_amount, bonus_expires_at, bonus_applies_to)

    def top_up(
        self,
        amount: int,
        now: int,
        top_up_id: str,
        bonus_amount: int = 0,
        bonus_expires_at: int | None = None,
        bonus_applies_to: Scope = None,
        **fields: Any,
    ) -> Entry:
        """Paid credits (cash lot) plus optional granted credits (promotional lot), one entry.

        Allowed on frozen wallets (money already charged must land); refused only when closed.
        """
        self.settle(now)
        self.require_open()
        if bonus_expires_at is not None and bonus_expires_at <= now:
            bonus_expires_at = now  # already expired when it finally lands: settled just below
        cash = self._add_lot("cash", amount, now, None)
        allocations = [cash.portion(amount)]
        if bonus_amount:
            if bonus_expires_at is None and self.settings.get("credit_expiry_days"):
                bonus_expires_at = now + int(self.settings["credit_expiry_days"]) * DAY_MS
            bonus = self._add_lot(
                "promotional", bonus_amount, now, bonus_expires_at, applies_to=bonus_applies_to
            )
            allocations.append(bonus.portion(bonus_amount))
        entry = self._record(
            "top_up",
            amount + bonus_amount,
            now,
            allocations=allocations,
            top_up_id=top_up_id,
            details={"paid_amount": amount, "bonus_amount": bonus_amount},
            **fields,
        )
        for a in allocations:
            self.lots[a.lot_id].source_transaction_id = entry.id
        self.settle(now)
        return entry

    def debit(
        self,
        amount: int,
        now: int,
        allow_partial: bool = False,
        category: str | None = None,
        **fields: Any,
    ) -> Entry:
        """Spend `amount` (or what there is, with `allow_partial`) from the lots that pay for
        `category`, in the consumption order."""
        self.settle(now)
        self.require_active()
        allocations = self._allocate(amount, now, category=category)
        applied = total(allocations)
        if applied < amount and not allow_partial:
            raise errors.InsufficientFunds(
                "Insufficient available balance",
                _shortfall(amount, self.available_for(category, now), category),
            )
        if applied == 0:
            raise errors.InsufficientFunds(
                "Nothing available to apply", {"requested": amount, "available": 0}
            )
        self._take(allocations)
        return self._record(
            "debit",
            applied,
            now,
            allocations=allocations,
            details={
                "requested_amount": amount,
                "applied_amount": applied,
                "unapplied_amount": amount - applied,
                **_category(category),
            },
            **fields,
        )

    def available_for(self, category: str | None, now: int) -> int:
        """What a debit or hold naming `category` could take now (unscoped and matching lots) of a
        settled wallet: cold lots count by their totals (settled, none has expired or is held)."""
        read = total(allocate(self.lots.values(), 10**18, now, self.held_by_lot(), category=category))
        if self.cold is None:
            return read
        return read + sum(amount for scope, amount in self.cold.by_scope.items() if pays_for(scope, category))

    def void(self, amount: int, now: int, funding_type: str | None = None, **fields: Any) -> Entry:
        self.settle(now)
        self.require_active()
        allocations = self._allocate(amount, now, funding_type, any_scope=True)
        if total(allocations) < amount:
            available = total(self._allocate(10**18, now, funding_type, any_scope=True))
            raise errors.InsufficientFunds(
                "Not enough available credit to void",
                {"requested": amount, "available": available, "funding_type": funding_type},
            )
        self._take(allocations)
        return self._record("void", amount, now, allocations=allocations, **fields)

    def adjust(self, amount: int, now: int, reason: str, **fields: Any) -> Entry:
        """A manual correction by the merchant, allowed on frozen wallets. A positive amount adds a
        `manual_adjustment` lot; a negative one takes from available credit, in the consumption
        order, as a void does (never from held funds). One `adjustment` entry, with its direction."""
        self.settle(now)
        self.require_open()
        if amount > 0:
            lot = self._add_lot("manual_adjustment", amount, now, None)
            entry = self._record(
                "adjustment",
                amount,
                now,
                allocations=[lot.portion(amount)],
                reason=reason,
                details={"direction": "increase"},
                **fields,
            )
            lot.source_transaction_id = entry.id
            return entry
        allocations = self._allocate(-amount, now, any_scope=True)
        if total(allocations) < -amount:
            raise errors.InsufficientFunds(
                "Not enough available credit to adjust down",
                {"requested": -amount, "available": self.balances().available},
            )
        self._take(allocations)
        return self._record(
            "adjustment",
            -amount,
            now,
            allocations=allocations,
            reason=reason,
            details={"direction": "decrease"},
            **fields,
        )

    def hold(
        self,
        amount: int,
        now: int,
        expires_at: int | None = None,
        category: str | None = None,
        **fields: Any,
    ) -> tuple[PendingHold, Entry]:
        self.settle(now)
        self.require_active()
        if expires_at is None:
            expires_at = now + DEFAULT_HOLD_MS
        _require_future("expires_at", expires_at, now)
        if expires_at > now + MAX_HOLD_MS:
            raise errors.field_error("expires_at", "must be at most 30 days ahead")
        if len(self.holds) >= MAX_PENDING_HOLDS:
            raise errors.LimitExceeded(
                f"A wallet has at most {MAX_PENDING_HOLDS} pending holds", {"pending_holds": len(self.holds)}
            )
        allocations = self._allocate(amount, now, category=category)
        if total(allocations) < amount:
            raise errors.InsufficientFunds(
                "Insufficient available balance",
                _shortfall(amount, self.available_for(category, now), category),
            )
        reserved = sum(len(h.allocations) for h in self.holds.values())
        if reserved + len(allocations) > MAX_HOLD_ALLOCATIONS:
            raise errors.LimitExceeded(
                f"Pending holds of a wallet reserve at most {MAX_HOLD_ALLOCATIONS} credit lots in total",
                {"reserved_lots": reserved, "requested_lots": len(allocations)},
            )
        hold = PendingHold(ids.new_id("hld", now), amount, expires_at, now, allocations)
        self.holds[hold.id] = hold
        self.effects.new_holds.append(hold)
        entry = self._record(
            "hold",
            amount,
            now,
            allocations=allocations,
            hold_id=hold.id,
            details=_category(category),
            **fields,
        )
        return hold, entry

    def _pending_hold(self, hold_id: str, now: int) -> PendingHold:
        self.settle(now)
        self.require_open()
        hold = self.holds.get(hold_id)
        if hold is None:
            raise errors.HoldNotPending(f"Hold {hold_id} is not pending")
        return hold

    def capture(self, hold_id: str, now: int, amount: int | None = None, **fields: Any) -> Entry:
        """Capture all or part of a hold; the rest is released in the same entry and write.

        Captured funds come from the reserved lots in their consumption order. Allowed on frozen
        wallets for holds taken before the freeze.
        """
        hold = self._pending_hold(hold_id, now)
        amount = hold.amount if amount is None else amount
        if amount > hold.amount:
            raise errors.ValidationFailed(
                "Capture exceeds the held amount", {"amount": [f"must be at most {hold.amount}"]}
            )
        allocations = self._capture_hold(hold, amount)
        released = hold.amount - amount
        entry = self._record(
            "capture",
            amount,
            now,
            allocations=allocations,
            hold_id=hold.id,
            details={"released_amount": released, "held_amount": hold.amount},
            **fields,
        )
        self.settle(now)  # released funds of lots that expired while held expire now
        return entry

    def _capture_hold(self, hold: PendingHold, amount: int) -> list[Allocation]:
        """Take `amount` of a pending hold from its reserved lots, in their consumption order; the
        rest of the hold is released."""
        del self.holds[hold.id]
        allocations: list[Allocation] = []
        left = amount
        for reserved in sorted(hold.allocations, key=lambda a: consumption_key(self.lots[a.lot_id])):
            if left == 0:
                break
            take = min(reserved.amount, left)
            allocations.append(replace(reserved, amount=take))
            left -= take
        self._take(allocations)
        self.effects.hold_changes.append(HoldChange(hold.id, "captured", amount, hold.amount - amount))
        return allocations

    def debit_with_charge(
        self,
        hold_id: str | None,
        charged: int,
        now: int,
        charge_id: str,
        category: str | None = None,
        **fields: Any,
    ) -> Entry:
        """Finish a debit whose remainder was charged to a payment method: the wallet's part, held
        when the debit started, is captured whole, and one `debit` entry records both parts.

        Allowed on a frozen wallet (the charge already happened); refused when the hold is gone
        (the wallet closed, or someone released it): the caller then refunds the charge.
        """
        applied = 0
        allocations: list[Allocation] = []
        if hold_id is not None:
            hold = self._pending_hold(hold_id, now)
            applied = hold.amount
            allocations = self._capture_hold(hold, applied)
        else:
            self.settle(now)
            self.require_open()
        entry = self._record(
            "debit",
            applied,
            now,
            allocations=allocations,
            hold_id=hold_id,
            details={
                "requested_amount": applied + charged,
                "applied_amount": applied,
                "unapplied_amount": 0,
                "charged_amount": charged,
                "charge_id": charge_id,
                **_category(category),
            },
            **fields,
        )
        self.settle(now)
        return entry

    def release(self, hold_id: str, now: int, **fields: Any) -> Entry:
        entry = self._release(self._pending_hold(hold_id, now), now, "released", **fields)
        self.settle(now)  # released funds of lots that expired while held expire now
        return entry

    def refund(
        self,
        original: Entry,
        already_refunded: int,
        now: int,
        amount: int | None = None,
        **fields: Any,
    ) -> Entry:
        """Credit back part or all of a debit or capture, restoring the funding types it consumed.

        Portions are restored in reverse consumption order (what the payment took last comes back
        first), and cumulative refunds walk that same order, so two partial refunds restore exactly
        what one full refund would. A restored portion keeps its original expiry; if that is past,
        it is restored already expired and leaves in the same write as an `expiry` entry.
        """
        self.settle(now)
        self.require_open()
        if original.type not in ("debit", "capture"):
            raise errors.field_error("transaction_id", "must be a debit or a capture")
        refundable = original.amount - already_refunded
        amount = refundable if amount is None else amount
        if any(a.lot_id not in self.lots for a in original.allocations):
            self._need_cold()  # a lot it took from may be cold: it goes back into that lot
        if amount <= 0 or amount > refundable:
            raise errors.RefundExceedsOriginal(
                "Refunds would exceed the original amount",
                {
                    "original_amount": original.amount,
                    "refunded_amount": already_refunded,
                    "requested": amount,
                },
            )
        # A portion whose lot is still live goes back into it (it keeps its expiry warning state: a
        # warned lot is not warned again, an unwarned one is warned once, for all of it). The others
        # are grouped per funding type, expiry, scope and withdrawability (portions that can never be
        # told apart need not be separate lots) and go to a home (`_restore_to`); those already
        # expired are restored only to leave again in the expiry entry below, one passing lot per
        # type whatever their number or scope, never a live lot.
        skip, left = already_refunded, amount
        into_live: dict[str, int] = {}
        Key = tuple[str, int | None, Scope, bool | None]
        groups: dict[Key, int] = {}
        expiries: dict[Key, int | None] = {}
        for portion in reversed(original.allocations):
            part = portion.amount
            if skip >= part:
                skip -= part
                continue
            part -= skip
            skip = 0
            take = min(part, left)
            left -= take
            live = self.lots.get(portion.lot_id)
            if live is not None and not live.expired(now):
                into_live[live.id] = into_live.get(live.id, 0) + take
            else:
                expired = portion.expires_at is not None and portion.expires_at <= now
                key: Key = (
                    (portion.funding_type, -1, None, portion.withdrawable)
                    if expired
                    else (portion.funding_type, portion.expires_at, portion.applies_to, portion.withdrawable)
                )
                groups[key] = groups.get(key, 0) + take
                expiries[key] = (
                    max(expiries.get(key) or 0, portion.expires_at or 0) if expired else portion.expires_at
                )
            if left == 0:
                break
        restored: list[Allocation] = []
        for lot_id, part in into_live.items():
            lot = self.lots[lot_id]
            lot.remaining += part
            restored.append(lot.portion(part))
        new_lots: list[Lot] = []
        for key, part in groups.items():
            home = self._restore_to(key[0], expiries[key], key[2], key[3], now)
            if home is not None:
                home.remaining += part
                restored.append(home.portion(part))
                continue
            lot = self._add_lot(
                key[0], part, now, expiries[key], applies_to=key[2], withdrawable=key[3], checked=False
            )
            # Its lot is gone: if its expiry is already inside the warning window, the refund event
            # (which lists the lot and its expiry) is the notice; the sweep does not warn again.
            lot.warned = self.in_warning_window(lot, now)
            new_lots.append(lot)
            restored.append(lot.portion(part))
        self.effects.refunded.append((original.id, already_refunded + amount))
        entry = self._record(
            "refund",
            amount,
            now,
            allocations=restored,
            original_transaction_id=original.id,
            **fields,
        )
        for lot in new_lots:
            lot.source_transaction_id = entry.id
        self.settle(now)
        return entry

    def _restore_to(
        self, funding_type: str, expires_at: int | None, scope: Scope, withdrawable: bool | None, now: int
    ) -> Lot | None:
        """The live lot a refund gives back credit to whose own lot is gone (None: a new lot).

        A refund is never refused for the wallet's maxima: what it restores must always land.
        - Credit already expired (`expires_at` passed) passes through a new lot that leaves in the
          same write: never a live lot, never counted.
        - Credit indistinguishable from a live lot's (same funding type, expiry, scope and
          withdrawability) goes into that lot.
        - Otherwise a new lot, while the wallet has room for it.
        - Past the maxima (live lots, scopes), a lot of the same funding type, scope and
          withdrawability takes it: the one expiring soonest without expiring before it, else the
          unheld one expiring last, whose expiry moves out to the restored credit's. Either way the
          credit lasts at least as long as it would have.
        So a wallet passes a maximum only by a refund's lot of a kind (funding type, scope,
        withdrawability) it has no unheld lot of: at most one per kind. Credits, top-ups, grants and
        codes are refused until payments bring it back under.
        """
        if expires_at is not None and expires_at <= now:
            return None
        same = [
            lot
            for lot in self.lots.values()
            if (lot.funding_type, lot.applies_to, lot.withdrawable) == (funding_type, scope, withdrawable)
            and not lot.expired(now)
        ]
        exact = next((lot for lot in same if lot.expires_at == expires_at), None)
        if exact is not None or self._no_room(scope) is None:
            return exact
        lasting = [lot for lot in same if _outlasts(lot.expires_at, expires_at)]
        if lasting:
            return min(lasting, key=_expiry_order)
        # A held lot keeps its expiry: its holds' entries record it, and the ledger replays them.
        held = self.held_by_lot()
        unheld = [lot for lot in same if lot.id not in held]
        if not unheld:
            return None
        home = max(unheld, key=_expiry_order)
        home.expires_at = expires_at
        home.warned = home.warned and self.in_warning_window(home, now)
        return home


def _category(category: str | None) -> dict[str, str]:
    return {"category": category} if category is not None else {}


def _shortfall(requested: int, available: int, category: str | None) -> dict[str, Any]:
    details: dict[str, Any] = {"requested": requested, "available": available}
    if category is not None:
        details["category"] = category
    return details


def _require_future(name: str, at: int | None, now: int) -> None:
    if at is not None and at <= now:
        raise errors.field_error(name, "must be in the future")


def _expiry_order(lot: Lot) -> tuple[bool, int]:
    """Sorts lots by when they expire, those that never do last."""
    return lot.expires_at is None, lot.expires_at or 0


def _outlasts(expires_at: int | None, than: int | None) -> bool:
    """Credit expiring at `expires_at` lasts at least as long as credit expiring at `than`."""
    return expires_at is None or (than is not None and expires_at >= than)
