"""Scheduled jobs on the embedded DynamoDB with a controllable clock (docs/contract.md sections 2 and 5)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from wallets import clock, jobs, ledger, repository, topups
from wallets.items import WalletItem, wallet_pk

from bench.counting import tally
from tests.integration.helpers import check

DAY_S = 86_400


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
    assert topups.due_wallets(clock.now_ms()) == []
    ledger.debit(wid, 600, False, None, None, {}, None)  # 400 < 500: crossing
    assert topups.due_wallets(clock.now_ms()) == [wid]
    barrier = threading.Barrier(2)

    def job(_: int) -> dict:
        barrier.wait()
        return jobs.run_top_up_job({}, None)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(job, range(2)))
    jobs.run_top_up_job({}, None)
    top_ups = [e for e in repository.all_entries(wid) if e.type == "top_up"]
    assert len(top_ups) == 1 and ledger.get_wallet(wid)["available"] == 2400
    ledger.debit(wid, 100, False, None, None, {}, None)  # still above: nothing due
    assert topups.due_wallets(clock.now_ms()) == []
    check(wid)


def test_auto_top_up_guardrails_cooldown_and_daily_cap(table: str) -> None:
    wid = auto_wallet(amount=100)
    ledger.debit(wid, 600, False, None, None, {}, None)
    jobs.run_top_up_job({}, None)  # 400 -> 500: back at threshold
    ledger.debit(wid, 100, False, None, None, {}, None)  # crossing again inside the cooldown
    jobs.run_top_up_job({}, None)
    assert len([e for e in repository.all_entries(wid) if e.type == "top_up"]) == 1
    clock.advance(61)
    jobs.run_top_up_job({}, None)
    assert len([e for e in repository.all_entries(wid) if e.type == "top_up"]) == 2
    ledger.debit(wid, 100, False, None, None, {}, None)
    clock.advance(61)
    jobs.run_top_up_job({}, None)  # max_per_day = 2
    assert len([e for e in repository.all_entries(wid) if e.type == "top_up"]) == 2
    check(wid)


def test_three_failures_suspend_auto_top_up_until_settings_are_saved(table: str) -> None:
    wid = auto_wallet(payment_method="pm_card_declined", cooldown_seconds=0, max_per_day=10)
    ledger.debit(wid, 600, False, None, None, {}, None)
    for expected_failures in (1, 2, 3):
        jobs.run_top_up_job({}, None)
        state = repository.get_wallet(wid).auto_top_up_state
        assert state["failures"] == expected_failures
        clock.advance(60 * 60)  # past the retry backoff
    assert state["suspended"] is True
    jobs.run_top_up_job({}, None)
    assert repository.get_wallet(wid).auto_top_up_state["failures"] == 3
    resumed = {**AUTO, "payment_method": "pm_card_visa", "max_per_day": 10, "cooldown_seconds": 0}
    ledger.update_wallet(wid, None, {"auto_top_up": resumed}, None)
    ledger.debit(wid, 1, False, None, None, {}, None)  # any write re-arms it
    jobs.run_top_up_job({}, None)
    assert ledger.get_wallet(wid)["available"] == 399 + 2000


# ---------------------------------------------------------------------------------------- reconcile
def test_reconcile_finds_no_drift_then_reports_injected_drift(table: str) -> None:
    wid = wallet_with([3600], cash=500)
    ledger.debit(wid, 250, False, None, None, {}, None)
    assert jobs.reconcile() == {"wallets": 1, "drifted": 0, "finished": 1}
    item = WalletItem.get(wallet_pk(wid), "WALLET")
    lots = dict(item.lots.as_dict()) if hasattr(item.lots, "as_dict") else dict(item.lots)
    first = next(iter(lots))
    lots[first] = {**lots[first], "r": lots[first]["r"] + 1}  # money out of thin air
    item.lots = lots
    item.save()
    assert jobs.reconcile()["drifted"] == 1


def test_reconcile_resumes_from_its_checkpoint(table: str) -> None:
    for i in range(5):
        wallet_with([], cash=100, customer=f"cus_{i}")
    first = jobs.reconcile(deadline=time.monotonic(), page=2)
    assert (first["wallets"], first["finished"]) == (2, 0)
    rest = jobs.reconcile(page=2)
    assert (rest["wallets"], rest["finished"]) == (3, 1)
    assert jobs.reconcile(page=10)["wallets"] == 5  # after a full pass it starts over


def test_a_new_wallet_below_its_threshold_has_not_crossed_it(table: str) -> None:
    _, wallet = ledger.create_wallet("cus_new", "USD", {}, {"auto_top_up": AUTO})
    ledger.credit(wallet["id"], 100, "cash", None, None, None, {}, None)  # 100 < 500, never above
    jobs.run_top_up_job({}, None)
    assert [e for e in repository.all_entries(wallet["id"]) if e.type == "top_up"] == []


def test_a_top_up_that_leaves_the_wallet_below_is_one_crossing_served(table: str) -> None:
    wid = auto_wallet(amount=100, cooldown_seconds=0, max_per_day=10)
    ledger.debit(wid, 900, False, None, None, {}, None)  # 100 < 500: crossing
    jobs.run_top_up_job({}, None)  # +100 -> 200: still below
    clock.advance(61)
    jobs.run_top_up_job({}, None)
    assert len([e for e in repository.all_entries(wid) if e.type == "top_up"]) == 1
    ledger.credit(wid, 400, "cash", None, None, None, {}, None)  # 600: above again
    ledger.debit(wid, 200, False, None, None, {}, None)  # 400: a new crossing
    jobs.run_top_up_job({}, None)
    assert len([e for e in repository.all_entries(wid) if e.type == "top_up"]) == 2
