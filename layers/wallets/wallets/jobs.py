"""Scheduled jobs (EventBridge Scheduler). Each is safe to run twice at once (every write is
conditional), resumes where a timeout left it (its work is found through sparse indexes, so
unfinished work is simply still due), and stops before the Lambda deadline.

The top-up jobs charge and refund through the gateway their handler builds (`wiring.get_gateway()`)
and passes in: the sweep and the reconciliation, which never move money outside the table, reach no
payment adapter."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from wallets import clock, errors, ledger, payouts, repository, topups
from wallets.gateway import PaymentGateway
from wallets.items import HoldItem, TableItem, WalletItem, plain, wallet_from_item, wallet_id_of
from wallets.observability import logger, metrics
from wallets.wallet import Entry, Wallet, balance_sign

SAFETY_MARGIN_MS = 3_000
SCHEDULER = "scheduler"  # the actor of what the scheduled jobs write


def deadline_of(context: Any) -> float:
    """time.monotonic() value at which a job must stop starting new work."""
    remaining = context.get_remaining_time_in_millis() if context is not None else 60_000
    return time.monotonic() + max(0, remaining - SAFETY_MARGIN_MS) / 1000


def job_item_failed(job: str, message: str, **extra: Any) -> None:
    """One item of a job failed: log it with its traceback and count it (`JobItemFailures`, alarmed in
    template.yaml). The job goes on with the other items; the failed one stays due for the next run."""
    logger.exception(message, extra={"job": job, **extra})
    metrics.add_metric(name="JobItemFailures", unit=MetricUnit.Count, value=1)


def run_top_up_job(event: dict[str, Any], context: Any, gateway: PaymentGateway) -> dict[str, Any]:
    """Resolve top-ups left pending, resume payouts, then run the automatic top-ups that are due."""
    with ledger.acting_as(SCHEDULER):
        return _top_up_job(deadline_of(context), gateway)


def _top_up_job(deadline: float, gateway: PaymentGateway) -> dict[str, Any]:
    recovered = topups.recover(clock.now_ms(), deadline, gateway=gateway)
    paid_out = payouts.recover(clock.now_ms(), deadline, gateway=gateway)
    failures = recovered["errors"] + paid_out["errors"]
    if failures:
        metrics.add_metric(name="JobItemFailures", unit=MetricUnit.Count, value=failures)
    automatic: dict[str, int] = {}
    for due in repository.due_wallets("work", clock.now_ms()):
        if time.monotonic() > deadline:
            break
        wallet_id = wallet_id_of(due)
        try:
            outcome = topups.run_automatic(wallet_id, gateway)
        except Exception:
            job_item_failed("auto_top_up", "automatic top-up failed for a wallet", wallet_id=wallet_id)
            outcome = "errors"
        automatic[outcome] = automatic.get(outcome, 0) + 1
    for name, value in {
        **{f"recovered_{k}": v for k, v in recovered.items()},
        **{f"automatic_{k}": v for k, v in automatic.items()},
        **{f"payouts_{k}": v for k, v in paid_out.items()},
    }.items():
        metrics.add_metric(name=f"top_ups_{name}", unit=MetricUnit.Count, value=value)
    logger.info(
        "top-up job done", extra={"recovered": recovered, "automatic": automatic, "payouts": paid_out}
    )
    return {"recovered": recovered, "automatic": automatic, "payouts": paid_out}


def run_triggered_top_up(event: dict[str, Any], context: Any, gateway: PaymentGateway) -> dict[str, Any]:
    """`wallet.auto_top_up_due` (an EventBridge rule on the bus): the write that crossed the
    threshold, seconds ago. Runs that wallet's automatic top-up now, with the same claim as the
    schedule, so a crossing is served once however many times the event or the job arrives; a failure
    here leaves the wallet due for the schedule (the safety net)."""
    wallet_id = str((event.get("detail") or {}).get("wallet_id") or "")
    with ledger.acting_as(SCHEDULER):
        try:
            outcome = topups.run_automatic(wallet_id, gateway)
        except Exception:
            job_item_failed("auto_top_up", "triggered automatic top-up failed", wallet_id=wallet_id)
            outcome = "errors"
    metrics.add_metric(name=f"top_ups_triggered_{outcome}", unit=MetricUnit.Count, value=1)
    logger.info("triggered automatic top-up", extra={"wallet_id": wallet_id, "outcome": outcome})
    return {"wallet_id": wallet_id, "outcome": outcome}


# ------------------------------------------------------------------ expiry sweep
def sweep(now: int | None = None, deadline: float | None = None, page: int = 100) -> dict[str, int]:
    """Expire due lots, release due holds and send expiry warnings, wallet by wallet.

    Work is found through the sparse, sharded `sweep` index (wallets whose next scheduled item is due),
    so the reads grow with the due items, not with the table; shards take turns (`due_wallets`).
    Each wallet is settled with the same code every write uses, in one conditional transaction: two
    sweeps at once settle each item once.
    """
    now = clock.now_ms() if now is None else now
    stats = {
        "wallets": 0,
        "expired_lots": 0,
        "expired_holds": 0,
        "expired_wallets": 0,
        "warnings": 0,
        "errors": 0,
        "stopped_early": 0,
    }
    for due in repository.due_wallets("sweep", now, page):
        if deadline is not None and time.monotonic() > deadline:
            stats["stopped_early"] = 1
            return stats
        _settle_wallet(due, stats)
    return stats


def _settle_wallet(due: TableItem, stats: dict[str, int]) -> None:
    """Settle one due wallet, starting from the index's copy of it (decision 41)."""
    wallet_id = wallet_id_of(due)

    def read() -> Wallet:
        return repository.get_wallet(wallet_id)

    counted: Counter[str] = Counter()
    expired: set[str] = set()  # lots, once each: every step of a backlog may expire part of one

    def action(work: Wallet, now: int) -> ledger.Outcome | None:
        work.settle(now)
        warned = work.mark_warned(now)
        return ledger.Outcome(200, {}) if work.effects.entries or warned else None

    def count(work: Wallet) -> None:  # each write that landed, steps of a backlog included
        entries = work.effects.entries
        expired.update(a.lot_id for e in entries if e.type == "expiry" for a in e.allocations)
        counted.update(
            expired_holds=sum(1 for e in entries if e.type == "release"),
            expired_wallets=sum(1 for e in entries if e.type == "close"),
            warnings=len(work.effects.warned),
        )

    try:
        ledger.run(
            ledger.prefetched(wallet_from_item(due), read) if isinstance(due, WalletItem) else read,
            action,
            committed=count,
        )
    except Exception:
        job_item_failed(
            "sweep", "sweep failed for a wallet; it stays due for the next run", wallet_id=wallet_id
        )
        stats["errors"] += 1
    else:
        stats["wallets"] += 1
    counted["expired_lots"] = len(expired)
    for k, v in counted.items():  # what landed counts, even when a later step failed
        stats[k] += v


def run_sweep_job(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with ledger.acting_as(SCHEDULER):
        stats = sweep(clock.now_ms(), deadline_of(context))
    for name, value in stats.items():
        metrics.add_metric(name=f"sweep_{name}", unit=MetricUnit.Count, value=value)
    logger.info("expiry sweep done", extra=stats)
    return stats


# ------------------------------------------------------------------ reconciliation
def drift(wallet: Wallet, entries: list[Entry]) -> list[str]:
    """Differences between a stored wallet and the replay of its ledger (empty when consistent).

    `entries` are the wallet's ledger through its `last_transaction_id`, oldest first. The replay is
    per lot (each allocation names its lot) and per hold (its amount and the lots it reserves), so
    credit moved between lots, a lot's expiry or type changed, or a hold dropped or moved to other
    lots is drift even when the totals still agree."""
    problems: list[str] = []
    balance = 0
    lots: dict[str, tuple[int, str, int | None, Any, Any]] = {}
    holds: dict[str, tuple[int, list[tuple[str, int]]]] = {}
    for e in entries:
        sign = balance_sign(e)
        if sign is None:
            problems.append(f"{e.id}: unknown type {e.type}")
            continue
        balance += sign * e.amount
        if e.balance_after != balance:
            problems.append(f"{e.id}: balance_after {e.balance_after} but the replay gives {balance}")
        if sign:
            allocated = sum(a.amount for a in e.allocations)
            if allocated != e.amount:
                problems.append(f"{e.id}: its lots add up to {allocated}, not {e.amount}")
            for a in e.allocations:
                remaining = lots.get(a.lot_id, (0,))[0] + sign * a.amount
                lots[a.lot_id] = (remaining, a.funding_type, a.expires_at, a.applies_to, a.withdrawable)
        if e.type == "hold" and e.hold_id:
            holds[e.hold_id] = (e.amount, sorted((a.lot_id, a.amount) for a in e.allocations))
        elif (e.type in ("release", "capture") or (e.type == "debit" and e.hold_id)) and holds.pop(
            e.hold_id or "", None
        ) is None:
            problems.append(f"{e.id}: ends hold {e.hold_id}, which the replay has no pending hold for")
    replayed = {lot_id: lot for lot_id, lot in lots.items() if lot[0]}
    stored = {
        lot.id: (lot.remaining, lot.funding_type, lot.expires_at, lot.applies_to, lot.withdrawable)
        for lot in wallet.lots.values()
    }
    for lot_id in sorted(replayed.keys() | stored.keys()):
        if replayed.get(lot_id) != stored.get(lot_id):
            problems.append(
                f"lot {lot_id} (remaining, type, expiry, scope, withdrawable) is {stored.get(lot_id)} but "
                f"the ledger replays to "
                f"{replayed.get(lot_id)}"
            )
    pending = {
        h.id: (h.amount, sorted((a.lot_id, a.amount) for a in h.allocations)) for h in wallet.holds.values()
    }
    if pending != holds:  # amounts and the lots each hold reserves
        problems.append(f"pending holds are {pending} but the ledger replays to {holds}")
    return problems


def hold_drift(wallet: Wallet, entries: list[Entry], records: list[HoldItem]) -> list[str]:
    """Differences between a wallet's hold records (`HLD#`) and its ledger (empty when consistent).

    `entries` are the ledger through the wallet's `last_transaction_id`; `records` were read after
    the wallet, so a record created by a later transaction is left out, and one ended by a later
    transaction is taken as it was then: pending. A record that says a hold ended while the wallet
    still holds it (or the converse) is drift: that hold could never be captured, released or
    expired, since each of those is conditioned on its record being pending."""
    last = wallet.last_transaction_id or ""
    replayed: dict[str, tuple[Any, ...]] = {}
    for e in entries:
        if e.type == "hold" and e.hold_id:
            replayed[e.hold_id] = ("pending", e.amount, e.id, 0, 0, "")
        elif e.hold_id in replayed and e.type in ("release", "capture", "debit"):
            _, amount, opened, *_ = replayed[e.hold_id]
            if e.type == "release":
                ended = ("expired" if e.reason == "expired" else "released", 0, amount)
            else:  # a capture, or a remainder's debit: what was not captured was released
                ended = ("captured", e.amount, amount - e.amount)
            replayed[e.hold_id] = (ended[0], amount, opened, ended[1], ended[2], e.id)
    stored: dict[str, tuple[Any, ...]] = {}
    for r in records:
        if r.transaction_id > last:
            continue  # created after the wallet was read
        closing = r.closing_transaction_id or ""
        if r.status == "pending" or closing > last:
            stored[r.hold_id] = ("pending", int(r.amount), r.transaction_id, 0, 0, "")
        else:
            status, captured, released = r.status, int(r.captured_amount or 0), int(r.released_amount or 0)
            stored[r.hold_id] = (status, int(r.amount), r.transaction_id, captured, released, closing)
    problems = [
        f"hold record {hold_id} (status, amount, transaction, captured, released, closing transaction) "
        f"is {stored.get(hold_id)} but the ledger replays to {replayed.get(hold_id)}"
        for hold_id in sorted(replayed.keys() | stored.keys())
        if stored.get(hold_id) != replayed.get(hold_id)
    ]
    by_id = {r.hold_id: r for r in records}
    for hold in wallet.holds.values():  # what a pending hold's record shows: its expiry and its lots
        record = by_id.get(hold.id)
        if record is None:
            continue  # reported above
        lots = sorted((str(a["lot_id"]), int(a["amount"])) for a in plain(record.allocations))
        held = sorted((a.lot_id, a.amount) for a in hold.allocations)
        if (int(record.expires_at), lots) != (hold.expires_at, held):
            problems.append(
                f"hold record {hold.id} (expires_at, lots) is {(int(record.expires_at), lots)} but the "
                f"wallet holds {(hold.expires_at, held)}"
            )
    return problems


CHECKPOINT = ("JOB#reconcile", "CHECKPOINT")


def audit(wallet_id: str) -> list[str]:
    """How one wallet differs from its ledger and from its own stored records (empty when it does not):
    its totals, index keys and the totals of its paged lots (`repository.get_wallet_audited`), its
    lots and pending holds (`drift`) and its hold records (`hold_drift`).

    The ledger and the hold records are read after the wallet, up to the wallet's last transaction:
    a write committed in between adds only later entries, so it is never taken for drift."""
    wallet, problems = repository.get_wallet_audited(wallet_id)
    last = wallet.last_transaction_id
    entries = repository.all_entries(wallet_id, through=last) if last else []
    records = repository.hold_records(wallet_id)
    return problems + drift(wallet, entries) + hold_drift(wallet, entries, records)


def reconcile(deadline: float | None = None, page: int = 50) -> dict[str, int]:
    """Recompute every wallet from its ledger; report drift as a metric and an error log line.

    The cursor is saved after every wallet checked when a run stops at its deadline (checked before
    each wallet) and after every page, so a run that times out resumes where it was; a full pass
    starts over."""
    from wallets.items import JobCheckpointItem

    repository.bind()
    try:
        checkpoint = JobCheckpointItem.get(*CHECKPOINT, consistent_read=True)
    except JobCheckpointItem.DoesNotExist:
        checkpoint = JobCheckpointItem(*CHECKPOINT)
    cursor: str | None = checkpoint.cursor
    stats = {"wallets": 0, "drifted": 0, "errors": 0, "finished": 0, "stopped_early": 0}

    def save(at: str | None) -> None:
        checkpoint.cursor = at
        checkpoint.save()

    while True:
        try:
            result = repository.wallets_page(page, cursor)
        except errors.ValidationFailed:  # a checkpoint this version cannot resume from: start over
            logger.warning("reconcile checkpoint not usable; starting a new pass", extra={"cursor": cursor})
            cursor = None
            continue
        for key in result.items:
            if deadline is not None and time.monotonic() > deadline:
                stats["stopped_early"] = 1
                save(cursor)
                return stats
            wallet_id = key.pk.split("#", 1)[1]
            try:
                problems = audit(wallet_id)
            except Exception:
                job_item_failed("reconcile", "reconcile failed for a wallet", wallet_id=wallet_id)
                stats["errors"] += 1
                problems = []
            stats["wallets"] += 1
            if problems:
                stats["drifted"] += 1
                logger.error(
                    "wallet drifted from its ledger", extra={"wallet_id": wallet_id, "problems": problems}
                )
            cursor = repository.wallets_cursor_after(key)
        cursor = result.next_cursor
        save(cursor)
        if cursor is None:
            stats["finished"] = 1
            return stats


def run_reconcile_job(event: dict[str, Any], context: Any) -> dict[str, Any]:
    stats = reconcile(deadline_of(context))
    metrics.add_metric(name="reconcile_wallets", unit=MetricUnit.Count, value=stats["wallets"])
    metrics.add_metric(name="WalletDrift", unit=MetricUnit.Count, value=stats["drifted"])
    logger.info("reconcile done", extra=stats)
    return stats
