"""Scheduled jobs on the embedded DynamoDB with a controllable clock (docs/contract.md sections 2 and 5)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
from wallets import clock, errors, jobs, ledger, repository, topups, wiring
from wallets.gateway import ACTION_REQUIRED, Charge
from wallets.items import (
    HoldItem,
    LotPageItem,
    TransactionItem,
    WalletItem,
    plain,
    shard_of,
    sortable_ms,
    wallet_id_of,
    wallet_pk,
    wallet_to_item,
)
from wallets.sandbox_gateway import SandboxGateway
from wallets.settings import get_settings

from bench.counting import tally
from tests.integration.helpers import check, early_in_a_day
from tests.integration.test_edges import bulk_credit

DAY_S = 86_400
RACE_SECONDS = float(os.environ.get("RECONCILE_RACE_SECONDS", "10"))  # `make soak`: 60


def wallet_with(expiring: list[int], cash: int = 0, customer: str = "cus_j", **settings: object) -> str:
    _, wallet = ledger.create_wallet(customer, "USD", {}, {"expiry_warning_days": 0, **settings})
    for seconds in expiring:
        ledger.credit(wallet["id"], 100, "promotional", clock.now_ms() + seconds * 1000, None, None, {}, None)
    if cash:
        ledger.credit(wallet["id"], cash, "cash", None, None, None, {}, None)
    return str(wallet["id"])


# ---------------------------------------------------------------------------------------- sweep
def test_sweep_expires_due_lots_and_holds_once(table: str) -> None:
    wid = wallet_with([10, 20, 3600], cash=500)
    _, held = ledger.create_hold(wid, 400, clock.now_ms() + 15_000, None, None, {}, None)
    clock.advance(21)
    first = jobs.sweep()
    assert (first["wallets"], first["expired_lots"], first["expired_holds"]) == (1, 2, 1)
    assert jobs.sweep()["wallets"] == 0  # a second run finds nothing due
    entries = repository.all_entries(wid)
    assert [e.type for e in entries].count("release") == 1
    assert sum(len(e.allocations) for e in entries if e.type == "expiry") == 2
    hold = repository.get_wallet_with(wid, f"HLD#{held['id']}")[1][f"HLD#{held['id']}"]
    assert hold.status == "expired"  # type: ignore[attr-defined]
    check(wid)


def test_sweep_counts_every_step_of_a_wallet_settled_in_several(table: str) -> None:
    """45 expired holds take three writes (20 per write): the run's counts are all three steps'."""
    wid = wallet_with([], cash=4500)
    for _ in range(45):  # an hour ahead: creating them may take seconds on a loaded machine
        ledger.create_hold(wid, 100, clock.now_ms() + 3_600_000, None, None, {}, None)
    clock.advance(3_610)
    stats = jobs.sweep()
    assert (stats["wallets"], stats["expired_holds"]) == (1, 45)
    assert [e.type for e in repository.all_entries(wid)].count("release") == 45
    check(wid)


def test_sweep_counts_a_lot_once_though_each_step_expires_part_of_it(table: str) -> None:
    """A lot held by 45 holds: each step's releases free part of it, which expires in that step."""
    wid = wallet_with([1_800], cash=0)
    ledger.credit(wid, 4400, "promotional", clock.now_ms() + 1_800_000, None, None, {}, None)
    for _ in range(45):  # well ahead: creating them may take seconds on a loaded machine
        ledger.create_hold(wid, 100, clock.now_ms() + 3_600_000, None, None, {}, None)
    clock.advance(3_610)
    stats = jobs.sweep()
    assert (stats["expired_holds"], stats["expired_lots"]) == (45, 2)
    check(wid)


def test_sweep_counts_the_steps_that_landed_before_one_failed(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    wid = wallet_with([], cash=4500)
    for _ in range(45):  # an hour ahead: creating them may take seconds on a loaded machine
        ledger.create_hold(wid, 100, clock.now_ms() + 3_600_000, None, None, {}, None)
    clock.advance(3_610)
    commit, calls = repository.commit, []

    def second_fails(plan: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise errors.Unavailable("DynamoDB did not answer")
        commit(plan)

    monkeypatch.setattr(repository, "commit", second_fails)
    stats = jobs.sweep()
    assert (stats["expired_holds"], stats["errors"], stats["wallets"]) == (20, 1, 0)
    assert [e.type for e in repository.all_entries(wid)].count("release") == 20


def test_two_sweeps_at_once_settle_each_item_once(table: str) -> None:
    ids = [wallet_with([5, 6], customer=f"cus_{i}") for i in range(4)]
    clock.advance(10)
    barrier = threading.Barrier(2)

    def run(_: int) -> dict[str, int]:
        barrier.wait()
        return jobs.sweep()

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(run, range(2)))
    for wid in ids:
        expiries = [e for e in repository.all_entries(wid) if e.type == "expiry"]
        assert sum(len(e.allocations) for e in expiries) == 2 and sum(e.amount for e in expiries) == 200
        check(wid)


def test_sweep_stops_at_its_deadline_and_the_next_run_finishes(table: str) -> None:
    ids = [wallet_with([5], customer=f"cus_{i}") for i in range(6)]
    clock.advance(10)
    stopped = jobs.sweep(deadline=time.monotonic())  # the deadline has already passed
    assert stopped["stopped_early"] == 1 and stopped["wallets"] == 0
    resumed = jobs.sweep()
    assert resumed["wallets"] == 6 and jobs.sweep()["wallets"] == 0
    for wid in ids:
        assert [e.type for e in repository.all_entries(wid)].count("expiry") == 1


def test_funds_under_a_pending_hold_expire_when_the_hold_ends(table: str) -> None:
    wid = wallet_with([10])
    _, held = ledger.create_hold(wid, 60, clock.now_ms() + 60_000, None, None, {}, None)
    clock.advance(11)
    assert jobs.sweep()["expired_lots"] == 1  # the unheld 40
    assert ledger.get_wallet(wid)["balance"] == 60
    ledger.settle_hold(wid, held["id"], "release", None, None)
    assert ledger.get_wallet(wid)["balance"] == 0
    check(wid)


def test_sweep_reads_grow_with_due_items_not_the_table(table: str) -> None:
    """With 1% of wallets due, items read per due item stay flat when the table grows 5x."""
    ratios = []
    for round_, wallets in enumerate((20, 100)):
        due = max(1, wallets // 100) * 2
        for i in range(wallets):
            wallet_with([5 if i < due else 10 * DAY_S], customer=f"cus_{round_}_{i}")
        clock.advance(6)
        with tally() as t:
            stats = jobs.sweep()
        assert stats["expired_lots"] == due
        ratios.append((t.items_read / due, t.requests["Scan"]))
        clock.advance(-6)
    assert all(scans == 0 for _, scans in ratios)
    print("items read per due item (20 wallets, 100 wallets):", ratios)
    assert ratios[1][0] <= ratios[0][0] * 1.1, ratios


# ---------------------------------------------------------------------------------------- auto top-up
AUTO = {
    "enabled": True,
    "threshold": 500,
    "amount": 2000,
    "payment_method": "pm_card_visa",
    "max_per_day": 2,
    "cooldown_seconds": 60,
}


def auto_wallet(**overrides: object) -> str:
    _, wallet = ledger.create_wallet("cus_auto", "USD", {}, {"auto_top_up": {**AUTO, **overrides}})
    ledger.credit(wallet["id"], 1000, "cash", None, None, None, {}, None)
    return str(wallet["id"])


def test_auto_top_up_once_per_crossing_even_when_the_job_runs_twice(table: str) -> None:
    wid = auto_wallet()
    assert [wallet_id_of(i) for i in repository.due_wallets("work", clock.now_ms())] == []
    ledger.debit(wid, 600, False, None, None, {}, None)  # 400 < 500: crossing
    assert [wallet_id_of(i) for i in repository.due_wallets("work", clock.now_ms())] == [wid]
    barrier = threading.Barrier(2)

    def job(_: int) -> dict:
        barrier.wait()
        return jobs.run_top_up_job({}, None, wiring.get_gateway())

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(job, range(2)))
    jobs.run_top_up_job({}, None, wiring.get_gateway())
    top_ups = [e for e in repository.all_entries(wid) if e.type == "top_up"]
    assert len(top_ups) == 1 and ledger.get_wallet(wid)["available"] == 2400
    ledger.debit(wid, 100, False, None, None, {}, None)  # still above: nothing due
    assert [wallet_id_of(i) for i in repository.due_wallets("work", clock.now_ms())] == []
    check(wid)


def test_auto_top_up_guardrails_cooldown_and_daily_cap(table: str) -> None:
    early_in_a_day()  # the daily cap counts in one day
    wid = auto_wallet(amount=100)
    ledger.debit(wid, 600, False, None, None, {}, None)
    jobs.run_top_up_job({}, None, wiring.get_gateway())  # 400 -> 500: back at threshold
    ledger.debit(wid, 100, False, None, None, {}, None)  # crossing again inside the cooldown
    jobs.run_top_up_job({}, None, wiring.get_gateway())
    assert len([e for e in repository.all_entries(wid) if e.type == "top_up"]) == 1
    clock.advance(61)
    jobs.run_top_up_job({}, None, wiring.get_gateway())
    assert len([e for e in repository.all_entries(wid) if e.type == "top_up"]) == 2
    ledger.debit(wid, 100, False, None, None, {}, None)
    clock.advance(61)
    jobs.run_top_up_job({}, None, wiring.get_gateway())  # max_per_day = 2
    assert len([e for e in repository.all_entries(wid) if e.type == "top_up"]) == 2
    check(wid)


def test_three_failures_suspend_auto_top_up_until_settings_are_saved(table: str) -> None:
    wid = auto_wallet(payment_method="pm_card_declined", cooldown_seconds=0, max_per_day=10)
    ledger.debit(wid, 600, False, None, None, {}, None)
    for expected_failures in (1, 2, 3):
        jobs.run_top_up_job({}, None, wiring.get_gateway())
        state = repository.get_wallet(wid).auto_top_up_state
        assert state["failures"] == expected_failures
        clock.advance(60 * 60)  # past the retry backoff
    assert state["suspended"] is True
    jobs.run_top_up_job({}, None, wiring.get_gateway())
    assert repository.get_wallet(wid).auto_top_up_state["failures"] == 3
    resumed = {**AUTO, "payment_method": "pm_card_visa", "max_per_day": 10, "cooldown_seconds": 0}
    ledger.update_wallet(wid, None, {"auto_top_up": resumed}, None)
    ledger.debit(wid, 1, False, None, None, {}, None)  # any write re-arms it
    jobs.run_top_up_job({}, None, wiring.get_gateway())
    assert ledger.get_wallet(wid)["available"] == 399 + 2000


def place_in_due_shard(wallet_id: str, shard: int, due_at_ms: int | None = None) -> None:
    """Move a wallet's entry in the sparse `due` index (the sweep settles by wallet id either way)."""
    item = WalletItem.get(wallet_pk(wallet_id), "WALLET")
    item.due_shard = f"{shard:02d}"
    if due_at_ms is not None:
        item.due_at = sortable_ms(due_at_ms)
    item.save()


def test_wallets_that_stay_due_without_work_do_not_starve_their_shard(table: str) -> None:
    target = wallet_with([10], customer="cus_target")
    shard = int(shard_of(target))
    for i in range(3):  # due since 1970 with nothing to do, ahead of the target in its shard
        place_in_due_shard(wallet_with([], cash=100, customer=f"cus_stuck{i}"), shard, due_at_ms=1)
    clock.advance(11)
    stats = jobs.sweep(page=2)
    assert stats["expired_lots"] == 1
    assert [e.type for e in repository.all_entries(target)][-1] == "expiry"


def test_shards_take_turns_when_a_run_stops_at_its_deadline(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    backlog = {
        shard: [wallet_with([10], customer=f"cus_{shard}_{i}") for i in range(3)] for shard in range(4)
    }
    for shard, wallets in backlog.items():
        for wid in wallets:
            place_in_due_shard(wid, shard)
    clock.advance(11)
    settled: list[str] = []
    settle = jobs._settle_wallet

    def settle_counted(due: Any, stats: Any) -> Any:
        settled.append(wallet_id_of(due))
        return settle(due, stats)

    monkeypatch.setattr(jobs, "_settle_wallet", settle_counted)

    class Clock:  # the deadline passes once four wallets were settled
        @staticmethod
        def monotonic() -> float:
            return float(len(settled))

    monkeypatch.setattr(jobs, "time", Clock)
    assert jobs.sweep(deadline=3.5)["stopped_early"] == 1
    shard_of_wallet = {wid: shard for shard, wallets in backlog.items() for wid in wallets}
    assert sorted(shard_of_wallet[w] for w in settled) == [0, 1, 2, 3]  # one from each, not three from one


# ---------------------------------------------------------------------------------------- reconcile
def test_reconcile_finds_no_drift_then_reports_injected_drift(table: str) -> None:
    wid = wallet_with([3600], cash=500)
    ledger.debit(wid, 250, False, None, None, {}, None)
    assert jobs.reconcile() == {"wallets": 1, "drifted": 0, "errors": 0, "finished": 1, "stopped_early": 0}
    corrupt(wid, lambda lots: {**lots, first(lots): {**lots[first(lots)], "r": lots[first(lots)]["r"] + 1}})
    assert jobs.reconcile()["drifted"] == 1


def first(lots: dict[str, Any]) -> str:
    return sorted(lots)[0]


def corrupt(
    wallet_id: str, lots: Callable[[dict[str, Any]], dict[str, Any]] | None = None, **attrs: Any
) -> None:
    """Change the stored wallet item behind the service's back."""
    item = WalletItem.get(wallet_pk(wallet_id), "WALLET")
    if lots is not None:
        stored = item.lots.as_dict() if hasattr(item.lots, "as_dict") else dict(item.lots)
        item.lots = lots({k: dict(v) for k, v in stored.items()})
    for name, value in attrs.items():
        setattr(item, name, value)
    item.save()


def two_lot_wallet(customer: str) -> str:
    """A wallet with two promotional lots of different expiries, a pending hold and some history."""
    wid = wallet_with([3600, 7200], cash=500, customer=customer)
    ledger.debit(wid, 30, False, None, None, {}, None)
    ledger.create_hold(wid, 50, None, None, None, {}, None)
    return wid


def test_reconcile_finds_every_kind_of_drift(table: str) -> None:
    def move_between_lots(lots: dict[str, Any]) -> dict[str, Any]:
        promo = sorted((k for k, v in lots.items() if v["t"] == "promotional"), key=lambda k: lots[k]["e"])
        lots[promo[0]]["r"] -= 10  # same type, same total: only the expiry of 10 changed
        lots[promo[1]]["r"] += 10
        return lots

    def later_expiry(lots: dict[str, Any]) -> dict[str, Any]:
        promo = next(k for k, v in lots.items() if v["t"] == "promotional")
        lots[promo]["e"] += 86_400_000
        return lots

    def cash_to_promotional(lots: dict[str, Any]) -> dict[str, Any]:
        lots[next(k for k, v in lots.items() if v["t"] == "cash")]["t"] = "promotional"
        return lots

    corruptions: dict[str, Callable[[str], None]] = {
        "credit moved between lots of one type": lambda w: corrupt(w, move_between_lots),
        "a lot's expiry changed": lambda w: corrupt(w, later_expiry),
        "a lot's funding type changed": lambda w: corrupt(w, cash_to_promotional),
        "a lot dropped": lambda w: corrupt(
            w, lambda lots: {k: v for k, v in lots.items() if k != first(lots)}
        ),
        "available snapshot": lambda w: corrupt(w, available=999_999),
        "balance snapshot": lambda w: corrupt(w, balance=1),
        "pending snapshot": lambda w: corrupt(w, pending=0),
        "due index": lambda w: corrupt(w, due_at=None, due_shard=None),
        "a pending hold dropped": lambda w: corrupt(w, holds={}),
        "a hold's reservation moved to another lot": lambda w: move_reservation(w),
        "a ledger entry lost": lambda w: drop_entry(w),
    }
    wallets: dict[str, str] = {}
    for name, inject in corruptions.items():
        wallets[name] = two_lot_wallet(f"cus_{len(wallets)}")
        inject(wallets[name])
    healthy = two_lot_wallet("cus_healthy")
    found = {wid: jobs.audit(wid) for wid in [*wallets.values(), healthy]}
    assert found[healthy] == []
    assert [name for name, wid in wallets.items() if not found[wid]] == []
    assert jobs.reconcile()["drifted"] == len(corruptions)


def move_reservation(wallet_id: str) -> None:
    wallet = repository.get_wallet(wallet_id)
    (hold,) = wallet.holds.values()
    cash = next(lot for lot in wallet.lots.values() if lot.funding_type == "cash")
    hold.allocations = [
        replace(a, lot_id=cash.id, funding_type="cash", expires_at=None) for a in hold.allocations
    ]
    item = wallet_to_item(wallet)
    item.version = wallet.version
    item.save()


def drop_entry(wallet_id: str) -> None:
    debit = next(e for e in repository.all_entries(wallet_id) if e.type == "debit")
    TransactionItem.get(wallet_pk(wallet_id), f"TXN#{debit.id}").delete()


def test_reconcile_alongside_writers_reports_no_false_drift(table: str) -> None:
    """Reconcile reads the wallet, its pages, the ledger and the hold records: writes land in
    between all the time (on the wallet with paged lots, every few credits move its pages)."""
    wallets = [two_lot_wallet(f"cus_{i}") for i in range(2)] + [cold_wallet("cus_paged")]
    stop = threading.Event()
    written = [0]

    def write(wid: str) -> None:
        while not stop.is_set():
            ledger.credit(wid, 7, "cash", None, None, None, {}, None)
            _, held = ledger.create_hold(wid, 3, None, None, None, {}, None)
            ledger.debit(wid, 2, False, None, None, {}, None)
            ledger.settle_hold(wid, held["id"], "capture", 1, None)
            written[0] += 4

    threads = [threading.Thread(target=write, args=(w,)) for w in wallets]
    for t in threads:
        t.start()
    passes = drifted = 0
    deadline = time.monotonic() + RACE_SECONDS
    try:  # at least RACE_SECONDS, and as long as a slow machine needs for 3 passes over 30 writes
        while (time.monotonic() < deadline or passes < 3 or written[0] < 30) and all(
            t.is_alive() for t in threads
        ):
            stats = jobs.reconcile()
            passes, drifted = passes + 1, drifted + stats["drifted"]
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert passes >= 3 and written[0] >= 30  # else a writer failed
    assert drifted == 0
    assert jobs.reconcile()["drifted"] == 0


def test_reconcile_saves_its_place_wallet_by_wallet(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    created = [wallet_with([], cash=100, customer=f"cus_{i}") for i in range(5)]
    checked: list[str] = []
    audit = jobs.audit

    def audit_counted(wid: str) -> Any:
        checked.append(wid)
        return audit(wid)

    monkeypatch.setattr(jobs, "audit", audit_counted)

    class Clock:  # the deadline passes once two wallets were checked, in the middle of a page
        @staticmethod
        def monotonic() -> float:
            return float(len(checked))

    monkeypatch.setattr(jobs, "time", Clock)
    first_run = jobs.reconcile(deadline=1.5, page=10)
    assert (first_run["wallets"], first_run["finished"], first_run["stopped_early"]) == (2, 0, 1)
    rest = jobs.reconcile(page=10)
    assert (rest["wallets"], rest["finished"]) == (3, 1)
    assert sorted(checked) == sorted(created)  # each once: the timed-out run's work is kept
    assert jobs.reconcile(page=10)["wallets"] == 5  # after a full pass it starts over


def test_a_wallet_reconcile_cannot_read_is_counted_and_the_pass_goes_on(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = [wallet_with([], cash=100, customer=f"cus_{i}") for i in range(3)]
    audit = jobs.audit

    def flaky(wid: str) -> list[str]:
        if wid == created[1]:
            raise RuntimeError("throttled")
        return audit(wid)

    monkeypatch.setattr(jobs, "audit", flaky)
    assert jobs.reconcile() == {"wallets": 3, "drifted": 0, "errors": 1, "finished": 1, "stopped_early": 0}


def test_a_new_wallet_below_its_threshold_has_not_crossed_it(table: str) -> None:
    _, wallet = ledger.create_wallet("cus_new", "USD", {}, {"auto_top_up": AUTO})
    ledger.credit(wallet["id"], 100, "cash", None, None, None, {}, None)  # 100 < 500, never above
    jobs.run_top_up_job({}, None, wiring.get_gateway())
    assert [e for e in repository.all_entries(wallet["id"]) if e.type == "top_up"] == []


def test_a_top_up_that_leaves_the_wallet_below_is_one_crossing_served(table: str) -> None:
    wid = auto_wallet(amount=100, cooldown_seconds=0, max_per_day=10)
    ledger.debit(wid, 900, False, None, None, {}, None)  # 100 < 500: crossing
    jobs.run_top_up_job({}, None, wiring.get_gateway())  # +100 -> 200: still below
    clock.advance(61)
    jobs.run_top_up_job({}, None, wiring.get_gateway())
    assert len([e for e in repository.all_entries(wid) if e.type == "top_up"]) == 1
    ledger.credit(wid, 400, "cash", None, None, None, {}, None)  # 600: above again
    ledger.debit(wid, 200, False, None, None, {}, None)  # 400: a new crossing
    jobs.run_top_up_job({}, None, wiring.get_gateway())
    assert len([e for e in repository.all_entries(wid) if e.type == "top_up"]) == 2


def test_reconcile_starts_over_from_a_checkpoint_it_cannot_use(table: str) -> None:
    from wallets.items import JobCheckpointItem

    created = [wallet_with([], cash=100, customer=f"cus_{i}") for i in range(2)]
    JobCheckpointItem(*jobs.CHECKPOINT, cursor="eyJwayI6IldBTCN4In0").save()  # an older version's cursor
    stats = jobs.reconcile()
    assert (stats["wallets"], stats["finished"]) == (len(created), 1)


# ------------------------------------------------------------------ reconcile: cold lots and hold records
def cold_wallet(customer: str) -> str:
    """A wallet whose lots are partly in pages (decision 40): promotional lots expiring a day apart,
    scoped ones and cash, so the cold totals have an expiry, a scope and a withdrawable part; and a
    pending hold (its record is checked against the wallet)."""
    wid = wallet_with([], customer=customer)
    day = clock.now_ms() + 86_400_000
    bulk_credit(wid, [(10, day + 40 * 86_400_000)] * 4, "promotional", scopes=[("sku_a",), ("sku_b",)])
    bulk_credit(wid, [(10, None)] * 4, "cash")
    # The write that pages lots places all of them: the ones above come last in consumption order.
    bulk_credit(wid, [(10, day + n * 86_400_000) for n in range(20)], "promotional")
    ledger.create_hold(wid, 15, None, None, None, {}, None)
    cold = plain(WalletItem.get(wallet_pk(wid), "WALLET").cold)
    assert cold["w"] and len(cold["p"]) == 3  # withdrawable and scoped credit among the paged lots
    return wid


def corrupt_cold(wallet_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Change the stored totals of the wallet's paged lots behind the service's back."""
    item = WalletItem.get(wallet_pk(wallet_id), "WALLET")
    cold = plain(item.cold)
    change(cold)
    item.cold = cold
    item.save()


def corrupt_page(wallet_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Change one lot of the wallet's first lot page behind the service's back."""
    page = next(iter(LotPageItem.query(wallet_pk(wallet_id), LotPageItem.sk.startswith("LOTS#"))))
    lots = plain(page.lots)
    change(lots[sorted(lots)[0]])
    page.lots = lots
    page.save()


def corrupt_hold_record(wallet_id: str, **attrs: Any) -> None:
    wallet = repository.get_wallet(wallet_id)
    (hold_id,) = wallet.holds
    record = HoldItem.get(wallet_pk(wallet_id), f"HLD#{hold_id}")
    for name, value in attrs.items():
        setattr(record, name, value)
    record.save()


def later(days: int) -> Callable[[dict[str, Any]], None]:
    return lambda cold: cold.update(e=cold["e"] + days * 86_400_000)


# What reconcile must name for each: the field of the cold totals, the lot, the hold record.
COLD_AND_HOLD_DRIFT: dict[str, tuple[Callable[[str], None], str]] = {
    "next expiry of the paged lots 400 days later": (lambda w: corrupt_cold(w, later(400)), "next_expiry"),
    "next unwarned expiry of the paged lots": (
        lambda w: corrupt_cold(w, lambda c: c.update(u=c["u"] + 86_400_000)),
        "next_unwarned",
    ),
    "withdrawable part of the paged lots": (
        lambda w: corrupt_cold(w, lambda c: c.update(w=c["w"] + 5)),
        "withdrawable",
    ),
    "a scope's part of the paged lots": (
        lambda w: corrupt_cold(w, lambda c: c["p"].update({k: v + 5 for k, v in c["p"].items() if k != "-"})),
        "by_scope",
    ),
    "where the paged lots start in the consumption order": (
        lambda w: corrupt_cold(w, lambda c: c["k"].__setitem__(1, c["k"][1] - 86_400_000)),
        "first_key",
    ),
    "how many lots are paged": (lambda w: corrupt_cold(w, lambda c: c.update(n=c["n"] + 1)), "count"),
    "how many pages there are": (lambda w: corrupt_cold(w, lambda c: c.update(g=c["g"] + 1)), "pages"),
    "one paged lot's remaining": (lambda w: corrupt_page(w, lambda lot: lot.update(r=lot["r"] + 1)), "lot "),
    "one paged lot's expiry": (
        lambda w: corrupt_page(w, lambda lot: lot.update(e=lot["e"] + 86_400_000)),
        "lot ",
    ),
    "a hold record released while the wallet holds it": (
        lambda w: corrupt_hold_record(w, status="released"),
        "hold record",
    ),
    "a hold record's amount": (lambda w: corrupt_hold_record(w, amount=16), "hold record"),
    "a hold record lost": (
        lambda w: HoldItem(wallet_pk(w), f"HLD#{next(iter(repository.get_wallet(w).holds))}").delete(),
        "hold record",
    ),
}


@pytest.mark.parametrize("name", COLD_AND_HOLD_DRIFT)
def test_reconcile_names_drift_in_paged_lots_and_hold_records(table: str, name: str) -> None:
    # GIVEN a healthy wallet with paged lots and a pending hold, and one whose stored state was edited
    healthy, edited = cold_wallet("cus_healthy"), cold_wallet("cus_edited")
    assert jobs.audit(healthy) == []
    inject, names = COLD_AND_HOLD_DRIFT[name]
    inject(edited)
    # WHEN reconcile runs THEN the edited wallet is drift, named, and not a failure to read it
    problems = jobs.audit(edited)
    assert any(names in problem for problem in problems), problems
    assert jobs.reconcile() == {"wallets": 2, "drifted": 1, "errors": 0, "finished": 1, "stopped_early": 0}
    assert jobs.audit(healthy) == []


def test_a_hold_record_closed_after_the_wallet_was_read_is_not_drift(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reconcile reads the wallet, then the hold records: a hold created or captured in between
    is a later write, not drift."""
    wid = cold_wallet("cus_race")
    (hold_id,) = repository.get_wallet(wid).holds
    read = repository.hold_records

    def capture_first(wallet_id: str) -> Any:
        ledger.settle_hold(wallet_id, hold_id, "capture", 5, None)
        ledger.create_hold(wallet_id, 7, None, None, None, {}, None)
        return read(wallet_id)

    monkeypatch.setattr(repository, "hold_records", capture_first)
    assert jobs.audit(wid) == []


# ------------------------------------------------------------------ top-up recovery
class AwaitingCustomer(SandboxGateway):
    """The sandbox, except that the customer has yet to authenticate these top-ups (3-D Secure)."""

    def __init__(self, waiting: set[str]) -> None:
        self.waiting = waiting

    def retrieve(self, key: str, intent_id: str | None) -> Charge | None:
        charge = super().retrieve(key, intent_id)
        return replace(charge, status=ACTION_REQUIRED) if charge and key in self.waiting else charge


def test_recovery_reaches_a_charged_top_up_behind_a_page_of_ones_awaiting_the_customer(table: str) -> None:
    # GIVEN top-ups awaiting 3-D Secure (inside the action timeout) ahead of one charged whose
    # answer was lost, all in one shard (one wallet), more of them than a page of the index
    wid = wallet_with([])
    waiting = set()
    for _ in range(3):
        status, body = topups.create(wid, 100, "pm_card_timeout", gateway=wiring.get_gateway())
        assert status == 202
        waiting.add(str(body["id"]))
        clock.advance(0.002)  # later in the index than the one before
    assert topups.create(wid, 500, "pm_card_timeout", gateway=wiring.get_gateway())[0] == 202
    clock.advance(get_settings().top_up_recovery_after_seconds + 1)
    # WHEN recovery reads the index two at a time
    done = topups.recover(gateway=AwaitingCustomer(waiting), page=2)
    # THEN it looks at every due top-up: the charged one is credited, the others wait for the customer
    assert (done["settled"], done["skipped"], done["errors"]) == (1, 3, 0)
    assert ledger.get_wallet(wid)["available"] == 500
    check(wid)


def test_two_recoveries_at_once_credit_a_charged_top_up_once(table: str) -> None:
    wid = wallet_with([])
    for _ in range(3):
        assert topups.create(wid, 100, "pm_card_timeout", gateway=wiring.get_gateway())[0] == 202
    clock.advance(get_settings().top_up_recovery_after_seconds + 1)
    barrier = threading.Barrier(2)

    def run(_: int) -> dict[str, int]:
        barrier.wait()
        return topups.recover(gateway=wiring.get_gateway(), page=1)

    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(run, range(2)))
    assert sum(r["settled"] for r in runs) == 3 and sum(r["errors"] for r in runs) == 0
    assert ledger.get_wallet(wid)["available"] == 300
    check(wid)


def test_recovery_stops_at_its_deadline_and_the_next_run_finishes(table: str) -> None:
    wid = wallet_with([])
    for _ in range(3):
        assert topups.create(wid, 100, "pm_card_timeout", gateway=wiring.get_gateway())[0] == 202
    clock.advance(get_settings().top_up_recovery_after_seconds + 1)
    assert topups.recover(gateway=wiring.get_gateway(), deadline=time.monotonic() - 1) == {
        "settled": 0,
        "failed": 0,
        "refunded": 0,
        "skipped": 0,
        "errors": 0,
    }
    assert topups.recover(gateway=wiring.get_gateway(), page=1)["settled"] == 3
    assert ledger.get_wallet(wid)["available"] == 300
