"""All DynamoDB access: reads of the aggregate and its records, and the one transactional commit.

A command writes ONE TransactWriteItems: the wallet item conditioned on the version it read, every
new ledger entry conditioned on not existing, and the idempotency/reference records conditioned on
not existing (returning the old item when they do). The reasons DynamoDB gives for a cancelled
transaction are mapped back to those items, never to message text.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from pynamodb.connection import Connection
from pynamodb.exceptions import (
    DoesNotExist,
    PynamoDBConnectionError,
    PynamoDBException,
    QueryError,
    TransactWriteError,
)
from pynamodb.transactions import TransactWrite

from wallets import errors, ids
from wallets.items import (
    ALL_MODELS,
    DUE_SHARDS,
    CustomerWalletItem,
    HoldItem,
    IdempotencyItem,
    Layout,
    LotPageItem,
    ReferenceItem,
    TableItem,
    TopUpItem,
    TransactionItem,
    WalletItem,
    entry_from_item,
    entry_to_item,
    plain,
    sortable_ms,
    wallet_from_item,
    wallet_items,
    wallet_pk,
    wallet_to_item,
    with_pages,
)
from wallets.lots import Scope, summarize
from wallets.settings import get_settings
from wallets.wallet import ColdLotsNeeded, Entry, Wallet

T = TypeVar("T")

RESENDS = 8  # identical re-sends after an ambiguous failure
BACKOFF_BASE_S = 0.01
BACKOFF_CAP_S = 0.5

_bound: tuple[str, str | None, str] | None = None
_connection: Connection | None = None


def backoff(attempt: int) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
    return random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * (2**attempt)))


def bind() -> None:
    """Point the PynamoDB models at the configured table (lazily, on first use)."""
    global _bound, _connection
    s = get_settings()
    target = (s.table_name, s.dynamodb_endpoint_url, s.region)
    if _bound == target:
        return
    for model in ALL_MODELS:
        model.Meta.table_name = s.table_name
        model.Meta.host = s.dynamodb_endpoint_url  # type: ignore[attr-defined]
        model.Meta.region = s.region
        model._connection = None
    # One connection (one botocore client) for every model's reads: PynamoDB would build one per
    # model class on its first use, each with its own botocore session and service model, a cost
    # every cold start paid several times over. WalletItem's schema names every index.
    shared = WalletItem._get_connection()
    for model in ALL_MODELS:
        model._connection = shared
    # The transactions' client does not retry on its own: a retry botocore makes after a timeout
    # that then comes back throttled would look like "nothing written" when the first attempt may
    # have committed. commit() and ledger.run retry, knowing which failures are ambiguous.
    _connection = Connection(region=s.region, host=s.dynamodb_endpoint_url, max_retry_attempts=0)
    # Both clients come from one botocore session per thread: a session loads DynamoDB's service
    # model and endpoints once, so the second client costs milliseconds, not a second load.
    shared.connection._local = _connection._local
    _bound = target


def unbind() -> None:
    """Forget clients (tests switch between embedded DynamoDB instances)."""
    global _bound, _connection
    _bound = None
    _connection = None
    for model in ALL_MODELS:
        model._connection = None


def connection() -> Connection:
    bind()
    assert _connection is not None
    return _connection


def prime() -> None:
    """Build both DynamoDB clients (reads, and the transactions' one without botocore retries)
    now rather than on the first request: the SnapStart hook runs this before the snapshot."""
    connection().client  # noqa: B018 - building it is the point
    WalletItem._get_connection().connection.client  # noqa: B018


# ------------------------------------------------------------------ reads
def get_wallet(wallet_id: str) -> Wallet:
    bind()
    try:
        item = WalletItem.get(wallet_pk(wallet_id), "WALLET", consistent_read=True)
    except DoesNotExist:
        raise errors.NotFound(f"No such wallet: {wallet_id}") from None
    return wallet_from_item(item)


def with_cold(wallet: Wallet) -> Wallet:
    """The wallet with its cold lots read (one Query of its lot pages). When a write moved them since
    the wallet was read, both are read again: the answer is always one version of the wallet."""
    for _ in range(RESENDS):
        if wallet.cold is None:
            return wallet
        pages = list(
            LotPageItem.query(wallet_pk(wallet.id), LotPageItem.sk.startswith("LOTS#"), consistent_read=True)
        )
        full = with_pages(wallet, pages)
        if full is not None:
            return full
        wallet = get_wallet(wallet.id)
    raise errors.Contention("Too many concurrent changes to this wallet; retry the request")


def loaded(wallet: Wallet, use: Callable[[Wallet], T]) -> T:
    """`use(wallet)`, or `use` of the whole wallet when it reaches lots the item does not hold."""
    try:
        return use(wallet)
    except ColdLotsNeeded:
        return use(with_cold(wallet))


def get_wallet_with(wallet_id: str, *sort_keys: str) -> tuple[Wallet, dict[str, TableItem]]:
    """The wallet and some of its records in ONE BatchGetItem (consistent)."""
    bind()
    keys = [(wallet_pk(wallet_id), "WALLET"), *[(wallet_pk(wallet_id), sk) for sk in sort_keys]]
    found = {item.sk: item for item in TableItem.batch_get(keys, consistent_read=True)}
    wallet_item = found.pop("WALLET", None)
    if not isinstance(wallet_item, WalletItem):
        raise errors.NotFound(f"No such wallet: {wallet_id}")
    return wallet_from_item(wallet_item), found


def get_item(model: type[Any], pk: str, sk: str) -> Any:
    """One item of `model` (consistent), or None."""
    bind()
    try:
        return model.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None


def get_wallet_and_code(wallet_id: str, code_id: str | None) -> tuple[Wallet, Any, bool]:
    """The wallet, the code (None when there is none) and whether the wallet's customer has
    redeemed it: the wallet first (its customer names the redemption record), then both in one read."""
    from wallets.items import CodeItem, RedemptionItem

    wallet = get_wallet(wallet_id)
    if code_id is None:
        return wallet, None, False
    keys = [(f"CODE#{code_id}", "CODE"), (f"CODE#{code_id}", f"RED#{wallet.customer_id}")]
    found = list(TableItem.batch_get(keys, consistent_read=True))
    code = next((i for i in found if isinstance(i, CodeItem)), None)
    return wallet, code, any(isinstance(i, RedemptionItem) for i in found)


def listed(model: type[Any], list_pk: str, limit: int, cursor: str | None) -> Page:
    """A page of the items listed under `list_pk` in the `wallets` index, newest first, read whole."""
    result = query_page(
        model, list_pk, None, limit, cursor, index=model.wallets_index, key_names=WALLET_LIST_KEYS
    )
    if not result.items:
        return result
    keys = [(i.pk, i.sk) for i in result.items]
    by_key = {(i.pk, i.sk): i for i in model.batch_get(keys, consistent_read=True)}
    return Page([by_key[k] for k in keys if k in by_key], result.next_cursor)


def find_wallet_id(customer_id: str, currency: str) -> str | None:
    bind()
    try:
        return CustomerWalletItem.get(f"CUS#{customer_id}", f"CUR#{currency}", consistent_read=True).wallet_id
    except DoesNotExist:
        return None


def customer_wallet_ids(customer_id: str) -> list[str]:
    bind()
    return [
        i.wallet_id
        for i in CustomerWalletItem.query(
            f"CUS#{customer_id}", CustomerWalletItem.sk.startswith("CUR#"), consistent_read=True
        )
    ]


def get_wallets(wallet_ids: list[str]) -> list[Wallet]:
    bind()
    if not wallet_ids:
        return []
    items = WalletItem.batch_get([(wallet_pk(w), "WALLET") for w in wallet_ids], consistent_read=True)
    by_id = {i.wallet_id: wallet_from_item(i) for i in items}
    return [by_id[w] for w in wallet_ids if w in by_id]


def get_transaction(wallet_id: str, transaction_id: str) -> tuple[Entry, int, str]:
    """A ledger transaction, how much of it was refunded, and its currency."""
    bind()
    try:
        item = TransactionItem.get(wallet_pk(wallet_id), f"TXN#{transaction_id}", consistent_read=True)
    except DoesNotExist:
        raise errors.NotFound(f"No such transaction: {transaction_id}") from None
    return entry_from_item(item), int(item.refunded_amount or 0), item.currency


def all_entries(wallet_id: str, through: str | None = None) -> list[Entry]:
    """The ledger of a wallet, oldest first; only up to transaction id `through` when given."""
    bind()
    condition = (
        TransactionItem.sk.between("TXN#", f"TXN#{through}")
        if through
        else TransactionItem.sk.startswith("TXN#")
    )
    items = TransactionItem.query(wallet_pk(wallet_id), condition, consistent_read=True)
    return [entry_from_item(i) for i in items]


def get_wallet_audited(wallet_id: str) -> tuple[Wallet, list[str]]:
    """The wallet with every lot it stores, and how what it stores disagrees with itself (reconcile).

    What it stores is the item and its lot pages: the wallet has the item's lots and the pages' as
    they are, even when they do not match the item's totals of them (`with_cold` would refuse them,
    for ever). The problems name what differs: the stored totals and index keys that the lots and
    holds do not give (events, listings and jobs read them), and the totals of the paged lots that
    the pages do not give (commands trust them until they reach those lots). Pages that do not match
    are read again while a write may have moved them: only the same version of the item read before
    and after them is drift."""
    bind()
    item = _wallet_item(wallet_id)
    for _ in range(RESENDS):
        pages = list(
            LotPageItem.query(wallet_pk(wallet_id), LotPageItem.sk.startswith("LOTS#"), consistent_read=True)
        )
        wallet, problems = _as_stored(item, pages)
        if not problems:
            break
        again = _wallet_item(wallet_id)
        if again.version == item.version:  # no write between the two reads: the pages are as stored
            break
        item = again
    else:
        raise errors.Contention("Too many concurrent changes to this wallet; retry the request")
    expected = wallet_to_item(wallet_from_item(item))
    totals = [
        f"stored {name} is {found} but its lots and holds give {want}"
        for name in ("balance", "available", "pending", "due_at", "due_shard", "work_at", "work_shard")
        if (found := getattr(item, name)) != (want := getattr(expected, name))
    ]
    return wallet, totals + problems


def _wallet_item(wallet_id: str) -> WalletItem:
    try:
        return WalletItem.get(wallet_pk(wallet_id), "WALLET", consistent_read=True)
    except DoesNotExist:
        raise errors.NotFound(f"No such wallet: {wallet_id}") from None


COLD_TOTALS = ("count", "by_type", "by_scope", "withdrawable", "first_key", "next_expiry", "next_unwarned")


def _as_stored(item: WalletItem, pages: list[LotPageItem]) -> tuple[Wallet, list[str]]:
    """The wallet of `item` with the lots of `pages` as they are, and how its totals of the paged
    lots (`cold`) differ from them (empty when they agree)."""
    wallet = wallet_from_item(item)
    cold = wallet.cold
    if cold is None:
        stale = sorted(page.sk for page in pages)
        return wallet, [f"lot pages {stale} exist but the wallet item names no paged lots"] if stale else []
    raw = {page.sk: plain(page.lots) or {} for page in pages}
    scopes = plain(item.scopes) or {}
    problems = [
        f"lot page {sk} names scope key {data['p']}, which the wallet item does not"
        for sk, lots in raw.items()
        for data in lots.values()
        if "p" in data and data["p"] not in scopes
    ]
    if problems:
        return wallet, problems
    # The totals the pages would have to carry for `with_pages` to take them: it then reads them as
    # they are, and what the stored totals say is compared with them below.
    by_type: dict[str, int] = {}
    by_scope: dict[Scope, int] = {}
    for data in (data for lots in raw.values() for data in lots.values()):
        by_type[data["t"]] = by_type.get(data["t"], 0) + data["r"]
        scope = tuple(scopes[data["p"]]) if "p" in data else None
        by_scope[scope] = by_scope.get(scope, 0) + data["r"]
    as_found = replace(
        cold,
        count=sum(len(lots) for lots in raw.values()),
        by_type=by_type,
        by_scope=by_scope,
        version=max([cold.version, *(int(page.version) for page in pages)]),
        pages=len(pages),
    )
    full = with_pages(replace(wallet, cold=as_found), pages)
    if full is None or not isinstance(full.stored, Layout):
        return wallet, [f"lot pages {sorted(raw)} cannot be read as the wallet's paged lots"]
    paged = [lot for lots in full.stored.pages.values() for lot in lots.values()]
    found = summarize(paged, cold.version)
    for name in COLD_TOTALS:
        stored, given = getattr(cold, name), getattr(found, name, None)
        if stored != given:
            problems.append(f"stored cold {name} is {stored} but its pages give {given}")
    if cold.pages != len(pages):
        problems.append(f"stored cold pages is {cold.pages} but there are {len(pages)}: {sorted(raw)}")
    newer = sorted(page.sk for page in pages if int(page.version) > cold.version)
    if newer:
        problems.append(f"lot pages {newer} were written after version {cold.version} of their totals")
    twice = sorted({lot.id for lot in paged if lot.id in wallet.lots}) + sorted(
        {lot.id for lot in paged if sum(lot.id in lots for lots in full.stored.pages.values()) > 1}
    )
    if twice:
        problems.append(f"lots {twice} are stored twice (in the wallet item or in two pages)")
    return full, problems


def hold_records(wallet_id: str) -> list[HoldItem]:
    """Every hold record of a wallet (pending and ended), oldest first."""
    bind()
    return list(HoldItem.query(wallet_pk(wallet_id), HoldItem.sk.startswith("HLD#"), consistent_read=True))


def due_wallets(index: str, now: int, page: int = 100) -> Iterator[TableItem]:
    """The wallets due at `now` in a sparse, sharded index, as the index has them: "sweep" (the expiry
    sweep; a copy of the whole item, eventually consistent) or "work" (automatic top-up; keys only).
    Taken in turns (`_due`)."""
    bind()
    source, due_at = {
        "sweep": (WalletItem.due_index, WalletItem.due_at),
        "work": (WalletItem.work_index, WalletItem.work_at),
    }[index]
    return _due(source, due_at, now, page)


def due_top_ups(now: int, page: int = 100) -> Iterator[TableItem]:
    """The top-ups due for recovery at `now` (pending past their grace period, or refunds to finish),
    keys only, taken in turns (`_due`): however many wait for their customer, none is left behind them."""
    bind()
    return _due(TopUpItem.work_index, TopUpItem.work_at, now, page)


def _due(source: Any, due_at: Any, now: int, page: int) -> Iterator[TableItem]:
    """Lazily, the items due at `now` of a sharded index: one from each shard in turn, starting at a
    shard that moves on every minute, following every page (decision 22). Items that stay due
    cannot hold back the others of their shard, and no shard waits behind another's backlog when a
    run stops at its deadline."""

    def shard(number: int) -> Iterator[TableItem]:
        start = None
        while True:
            result = source.query(
                f"{number:02d}", due_at <= sortable_ms(now), limit=page, last_evaluated_key=start
            )
            yield from result
            start = result.last_evaluated_key
            if not start:
                return

    first = now // 60_000 % DUE_SHARDS
    shards = deque(shard((first + i) % DUE_SHARDS) for i in range(DUE_SHARDS))
    while shards:
        current = shards.popleft()
        found = next(current, None)
        if found is not None:
            yield found
            shards.append(current)


WALLET_LIST_KEYS = ("pk", "sk", "list_pk", "list_sk")


def wallets_page(limit: int, cursor: str | None, filter_condition: Any = None) -> Page:
    """A page of every wallet's keys (the `wallets` index, newest first)."""
    return query_page(
        WalletItem,
        "WALLETS",
        None,
        limit,
        cursor,
        filter_condition=filter_condition,
        index=WalletItem.wallets_index,
        key_names=WALLET_LIST_KEYS,
    )


def wallets_cursor_after(key: WalletItem) -> str | None:
    """The cursor that resumes an unfiltered `wallets_page` right after this wallet."""
    scope = _query_scope(WalletItem.wallets_index, "WALLETS", None, None)
    return encode_cursor({name: {"S": getattr(key, name)} for name in WALLET_LIST_KEYS}, scope)


def get_idempotency(key: str) -> IdempotencyItem | None:
    bind()
    try:
        return IdempotencyItem.get(f"IDEM#{key}", "IDEM", consistent_read=True)
    except DoesNotExist:
        return None


def get_reference(wallet_id: str, reference: str) -> str | None:
    bind()
    try:
        return ReferenceItem.get(
            wallet_pk(wallet_id), f"REF#{reference}", consistent_read=True
        ).transaction_id
    except DoesNotExist:
        return None


CURSOR_SCOPE = "in"


def _scope_tag(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:16]


def encode_cursor(key: dict[str, Any] | None, scope: str) -> str | None:
    """An opaque cursor: the key to start after, bound to the list (`scope`) that issued it."""
    if not key:
        return None
    plain = {k: next(iter(v.values())) for k, v in key.items()}
    plain[CURSOR_SCOPE] = _scope_tag(scope)
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, names: tuple[str, ...], scope: str) -> dict[str, Any] | None:
    """The start key of a cursor this list issued; any other cursor is 422 (a cursor of another
    wallet, filter or window would start the query outside its keys)."""
    if not cursor:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if (
            not isinstance(raw, dict)
            or set(raw) != {*names, CURSOR_SCOPE}
            or not all(isinstance(v, str) for v in raw.values())
        ):
            raise ValueError
    except ValueError:
        raise errors.field_error("cursor", "is not a cursor this API returned") from None
    if raw.pop(CURSOR_SCOPE) != _scope_tag(scope):
        raise _foreign_cursor()
    return {k: {"S": v} for k, v in raw.items()}


def _foreign_cursor() -> errors.ValidationFailed:
    return errors.field_error("cursor", "belongs to another list (another wallet, filter or time window)")


def _query_scope(source: Any, hash_key: str, range_condition: Any, filter_condition: Any) -> str:
    name = getattr(getattr(source, "Meta", None), "index_name", None) or source.__name__
    return f"{name}|{hash_key}|{range_condition}|{filter_condition}"


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


# A filter is applied after DynamoDB reads: one page of a filtered list reads at most this many items,
# matching or not, then hands back a cursor (an empty page may have one), as DynamoDB's own Query does.
# Without it a filter that matched nothing read the whole partition for one answer.
MAX_EVALUATED = 1_000
FILTERED_READ = 100  # items read per request while a filter leaves gaps


def query_page(
    model: type[TableItem],
    hash_key: str,
    range_condition: Any,
    limit: int,
    cursor: str | None,
    filter_condition: Any = None,
    index: Any = None,
    key_names: tuple[str, ...] = ("pk", "sk"),
) -> Page:
    """Newest-first page of at most `limit` items; with a filter it reads at most MAX_EVALUATED items.

    `next_cursor` is set while the key range goes on, so a filtered page may be short, even empty."""
    bind()
    source = index if index is not None else model
    scope = _query_scope(source, hash_key, range_condition, filter_condition)
    start = decode_cursor(cursor, key_names, scope)
    if start is not None and hash_key not in (start[k]["S"] for k in key_names):
        raise _foreign_cursor()

    def read(size: int, after: Any) -> dict[str, Any]:
        """One Query request: at most `size` items read, newest first, after the key `after`."""
        pages = source.query(
            hash_key,
            range_condition,
            filter_condition=filter_condition,
            scan_index_forward=False,
            page_size=size,
            last_evaluated_key=after,
            consistent_read=index is None,  # GSIs are eventually consistent only
        )
        try:
            return dict(next(pages.page_iter))
        except QueryError as exc:  # an edited cursor's key outside the query's key range
            if cursor and exc.cause_response_code == "ValidationException":
                raise errors.field_error("cursor", "is not a cursor this API returned") from None
            raise

    out: list[Any] = []
    evaluated = 0
    while True:
        want = limit - len(out)
        size = want if filter_condition is None else min(max(want, FILTERED_READ), MAX_EVALUATED - evaluated)
        page = read(size, start)
        evaluated += int(page.get("ScannedCount", 0))
        raw = page.get("Items") or []
        taken = raw[:want]
        out.extend(model.from_raw_data(item) for item in taken)
        # Resume after the last item returned, not the last one read, when the page was cut short.
        start = {k: taken[-1][k] for k in key_names} if len(raw) > want else page.get("LastEvaluatedKey")
        if len(out) >= limit or not start or (filter_condition is not None and evaluated >= MAX_EVALUATED):
            break
    if start and len(out) == limit:
        # A full page may still be the last one; one cheap look ahead keeps has_more honest.
        probe = read(1, start)
        if not probe.get("Items") and not probe.get("LastEvaluatedKey"):
            start = None
    return Page(out, encode_cursor(start, scope))


# ------------------------------------------------------------------ the commit
class WalletChanged(Exception):
    """The wallet's version moved since it was read; `current` is the newer wallet when known."""

    def __init__(self, current: Wallet | None) -> None:
        super().__init__("wallet changed")
        self.current = current


class ExistingRecord(Exception):
    """A uniqueness record (idempotency key, reference, customer wallet) already exists."""

    def __init__(self, kind: str, item: TableItem | None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.item = item


class Ambiguous(Exception):
    """No answer, or one that does not say (a timeout, a 500, the same token still in progress):
    the write may have committed. Only the identical request (same token) may be sent again."""


AMBIGUOUS_CODES = (
    None,
    "RequestTimeout",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
)


def response_code(exc: PynamoDBException) -> str | None:
    """The DynamoDB error code behind a PynamoDB error (None when no answer came back)."""
    response = getattr(exc.cause, "response", None) or {}
    return response.get("Error", {}).get("Code")


class Retryable(Exception):
    """TransactionConflict or throttling: nothing was written; the same plan may be retried."""

    def __init__(self, throttled: bool) -> None:
        super().__init__("throttled" if throttled else "transaction conflict")
        self.throttled = throttled


class AlreadyCommitted(Exception):
    """An earlier attempt of this very transaction committed: an item its re-send was cancelled on
    carries the transaction's token. Only a re-send can meet it, and _resend takes it as success."""


@dataclass
class Plan:
    """Everything one command writes, as one TransactWriteItems."""

    wallet: Wallet
    expected_version: int | None  # None: the wallet must not exist yet
    entries: list[Entry] = field(default_factory=list)
    puts: list[tuple[str, TableItem, Any]] = field(default_factory=list)  # (kind, item, condition)
    updates: list[tuple[str, TableItem, list[Any], Any]] = field(default_factory=list)


def commit(plan: Plan) -> None:
    """Send the plan as one TransactWriteItems. The token is DynamoDB's ClientRequestToken and is
    also stored on every item written, so an identical re-send after an ambiguous failure recognises
    its own earlier commit by that token and nothing else, even after later writes of the wallet."""
    bind()
    token = ids.ulid()
    wallet = plan.wallet
    wallet.version = (plan.expected_version or 0) + 1
    item, placement = wallet_items(wallet)
    with_wallet_condition = (
        WalletItem.pk.does_not_exist()
        if plan.expected_version is None
        else WalletItem.version == plan.expected_version
    )

    def fill(tx: Sent) -> None:
        tx.save("wallet", item, condition=with_wallet_condition, return_values="ALL_OLD")
        for n, entry in enumerate(plan.entries):
            tx.save(
                "entry" if n == 0 else "entry+",
                entry_to_item(wallet, entry),
                condition=TransactionItem.pk.does_not_exist(),
                return_values="ALL_OLD",
            )
        # The wallet's version condition covers its lot pages: nothing else writes them.
        for page in placement.puts:
            tx.save("lot_page", page)
        for sk in placement.deletes:
            tx.delete("lot_page", LotPageItem(wallet_pk(wallet.id), sk))
        _fill(tx, plan.puts, plan.updates)

    try:
        try:
            _transact(token, fill)
        except Ambiguous:
            _resend(lambda: _transact(token, fill))
    except Exception:
        wallet.version = plan.expected_version or 0
        raise
    if placement.layout is not None:  # the next step of a command plans on this wallet
        wallet.stored = placement.layout


def write(
    puts: list[tuple[str, TableItem, Any]], updates: list[tuple[str, TableItem, list[Any], Any]]
) -> None:
    """A transaction that touches no wallet (e.g. a top-up that failed), with the same failure mapping.
    Nothing is re-planned, so a throttled or conflicting attempt is re-sent identically too; the
    conditions of every record it writes make a second landing impossible."""
    bind()
    token = ids.ulid()

    def fill(tx: Sent) -> None:
        _fill(tx, puts, updates)

    try:
        _transact(token, fill)
    except (Ambiguous, Retryable):
        _resend(lambda: _transact(token, fill))


def _fill(
    tx: Sent,
    puts: list[tuple[str, TableItem, Any]],
    updates: list[tuple[str, TableItem, list[Any], Any]],
) -> None:
    for kind, put_item, condition in puts:
        tx.save(kind, put_item, condition=condition, return_values="ALL_OLD")
    for kind, upd_item, actions, condition in updates:
        tx.update(
            kind,
            upd_item,
            actions=actions,
            condition=condition,
            add_version_condition=False,
            return_values="ALL_OLD",
        )


class Sent:
    """A TransactWrite that stamps every item it writes with the transaction's token (a put's
    `commit_token`, an update's `update_token`), and names what each item is in the order PynamoDB
    sends them (deletes, then puts, then updates, whatever order they were added in): the order of
    the cancellation reasons, which say which condition failed."""

    def __init__(self, tx: TransactWrite, token: str) -> None:
        self.tx = tx
        self.token = token
        self.deletes: list[str] = []
        self.puts: list[str] = []
        self.updates: list[str] = []

    def delete(self, kind: str, item: TableItem) -> None:
        self.tx.delete(item)
        self.deletes.append(kind)

    def save(self, kind: str, item: TableItem, **kwargs: Any) -> None:
        item.commit_token = self.token
        self.tx.save(item, **kwargs)
        self.puts.append(kind)

    def update(self, kind: str, item: TableItem, *, actions: list[Any], **kwargs: Any) -> None:
        self.tx.update(item, actions=[*actions, TableItem.update_token.set(self.token)], **kwargs)
        self.updates.append(kind)

    def kinds(self) -> list[str]:
        return self.deletes + self.puts + self.updates


def _transact(token: str, fill: Callable[[Sent], None]) -> None:
    """One TransactWriteItems, its failure mapped to what callers act on."""
    sent: Sent | None = None
    try:
        with TransactWrite(connection=connection(), client_request_token=token) as tx:
            sent = Sent(tx, token)
            fill(sent)
    except (TransactWriteError, PynamoDBConnectionError) as exc:
        if isinstance(exc, TransactWriteError):
            _raise_cancellation(exc, sent.kinds() if sent else [], token)
        if response_code(exc) in AMBIGUOUS_CODES:
            raise Ambiguous() from exc
        raise


def _resend(send: Callable[[], None]) -> None:
    """Send the identical request (same token) until an answer settles it: success (DynamoDB answers
    success for a token that already committed) or a cancellation its conditions explain; one on an
    item that carries the token is that success too. A throttled, conflicting or unanswered re-send
    settles nothing, so it is sent again, never taken for "nothing written" (a caller would re-plan
    and apply the change twice)."""
    for attempt in range(RESENDS):
        try:
            send()
            return
        except AlreadyCommitted:
            return
        except (Ambiguous, Retryable):
            time.sleep(backoff(attempt))
    raise errors.Unavailable(
        "DynamoDB did not confirm whether this change was written; retry with the same Idempotency-Key "
        "to learn its outcome"
    )


def _raise_cancellation(exc: TransactWriteError, order: list[str], token: str) -> None:
    code = response_code(exc)
    if code in ("ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded"):
        raise Retryable(throttled=True) from exc
    if code != "TransactionCanceledException":
        return
    reasons = exc.cancellation_reasons
    # Any item carrying this transaction's token proves it committed, whatever the other reasons say.
    if any(
        (r.raw_item or {}).get(proof, {}).get("S") == token
        for r in reasons
        if r is not None
        for proof in ("commit_token", "update_token")
    ):
        raise AlreadyCommitted() from exc
    failed: dict[str, Any] = {}
    for kind, reason in zip(order, reasons, strict=False):
        if reason is not None and reason.code not in ("None", None):
            failed.setdefault(kind, reason)
    if any(r.code in ("ThrottlingError", "ProvisionedThroughputExceeded") for r in failed.values()):
        raise Retryable(throttled=True) from exc
    if any(r.code == "TransactionConflict" for r in failed.values()):
        raise Retryable(throttled=False) from exc
    for kind in ("idempotency", "reference", "customer", "top_up", "top_up_new", "code_hash"):
        reason = failed.get(kind)
        if reason is not None and reason.code == "ConditionalCheckFailed":
            raw = reason.raw_item
            raise ExistingRecord(kind, TableItem.from_raw_data(raw) if raw else None) from exc
    reason = failed.get("wallet")
    if reason is not None and reason.code == "ConditionalCheckFailed":
        raw = reason.raw_item
        current = wallet_from_item(WalletItem.from_raw_data(raw)) if raw else None
        raise WalletChanged(current) from exc
    for kind, reason in failed.items():
        if reason.code == "ConditionalCheckFailed":
            raise WalletChanged(None) from exc
        _ = kind


def idempotency_item(
    key: str, fingerprint: str, status: int, body: dict[str, Any], now_ms: int
) -> IdempotencyItem:
    ttl_s = get_settings().idempotency_ttl_hours * 3600
    from datetime import UTC, datetime

    return IdempotencyItem(
        f"IDEM#{key}",
        "IDEM",
        fingerprint=fingerprint,
        status_code=status,
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        created_at=now_ms,
        expires=datetime.fromtimestamp(now_ms / 1000 + ttl_s, tz=UTC),
    )


def reference_item(wallet_id: str, reference: str, transaction_id: str, now_ms: int) -> ReferenceItem:
    return ReferenceItem(
        wallet_pk(wallet_id), f"REF#{reference}", transaction_id=transaction_id, created_at=now_ms
    )
