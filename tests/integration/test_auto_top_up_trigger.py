"""Automatic top-ups start from the write that crossed the threshold: the publisher emits
`wallet.auto_top_up_due`, an EventBridge rule runs the top-up function with it (template.yaml); the
schedule stays the safety net, and a crossing is served once however the two interleave."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from wallets import clock, errors, jobs, ledger, repository, topups, wiring
from wallets.gateway import Charge
from wallets.items import TopUpItem, wallet_id_of, wallet_pk
from wallets.sandbox_gateway import SandboxGateway
from wallets.wallet import Wallet

from local import runtime
from local.background import RecordingBus, StreamReader, envelope, matches
from tests.conftest import FUNCTIONS
from tests.integration.test_events_publisher import names, publish
from tests.integration.test_jobs import auto_wallet

FUNCTION = FUNCTIONS["AutoTopUpFunction"]
RULE = FUNCTION.rules[0]["Pattern"]


def due_events(bus: RecordingBus) -> list[dict[str, Any]]:
    return [e for e in bus.snapshot() if e["detail-type"] == "wallet.auto_top_up_due"]


def top_ups(wallet_id: str) -> list[Any]:
    return [e for e in repository.all_entries(wallet_id) if e.type == "top_up"]


def test_the_crossing_write_emits_auto_top_up_due_once(bus: RecordingBus) -> None:
    stream = StreamReader(os.environ["TABLE_NAME"])
    wid = auto_wallet()
    ledger.debit(wid, 400, False, None, None, {}, None)  # 600: still above 500
    ledger.debit(wid, 200, False, None, None, {}, None)  # 400: crossed
    ledger.debit(wid, 100, False, None, None, {}, None)  # 300: already due, no second event
    publish(stream.read())
    (due,) = due_events(bus)
    assert matches(RULE, due)
    detail = due["detail"]
    assert (detail["wallet_id"], detail["available"], detail["threshold"], detail["amount"]) == (
        wid,
        400,
        500,
        2000,
    )


def test_the_rule_runs_the_top_up_once_and_the_schedule_finds_nothing_left(bus: RecordingBus) -> None:
    stream = StreamReader(os.environ["TABLE_NAME"])
    wid = auto_wallet()
    ledger.debit(wid, 600, False, None, None, {}, None)
    publish(stream.read())
    (due,) = due_events(bus)
    barrier = threading.Barrier(3)

    def deliver(_: int) -> Any:  # the event twice (at-least-once) and the schedule, at once
        barrier.wait()
        return runtime.invoke(FUNCTION, envelope(due) if _ < 2 else {"job": "auto_top_up"})

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(deliver, range(3)))
    assert len(top_ups(wid)) == 1 and ledger.get_wallet(wid)["available"] == 2400
    assert runtime.invoke(FUNCTION, envelope(due))["outcome"] == "skipped"  # a late redelivery
    publish(stream.read())
    assert "wallet.auto_top_up_succeeded" in names(bus) and len(due_events(bus)) == 1


def test_a_failed_top_up_waits_for_its_backoff_even_when_the_event_comes_again(bus: RecordingBus) -> None:
    stream = StreamReader(os.environ["TABLE_NAME"])
    wid = auto_wallet(payment_method="pm_card_declined", cooldown_seconds=0)
    ledger.debit(wid, 600, False, None, None, {}, None)
    publish(stream.read())
    (due,) = due_events(bus)
    assert runtime.invoke(FUNCTION, envelope(due))["outcome"] == "failed"
    publish(stream.read())
    assert len(due_events(bus)) == 1  # re-armed for later: the schedule's, not a new trigger
    assert runtime.invoke(FUNCTION, envelope(due))["outcome"] == "skipped"
    assert ledger.get_wallet(wid)["available"] == 400
    clock.advance(5 * 60 + 1)
    assert [wallet_id_of(i) for i in repository.due_wallets("work", clock.now_ms())] == [wid]


def test_an_event_for_an_unknown_wallet_is_counted_not_raised(table: str) -> None:
    event = {"detail-type": "wallet.auto_top_up_due", "source": "wallets", "detail": {"wallet_id": "x"}}
    assert runtime.invoke(FUNCTION, event)["outcome"] == "errors"
    assert jobs.SCHEDULER == "scheduler"


def test_a_redelivered_event_after_a_top_up_that_stays_below_charges_nothing(bus: RecordingBus) -> None:
    """The top-up does not lift the wallet over its threshold: the crossing is served all the same,
    so a redelivered event (or a later job) must not charge again."""
    stream = StreamReader(os.environ["TABLE_NAME"])
    wid = auto_wallet(amount=100, cooldown_seconds=60, max_per_day=24)
    ledger.debit(wid, 900, False, None, None, {}, None)  # 100 < 500
    publish(stream.read())
    (due,) = due_events(bus)
    outcomes = [runtime.invoke(FUNCTION, envelope(due))["outcome"] for _ in range(3)]
    assert outcomes == ["succeeded", "skipped", "skipped"]
    clock.advance(61)
    jobs.run_top_up_job({}, None, wiring.get_gateway())
    assert len(top_ups(wid)) == 1 and ledger.get_wallet(wid)["available"] == 200


class ChangesTheWalletWhileCharging(SandboxGateway):
    """The sandbox, with a write to the wallet landing while the charge is in flight."""

    def __init__(self, meanwhile: Any) -> None:
        self.meanwhile = meanwhile

    def confirm(self, key: str, intent_id: str, off_session: bool = False) -> Charge:
        self.meanwhile()
        return super().confirm(key, intent_id, off_session)


def full(*_: Any, **__: Any) -> Any:
    raise errors.LimitExceeded("A wallet holds at most 1000 live lots")


def failed_events(bus: RecordingBus) -> list[dict[str, Any]]:
    return [e["detail"] for e in bus.snapshot() if e["detail-type"] == "wallet.auto_top_up_failed"]


@pytest.mark.parametrize("refused", ["wallet_closed", "limit_exceeded"])
def test_an_automatic_top_up_charged_then_refunded_reports_its_failure_once(
    bus: RecordingBus, monkeypatch: pytest.MonkeyPatch, refused: str
) -> None:
    # GIVEN a wallet whose automatic top-up is due
    stream = StreamReader(os.environ["TABLE_NAME"])
    wid = auto_wallet()
    ledger.debit(wid, 600, False, None, None, {}, None)

    def meanwhile() -> None:  # the wallet closes, or settling it would pass a limit
        if refused == "wallet_closed":
            ledger.change_status(wid, "close", None)
        else:
            monkeypatch.setattr(Wallet, "top_up", full)

    # WHEN its charge succeeds but can never be credited, so it is refunded
    assert topups.run_automatic(wid, ChangesTheWalletWhileCharging(meanwhile)) == "failed"
    (top_up,) = TopUpItem.query(wallet_pk(wid), TopUpItem.sk.startswith("TOP#"))
    assert top_up.status == "refunded"
    assert repository.get_wallet(wid).auto_top_up_state["failures"] == 1  # the wallet counted it
    publish(stream.read())
    publish(stream.read())  # nothing more: refunding -> refunded is not a second failure
    # THEN the failure is published once, saying the charge is refunded
    (failed,) = failed_events(bus)
    assert (failed["wallet_id"], failed["top_up_id"], failed["failure_code"]) == (
        wid,
        top_up.top_up_id,
        refused,
    )
    assert (failed["amount"], failed["status"]) == (2000, "refunding")
