"""Scheduled jobs (EventBridge Scheduler). Each is safe to run twice at once (every write is
conditional), resumes where a timeout left it (its work is found through sparse indexes, so
unfinished work is simply still due), and stops before the Lambda deadline."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from wallets import clock, ledger, repository, topups
from wallets.items import DUE_SHARDS, WalletItem, sortable_ms
from wallets.lots import Lot
from wallets.observability import logger, metrics
from wallets.wallet import BALANCE_SIGN, Entry, Wallet

SAFETY_MARGIN_MS = 3_000


def deadline_of(context: Any) -> float:
    """time.monotonic() value at which a job must stop starting new work."""
    remaining = context.get_remaining_time_in_millis() if context is not None else 60_000
    return time.monotonic() + max(0, remaining - SAFETY_MARGIN_MS) / 1000


def job_item_failed(job: str, message: str, **extra: Any) -> None:
    """One item of a job failed: log it with its traceback and count it (`JobItemFailures`, alarmed in
    template.yaml). The job goes on with the other items; the failed one stays due for the next run."""
    logger.exception(message, extra={"job": job, **extra})
    metrics.add_metric(name="JobItemFailures", unit=MetricUnit.Count, value=1)


def run_top_up_job(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Resolve top-ups left pending, then run the automatic top-ups that are due."""
    deadline = deadline_of(context)
    recovered = topups.recover(clock.now_ms(), deadline)
    if recovered["errors"]:
        metrics.add_metric(name="JobItemFailures", unit=MetricUnit.Count, value=recovered["errors"])
    automatic: dict[str, int] = {}
    for wallet_id in topups.due_wallets(clock.now_ms()):
        if time.monotonic() > deadline:
            break
        try:
            outcome = topups.run_automatic(wallet_id)
        except Exception:
            job_item_failed("auto_top_up", "automatic top-up failed for a wallet", wallet_id=wallet_id)
            outcome = "errors"
        automatic[outcome] = automatic.get(outcome, 0) + 1
    for name, value in {
        **{f"recovered_{k}": v for k, v in recovered.items()},
        **{f"automatic_{k}": v for k, v in automatic.items()},
    }.items():
        metrics.add_metric(name=f"top_ups_{name}", unit=MetricUnit.Count, value=value)
    logger.info("top-up job done", extra={"recovered": recovered, "automatic": automatic})
    return {"recovered": recovered, "automatic": automatic}


# ------------------------------------------------------------------ expiry sweep
def sweep(now: int | None = None, deadline: float | None = None, page: int = 100) -> dict[str, int]:
    """Expire due lots, release due holds and send expiry warnings, wallet by wallet.

    Work is found through the sparse, sharded `due` index (wallets whose next scheduled item is due),
    so the reads grow with the due items, not with the table. Each wallet is settled with the same
    code every write uses, in one conditional transaction: two sweeps at once settle each item once.
    """
    now = clock.now_ms() if now is None else now
    stats = {
        "wallets": 0,
        "expired_lots": 0,
        "expired_holds": 0,
        "warnings": 0,
        "errors": 0,
        "stopped_early": 0,
    }
    repository.bind()
    for shard in range(DUE_SHARDS):
        for key in WalletItem.due_index.query(
            f"{shard:02d}", WalletItem.due_at <= sortable_ms(now), limit=page
        ):
            if deadline is not None and time.monotonic() > deadline:
                stats["stopped_early"] = 1
                return stats
            _settle_wallet(key.pk.split("#", 1)[1], stats)
    return stats


def _settle_wallet(wallet_id: str, stats: dict[str, int]) -> None:
    counted: dict[str, int] = {}

    def action(work: Wallet, now: int) -> ledger.Outcome | None:
        work.settle(now)
        warned = work.mark_warned(now)
        entries = work.effects.entries
        counted.update(
            expired_lots=sum(len(e.allocations) for e in entries if e.type == "expiry"),
            expired_holds=sum(1 for e in entries if e.type == "release"),
            warnings=len(warned),
        )
        return ledger.Outcome(200, {}) if entries or warned else None

    try:
        ledger.run(lambda: repository.get_wallet(wallet_id), action)
    except Exception:
        job_item_failed(
            "sweep", "sweep failed for a wallet; it stays due for the next run", wallet_id=wallet_id
        )
        stats["errors"] += 1
        return
    stats["wallets"] += 1
    for k, v in counted.items():
        stats[k] += v


def run_sweep_job(event: dict[str, Any], context: Any) -> dict[str, Any]:
    stats = sweep(clock.now_ms(), deadline_of(context))
    for name, value in stats.items():
        metrics.add_metric(name=f"sweep_{name}", unit=MetricUnit.Count, value=value)
    logger.info("expiry sweep done", extra=stats)
    return stats


# ------------------------------------------------------------------ reconciliation
def drift(wallet: Wallet, entries: list[Entry]) -> list[str]:
    """Differences between a stored wallet and the replay of its ledger (empty when consistent)."""
    problems: list[str] = []
    balance = pending = 0
    by_type: dict[str, int] = {}
    for e in entries:
        sign = BALANCE_SIGN.get(e.type)
        if sign is None:
            problems.append(f"{e.id}: unknown type {e.type}")
            continue
        balance += sign * e.amount
        for a in e.allocations:
            if sign:
                by_type[a.funding_type] = by_type.get(a.funding_type, 0) + sign * a.amount
        if e.type == "hold":
            pending += e.amount
        elif e.type == "release":
            pending -= e.amount
        elif e.type == "capture":
            pending -= int(e.details.get("held_amount", e.amount))
        if e.balance_after != balance:
            problems.append(f"{e.id}: balance_after {e.balance_after} but the replay gives {balance}")
    lots: list[Lot] = list(wallet.lots.values())
    stored = sum(lot.remaining for lot in lots)
    if stored != balance:
        problems.append(f"lots hold {stored} but the ledger replays to {balance}")
    held = sum(h.amount for h in wallet.holds.values())
    if held != pending:
        problems.append(f"pending holds {held} but the ledger replays to {pending}")
    for lot in lots:
        if lot.remaining <= 0:
            problems.append(f"lot {lot.id} has remaining {lot.remaining}")
    lot_types: dict[str, int] = {}
    for lot in lots:
        lot_types[lot.funding_type] = lot_types.get(lot.funding_type, 0) + lot.remaining
    if {k: v for k, v in by_type.items() if v} != lot_types:
        problems.append(f"per funding type the lots hold {lot_types} but the ledger replays to {by_type}")
    return problems


CHECKPOINT = ("JOB#reconcile", "CHECKPOINT")


def reconcile(deadline: float | None = None, page: int = 50) -> dict[str, int]:
    """Recompute every wallet from its ledger; report drift as a metric and an error log line.

    Resumes from a checkpoint when a run stops at its deadline; starts over after a full pass.
    """
    from wallets.items import JobCheckpointItem

    repository.bind()
    try:
        checkpoint = JobCheckpointItem.get(*CHECKPOINT, consistent_read=True)
        cursor = checkpoint.cursor
    except JobCheckpointItem.DoesNotExist:
        checkpoint, cursor = JobCheckpointItem(*CHECKPOINT), None
    stats = {"wallets": 0, "drifted": 0, "finished": 0}
    while True:
        result = repository.query_page(
            WalletItem,
            "WALLETS",
            None,
            page,
            cursor,
            index=WalletItem.wallets_index,
            key_names=("pk", "sk", "list_pk", "list_sk"),
        )
        for key in result.items:
            wallet_id = key.pk.split("#", 1)[1]
            wallet = repository.get_wallet(wallet_id)
            problems = drift(wallet, repository.all_entries(wallet_id))
            stats["wallets"] += 1
            if problems:
                stats["drifted"] += 1
                logger.error(
                    "wallet drifted from its ledger", extra={"wallet_id": wallet_id, "problems": problems}
                )
        cursor = result.next_cursor
        if cursor is None:
            stats["finished"] = 1
            break
        if deadline is not None and time.monotonic() > deadline:
            break
    checkpoint.cursor = cursor
    checkpoint.save()
    return stats


def run_reconcile_job(event: dict[str, Any], context: Any) -> dict[str, Any]:
    stats = reconcile(deadline_of(context))
    metrics.add_metric(name="reconcile_wallets", unit=MetricUnit.Count, value=stats["wallets"])
    metrics.add_metric(name="WalletDrift", unit=MetricUnit.Count, value=stats["drifted"])
    logger.info("reconcile done", extra=stats)
    return stats
