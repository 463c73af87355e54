"""Wallet operations: read the aggregate, run one pure command, commit ONE transaction.

The loop in `run` is the only place that writes a wallet. It retries when the wallet moved since
it was read (using the newer wallet DynamoDB returned with the failed condition, so no extra read),
backs off with jitter on TransactionConflict/throttling, re-sends the identical request after an
ambiguous failure (and recognises its own earlier commit by its first ledger entry), and answers
replays from the idempotency record or the reference record written with the original.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from wallets import clock, errors, ids, payouts, repository, views
from wallets.gateway import PaymentGateway
from wallets.items import (
    CustomerWalletItem,
    HoldItem,
    IdempotencyItem,
    PayoutItem,
    ReferenceItem,
    TransactionItem,
    entry_from_item,
    head_overflows,
    plain,
    wallet_pk,
)
from wallets.lots import Scope
from wallets.observability import logger
from wallets.repository import ExistingRecord, Plan, Retryable, WalletChanged, backoff
from wallets.wallet import CLOSED, MAX_SETTLED_PER_WRITE, ColdLotsNeeded, Entry, Wallet

MAX_ATTEMPTS = 25

Response = tuple[int, dict[str, Any]]
# Successful commits by attempt number (bench reads it to report contention).
ATTEMPTS: Counter[int] = Counter()


ACTOR: ContextVar[str] = ContextVar("actor", default="system")
# Whether this request's answer is the one stored under its Idempotency-Key (http.py says so in the
# Idempotent-Replayed header); the resolver sets it False for each request.
REPLAYED: ContextVar[bool] = ContextVar("replayed", default=False)


@contextmanager
def acting_as(actor: str) -> Iterator[None]:
    """Run commands on behalf of `actor` (an IAM principal, `scheduler`): their entries record it."""
    token = ACTOR.set(actor)
    try:
        yield
    finally:
        ACTOR.reset(token)


@dataclass(frozen=True)
class Idempotency:
    """An `Idempotency-Key` as stored: scoped to the caller that sent it (`key`), as the caller
    wrote it (`client_key`), and the fingerprint of the request it was first used with."""

    key: str
    fingerprint: str
    client_key: str = ""


@dataclass(frozen=True)
class Reference:
    """A client reference (unique per wallet forever) and the transaction type it names."""

    value: str
    transaction_type: str


# An action mutates the working copy and returns the response plus any extra items to write.
@dataclass
class Outcome:
    status: int
    body: dict[str, Any]
    puts: list[tuple[str, Any, Any]] | None = None  # (kind, item, condition)
    updates: list[tuple[str, Any, list[Any], Any]] | None = None  # (kind, item, actions, condition)
    # A step of a command too large for one transaction: commit it (without the request's
    # idempotency and reference records) and run the action again on the result.
    step: bool = False


# An action returning None had nothing to do: nothing is written.
Action = Callable[[Wallet, int], "Outcome | None"]


def _replay(idem: Idempotency | None, wallet_id: str | None, reference: Reference | None) -> Response | None:
    """After a refusal: was this request already served? (idempotency key first, then reference)."""
    if idem is not None:
        record = repository.get_idempotency(idem.key)
        if record is not None:
            return from_record(record, idem)
    if reference and wallet_id:
        txn_id = repository.get_reference(wallet_id, reference.value)
        if txn_id is not None:
            return _original_transaction(wallet_id, txn_id, reference)
    return None


def from_record(record: Any, idem: Idempotency) -> Response:
    if record.fingerprint != idem.fingerprint:
        raise errors.IdempotencyKeyReused(
            "This Idempotency-Key was used with a different request",
            {"idempotency_key": idem.client_key or idem.key},
        )
    REPLAYED.set(True)
    status, body = int(record.status_code), json.loads(record.body)
    if status >= 400:
        error = body["error"]
        raise errors.Replayed(status, error["type"], error["message"], error.get("details"))
    return status, body


def _original_transaction(wallet_id: str, transaction_id: str, reference: Reference) -> Response:
    """A second use of a reference returns the transaction it first made (a hold: the hold), if it is
    the same kind of operation; a reference reused by another operation (a debit naming a credit's
    or a hold's) is refused."""
    original = get_transaction(wallet_id, transaction_id)
    if original["type"] != reference.transaction_type:
        raise errors.ReferenceReused(
            f"Reference {reference.value!r} was already used by a {original['type']} transaction",
            {
                "reference": reference.value,
                "transaction_id": transaction_id,
                "transaction_type": original["type"],
            },
        )
    if original["type"] == "hold" and original["hold_id"]:
        held = repository.get_item(HoldItem, wallet_pk(wallet_id), f"HLD#{original['hold_id']}")
        if held is not None:  # the hold as it stands, as GET shows it
            return 200, _hold_view(wallet_id, original["currency"], held, clock.now_ms())
    return 200, original


def _plan(
    base: Wallet,
    work: Wallet,
    outcome: Outcome,
    now: int,
    idem: Idempotency | None,
    reference: Reference | None,
    new_wallet: bool,
    replaces: str | None = None,
) -> Plan:
    plan = Plan(
        wallet=work, expected_version=None if new_wallet else base.version, entries=work.effects.entries
    )
    effects = work.effects
    for hold in effects.new_holds:
        entry = next(e for e in effects.entries if e.hold_id == hold.id and e.type == "hold")
        plan.puts.append(
            (
                "hold",
                HoldItem(
                    wallet_pk(work.id),
                    f"HLD#{hold.id}",
                    hold_id=hold.id,
                    wallet_id=work.id,
                    status="pending",
                    amount=hold.amount,
                    expires_at=hold.expires_at,
                    created_at=hold.created_at,
                    updated_at=now,
                    reference=entry.reference,
                    description=entry.description,
                    metadata=dict(entry.metadata),
                    allocations=[a.to_dict() for a in hold.allocations],
                    transaction_id=entry.id,
                    actor=entry.actor,
                ),
                HoldItem.pk.does_not_exist(),
            )
        )
    for change in effects.hold_changes:
        closing = next(
            (e.id for e in effects.entries if e.hold_id == change.hold_id and e.type != "hold"), None
        )
        plan.updates.append(
            (
                "hold_change",
                HoldItem(wallet_pk(work.id), f"HLD#{change.hold_id}"),
                [
                    HoldItem.status.set(change.status),
                    HoldItem.captured_amount.set(change.captured_amount),
                    HoldItem.released_amount.set(change.released_amount),
                    HoldItem.updated_at.set(now),
                    HoldItem.closing_transaction_id.set(closing or ""),
                ],
                HoldItem.status == "pending",
            )
        )
    for original_id, new_total in effects.refunded:
        previous = new_total - next(
            e.amount for e in effects.entries if e.original_transaction_id == original_id
        )
        plan.updates.append(
            (
                "refunded",
                TransactionItem(wallet_pk(work.id), f"TXN#{original_id}"),
                [TransactionItem.refunded_amount.set(new_total)],
                TransactionItem.refunded_amount == previous,
            )
        )
    if new_wallet:
        plan.puts.append(
            (
                "customer",
                CustomerWalletItem(
                    f"CUS#{work.customer_id}", f"CUR#{work.currency}", wallet_id=work.id, created_at=now
                ),
                CustomerWalletItem.pk.does_not_exist()
                if replaces is None
                else CustomerWalletItem.wallet_id == replaces,
            )
        )
        if replaces is not None:
            # The ended wallet stays the customer's, listed under a key of its own (`CUR#` prefix).
            plan.puts.append(
                (
                    "customer_ended",
                    CustomerWalletItem(
                        f"CUS#{work.customer_id}",
                        f"CUR#{work.currency}#{replaces}",
                        wallet_id=replaces,
                        created_at=now,
                    ),
                    None,
                )
            )
    if reference and effects.entries:
        primary = next(e for e in effects.entries if e.reference == reference.value)
        plan.puts.append(
            (
                "reference",
                repository.reference_item(work.id, reference.value, primary.id, now),
                ReferenceItem.pk.does_not_exist(),
            )
        )
    if idem is not None:
        plan.puts.append(
            (
                "idempotency",
                repository.idempotency_item(idem.key, idem.fingerprint, outcome.status, outcome.body, now),
                IdempotencyItem.pk.does_not_exist(),
            )
        )
    plan.puts.extend(outcome.puts or [])
    plan.updates.extend(outcome.updates or [])
    return plan


def run(
    load: Callable[[], Wallet],
    action: Action,
    *,
    idem: Idempotency | None = None,
    reference: Reference | None = None,
    new_wallet: bool = False,
    replaces: str | None = None,
    committed: Callable[[Wallet], None] | None = None,
) -> Response:
    """Plan on the wallet as read, commit once, and turn a cancelled transaction into an answer or a retry.

    A `new_wallet` becomes its customer's wallet in its currency; `replaces` names the ended wallet
    that was (closed or expired: `ended_wallet`), else there must have been none.

    What the caller gets back is the outcome of the attempt that committed, never of one that was
    cancelled: an action must not leave anything behind for the caller except through its Outcome.
    `committed` sees each write that landed (with its effects), steps of a backlog included.
    """
    wallet = load()
    wallet_id = None if new_wallet else wallet.id
    throttled = False
    attempt = 0
    while attempt < MAX_ATTEMPTS:
        now = clock.now_ms()
        work = wallet.fork()
        work.actor = ACTOR.get()
        outcome: Outcome | None
        backlog = not new_wallet and wallet.due_count(now) > MAX_SETTLED_PER_WRITE
        try:
            # With more due work than one transaction carries, a chunk is settled on its own first,
            # but only for a request that will be served: the action runs on a copy to find out.
            outcome = action(_settled(wallet, now), now) if backlog else action(work, now)
            if not backlog:
                work.arm_auto_top_up(now)
        except ColdLotsNeeded:
            wallet = repository.with_cold(wallet)  # not an attempt: nothing was sent
            continue
        except errors.WalletError:
            prior = _replay(idem, wallet_id, reference)
            if prior is not None:
                return prior
            raise
        if backlog:
            work.settle(now)
            outcome = Outcome(200, {}, step=True)
        if outcome is None:
            return 200, {}
        if head_overflows(work):
            wallet = repository.with_cold(wallet)  # place the lots again, cold ones included
            continue
        plan = (
            _plan(wallet, work, outcome, now, None, None, False)
            if outcome.step
            else _plan(wallet, work, outcome, now, idem, reference, new_wallet, replaces)
        )
        try:
            repository.commit(plan)
            ATTEMPTS[attempt] += 1
        except WalletChanged as changed:
            # Someone else's write landed first. Back off before re-planning on the newer wallet:
            # retrying at once would collide again with every other loser of the same race.
            time.sleep(backoff(attempt))
            wallet = changed.current if changed.current is not None and attempt < 2 else load()
            attempt += 1
            continue
        except Retryable as exc:
            throttled = exc.throttled
            time.sleep(backoff(attempt))
            wallet = load()
            attempt += 1
            continue
        except ExistingRecord as existing:
            answer = _answer_existing(existing, idem, reference, work.id)
            if answer is not None:
                return answer
            wallet = load()
            attempt += 1
            continue
        if committed is not None:
            committed(work)
        if not outcome.step:
            return outcome.status, outcome.body
        wallet = work  # committed: the next step plans on it (its version is the new one)
    if throttled:
        raise errors.Unavailable("DynamoDB is throttling this wallet; nothing was written, retry later")
    raise errors.Contention("Too many concurrent changes to this wallet; retry the request")


def _settled(wallet: Wallet, now: int) -> Wallet:
    """A copy with every due hold and lot settled: what the request will see once the backlog is."""
    copy = wallet.fork()
    copy.actor = ACTOR.get()
    copy.settle(now, limit=None)
    return copy


def _answer_existing(
    existing: ExistingRecord, idem: Idempotency | None, reference: Reference | None, wallet_id: str
) -> Response | None:
    if existing.kind == "idempotency" and idem is not None:
        record = existing.item if existing.item is not None else repository.get_idempotency(idem.key)
        return from_record(record, idem) if record is not None else None
    if existing.kind == "reference" and reference:
        txn_id = (
            getattr(existing.item, "transaction_id", None)
            if existing.item is not None
            else repository.get_reference(wallet_id, reference.value)
        )
        return _original_transaction(wallet_id, txn_id, reference) if txn_id else None
    if existing.kind == "top_up":
        raise TopUpResolved()
    if existing.kind == "customer":
        # Another request created this customer's wallet first: the caller acts on that one.
        raise _ExistingWallet(getattr(existing.item, "wallet_id", "") if existing.item is not None else "")
    return None


def write_new(
    puts: list[tuple[str, Any, Any]], idem: Idempotency | None, status: int, body: dict[str, Any], now: int
) -> Any | None:
    """Write new records that touch no wallet (a pending top-up, a code) in one transaction with the
    request's idempotency record answering `status`/`body`. Returns None once written, or the record
    of an earlier request with the same key (then nothing was written)."""
    if idem is not None:
        record = repository.idempotency_item(idem.key, idem.fingerprint, status, body, now)
        puts = [*puts, ("idempotency", record, IdempotencyItem.pk.does_not_exist())]
    try:
        repository.write(puts, [])
    except ExistingRecord as existing:
        earlier = existing.item if existing.kind == "idempotency" and idem is not None else None
        if existing.kind == "idempotency" and idem is not None and earlier is None:
            earlier = repository.get_idempotency(idem.key)
        if earlier is None:
            raise
        return earlier
    return None


class TopUpResolved(Exception):
    """The top-up this write would settle was already settled or failed by another run."""


class _ExistingWallet(Exception):
    def __init__(self, wallet_id: str) -> None:
        self.wallet_id = wallet_id


# ====================================================================== operations
def create_wallet(
    customer_id: str,
    currency: str,
    metadata: dict[str, str] | None,
    settings: dict[str, Any] | None,
    idem: Idempotency | None = None,
    gateway_customer_id: str | None = None,
    expires_at: int | None = None,
) -> Response:
    """201 with a new wallet; 200 with the customer's open wallet in this currency when the request
    asks for nothing it does not have, else 409 `wallet_exists` naming it and what differs.

    One OPEN wallet per customer and currency: a closed (or expired) wallet is terminal, so creating
    again opens a new one in its place. `None` fields were not sent and are not compared."""
    for _ in range(3):
        existing, ended = _customer_wallet(customer_id, currency)
        if existing is None:

            def action(work: Wallet, now: int) -> Outcome:
                return Outcome(201, views.wallet_body(work, now))

            try:
                return run(
                    lambda: Wallet.open(
                        customer_id,
                        currency,
                        clock.now_ms(),
                        metadata,
                        settings,
                        gateway_customer_id,
                        expires_at,
                    ),
                    action,
                    idem=idem,
                    new_wallet=True,
                    replaces=ended,
                )
            except _ExistingWallet:
                continue  # another request made the customer's wallet first: look at that one
        if idem is not None:
            record = repository.get_idempotency(idem.key)
            if record is not None:
                return from_record(record, idem)
        now = clock.now_ms()
        differs = _differs(existing, metadata, settings, gateway_customer_id, expires_at)
        if differs:
            raise errors.WalletExists(
                f"Customer {customer_id} already has an open {currency} wallet, {existing.id}, "
                f"with other {', '.join(differs)}: change it with PATCH /wallets/{existing.id}",
                {"wallet_id": existing.id, "fields": differs},
            )
        return 200, views.wallet_body(shown(existing, now), now)
    raise errors.Contention("The customer's wallet is being created concurrently; retry")


def _customer_wallet(customer_id: str, currency: str) -> tuple[Wallet | None, str | None]:
    """The customer's open wallet in `currency` (None when there is none), and the id of the ended
    wallet a new one would take the place of (closed, or past its expires_at: terminal either way)."""
    wallet_id = repository.find_wallet_id(customer_id, currency)
    if wallet_id is None:
        return None, None
    wallet = repository.get_wallet(wallet_id)
    if ended_wallet(wallet, clock.now_ms()):
        return None, wallet.id
    return wallet, None


def ended_wallet(wallet: Wallet, now: int) -> bool:
    return wallet.status == CLOSED or wallet.expired(now)


def _differs(
    wallet: Wallet,
    metadata: dict[str, str] | None,
    settings: dict[str, Any] | None,
    gateway_customer_id: str | None,
    expires_at: int | None,
) -> list[str]:
    """The fields a create request sent that the existing wallet does not have as sent."""
    out = []
    if metadata is not None and metadata != wallet.metadata:
        out.append("metadata")
    if settings and any(_same(value) != _same(wallet.settings.get(k)) for k, value in settings.items()):
        out.append("settings")
    if gateway_customer_id is not None and gateway_customer_id != wallet.gateway_customer_id:
        out.append("gateway_customer_id")
    if expires_at is not None and expires_at != wallet.expires_at:
        out.append("expires_at")
    return out


def _same(value: Any) -> Any:
    """A setting as stored (absent keys of nested settings are their None), to compare with a request."""
    if isinstance(value, dict):
        return {k: _same(v) for k, v in value.items() if v is not None}
    return value


def shown(stored: Wallet, now: int) -> Wallet:
    """What a read shows of a stored wallet (`Wallet.view`), its cold lots read when it needs them."""

    def view(wallet: Wallet) -> Wallet:
        seen = wallet.view(now)
        seen.expiring_soon(now)  # the lots it needs are read now, not while it is rendered
        return seen

    return repository.loaded(stored, view)


def get_wallet(wallet_id: str) -> dict[str, Any]:
    """A wallet as of now; a closed one with its closing transaction and payout (two more reads)."""
    now = clock.now_ms()
    stored = repository.get_wallet(wallet_id)
    body = views.wallet_body(shown(stored, now), now)
    if stored.status == CLOSED and stored.last_transaction_id:
        # Nothing writes a closed wallet's ledger: its last transaction is the close.
        entry, _, currency = repository.get_transaction(wallet_id, stored.last_transaction_id)
        if entry.type == "close":
            payout = payouts.shown(wallet_id)
            closing = views.transaction_body(wallet_id, currency, entry)
            body.update(closing_transaction=views.closing_body(closing, payout), payout=payout)
    return body


def get_wallet_by_customer(customer_id: str, currency: str) -> dict[str, Any]:
    wallet_id = repository.find_wallet_id(customer_id, currency)
    if wallet_id is None:
        raise errors.NotFound(f"Customer {customer_id} has no {currency} wallet")
    return get_wallet(wallet_id)


def _customer_wallets(customer_id: str) -> list[Wallet]:
    ids_ = sorted(repository.customer_wallet_ids(customer_id), reverse=True)
    return repository.get_wallets(ids_)


def list_wallets(
    customer_id: str | None,
    currency: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    now = clock.now_ms()
    if customer_id is not None:
        # A customer has one open wallet per currency (and those that ended): read them all from the
        # customer's partition.
        wallets = [
            w
            for w in (shown(stored, now) for stored in _customer_wallets(customer_id))
            if (currency is None or w.currency == currency) and (status is None or w.status == status)
        ]
        scope = f"customer|{customer_id}|{currency}|{status}"
        if cursor:
            start = repository.decode_cursor(cursor, ("wallet_id",), scope)
            after = start["wallet_id"]["S"] if start else ""
            wallets = [w for w in wallets if w.id < after]
        chunk = wallets[:limit]
        more = len(wallets) > limit
        next_cursor = (
            repository.encode_cursor({"wallet_id": {"S": chunk[-1].id}}, scope) if more and chunk else None
        )
        return views.page([views.wallet_body(w, now) for w in chunk], next_cursor)
    from wallets.items import WalletItem

    condition = None
    if currency is not None:
        condition = WalletItem.currency == currency
    if status is not None:
        condition = (
            (WalletItem.status == status) if condition is None else condition & (WalletItem.status == status)
        )
    # A wallet past its expires_at is stored active until a write or the sweep closes it (within a
    # minute), but reads show it closed: it is not listed as active meanwhile, and the page is
    # filled from the next ones.
    listed: list[Wallet] = []
    next_cursor = cursor
    while True:
        result = repository.wallets_page(limit - len(listed), next_cursor, condition)
        read = repository.get_wallets([i.pk.split("#", 1)[1] for i in result.items])
        listed += [w for w in (shown(stored, now) for stored in read) if status is None or w.status == status]
        next_cursor = result.next_cursor
        if len(listed) >= limit or next_cursor is None:
            return views.page([views.wallet_body(w, now) for w in listed], next_cursor)


def _load(wallet_id: str) -> Callable[[], Wallet]:
    return lambda: repository.get_wallet(wallet_id)


def prefetched(first: Wallet, then: Callable[[], Wallet]) -> Callable[[], Wallet]:
    """A loader that hands out a wallet read together with other records once, then reads afresh."""
    pending = [first]
    return lambda: pending.pop() if pending else then()


def update_wallet(
    wallet_id: str,
    metadata: dict[str, str] | None,
    settings: dict[str, Any] | None,
    idem: Idempotency | None,
    gateway_customer_id: str | None = None,
    expires_at: int | None = None,
    clear_expiry: bool = False,
) -> Response:
    def action(work: Wallet, now: int) -> Outcome:
        work.settle(now)
        work.configure(now, metadata, settings, gateway_customer_id, expires_at, clear_expiry)
        return Outcome(200, views.wallet_body(work, now))

    return run(_load(wallet_id), action, idem=idem)


def change_status(
    wallet_id: str,
    verb: str,
    idem: Idempotency | None,
    reason: str | None = None,
    *,
    refund_to_original_payment: bool = False,
) -> Response:
    def action(work: Wallet, now: int) -> Outcome:
        if verb == "close":
            entry = work.close(now, reason)
            if entry is None:  # more pending holds than one transaction releases: commit this part
                return Outcome(200, {}, step=True)
            body = views.wallet_body(work, now)
            body["closing_transaction"] = views.transaction_body(work.id, work.currency, entry)
            refund_due = int(entry.details["refund_due"])
            if not (refund_to_original_payment and refund_due > 0):
                return Outcome(200, body)
            # The payout record commits with the close: refunds are made from it (payouts.py).
            payout = payouts.payout_item(work, refund_due, now)
            body["payout"] = payouts.view(payout)
            body["closing_transaction"] = payouts.closing(body, body["payout"])
            return Outcome(200, body, puts=[("payout", payout, PayoutItem.pk.does_not_exist())])
        work.settle(now)
        getattr(work, verb)(now)
        return Outcome(200, views.wallet_body(work, now))

    return run(_load(wallet_id), action, idem=idem)


def close_wallet(
    wallet_id: str,
    idem: Any,
    refund_to_original_payment: bool,
    deadline: float | None = None,
    *,
    gateway: Callable[[], PaymentGateway],
) -> tuple[int, dict[str, Any]]:
    """POST /wallets/{id}/close: close a wallet; with `refund_to_original_payment`, then refund its cash
    to the payments (payouts.py) until `deadline`, and answer with the payout as it then stands.

    `gateway` builds the gateway the refunds go through (the handler passes `wiring.get_gateway`): it is
    called only when a payout is to run, so a close without one never loads a payment SDK."""
    status, body = change_status(
        wallet_id, "close", idem, refund_to_original_payment=refund_to_original_payment
    )
    if refund_to_original_payment and (body.get("payout") or {}).get("status") == payouts.PENDING:
        try:
            item = payouts.run(wallet_id, gateway(), deadline=deadline)
        except Exception:  # the wallet is closed and the payout recorded: the top-up job finishes it
            logger.exception("a payout stopped; the top-up job resumes it", extra={"wallet_id": wallet_id})
            item = payouts.get(wallet_id)
        if item is not None:
            payout = payouts.view(item)
            body = {**body, "payout": payout, "closing_transaction": payouts.closing(body, payout)}
    return status, body


def _reference(value: str | None, transaction_type: str) -> Reference | None:
    return Reference(value, transaction_type) if value else None


def _entry_outcome(work: Wallet, entry: Entry, status: int = 201) -> Outcome:
    return Outcome(status, views.transaction_body(work.id, work.currency, entry))


def credit(
    wallet_id: str,
    amount: int,
    funding_type: str,
    expires_at: int | None,
    description: str | None,
    reference: str | None,
    metadata: dict[str, str],
    idem: Idempotency | None,
    applies_to: Scope = None,
) -> Response:
    def action(work: Wallet, now: int) -> Outcome:
        entry = work.credit(
            amount,
            now,
            funding_type,
            expires_at,
            applies_to=applies_to,
            description=description,
            reference=reference,
            metadata=metadata,
        )
        return _entry_outcome(work, entry)

    return run(_load(wallet_id), action, idem=idem, reference=_reference(reference, "credit"))


def debit(
    wallet_id: str,
    amount: int,
    allow_partial: bool,
    description: str | None,
    reference: str | None,
    metadata: dict[str, str],
    idem: Idempotency | None,
    category: str | None = None,
) -> Response:
    def action(work: Wallet, now: int) -> Outcome:
        entry = work.debit(
            amount,
            now,
            allow_partial,
            category,
            description=description,
            reference=reference,
            metadata=metadata,
        )
        return _entry_outcome(work, entry)

    return run(_load(wallet_id), action, idem=idem, reference=_reference(reference, "debit"))


def void(
    wallet_id: str,
    amount: int,
    funding_type: str | None,
    reason: str | None,
    reference: str | None,
    metadata: dict[str, str],
    idem: Idempotency | None,
) -> Response:
    def action(work: Wallet, now: int) -> Outcome:
        entry = work.void(amount, now, funding_type, reason=reason, reference=reference, metadata=metadata)
        return _entry_outcome(work, entry)

    return run(_load(wallet_id), action, idem=idem, reference=_reference(reference, "void"))


def adjust(
    wallet_id: str,
    amount: int,
    reason: str,
    reference: str | None,
    metadata: dict[str, str],
    idem: Idempotency | None,
) -> Response:
    def action(work: Wallet, now: int) -> Outcome:
        entry = work.adjust(amount, now, reason, reference=reference, metadata=metadata)
        return _entry_outcome(work, entry)

    return run(_load(wallet_id), action, idem=idem, reference=_reference(reference, "adjustment"))


def grant(
    customer_id: str,
    currency: str,
    amount: int,
    description: str | None,
    reference: str | None,
    metadata: dict[str, str],
    idem: Idempotency | None,
    funding_type: str = "promotional",
    expires_at: int | None = None,
    applies_to: Scope = None,
) -> Response:
    """Credit a customer's balance in a currency, creating the wallet in the same write if missing."""
    for _ in range(3):
        existing, ended = _customer_wallet(customer_id, currency)

        def action(work: Wallet, now: int) -> Outcome:
            entry = work.credit(
                amount,
                now,
                funding_type,
                expires_at,
                applies_to=applies_to,
                description=description,
                reference=reference,
                metadata=metadata,
            )
            return _entry_outcome(work, entry)

        if existing is not None:
            return run(
                prefetched(existing, _load(existing.id)),
                action,
                idem=idem,
                reference=_reference(reference, "credit"),
            )
        try:
            return run(
                lambda: Wallet.open(customer_id, currency, clock.now_ms()),
                action,
                idem=idem,
                reference=_reference(reference, "credit"),
                new_wallet=True,
                replaces=ended,
            )
        except _ExistingWallet:
            continue
    raise errors.Contention("The customer's wallet is being created concurrently; retry")


def revoke(
    customer_id: str, currency: str, amount: int, reason: str | None, idem: Idempotency | None
) -> Response:
    wallet_id = repository.find_wallet_id(customer_id, currency)
    if wallet_id is None:
        raise errors.NotFound(f"Customer {customer_id} has no {currency} balance")
    return void(wallet_id, amount, None, reason, None, {}, idem)


def customer_balances(customer_id: str) -> dict[str, Any]:
    now = clock.now_ms()
    wallets = sorted(_customer_wallets(customer_id), key=lambda w: w.currency)
    return {
        "object": "list",
        "data": [views.balance_body(shown(w, now)) for w in wallets],
        "has_more": False,
        "next_cursor": None,
    }


def customer_balance(customer_id: str, currency: str) -> dict[str, Any]:
    wallet_id = repository.find_wallet_id(customer_id, currency)
    if wallet_id is None:
        raise errors.NotFound(f"Customer {customer_id} has no {currency} balance")
    return views.balance_body(shown(repository.get_wallet(wallet_id), clock.now_ms()))


def list_lots(wallet_id: str, wallet: Wallet | None = None) -> dict[str, Any]:
    """The live lots. Here and in the other lists, `wallet` is the wallet when the caller has read it
    already (the customer API's ownership check has), so it is not read twice."""
    now = clock.now_ms()
    return views.lots_body(repository.with_cold(wallet or repository.get_wallet(wallet_id)).view(now), now)


def get_transaction(wallet_id: str, transaction_id: str) -> dict[str, Any]:
    entry, refunded, currency = repository.get_transaction(wallet_id, transaction_id)
    body = views.transaction_body(wallet_id, currency, entry, refunded)
    return views.closing_body(body, payouts.shown(wallet_id)) if entry.type == "close" else body


def list_transactions(
    wallet_id: str,
    type_: str | None,
    created_after: int | None,
    created_before: int | None,
    limit: int,
    cursor: str | None,
    wallet: Wallet | None = None,
) -> dict[str, Any]:
    wallet = wallet or repository.get_wallet(wallet_id)
    # Ids are time-sortable, so a time window is a key range, not a filter.
    low = f"TXN#txn_{ids.ulid(created_after + 1)[:10]}" if created_after is not None else "TXN#"
    high = f"TXN#txn_{ids.ulid(created_before)[:10]}" if created_before is not None else "TXN#~"
    if low > high:
        raise errors.field_error("created_before", "must be later than created_after")
    condition = TransactionItem.sk.between(low, high)
    filt = TransactionItem.type == type_ if type_ else None
    result = repository.query_page(TransactionItem, wallet_pk(wallet_id), condition, limit, cursor, filt)
    data = [
        views.transaction_body(wallet_id, wallet.currency, entry_from_item(i), int(i.refunded_amount or 0))
        for i in result.items
    ]
    if any(body["type"] == "close" for body in data):
        payout = payouts.shown(wallet_id)
        data = [views.closing_body(body, payout) if body["type"] == "close" else body for body in data]
    return views.page(data, result.next_cursor)


# ---------------------------------------------------------------------- holds and refunds
def _hold_view(wallet_id: str, currency: str, item: HoldItem, now: int) -> dict[str, Any]:
    status = item.status
    if status == "pending" and now >= int(item.expires_at):
        status = "expired"  # the sweep has not run yet; the hold is already gone from the balance
    return views.hold_body(
        wallet_id,
        currency,
        item.hold_id,
        status,
        int(item.amount),
        int(item.expires_at),
        int(item.created_at),
        int(item.captured_amount or 0),
        int(item.released_amount or 0),
        item.reference,
        item.description,
        plain(item.metadata),
        item.transaction_id,
        item.actor,
    )


def create_hold(
    wallet_id: str,
    amount: int,
    expires_at: int | None,
    reference: str | None,
    description: str | None,
    metadata: dict[str, str],
    idem: Idempotency | None,
    category: str | None = None,
) -> Response:
    def action(work: Wallet, now: int) -> Outcome:
        hold, entry = work.hold(
            amount,
            now,
            expires_at,
            category,
            reference=reference,
            description=description,
            metadata=metadata,
        )
        body = views.hold_body(
            work.id,
            work.currency,
            hold.id,
            "pending",
            amount,
            hold.expires_at,
            now,
            reference=reference,
            description=description,
            metadata=metadata,
            transaction_id=entry.id,
            actor=entry.actor,
        )
        return Outcome(201, body)

    return run(_load(wallet_id), action, idem=idem, reference=_reference(reference, "hold"))


def _with_hold(wallet_id: str, hold_id: str) -> tuple[Wallet, HoldItem]:
    wallet, found = repository.get_wallet_with(wallet_id, f"HLD#{hold_id}")
    item = found.get(f"HLD#{hold_id}")
    if not isinstance(item, HoldItem):
        raise errors.NotFound(f"No such hold: {hold_id}")
    return wallet, item


def settle_hold(
    wallet_id: str, hold_id: str, verb: str, amount: int | None, idem: Idempotency | None
) -> Response:
    wallet, item = _with_hold(wallet_id, hold_id)

    def action(work: Wallet, now: int) -> Outcome:
        if verb == "capture":
            entry = work.capture(hold_id, now, amount)
            captured, released, status = entry.amount, int(entry.details["released_amount"]), "captured"
        else:
            entry = work.release(hold_id, now)
            captured, released, status = 0, entry.amount, "released"
        body = views.hold_body(
            work.id,
            work.currency,
            hold_id,
            status,
            int(item.amount),
            int(item.expires_at),
            int(item.created_at),
            captured,
            released,
            item.reference,
            item.description,
            plain(item.metadata),
            item.transaction_id,
            item.actor,
        )
        body["transaction"] = views.transaction_body(work.id, work.currency, entry)
        return Outcome(200, body)

    return run(prefetched(wallet, _load(wallet_id)), action, idem=idem)


def get_hold(wallet_id: str, hold_id: str) -> dict[str, Any]:
    wallet, item = _with_hold(wallet_id, hold_id)
    return _hold_view(wallet.id, wallet.currency, item, clock.now_ms())


def list_holds(
    wallet_id: str, status: str | None, limit: int, cursor: str | None, wallet: Wallet | None = None
) -> dict[str, Any]:
    wallet = wallet or repository.get_wallet(wallet_id)
    now = clock.now_ms()
    # `expired` may still be stored as pending (sweep not run): filter after computing the status.
    stored = {"expired": None, "pending": "pending"}.get(status or "", status)
    filt = HoldItem.status == stored if stored else None
    # One bounded read (repository.MAX_EVALUATED): a status filter may leave the page short, even
    # empty, with a cursor to go on; reading on until the page is full could read every hold.
    result = repository.query_page(
        HoldItem, wallet_pk(wallet_id), HoldItem.sk.startswith("HLD#"), limit, cursor, filt
    )
    out = [
        view
        for view in (_hold_view(wallet.id, wallet.currency, item, now) for item in result.items)
        if status is None or view["status"] == status
    ]
    return views.page(out, result.next_cursor)


def refund(
    wallet_id: str,
    transaction_id: str,
    amount: int | None,
    reason: str | None,
    metadata: dict[str, str],
    idem: Idempotency | None,
) -> Response:
    wallet, found = repository.get_wallet_with(wallet_id, f"TXN#{transaction_id}")
    item = found.get(f"TXN#{transaction_id}")
    if not isinstance(item, TransactionItem):
        raise errors.NotFound(f"No such transaction: {transaction_id}")
    original = entry_from_item(item)
    state = {"refunded": int(item.refunded_amount or 0)}

    def load() -> Wallet:
        wallet, again = repository.get_wallet_with(wallet_id, f"TXN#{transaction_id}")
        fresh = again.get(f"TXN#{transaction_id}")
        state["refunded"] = int(fresh.refunded_amount or 0) if isinstance(fresh, TransactionItem) else 0
        return wallet

    def action(work: Wallet, now: int) -> Outcome:
        entry = work.refund(original, state["refunded"], now, amount, reason=reason, metadata=metadata)
        return _entry_outcome(work, entry)

    return run(prefetched(wallet, load), action, idem=idem)
