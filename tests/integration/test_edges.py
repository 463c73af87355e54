"""Money at the edges: the payment gateway, DynamoDB's hard limits, the clock, retries after a side
effect. One test per defect found there; each failed before its fix."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError
from wallets import clock, errors, jobs, ledger, money, repository, topups, wiring
from wallets import wallet as wallet_module
from wallets.gateway import Charge
from wallets.items import SandboxChargeItem, TopUpItem, WalletItem, wallet_id_of, wallet_pk
from wallets.sandbox_gateway import SandboxGateway

from tests import limits
from tests.conftest import Engine, call
from tests.integration.helpers import check, credit, debit, early_in_a_day, new_wallet, wallet
from tests.integration.test_faults import commit_then_time_out, conflict, inject, throttled
from tests.integration.test_holds_topups_refunds import hold, top_up

AUTO = {
    "enabled": True,
    "threshold": 500,
    "amount": 2000,
    "payment_method": "pm_card_visa",
    "max_per_day": 3,
    "cooldown_seconds": 60,
}


class CountingGateway(SandboxGateway):
    def __init__(self) -> None:
        self.charges: list[str] = []
        self.refunds: list[str] = []

    def confirm(self, key: str, *args: Any, **kwargs: Any) -> Charge:
        self.charges.append(key)
        return super().confirm(key, *args, **kwargs)

    def refund(self, key: str, intent_id: str | None = None, amount: int | None = None) -> None:
        self.refunds.append(key)
        super().refund(key, intent_id, amount)


def sandbox_charges() -> list[SandboxChargeItem]:
    return [i for i in SandboxChargeItem.scan() if isinstance(i, SandboxChargeItem)]


def stale_once(monkeypatch: pytest.MonkeyPatch, stale: Any) -> None:
    """The next wallet read returns `stale` (as if it had been read before another writer committed)."""
    real = repository.get_wallet
    handed: list[bool] = []

    def read(wallet_id: str) -> Any:
        if not handed:
            handed.append(True)
            return stale
        return real(wallet_id)

    monkeypatch.setattr(repository, "get_wallet", read)


def bulk_credit(
    wallet_id: str,
    amounts_and_expiries: list[tuple[int, int | None]],
    funding_type: str,
    scopes: list[tuple[str, ...] | None] | None = None,
) -> None:
    """Many small credits in few transactions (50 entries each): a big wallet without 1,000 requests.
    With `scopes`, the n-th credit applies to scopes[n % len(scopes)]."""
    for start in range(0, len(amounts_and_expiries), 50):
        chunk = amounts_and_expiries[start : start + 50]

        def action(
            work: Any, now: int, chunk: list[tuple[int, int | None]] = chunk, start: int = start
        ) -> ledger.Outcome:
            for n, (amount, expires_at) in enumerate(chunk, start):
                scope = scopes[n % len(scopes)] if scopes else None
                work.credit(amount, now, funding_type, expires_at, applies_to=scope)
            return ledger.Outcome(201, {})

        ledger.run(lambda: repository.get_wallet(wallet_id), action)


def top_up_item(wallet_id: str, top_up_id: str) -> TopUpItem:
    return TopUpItem.get(wallet_pk(wallet_id), f"TOP#{top_up_id}", consistent_read=True)


# 1 ------------------------------------------------------------------------------------------------
def test_a_cancelled_auto_top_up_claim_is_never_charged(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a wallet below its auto top-up threshold, read by a job run before another run claims it
    _, created = ledger.create_wallet("cus_a", "USD", {}, {"auto_top_up": AUTO})
    wid = created["id"]
    ledger.credit(wid, 1000, "cash", None, None, None, {}, None)
    ledger.debit(wid, 600, False, None, None, {}, None)
    stale = repository.get_wallet(wid)
    gateway = CountingGateway()
    assert topups.run_automatic(wid, gateway) == "succeeded"
    # WHEN the slower run's claim is cancelled and its re-plan finds nothing to do
    stale_once(monkeypatch, stale)
    outcome = topups.run_automatic(wid, gateway)
    # THEN it charges nothing
    assert outcome == "skipped"
    assert len(gateway.charges) == 1 and len(sandbox_charges()) == 1
    assert ledger.get_wallet(wid)["available"] == 400 + 2000
    check(wid)


# 2 ------------------------------------------------------------------------------------------------
def test_two_writers_with_a_clock_behind_never_take_each_others_commit(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a wallet whose last entry was written by a host whose clock ran 10 s ahead
    wid = new_wallet()
    clock.advance(10)
    credit(wid, 1000, funding_type="cash")
    clock.advance(-10)
    stale = repository.get_wallet(wid)
    # WHEN two debits plan on that same version, the second after the first committed
    first = debit(wid, 100)
    stale_once(monkeypatch, stale)
    second = debit(wid, 200)
    # THEN both are written, each under its own id
    assert first[0] == second[0] == 201
    assert first[1]["id"] != second[1]["id"]
    debits = sorted(e.amount for e in repository.all_entries(wid) if e.type == "debit")
    assert debits == [100, 200] and wallet(wid)["balance"] == 700
    check(wid)


# 3 ------------------------------------------------------------------------------------------------
def test_a_top_up_on_a_full_wallet_is_refused_before_charging(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wallet_module, "MAX_LIVE_LOTS", 3)
    wid = new_wallet()
    for _ in range(3):
        credit(wid, 100)
    status, body = top_up(wid, 1000, bonus_amount=100)
    assert (status, body["error"]["type"]) == (409, "limit_exceeded")
    assert sandbox_charges() == []


def test_a_wallet_filling_up_during_the_charge_refunds_it_and_the_job_stays_healthy(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wallet_module, "MAX_LIVE_LOTS", 3)
    wid = new_wallet()
    credit(wid, 100)

    class FillingGateway(CountingGateway):
        def confirm(self, key: str, *args: Any, **kwargs: Any) -> Charge:
            credit(wid, 100)
            credit(wid, 100)  # full now: the cash lot cannot land
            return super().confirm(key, *args, **kwargs)

    gateway = FillingGateway()
    with pytest.raises(errors.PaymentFailed) as failed:
        topups.create(wid, 1000, "pm_card_visa", gateway=gateway)
    assert failed.value.details["failure_code"] == "limit_exceeded"
    assert gateway.refunds == gateway.charges and len(gateway.charges) == 1
    item = top_up_item(wid, failed.value.details["top_up_id"])
    assert item.status == "refunded"
    assert [c.status for c in sandbox_charges()] == ["refunded"]
    clock.advance(3600)
    result = jobs.run_top_up_job({}, None, wiring.get_gateway())  # nothing left pending, nothing raising
    assert result["recovered"] == {"settled": 0, "failed": 0, "refunded": 0, "skipped": 0, "errors": 0}
    assert wallet(wid)["balance"] == 300
    check(wid)


def test_one_broken_pending_top_up_never_blocks_the_others(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    good, bad = new_wallet("cus_good"), new_wallet("cus_bad")
    for wid in (good, bad):
        assert top_up(wid, 500, "pm_card_timeout")[0] == 202
    real = topups._resolve

    def broken(item: TopUpItem, *args: Any, **kwargs: Any) -> Any:
        if item.wallet_id == bad:
            raise RuntimeError("this top-up is poison")
        return real(item, *args, **kwargs)

    monkeypatch.setattr(topups, "_resolve", broken)
    clock.advance(61)
    recovered = jobs.run_top_up_job({}, None, wiring.get_gateway())["recovered"]
    assert (recovered["settled"], recovered["errors"]) == (1, 1)
    assert wallet(good)["balance"] == 500


# 4, 9, 12 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59:59-05:00",
        "10000-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "0001-01-01T00:00:00+00:00",
        "0.5",  # numbers in a string were read as seconds since 1970 (found by schemathesis)
        "1800000000",
    ],
)
def test_datetimes_outside_the_supported_range_are_422_and_charge_nothing(table: str, value: str) -> None:
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    status, body = top_up(wid, 1000, bonus_amount=100, bonus_expires_at=value)
    assert status == 422 and "bonus_expires_at" in body["error"]["details"], body
    status, body = credit(wid, 100, expires_at=value)
    assert status == 422 and "expires_at" in body["error"]["details"], body
    status, body = hold(wid, 100, expires_at=value)
    assert status == 422 and "expires_at" in body["error"]["details"], body
    status, body = call(
        "list_transactions", "GET", f"/wallets/{wid}/transactions", query={"created_before": value}
    )
    assert status == 422 and "created_before" in body["error"]["details"], body
    assert sandbox_charges() == []


def test_the_last_supported_instant_works_end_to_end(table: str) -> None:
    wid = new_wallet()
    status, body = credit(wid, 100, expires_at="9999-12-31T23:59:59.999Z")
    assert status == 201 and body["lots"][0]["expires_at"] == "9999-12-31T23:59:59.999Z"
    assert wallet(wid)["next_expiry_at"] == "9999-12-31T23:59:59.999Z"


def test_a_top_up_with_a_bonus_already_expired_is_422_before_charging(table: str) -> None:
    wid = new_wallet()
    status, body = top_up(wid, 1000, bonus_amount=100, bonus_expires_at="2020-01-01T00:00:00Z")
    assert status == 422 and "bonus_expires_at" in body["error"]["details"]
    assert sandbox_charges() == []


# 5 ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("then", ["close", "disallow"])
def test_a_top_up_retry_replays_its_201_whatever_the_wallet_did_since(table: str, then: str) -> None:
    wid = new_wallet()
    key = {"Idempotency-Key": "top-1"}
    first = top_up(wid, 1000, headers=key)
    assert first[0] == 201
    if then == "close":
        assert call("close_wallet", "POST", f"/wallets/{wid}/close")[0] == 200
    else:
        assert ledger.update_wallet(wid, None, {"allow_top_up": False}, None)[0] == 200
    assert top_up(wid, 1000, headers=key) == first


def test_a_wallet_closing_during_the_charge_replays_the_same_402(table: str) -> None:
    wid = new_wallet()

    class ClosingGateway(CountingGateway):
        def confirm(self, key: str, *args: Any, **kwargs: Any) -> Charge:
            ledger.change_status(wid, "close", None)
            return super().confirm(key, *args, **kwargs)

    gateway = ClosingGateway()
    key = {"Idempotency-Key": "top-closing"}
    idem = ledger.Idempotency("top-closing", "fp")
    with pytest.raises(errors.PaymentFailed) as first:
        topups.create(wid, 1000, "pm_card_visa", idem=idem, gateway=gateway)
    assert first.value.details["failure_code"] == "wallet_closed"
    with pytest.raises(errors.WalletError) as again:
        topups.create(wid, 1000, "pm_card_visa", idem=idem, gateway=gateway)
    assert (again.value.status, again.value.type, again.value.details) == (
        402,
        "payment_failed",
        first.value.details,
    )
    assert gateway.refunds == gateway.charges
    del key


# 6 ------------------------------------------------------------------------------------------------
def test_throttling_after_the_charge_answers_202_and_recovery_credits_once(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository, "BACKOFF_CAP_S", 0.001)
    wid = new_wallet()
    key = {"Idempotency-Key": "top-throttled"}
    # the pending record and the intent's id go through; every settle attempt is throttled
    with inject("TransactWriteItems", [lambda *_: None] * 2 + [throttled] * 200):
        status, body = top_up(wid, 1500, headers=key)
    assert status == 202 and body["status"] == "pending", body
    assert top_up(wid, 1500, headers=key)[0] == 202
    assert wallet(wid)["balance"] == 0
    clock.advance(61)
    assert topups.recover(gateway=wiring.get_gateway())["settled"] == 1
    status, again = top_up(wid, 1500, headers=key)
    assert status == 201 and again["transaction"]["amount"] == 1500
    assert wallet(wid)["balance"] == 1500
    check(wid)


# 7 ------------------------------------------------------------------------------------------------
def test_close_at_the_most_pending_holds_fits_dynamodb_transactions(table: str) -> None:
    wid = new_wallet()
    credit(wid, 10_000, funding_type="cash")
    for _ in range(wallet_module.MAX_PENDING_HOLDS):
        assert hold(wid, 10)[0] == 201
    limits.reset()
    status, body = call(
        "close_wallet", "POST", f"/wallets/{wid}/close", headers={"Idempotency-Key": "close-1"}
    )
    assert status == 200, body
    assert body["status"] == "closed" and body["closing_transaction"]["refund_due"] == 10_000
    assert limits.largest["transaction_items"] <= 100
    releases = [e for e in repository.all_entries(wid) if e.type == "release"]
    assert len(releases) == wallet_module.MAX_PENDING_HOLDS
    assert call("close_wallet", "POST", f"/wallets/{wid}/close", headers={"Idempotency-Key": "close-1"}) == (
        status,
        body,
    )
    check(wid)


# 8 ------------------------------------------------------------------------------------------------
def test_refunding_a_debit_over_many_lots_that_expired_since_fits_one_transaction(table: str) -> None:
    wid = new_wallet()
    bulk_credit(wid, [(1, clock.now_ms() + 300_000 + n) for n in range(120)], "promotional")
    _, paid = ledger.debit(wid, 120, False, None, None, {}, None)
    clock.advance(301)
    status, refund = ledger.refund(wid, paid["id"], None, None, {}, None)
    assert status == 201 and refund["amount"] == 120
    assert wallet(wid)["balance"] == 0  # restored already expired
    check(wid)


# 10 -----------------------------------------------------------------------------------------------
def test_a_closed_wallet_with_auto_top_up_is_left_alone_by_the_job(table: str) -> None:
    _, created = ledger.create_wallet("cus_c", "USD", {}, {"auto_top_up": AUTO})
    wid = created["id"]
    ledger.change_status(wid, "close", None)
    before = repository.get_wallet(wid).version
    for _ in range(3):
        jobs.run_top_up_job({}, None, wiring.get_gateway())
    assert repository.get_wallet(wid).version == before
    assert [wallet_id_of(i) for i in repository.due_wallets("work", clock.now_ms())] == []


# 11 -----------------------------------------------------------------------------------------------
def test_a_fully_held_lot_in_its_warning_window_does_not_keep_the_wallet_due(table: str) -> None:
    _, created = ledger.create_wallet("cus_h", "USD", {}, {"expiry_warning_days": 7})
    wid = created["id"]
    ledger.credit(wid, 100, "promotional", clock.now_ms() + 10 * 86_400_000, None, None, {}, None)
    ledger.create_hold(wid, 100, clock.now_ms() + 8 * 86_400_000, None, None, {}, None)
    clock.advance(4 * 86_400)  # inside the warning window; the lot is fully held
    jobs.sweep()
    item = WalletItem.get(wallet_pk(wid), "WALLET", consistent_read=True)
    assert item.due_at is None or int(item.due_at) > clock.now_ms()
    assert jobs.sweep()["wallets"] == 0


# 13 -----------------------------------------------------------------------------------------------
def test_minor_units_follow_iso_4217_for_every_active_currency() -> None:
    import iso4217

    iso = {
        code: int(str(row["CcyMnrUnts"]))
        for code, row in iso4217.raw_table.items()
        if code and str(row["CcyMnrUnts"] or "").isdigit()
    }
    assert money.active_currencies() == frozenset(iso)
    for code, digits in iso.items():
        assert money.minor_digits(code) == digits, code
        shown = money.format_amount(10**digits + 1 if digits else 1, code)
        assert shown.endswith(("0" * (digits - 1) + "1") if digits else "1"), (code, shown)
    assert money.format_amount(1234567, "IQD") in ("IQD1,234.567", "IQD 1,234.567")
    assert money.format_amount(150000, "LBP").endswith("1,500.00")


# 14 -----------------------------------------------------------------------------------------------
def test_resuming_auto_top_up_keeps_the_daily_cap_and_cooldown(table: str) -> None:
    _, created = ledger.create_wallet(
        "cus_r", "USD", {}, {"auto_top_up": {**AUTO, "payment_method": "pm_card_declined", "max_per_day": 5}}
    )
    wid = created["id"]
    early_in_a_day()  # three hourly attempts, counted in one day
    ledger.credit(wid, 1000, "cash", None, None, None, {}, None)
    ledger.debit(wid, 900, False, None, None, {}, None)  # a crossing
    for _ in range(3):
        jobs.run_top_up_job({}, None, wiring.get_gateway())
        clock.advance(3600)
    state = repository.get_wallet(wid).auto_top_up_state
    assert state["suspended"] is True and state["count_today"] == 3
    ledger.update_wallet(wid, None, {"auto_top_up": AUTO}, None)
    resumed = repository.get_wallet(wid).auto_top_up_state
    assert not resumed.get("suspended")
    assert (resumed["count_today"], resumed["last_at"]) == (state["count_today"], state["last_at"])


def test_two_recoveries_of_a_charged_top_up_on_a_closed_wallet_refund_once(table: str) -> None:
    wid = new_wallet()

    class CrashAfterCharge(CountingGateway):
        def confirm(self, key: str, *args: Any, **kwargs: Any) -> Charge:
            super().confirm(key, *args, **kwargs)
            raise SystemExit("crashed between charge and credit")

    with pytest.raises(SystemExit):
        topups.create(wid, 700, "pm_card_visa", gateway=CrashAfterCharge())
    ledger.change_status(wid, "close", None)
    clock.advance(61)
    gateway = CountingGateway()
    first = topups.recover(gateway=gateway)
    second = topups.recover(gateway=gateway)
    assert first["refunded"] == 1 and second == {
        "settled": 0,
        "failed": 0,
        "refunded": 0,
        "skipped": 0,
        "errors": 0,
    }
    assert len(gateway.refunds) == 1
    assert [c.status for c in sandbox_charges()] == ["refunded"]


def test_a_refund_interrupted_after_the_gateway_call_is_finished_by_recovery(table: str) -> None:
    wid = new_wallet()

    class CrashAfterRefund(CountingGateway):
        def refund(self, key: str, intent_id: str | None = None, amount: int | None = None) -> None:
            super().refund(key, intent_id, amount)
            raise SystemExit("crashed between refund and record")

    class ClosingGateway(CrashAfterRefund):
        def confirm(self, key: str, *args: Any, **kwargs: Any) -> Charge:
            ledger.change_status(wid, "close", None)
            return super().confirm(key, *args, **kwargs)

    with pytest.raises(SystemExit):
        topups.create(wid, 700, "pm_card_visa", gateway=ClosingGateway())
    clock.advance(61)
    gateway = CountingGateway()
    assert topups.recover(gateway=gateway)["refunded"] == 1
    assert [c.status for c in sandbox_charges()] == ["refunded"]


# 15 -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("operation", ["debit", "void"])
def test_a_reference_reused_by_another_operation_is_409_naming_the_original(
    table: str, operation: str
) -> None:
    wid = new_wallet()
    status, credited = credit(wid, 1000, funding_type="cash", reference="order-7")
    assert status == 201
    if operation == "debit":
        status, body = debit(wid, 100, reference="order-7")
    else:
        status, body = call(
            "void_wallet", "POST", f"/wallets/{wid}/voids", {"amount": 100, "reference": "order-7"}
        )
    assert (status, body["error"]["type"]) == (409, "reference_reused"), body
    assert body["error"]["details"]["transaction_id"] == credited["id"]
    assert wallet(wid)["balance"] == 1000
    assert credit(wid, 1000, funding_type="cash", reference="order-7") == (200, credited)


# every command at the per-wallet maxima ----------------------------------------------------------
METADATA = {f"k{n:02d}" + "x" * 37: "v" * 500 for n in range(20)}  # 20 keys of 40, values of 500


@pytest.fixture
def ddb_only(engine: Engine, table: str) -> str:
    """The maxima tests need AWS's engine: moto enforces none of DynamoDB's limits (tests/limits.py
    checks requests on both) and rewrites a 100 KB wallet item too slowly to build one per test."""
    if engine.name != "ddb":
        pytest.skip("runs on DynamoDB Local")
    return table


def max_wallet() -> str:
    """A wallet one lot short of MAX_LIVE_LOTS (distinct expiries), with the longest metadata."""
    _, created = ledger.create_wallet("cus_" + "m" * 250, "USD", METADATA, {"expiry_warning_days": 0})
    wid = str(created["id"])
    soon = clock.now_ms() + 20 * 86_400_000
    bulk_credit(wid, [(10, soon + n) for n in range(wallet_module.MAX_LIVE_LOTS - 1)], "promotional")
    return wid


def key(name: str) -> ledger.Idempotency:
    return ledger.Idempotency(name.ljust(255, "k"), "f" * 64)


def test_payments_at_the_maxima_fit_dynamodb(ddb_only: str) -> None:
    limits.reset()
    wid = max_wallet()
    # the last lot, with the longest description, reference, metadata and key
    assert ledger.credit(wid, 5, "cash", None, "d" * 500, "c" * 255, METADATA, key("credit"))[0] == 201
    with pytest.raises(errors.LimitExceeded):
        ledger.credit(wid, 5, "cash", None, None, None, {}, None)
    with pytest.raises(errors.LimitExceeded):
        topups.create(wid, 100, "pm_card_visa", gateway=wiring.get_gateway())
    # a debit spanning every lot, and its refund restoring every one of them
    balance = ledger.get_wallet(wid)["balance"]
    status, paid = ledger.debit(wid, balance, False, "d" * 500, "p" * 255, METADATA, key("debit"))
    assert status == 201 and len(paid["lots"]) == wallet_module.MAX_LIVE_LOTS
    assert ledger.refund(wid, paid["id"], None, "r" * 500, METADATA, key("refund"))[0] == 201
    assert repository.get_wallet(wid).live_lots() == wallet_module.MAX_LIVE_LOTS
    # the same payment again; every lot expires; the refund restores them already expired
    status, paid = ledger.debit(wid, balance - 5, False, None, None, {}, None)
    assert status == 201
    clock.advance(21 * 86_400)
    assert ledger.refund(wid, paid["id"], None, None, {}, key("refund-expired"))[0] == 201
    assert ledger.get_wallet(wid)["balance"] == 5
    assert ledger.void(wid, 5, None, "r" * 500, "v" * 255, METADATA, key("void"))[0] == 201
    check(wid)
    print("largest at the maxima:", limits.largest)


def test_holds_and_close_at_the_maxima_fit_dynamodb(ddb_only: str) -> None:
    limits.reset()
    wid = max_wallet()
    # MAX_PENDING_HOLDS holds reserving every lot (MAX_HOLD_ALLOCATIONS - 1 allocations in all)
    holds = []
    for n in range(wallet_module.MAX_PENDING_HOLDS):
        amount = 190 if n < wallet_module.MAX_PENDING_HOLDS - 1 else 680
        status, held = ledger.create_hold(
            wid, amount, None, f"{n:02d}".ljust(255, "r"), "d" * 500, METADATA, key(f"hold{n}")
        )
        assert status == 201
        holds.append(held["id"])
    stored = repository.get_wallet(wid)
    assert sum(len(h.allocations) for h in stored.holds.values()) == wallet_module.MAX_HOLD_ALLOCATIONS - 1
    assert ledger.settle_hold(wid, holds[-1], "capture", 600, key("capture"))[0] == 200
    assert ledger.settle_hold(wid, holds[0], "release", None, key("release"))[0] == 200
    clock.advance(19 * 86_400)  # past every hold's expiry (7 days by default), not the lots' (20)
    status, body = ledger.change_status(wid, "close", key("close"), "r" * 500)
    assert status == 200 and body["status"] == "closed"
    check(wid)
    print("largest at the maxima:", limits.largest)


# found at the maxima ------------------------------------------------------------------------------
def test_a_hold_with_metadata_reads_and_settles(table: str) -> None:
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    status, held = hold(wid, 300, metadata={"order": "o-1", "cart": "c-9"})
    assert status == 201 and held["metadata"] == {"order": "o-1", "cart": "c-9"}
    status, listed = call("list_holds", "GET", f"/wallets/{wid}/holds")
    assert status == 200 and listed["data"][0]["metadata"] == held["metadata"]
    status, captured = call(
        "capture_hold", "POST", f"/wallets/{wid}/holds/{held['id']}/capture", {"amount": 100}
    )
    assert status == 200 and captured["metadata"] == held["metadata"]


# found by review ----------------------------------------------------------------------------------
def in_progress(request: Any, event_name: str) -> None:
    raise ClientError(
        {"Error": {"Code": "TransactionInProgressException", "Message": "in progress"}}, "TransactWriteItems"
    )


@pytest.mark.parametrize("resend", [throttled, conflict, in_progress])
def test_a_write_that_may_have_committed_is_never_planned_again(
    table: str, resend: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a debit whose write commits but whose answer is lost, and whose identical re-send is
    # throttled, conflicts or finds the first one in progress
    monkeypatch.setattr(repository, "BACKOFF_CAP_S", 0.001)
    wid = new_wallet()
    credit(wid, 1000, funding_type="cash")
    with inject("TransactWriteItems", [commit_then_time_out, resend]):
        status, body = debit(wid, 300)
    # THEN the debit is written once and answered once
    assert status == 201, body
    assert [e.id for e in repository.all_entries(wid) if e.type == "debit"] == [body["id"]]
    assert wallet(wid)["balance"] == 700
    check(wid)


def closing_gateway(wallet_id: str, refund_fails: bool = False) -> SandboxGateway:
    """Charges, but the wallet closes while the charge is in flight."""

    class Closing(SandboxGateway):
        def confirm(self, key: str, *args: Any, **kwargs: Any) -> Charge:
            ledger.change_status(wallet_id, "close", None)
            return super().confirm(key, *args, **kwargs)

        def refund(self, key: str, intent_id: str | None = None, amount: int | None = None) -> None:
            if refund_fails:
                raise RuntimeError("the gateway failed to refund")
            super().refund(key, intent_id, amount)

    return Closing()


def test_a_refund_the_gateway_fails_is_pending_and_finished_by_recovery(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    wid = new_wallet()
    monkeypatch.setattr(wiring, "get_gateway", lambda: closing_gateway(wid, refund_fails=True))
    status, body = top_up(wid, 700, headers={"Idempotency-Key": "k1"})
    assert status == 202 and body["status"] == "refunding", body
    # a retry does not claim a refund that has not happened
    assert top_up(wid, 700, headers={"Idempotency-Key": "k1"})[1]["status"] == "refunding"
    clock.advance(120)
    assert topups.recover(gateway=SandboxGateway())["refunded"] == 1
    status, body = top_up(wid, 700, headers={"Idempotency-Key": "k1"})
    assert status == 402 and body["error"]["details"]["refunded"] is True
    assert [c.status for c in SandboxChargeItem.scan()] == ["refunded"]


def test_recording_a_refund_throttled_after_a_charge_answers_202(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository, "BACKOFF_CAP_S", 0.001)
    wid = new_wallet()
    monkeypatch.setattr(wiring, "get_gateway", lambda: closing_gateway(wid))
    passes = [lambda *_: None] * 3  # the pending record, the intent's id, the close
    with inject("TransactWriteItems", passes + [throttled] * 60):
        status, body = top_up(wid, 700, headers={"Idempotency-Key": "k2"})
    assert status == 202 and body["status"] == "pending", body
    clock.advance(120)
    assert topups.recover(gateway=wiring.get_gateway())["refunded"] == 1
    assert [c.status for c in SandboxChargeItem.scan()] == ["refunded"]


def test_a_declined_card_whose_failure_cannot_be_recorded_answers_202(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository, "BACKOFF_CAP_S", 0.001)
    wid = new_wallet()
    with inject("TransactWriteItems", [lambda *_: None] * 2 + [throttled] * 60):
        status, body = top_up(wid, 700, "pm_card_declined")
    assert status == 202 and body["status"] == "pending", body
    clock.advance(120)
    assert topups.recover(gateway=wiring.get_gateway())["failed"] == 1


def test_instants_keep_their_milliseconds(table: str) -> None:
    wid = new_wallet()
    status, body = credit(wid, 100, funding_type="promotional", expires_at="2038-03-12T22:35:38.240Z")
    assert status == 201, body
    status, lots = call("list_lots", "GET", f"/wallets/{wid}/lots")
    assert status == 200 and lots["data"][0]["expires_at"] == "2038-03-12T22:35:38.240Z", lots


def test_parallel_recoveries_count_each_top_up_once(table: str) -> None:
    wids = [new_wallet(f"cus_{n}") for n in range(3)]
    for wid in wids:
        for _ in range(2):
            assert topups.create(wid, 300, "pm_card_timeout", gateway=wiring.get_gateway())[0] == 202
    ledger.change_status(wids[0], "close", None)
    clock.advance(120)
    barrier = threading.Barrier(3)

    def recover(_: int) -> dict[str, int]:
        barrier.wait()
        return topups.recover(gateway=wiring.get_gateway())

    with ThreadPoolExecutor(3) as pool:
        runs = list(pool.map(recover, range(3)))
    assert sum(r["settled"] for r in runs) == 4 and sum(r["refunded"] for r in runs) == 2, runs
    assert sum(r["errors"] for r in runs) == 0
    for wid in wids[1:]:
        assert wallet(wid)["balance"] == 600


def test_a_refused_request_settles_no_backlog(table: str) -> None:
    # GIVEN more expired holds than one transaction releases
    wid = new_wallet()
    credit(wid, 10_000, funding_type="cash")
    now = clock.now_ms()
    for n in range(wallet_module.MAX_SETTLED_PER_WRITE + 5):
        ledger.create_hold(wid, 10, now + 60_000 + n, None, None, {}, None)
    clock.advance(120)
    before = repository.get_wallet(wid).version
    # WHEN a request is refused THEN nothing is written, not even the due work
    assert debit(wid, 1_000_000)[0] == 402
    assert repository.get_wallet(wid).version == before
    # and a request that is served, even one spending what the expired holds freed, settles it first
    assert debit(wid, 10_000)[0] == 201
    assert all(
        h["status"] != "pending" for h in call("list_holds", "GET", f"/wallets/{wid}/holds")[1]["data"]
    )
    check(wid)


def test_a_failed_read_after_another_run_resolved_the_top_up_answers_202(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    wid = new_wallet()

    def resolved_elsewhere(*_: Any) -> Any:
        raise topups.TopUpResolved()

    def unreadable(*_: Any) -> Any:
        raise RuntimeError("throttled read")

    monkeypatch.setattr(topups, "_settle", resolved_elsewhere)
    monkeypatch.setattr(topups, "_current", unreadable)
    status, body = top_up(wid, 700)
    assert status == 202 and body["status"] == "pending", body


# issue 25 item 12 ---------------------------------------------------------------------------------
# Every top-up variant at every limit its settlement can hit: (what the wallet holds, the top-up's
# extra fields, the answer). The check before the charge must refuse exactly what the settle would.
TOP_UP_AT_LIMITS: dict[str, tuple[str, dict[str, Any], int]] = {
    "full, paid": ("4 lots", {}, 409),
    "full, bonus": ("4 lots", {"bonus_amount": 100}, 409),
    "one lot free, paid": ("3 lots", {}, 201),
    "one lot free, bonus": ("3 lots", {"bonus_amount": 100}, 409),
    "scopes full, paid": ("2 scopes", {}, 201),
    "scopes full, bonus": ("2 scopes", {"bonus_amount": 100}, 201),
    "scopes full, bonus of a live scope": (
        "2 scopes",
        {"bonus_amount": 100, "bonus_applies_to": ["s0"]},
        201,
    ),
    "scopes full, bonus of a new scope": ("2 scopes", {"bonus_amount": 100, "bonus_applies_to": ["s9"]}, 409),
    "closed, paid": ("closed", {}, 409),
    "closed, bonus": ("closed", {"bonus_amount": 100}, 409),
}


@pytest.mark.parametrize("case", list(TOP_UP_AT_LIMITS))
def test_a_top_up_any_limit_refuses_is_refused_before_its_card_is_charged(
    table: str, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    # GIVEN a wallet at one of the limits a top-up's settlement checks (small maxima, same rules)
    monkeypatch.setattr(wallet_module, "MAX_LIVE_LOTS", 4)
    monkeypatch.setattr(wallet_module, "MAX_SCOPES", 2)
    state, extra, expected = TOP_UP_AT_LIMITS[case]
    wid = new_wallet()
    if state.endswith("lots"):
        for _ in range(int(state.split()[0])):
            assert credit(wid, 100)[0] == 201
    elif state == "2 scopes":
        for n in range(2):
            assert credit(wid, 100, applies_to=[f"s{n}"])[0] == 201
    else:
        assert call("close_wallet", "POST", f"/wallets/{wid}/close")[0] == 200
    # WHEN it is topped up, by the merchant and by the customer
    status, body = top_up(wid, 1000, **extra)
    # THEN a refused top-up charged nothing; an accepted one was charged once and credited
    assert status == expected, body
    if expected == 409:
        assert body["error"]["type"] in ("limit_exceeded", "wallet_closed")
        assert sandbox_charges() == []
        assert [i for i in TopUpItem.query(wallet_pk(wid)) if isinstance(i, TopUpItem)] == []
    else:
        assert [c.status for c in sandbox_charges()] == ["succeeded"]
    check(wid)


# issue 25 item 13 ---------------------------------------------------------------------------------
def test_a_refund_past_the_most_live_lots_fits_dynamodb(ddb_only: str) -> None:
    # GIVEN a payment over every lot of a full wallet, and the wallet filled up again since
    limits.reset()
    wid = max_wallet()
    assert ledger.credit(wid, 5, "cash", None, None, None, {}, None)[0] == 201
    balance = ledger.get_wallet(wid)["balance"]
    status, paid = ledger.debit(wid, balance, False, None, None, {}, None)
    assert status == 201 and len(paid["lots"]) == wallet_module.MAX_LIVE_LOTS
    sooner = clock.now_ms() + 10 * 86_400_000  # the new credit expires before any of the paid one
    bulk_credit(wid, [(10, sooner + n) for n in range(wallet_module.MAX_LIVE_LOTS)], "promotional")
    # WHEN the payment is refunded
    status, refunded = ledger.refund(wid, paid["id"], None, None, {}, key("refund-past"))
    # THEN it lands: each portion into a lot of its kind lasting as long, the cash in one new lot
    assert status == 201 and refunded["amount"] == balance
    assert ledger.get_wallet(wid)["balance"] == balance + 10 * wallet_module.MAX_LIVE_LOTS
    assert repository.get_wallet(wid).live_lots() == wallet_module.MAX_LIVE_LOTS + 1
    check(wid)
    print("largest past the maxima:", limits.largest)


@pytest.mark.parametrize("state", ["4 lots", "closed"])
def test_a_customer_or_automatic_top_up_a_limit_refuses_is_never_charged(
    table: str, monkeypatch: pytest.MonkeyPatch, state: str
) -> None:
    # GIVEN a wallet with automatic top-up, fallen below its threshold, full (or closed)
    monkeypatch.setattr(wallet_module, "MAX_LIVE_LOTS", 4)
    _, created = ledger.create_wallet("cus_full", "USD", {}, {"auto_top_up": AUTO})
    wid = str(created["id"])
    for amount in (1000, 10, 10, 10):
        assert credit(wid, amount)[0] == 201
    assert debit(wid, 600)[0] == 201  # below the threshold, still 4 lots
    if state == "closed":
        assert call("close_wallet", "POST", f"/wallets/{wid}/close")[0] == 200
    # WHEN the customer tops up, and the automatic top-up runs
    status, body = call(
        "me_top_up",
        "POST",
        f"/me/wallets/{wid}/top-ups",
        {"amount": 1000, "payment_method": "pm_card_visa"},
        authorizer={"customer_id": "cus_full"},
    )
    # THEN both are refused before anything is charged
    assert (status, body["error"]["type"]) == (
        409,
        "limit_exceeded" if state == "4 lots" else "wallet_closed",
    )
    assert topups.run_automatic(wid, wiring.get_gateway()) == "skipped"
    assert sandbox_charges() == []
    check(wid)
