"""DynamoDB items of the single table (PynamoDB models) and their mapping to the domain.

Keys (pk / sk):
  WAL#<wallet_id> / WALLET          the wallet aggregate: status, settings, pending holds, the head of
                                    its consumption order (lots) and the totals of the rest (cold)
  WAL#<wallet_id> / LOTS#<nnn>      a page of the wallet's cold lots, read only when a command reaches
                                    them (decision 40)
  WAL#<wallet_id> / TXN#<txn_id>    ledger transactions (ids sort in commit order per wallet)
  WAL#<wallet_id> / HLD#<hold_id>   holds (history and status)
  WAL#<wallet_id> / REF#<reference> reference -> transaction id, unique per wallet forever
  WAL#<wallet_id> / TOP#<top_up_id> paid top-ups and debits' remainder charges (two-phase: pending ->
                                    succeeded | failed)
  WAL#<wallet_id> / PAYOUT          refunds of a closed wallet's cash to its top-ups' payments
  SANDBOX#<intent_id> / CHARGE      the sandbox gateway's own records
  CUS#<customer_id> / CUR#<currency> one wallet per (customer, currency); lists a customer's wallets
  CODE#<code_id> / CODE             a credit code (never the code itself: its hash and last four)
  CODE#<code_id> / RED#<customer>   a once-per-customer code's redemption by that customer
  CODEHASH#<sha256> / CODE          the code's hash -> its id (unique: two codes cannot collide)
  WAL#<wallet_id> / REDEEMFAIL#<ms> the wallet's refused code redemptions in the window starting
                                    then (codes.py); DynamoDB's TTL deletes it after the window
  WAL#<wallet_id> / TOPUPFAIL#<ms>  the wallet's declined customer top-ups that UTC day (customer_api.py),
                                    deleted by TTL after the day
  IDEM#<key> / IDEM                 idempotency record, written in the same transaction as the money

Indexes (sparse or narrow, so balance updates never rewrite them; `kind` is projected because
PyNamoDB filters polymorphic queries on it):
  wallets: list_pk / list_sk       every wallet (list_pk WALLETS), every code (CODES), newest first
  sweep:   due_shard / due_at      wallets with scheduled work (expiry, warnings, holds), sharded,
                                   each with a copy of its item (the sweep reads nothing else)
  topups:  work_shard / work_at    wallets due for auto top-up, top-ups left pending, payouts to resume
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import zlib
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from wallets.lots import Allocation, ColdLots, Lot, Scope, consumption_order, summarize
from wallets.wallet import Entry, PendingHold, Wallet

DUE_SHARDS = 16
# The wallet item keeps the first HEAD_LOTS lots of the consumption order (and every held lot); the
# rest are cold, in pages of at most PAGE_LOTS. A write that has not read the cold lots may leave up to
# HEAD_MAX lots in the item; past that, the cold lots are read and the lots placed again. Measured in
# `make bench` and chosen in decision 40: a debit stays within 8 WCU whatever the number of lots.
HEAD_LOTS = 8
HEAD_MAX = 16
PAGE_LOTS = 40
MAX_PAGES = 30  # more pages than this are packed again: a write then rewrites at most this many


def shard_of(wallet_id: str, shards: int = DUE_SHARDS) -> str:
    return f"{zlib.crc32(wallet_id.encode()) % shards:02d}"


def wallet_pk(wallet_id: str) -> str:
    return f"WAL#{wallet_id}"


def wallet_id_of(item: TableItem) -> str:
    """The wallet an item of its partition belongs to (from its key: index copies may have no more)."""
    return item.pk.split("#", 1)[1]


def sortable_ms(ms: int) -> str:
    return f"{ms:015d}"


class WalletsIndex(GlobalSecondaryIndex["TableItem"]):
    class Meta:
        index_name = "wallets"
        projection = IncludeProjection(["kind", "status", "currency", "customer_id"])

    list_pk = UnicodeAttribute(hash_key=True)
    list_sk = UnicodeAttribute(range_key=True)


class DueIndex(GlobalSecondaryIndex["TableItem"]):
    """Wallets with scheduled work, each with a copy of its whole item: the sweep settles a due
    wallet from the index alone (its write is conditioned on the version, so a copy that lags the
    table costs a retry, never a wrong write). Decision 41."""

    class Meta:
        index_name = "sweep"
        projection = AllProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class WorkIndex(GlobalSecondaryIndex["TableItem"]):
    class Meta:
        index_name = "topups"
        projection = IncludeProjection(["kind"])

    work_shard = UnicodeAttribute(hash_key=True)
    work_at = UnicodeAttribute(range_key=True)


class TableItem(Model):
    class Meta:
        table_name = "wallets"  # bound from settings by repository.bind()
        region = "us-east-1"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    # The ClientRequestToken of the transaction that put this item, and of the last one that updated
    # it: the only things a cancelled re-send may take as proof that its own earlier attempt committed
    # (repository.Sent sets them). Apart, so that updating an entry (a refund of it) keeps the proof
    # of the transaction that put it.
    commit_token = UnicodeAttribute(null=True)
    update_token = UnicodeAttribute(null=True)


class WalletItem(TableItem, discriminator="wallet"):
    wallet_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    currency = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    version = NumberAttribute()
    metadata = MapAttribute[str, Any](default=dict)
    settings = MapAttribute[str, Any](default=dict)
    lots = MapAttribute[str, Any](default=dict)
    holds = MapAttribute[str, Any](default=dict)
    # Each scope (applies_to list) once, by key; lots and hold portions name their scope's key.
    scopes = MapAttribute[str, Any](default=dict)
    auto_top_up_state = MapAttribute[str, Any](default=dict)
    last_transaction_id = UnicodeAttribute(null=True)
    gateway_customer_id = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    # The totals of the cold lots (`ColdLots`), and how many pages hold them.
    cold = MapAttribute[str, Any](null=True)
    # The lots this write warned of (wallet.credit_expiring), wherever they are stored.
    warned = MapAttribute[str, Any](null=True)
    # Snapshot of the balances as of this write: lets stream consumers see crossings from two images.
    balance = NumberAttribute(default=0)
    available = NumberAttribute(default=0)
    pending = NumberAttribute(default=0)
    list_pk = UnicodeAttribute(null=True)
    list_sk = UnicodeAttribute(null=True)
    due_shard = UnicodeAttribute(null=True)
    due_at = UnicodeAttribute(null=True)
    work_shard = UnicodeAttribute(null=True)
    work_at = UnicodeAttribute(null=True)
    wallets_index = WalletsIndex()
    due_index = DueIndex()
    work_index = WorkIndex()


class LotPageItem(TableItem, discriminator="lot_page"):
    """A page of a wallet's cold lots, written in the same transaction as the wallet item. Lots name
    their scope by key; the wallet item's `scopes` holds each one (the cold totals name them all)."""

    lots = MapAttribute[str, Any](default=dict)
    version = NumberAttribute()  # the wallet version that wrote it


class CustomerWalletItem(TableItem, discriminator="customer_wallet"):
    wallet_id = UnicodeAttribute()
    created_at = NumberAttribute()


class TransactionItem(TableItem, discriminator="transaction"):
    transaction_id = UnicodeAttribute()
    wallet_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    currency = UnicodeAttribute()
    type = UnicodeAttribute()
    amount = NumberAttribute()
    balance_after = NumberAttribute()
    available_after = NumberAttribute()
    pending_after = NumberAttribute()
    created_at = NumberAttribute()
    allocations = ListAttribute[Any](default=list)
    description = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    reference = UnicodeAttribute(null=True)
    metadata = MapAttribute[str, Any](default=dict)
    hold_id = UnicodeAttribute(null=True)
    original_transaction_id = UnicodeAttribute(null=True)
    top_up_id = UnicodeAttribute(null=True)
    details = MapAttribute[str, Any](default=dict)
    scopes = MapAttribute[str, Any](default=dict)  # the scopes its allocations name, by key
    actor = UnicodeAttribute(null=True)
    refunded_amount = NumberAttribute(default=0)


class HoldItem(TableItem, discriminator="hold"):
    hold_id = UnicodeAttribute()
    wallet_id = UnicodeAttribute()
    status = UnicodeAttribute()
    amount = NumberAttribute()
    captured_amount = NumberAttribute(default=0)
    released_amount = NumberAttribute(default=0)
    expires_at = NumberAttribute()
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    reference = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    metadata = MapAttribute[str, Any](default=dict)
    allocations = ListAttribute[Any](default=list)
    transaction_id = UnicodeAttribute()
    closing_transaction_id = UnicodeAttribute(null=True)
    actor = UnicodeAttribute(null=True)


class ReferenceItem(TableItem, discriminator="reference"):
    transaction_id = UnicodeAttribute()
    created_at = NumberAttribute()


class IdempotencyItem(TableItem, discriminator="idempotency"):
    fingerprint = UnicodeAttribute()
    status_code = NumberAttribute()
    body = UnicodeAttribute()
    created_at = NumberAttribute()
    expires = TTLAttribute()


class TopUpItem(TableItem, discriminator="top_up"):
    top_up_id = UnicodeAttribute()
    wallet_id = UnicodeAttribute()
    customer_id = UnicodeAttribute(null=True)
    currency = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # pending | succeeded | failed | refunding | refunded
    amount = NumberAttribute()
    bonus_amount = NumberAttribute(default=0)
    bonus_expires_at = NumberAttribute(null=True)
    bonus_applies_to = ListAttribute[Any](null=True)
    payment_method = UnicodeAttribute()
    automatic = BooleanAttribute(default=False)
    description = UnicodeAttribute(null=True)
    actor = UnicodeAttribute(null=True)
    gateway = UnicodeAttribute(null=True)  # the payment gateway that holds its intent
    intent_id = UnicodeAttribute(null=True)  # recorded before any money moves (gateway.py)
    client_secret = UnicodeAttribute(null=True)  # while the customer must act (3-D Secure)
    charge_id = UnicodeAttribute(null=True)
    gateway_customer = UnicodeAttribute(null=True)  # the wallet's gateway customer when it was created
    # A debit's remainder charge (purpose "remainder"): the wallet's part is held (hold_id) until the
    # charge of `amount` settles; the debit is then recorded whole (docs/decisions.md 30).
    purpose = UnicodeAttribute(null=True)  # top_up (None) | remainder
    hold_id = UnicodeAttribute(null=True)
    applied_amount = NumberAttribute(null=True)
    category = UnicodeAttribute(null=True)  # the debit's category (its held part paid from that scope)
    metadata = MapAttribute[str, Any](default=dict)
    transaction_id = UnicodeAttribute(null=True)
    failure_code = UnicodeAttribute(null=True)
    failure_message = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    request_fingerprint = UnicodeAttribute(null=True)
    work_shard = UnicodeAttribute(null=True)
    work_at = UnicodeAttribute(null=True)
    work_index = WorkIndex()


class PayoutItem(TableItem, discriminator="payout"):
    """Refunds of a closed wallet's withdrawable cash to the top-ups that paid it (payouts.py).
    Written in the close transaction; each refund is recorded `requested` before the gateway is asked."""

    wallet_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    currency = UnicodeAttribute()
    status = UnicodeAttribute()  # pending | completed
    amount = NumberAttribute()  # refund_due at close
    remaining = NumberAttribute()  # not yet refunded (nor being refunded)
    refunds = ListAttribute[Any](
        default=list
    )  # {top_up_id, intent_id, amount, status requested|refunded|refused}
    cursor = UnicodeAttribute(null=True)  # the sort key of the last top-up considered (newest first)
    version = NumberAttribute()
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    work_shard = UnicodeAttribute(null=True)
    work_at = UnicodeAttribute(null=True)
    work_index = WorkIndex()


PAYOUT_SK = "PAYOUT"


class SandboxChargeItem(TableItem, discriminator="sandbox_charge"):
    """A charge of the sandbox payment gateway (a stand-in for the gateway's own records)."""

    charge_id = UnicodeAttribute()
    status = UnicodeAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    payment_method = UnicodeAttribute()
    failure_code = UnicodeAttribute(null=True)
    failure_message = UnicodeAttribute(null=True)
    metadata = MapAttribute[str, Any](default=dict)
    refunded_amount = NumberAttribute(default=0)
    refund_keys = ListAttribute[Any](default=list)  # the idempotency keys of the refunds made


class CodeItem(TableItem, discriminator="code"):
    """A credit code (codes.py). Redemptions count up in the transaction that credits the wallet."""

    code_id = UnicodeAttribute()
    code_hash = UnicodeAttribute()
    last4 = UnicodeAttribute()
    status = UnicodeAttribute()  # active | disabled
    amounts = MapAttribute[str, Any]()  # currency -> amount in minor units
    withdrawable = BooleanAttribute(default=False)
    applies_to = ListAttribute[Any](null=True)
    redeemable_until = NumberAttribute(null=True)
    credit_expires_at = NumberAttribute(null=True)
    credit_expiry_days = NumberAttribute(null=True)
    max_redemptions = NumberAttribute(null=True)
    once_per_customer = BooleanAttribute(default=True)
    redemptions = NumberAttribute(default=0)
    description = UnicodeAttribute(null=True)
    metadata = MapAttribute[str, Any](default=dict)
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    list_pk = UnicodeAttribute(null=True)
    list_sk = UnicodeAttribute(null=True)
    wallets_index = WalletsIndex()


class CodeHashItem(TableItem, discriminator="code_hash"):
    code_id = UnicodeAttribute()


class RedemptionItem(TableItem, discriminator="redemption"):
    wallet_id = UnicodeAttribute()
    transaction_id = UnicodeAttribute()
    created_at = NumberAttribute()


class RedemptionFailuresItem(TableItem, discriminator="redemption_failures"):
    """A wallet's refused code redemptions in one window, counted by one conditional update."""

    failures = NumberAttribute(default=0)
    expires = TTLAttribute(null=True)


class DeclinedTopUpsItem(TableItem, discriminator="declined_top_ups"):
    """A wallet's customer top-ups declined (or still being charged) in one UTC day (customer_api)."""

    attempts = NumberAttribute(default=0)
    expires = TTLAttribute(null=True)


class JobCheckpointItem(TableItem, discriminator="job_checkpoint"):
    """Where a long job stopped (reconcile resumes from here)."""

    cursor = UnicodeAttribute(null=True)


ALL_MODELS: tuple[type[TableItem], ...] = (
    TableItem,
    WalletItem,
    LotPageItem,
    CustomerWalletItem,
    TransactionItem,
    HoldItem,
    ReferenceItem,
    IdempotencyItem,
    TopUpItem,
    PayoutItem,
    SandboxChargeItem,
    CodeItem,
    CodeHashItem,
    RedemptionItem,
    RedemptionFailuresItem,
    DeclinedTopUpsItem,
    JobCheckpointItem,
)


# ------------------------------------------------------------------ domain <-> item
def scope_key(scope: tuple[str, ...]) -> str:
    """A scope's short name in an item: the same categories always give the same key."""
    return hashlib.sha256("\x1f".join(scope).encode()).hexdigest()[:12]


def _scope_out(scope: Scope, scopes: dict[str, list[str]], data: dict[str, Any]) -> None:
    """Name `scope` in `data` by its key (collected in `scopes`); unscoped adds nothing."""
    if scope is not None:
        key = scope_key(scope)
        scopes[key] = list(scope)
        data["p"] = key


def _scope_in(raw: dict[str, Any], scopes: dict[str, Any]) -> Scope:
    key = raw.get("p")
    return tuple(scopes[key]) if key is not None else None


def _alloc_out(allocs: list[Allocation], scopes: dict[str, list[str]]) -> list[dict[str, Any]]:
    out = []
    for a in allocs:
        data = a.to_dict()
        _scope_out(a.applies_to, scopes, data)
        if a.withdrawable is not None:
            data["x"] = a.withdrawable
        out.append(data)
    return out


def _alloc_in(raw: Any, scopes: dict[str, Any]) -> list[Allocation]:
    out = []
    for data in plain(raw or []):
        a = Allocation.from_dict(data)
        a = Allocation(
            a.lot_id, a.funding_type, a.amount, a.expires_at, _scope_in(data, scopes), data.get("x")
        )
        out.append(a)
    return out


def plain(value: Any) -> Any:
    """PynamoDB raw maps come back as MapAttribute objects; turn them into dicts and ints."""
    if isinstance(value, MapAttribute):
        value = value.as_dict()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _lot_out(lot: Lot, scopes: dict[str, list[str]]) -> dict[str, Any]:
    data: dict[str, Any] = {"t": lot.funding_type, "a": lot.amount, "r": lot.remaining, "c": lot.created_at}
    if lot.expires_at is not None:
        data["e"] = lot.expires_at
    if lot.source_transaction_id:
        data["s"] = lot.source_transaction_id
    if lot.warned:
        data["w"] = True
    if lot.withdrawable is not None:
        data["x"] = lot.withdrawable
    _scope_out(lot.applies_to, scopes, data)
    return data


def _lot_in(lot_id: str, raw: dict[str, Any], scopes: dict[str, Any]) -> Lot:
    return Lot(
        id=lot_id,
        funding_type=raw["t"],
        amount=raw["a"],
        remaining=raw["r"],
        created_at=raw["c"],
        expires_at=raw.get("e"),
        source_transaction_id=raw.get("s"),
        warned=bool(raw.get("w", False)),
        applies_to=_scope_in(raw, scopes),
        withdrawable=raw.get("x"),
    )


@dataclass
class Layout:
    """Where a wallet's lots were, as read: the item's (`head`) and each page's."""

    pages: dict[str, dict[str, Lot]]
    head: dict[str, Lot]


@dataclass
class Placement:
    """Where a write puts a wallet's lots: the head in the wallet item, the rest in pages."""

    head: list[Lot]
    cold: ColdLots | None
    puts: list[LotPageItem]
    deletes: list[str]  # sort keys of pages to delete
    layout: Layout | None  # where the cold lots are once this is written (None: as before)


def place_lots(wallet: Wallet) -> Placement:
    """Split a wallet's lots into the item's head and cold pages, rewriting only the pages that change.

    A wallet whose cold lots were not read keeps them as they are (the command did not reach them)
    and every lot it read in its item. One whose cold lots were read (`stored` is a Layout) gets the
    first HEAD_LOTS lots of its consumption order, and every held lot, in the item; a page whose lots
    all stay cold and unchanged is not written again if at least half full, and the others are packed
    into full pages."""
    layout = wallet.stored
    if not isinstance(layout, Layout):
        return Placement(list(wallet.lots.values()), wallet.cold, [], [], None)
    held = wallet.held_by_lot()
    cold_before = {lot_id: lot for lots in layout.pages.values() for lot_id, lot in lots.items()}
    if (
        wallet.lots == {**layout.head, **cold_before}
        and set(held) <= set(layout.head)
        and sum(1 for lot_id in layout.head if lot_id not in held) <= HEAD_MAX
    ):  # the command changed no lot: they stay where they are
        summary = summarize(cold_before.values(), wallet.version)
        if summary is not None:
            summary.pages = len(layout.pages)
        return Placement([wallet.lots[lot_id] for lot_id in layout.head], summary, [], [], layout)
    head: list[Lot] = []
    cold: list[Lot] = []
    unheld = 0
    for lot in consumption_order(wallet.lots.values()):
        if lot.id in held:
            head.append(lot)
        elif unheld < HEAD_LOTS:
            head.append(lot)
            unheld += 1
        else:
            cold.append(lot)
    current = {lot.id: lot for lot in cold}
    kept = {  # pages at least half full whose lots all stay cold as they were
        name: lots
        for name, lots in layout.pages.items()
        if len(lots) >= PAGE_LOTS // 2 and all(current.get(lot_id) == lot for lot_id, lot in lots.items())
    }
    placed = {lot_id for lots in kept.values() for lot_id in lots}
    loose = [lot for lot in cold if lot.id not in placed]
    chunks = [loose[i : i + PAGE_LOTS] for i in range(0, len(loose), PAGE_LOTS)]
    if len(kept) + len(chunks) > MAX_PAGES:  # too many part-full pages: pack them all again
        kept = {}
        chunks = [cold[i : i + PAGE_LOTS] for i in range(0, len(cold), PAGE_LOTS)]
    free = sorted(set(layout.pages) - set(kept))
    fresh = (f"{n:03d}" for n in itertools.count() if f"{n:03d}" not in layout.pages)
    names = free[: len(chunks)] + [next(fresh) for _ in range(len(chunks) - len(free))]
    puts = []
    after = dict(kept)
    for name, chunk in zip(names, chunks, strict=True):
        after[name] = {lot.id: copy.copy(lot) for lot in chunk}
        lots = {lot.id: _lot_out(lot, {}) for lot in chunk}
        puts.append(LotPageItem(wallet_pk(wallet.id), f"LOTS#{name}", lots=lots, version=wallet.version))
    deletes = [f"LOTS#{name}" for name in free[len(chunks) :]]
    summary = summarize(cold, wallet.version)
    if summary is not None:
        summary.pages = len(kept) + len(chunks)
    return Placement(head, summary, puts, deletes, Layout(after, {lot.id: copy.copy(lot) for lot in head}))


def _cold_out(cold: ColdLots, scopes: dict[str, list[str]]) -> dict[str, Any]:
    by_scope: dict[str, int] = {}
    for scope, amount in cold.by_scope.items():
        data: dict[str, Any] = {}
        _scope_out(scope, scopes, data)
        by_scope[data.get("p", "-")] = amount
    expires_none, expires, unscoped, withdraw, created, lot_id = cold.first_key
    return _drop_none(
        {
            "n": cold.count,
            "t": cold.by_type,
            "p": by_scope,
            "w": cold.withdrawable,
            "k": [int(expires_none), expires, int(unscoped), int(withdraw), created, lot_id],
            "e": cold.next_expiry,
            "u": cold.next_unwarned,
            "v": cold.version,
            "g": cold.pages,
        }
    )


def _cold_in(raw: Any, scopes: dict[str, Any]) -> ColdLots | None:
    data = plain(raw) if raw is not None else None
    if not data:
        return None
    key = data["k"]
    return ColdLots(
        count=data["n"],
        by_type=data["t"],
        by_scope={(None if k == "-" else tuple(scopes[k])): v for k, v in data["p"].items()},
        withdrawable=data["w"],
        first_key=(bool(key[0]), key[1], bool(key[2]), bool(key[3]), key[4], key[5]),
        next_expiry=data.get("e"),
        next_unwarned=data.get("u"),
        version=data["v"],
        pages=data["g"],
    )


def head_overflows(wallet: Wallet) -> bool:
    """A write that did not read the cold lots would leave more than HEAD_MAX lots in the item."""
    if wallet.cold is None or isinstance(wallet.stored, Layout):
        return False
    held = wallet.held_by_lot()
    return sum(1 for lot in wallet.lots if lot not in held) > HEAD_MAX


def with_pages(wallet: Wallet, pages: list[LotPageItem]) -> Wallet | None:
    """The wallet with its cold lots read from `pages`, or None when the pages are not the ones its
    item names (a later write moved them: read both again)."""
    cold = wallet.cold
    if cold is None:
        return wallet
    if len(pages) != cold.pages or any(int(page.version) > cold.version for page in pages):
        return None
    scopes = {scope_key(scope): list(scope) for scope in cold.by_scope if scope is not None}
    raw = [(page.sk.split("#", 1)[1], plain(page.lots)) for page in pages]
    if any("p" in data and data["p"] not in scopes for _, lots_ in raw for data in lots_.values()):
        return None  # a scope the totals do not name: a later write put it there
    lots = {name: {k: _lot_in(k, v, scopes) for k, v in lots_.items()} for name, lots_ in raw}
    found = [lot for page_lots in lots.values() for lot in page_lots.values()]
    if len(found) != cold.count or sum(lot.remaining for lot in found) != cold.balance:
        return None
    full = wallet.fork()
    head = dict(full.lots)
    for lot in found:
        full.lots[lot.id] = lot
    full.cold = None
    full.stored = Layout(lots, head)
    return full


def wallet_to_item(wallet: Wallet) -> WalletItem:
    return wallet_items(wallet)[0]


def wallet_items(wallet: Wallet) -> tuple[WalletItem, Placement]:
    """The wallet item, and where the write puts the lots that are not in it."""
    placement = place_lots(wallet)
    b = wallet.balances()
    scopes: dict[str, list[str]] = {}
    lots = {lot.id: _lot_out(lot, scopes) for lot in placement.head}
    cold = _cold_out(placement.cold, scopes) if placement.cold is not None else None
    held = wallet.held_by_lot()
    warned = {
        lot.id: {"t": lot.funding_type, "e": lot.expires_at, "r": lot.remaining, "h": held.get(lot.id, 0)}
        for lot in wallet.effects.warned
    }
    holds = {
        h.id: {"a": h.amount, "e": h.expires_at, "c": h.created_at, "l": _alloc_out(h.allocations, scopes)}
        for h in wallet.holds.values()
    }
    due = wallet.next_due_at()
    work_at = wallet.auto_top_up_state.get("due_at")
    shard = shard_of(wallet.id)
    return WalletItem(
        wallet_pk(wallet.id),
        "WALLET",
        wallet_id=wallet.id,
        customer_id=wallet.customer_id,
        currency=wallet.currency,
        status=wallet.status,
        created_at=wallet.created_at,
        updated_at=wallet.updated_at,
        version=wallet.version,
        metadata=dict(wallet.metadata),
        settings=_drop_none(wallet.settings),
        lots=lots,
        cold=cold,
        warned=warned or None,
        holds=holds,
        scopes=scopes,
        auto_top_up_state=_drop_none(wallet.auto_top_up_state),
        last_transaction_id=wallet.last_transaction_id,
        gateway_customer_id=wallet.gateway_customer_id,
        expires_at=wallet.expires_at,
        balance=b.balance,
        available=b.available,
        pending=b.pending,
        list_pk="WALLETS",
        list_sk=wallet.id,
        due_shard=shard if due is not None else None,
        due_at=sortable_ms(due) if due is not None else None,
        work_shard=shard if work_at is not None else None,
        work_at=sortable_ms(work_at) if work_at is not None else None,
    ), placement


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (_drop_none(v) if isinstance(v, dict) else v) for k, v in data.items() if v is not None}


def wallet_from_item(item: WalletItem) -> Wallet:
    from wallets.wallet import DEFAULT_SETTINGS

    scopes = plain(item.scopes) or {}
    lots = {lot_id: _lot_in(lot_id, raw, scopes) for lot_id, raw in plain(item.lots).items()}
    cold = _cold_in(item.cold, scopes)
    holds = {}
    for hold_id, raw in plain(item.holds).items():
        holds[hold_id] = PendingHold(hold_id, raw["a"], raw["e"], raw["c"], _alloc_in(raw["l"], scopes))
    settings = {**DEFAULT_SETTINGS, **plain(item.settings)}
    return Wallet(
        id=item.wallet_id,
        customer_id=item.customer_id,
        currency=item.currency,
        status=item.status,
        created_at=int(item.created_at),
        updated_at=int(item.updated_at),
        version=int(item.version),
        metadata=plain(item.metadata),
        settings=settings,
        lots=lots,
        cold=cold,
        stored=Layout({}, {lot_id: copy.copy(lot) for lot_id, lot in lots.items()}) if cold is None else None,
        holds=holds,
        last_transaction_id=item.last_transaction_id,
        auto_top_up_state=plain(item.auto_top_up_state),
        gateway_customer_id=item.gateway_customer_id,
        expires_at=int(item.expires_at) if item.expires_at is not None else None,
    )


def entry_to_item(wallet: Wallet, entry: Entry) -> TransactionItem:
    scopes: dict[str, list[str]] = {}
    allocations = _alloc_out(entry.allocations, scopes)
    return TransactionItem(
        wallet_pk(wallet.id),
        f"TXN#{entry.id}",
        transaction_id=entry.id,
        wallet_id=wallet.id,
        customer_id=wallet.customer_id,
        currency=wallet.currency,
        type=entry.type,
        amount=entry.amount,
        balance_after=entry.balance_after,
        available_after=entry.available_after,
        pending_after=entry.pending_after,
        created_at=entry.created_at,
        allocations=allocations,
        scopes=scopes,
        description=entry.description,
        reason=entry.reason,
        reference=entry.reference,
        metadata=dict(entry.metadata),
        hold_id=entry.hold_id,
        original_transaction_id=entry.original_transaction_id,
        top_up_id=entry.top_up_id,
        details=_drop_none(entry.details),
        actor=entry.actor,
    )


def entry_from_item(item: TransactionItem) -> Entry:
    return Entry(
        id=item.transaction_id,
        type=item.type,
        amount=int(item.amount),
        balance_after=int(item.balance_after),
        available_after=int(item.available_after),
        pending_after=int(item.pending_after),
        created_at=int(item.created_at),
        allocations=_alloc_in(item.allocations, plain(item.scopes) or {}),
        description=item.description,
        reason=item.reason,
        reference=item.reference,
        metadata=plain(item.metadata),
        hold_id=item.hold_id,
        original_transaction_id=item.original_transaction_id,
        top_up_id=item.top_up_id,
        details=plain(item.details),
        actor=item.actor,
    )
