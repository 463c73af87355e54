"""The stream publisher, fed with real stream records from the ledger's writes."""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

import pytest
from wallets import clock, events, jobs, ledger, repository

from local import runtime
from local.background import RecordingBus, StreamReader
from tests.conftest import FUNCTIONS, ROOT


@pytest.fixture
def bus(table: str, monkeypatch: pytest.MonkeyPatch) -> RecordingBus:
    recording = RecordingBus(echo=False)
    monkeypatch.setattr(events, "_client", recording)
    return recording


def publish(records: list[dict[str, Any]]) -> dict[str, Any]:
    return runtime.invoke(FUNCTIONS["PublishEventsFunction"], {"Records": records})  # type: ignore[no-any-return]


def names(bus: RecordingBus) -> list[str]:
    return [e["detail-type"] for e in bus.snapshot()]


def test_every_committed_write_becomes_its_event_in_order(bus: RecordingBus) -> None:
    stream = StreamReader(os.environ["TABLE_NAME"])
    _, wallet = ledger.create_wallet("cus_e", "USD", {}, None)
    wid = wallet["id"]
    ledger.credit(wid, 1000, "cash", None, None, None, {}, None)
    _, paid = ledger.debit(wid, 200, False, None, None, {}, None)
    _, held = ledger.create_hold(wid, 300, None, None, None, {}, None)
    ledger.settle_hold(wid, held["id"], "capture", 100, None)
    ledger.refund(wid, paid["id"], 50, None, {}, None)
    ledger.void(wid, 10, None, None, None, {}, None)
    ledger.change_status(wid, "freeze", None)
    ledger.change_status(wid, "unfreeze", None)
    ledger.update_wallet(wid, {"tier": "gold"}, None, None)
    ledger.change_status(wid, "close", None)
    assert publish(stream.read()) == {"batchItemFailures": []}
    assert names(bus) == [
        "wallet.created",
        "wallet.credited",
        "wallet.payment_made",
        "hold.created",
        "hold.captured",
        "wallet.refunded",
        "wallet.voided",
        "wallet.frozen",
        "wallet.unfrozen",
        "wallet.updated",
        "wallet.closed",
    ]
    detail = bus.snapshot()[2]["detail"]
    assert detail["wallet_id"] == wid and detail["customer_id"] == "cus_e" and detail["currency"] == "USD"
    assert (
        detail["transaction_id"] == paid["id"]
        and detail["amount"] == 200
        and detail["amount_formatted"] == "$2.00"
    )
    assert detail["occurred_at"].endswith("Z") and detail["event_id"].startswith("evt_")
    closed = bus.snapshot()[-1]["detail"]
    assert closed["refund_due"] == 1000 - 200 - 100 + 50 - 10


def test_redelivery_gives_the_same_event_ids(bus: RecordingBus) -> None:
    stream = StreamReader(os.environ["TABLE_NAME"])
    _, wallet = ledger.create_wallet("cus_r", "USD", {}, None)
    ledger.credit(wallet["id"], 1000, "cash", None, None, None, {}, None)
    records = stream.read()
    publish(records)
    publish(records)  # at least once: the stream may deliver a batch again
    ids = Counter(e["detail"]["event_id"] for e in bus.snapshot())
    assert len(ids) == 2 and set(ids.values()) == {2}


def test_balance_low_fires_once_per_crossing(bus: RecordingBus) -> None:
    stream = StreamReader(os.environ["TABLE_NAME"])
    _, wallet = ledger.create_wallet("cus_low", "USD", {}, {"low_balance_threshold": 500})
    wid = wallet["id"]
    ledger.credit(wid, 1000, "cash", None, None, None, {}, None)
    ledger.debit(wid, 400, False, None, None, {}, None)  # 600: above
    ledger.debit(wid, 200, False, None, None, {}, None)  # 400: crosses
    ledger.debit(wid, 100, False, None, None, {}, None)  # 300: still below, no new event
    ledger.credit(wid, 500, "cash", None, None, None, {}, None)  # 800: back above
    ledger.debit(wid, 400, False, None, None, {}, None)  # 400: crosses again
    publish(stream.read())
    lows = [e["detail"] for e in bus.snapshot() if e["detail-type"] == "wallet.balance_low"]
    assert [d["available"] for d in lows] == [400, 400]
    assert lows[0]["threshold"] == 500


def test_expiry_warning_fires_once_per_lot_and_expiry_events(bus: RecordingBus) -> None:
    from wallets import jobs

    stream = StreamReader(os.environ["TABLE_NAME"])
    _, wallet = ledger.create_wallet("cus_x", "USD", {}, {"expiry_warning_days": 1})
    wid = wallet["id"]
    ledger.credit(wid, 700, "promotional", clock.now_ms() + 2 * 86_400_000, None, None, {}, None)
    jobs.sweep()
    assert jobs.sweep()["wallets"] == 0  # not due yet
    clock.advance(86_400 + 1)
    assert jobs.sweep()["warnings"] == 1
    assert jobs.sweep()["warnings"] == 0
    clock.advance(86_400)
    assert jobs.sweep()["expired_lots"] == 1
    publish(stream.read())
    assert names(bus) == [
        "wallet.created",
        "wallet.credited",
        "wallet.credit_expiring",
        "wallet.credit_expired",
    ]


def test_a_poison_record_does_not_block_the_batch(bus: RecordingBus) -> None:
    stream = StreamReader(os.environ["TABLE_NAME"])
    _, wallet = ledger.create_wallet("cus_p", "USD", {}, None)
    ledger.credit(wallet["id"], 1000, "cash", None, None, None, {}, None)
    records = stream.read()
    credit = next(r for r in records if r["dynamodb"]["NewImage"]["kind"]["S"] == "transaction")
    poison = json.loads(json.dumps(credit))
    poison["dynamodb"]["SequenceNumber"] = "999"
    poison["dynamodb"]["NewImage"]["amount"] = {"S": "not a number"}
    result = publish([records[0], poison, credit])
    assert result == {"batchItemFailures": [{"itemIdentifier": "999"}]}
    assert names(bus) == ["wallet.created", "wallet.credited"]


def test_sample_stream_event_is_accepted(bus: RecordingBus) -> None:
    event = json.loads((ROOT / "events" / "publish_events.json").read_text())
    assert publish(event["Records"]) == {"batchItemFailures": []}
    assert names(bus) == ["wallet.credited"]


def test_events_keep_flowing_after_a_cancelled_transaction(bus: RecordingBus) -> None:
    stream = StreamReader(os.environ["TABLE_NAME"])
    _, wallet = ledger.create_wallet("cus_c", "USD", {}, None)
    ledger.credit(wallet["id"], 100, "cash", None, None, "ref-1", {}, None)
    publish(stream.read())
    assert (
        ledger.credit(wallet["id"], 100, "cash", None, None, "ref-1", {}, None)[0] == 200
    )  # cancelled write
    ledger.debit(wallet["id"], 40, False, None, None, {}, None)
    publish(stream.read())
    assert names(bus) == ["wallet.created", "wallet.credited", "wallet.payment_made"]


def test_closing_a_wallet_is_not_a_low_balance(bus: RecordingBus) -> None:
    stream = StreamReader(os.environ["TABLE_NAME"])
    _, wallet = ledger.create_wallet("cus_close", "USD", {}, {"low_balance_threshold": 500})
    ledger.credit(wallet["id"], 1000, "promotional", None, None, None, {}, None)
    ledger.change_status(wallet["id"], "close", None)
    publish(stream.read())
    assert "wallet.balance_low" not in names(bus) and names(bus)[-1] == "wallet.closed"


def test_turning_a_suspended_auto_top_up_off_is_not_a_resumption(bus: RecordingBus) -> None:
    from tests.integration.test_jobs import AUTO, auto_wallet

    wid = auto_wallet(payment_method="pm_card_declined", cooldown_seconds=0, max_per_day=10)
    ledger.debit(wid, 600, False, None, None, {}, None)
    for _ in range(3):
        jobs.run_top_up_job({}, None)
        clock.advance(60 * 60)
    assert repository.get_wallet(wid).auto_top_up_state["suspended"] is True
    stream = StreamReader(os.environ["TABLE_NAME"])
    stream.read()  # only what follows
    ledger.update_wallet(wid, None, {"auto_top_up": {**AUTO, "enabled": False}}, None)
    publish(stream.read())
    assert names(bus) == ["wallet.updated"]
