"""The stream publisher, fed with real stream records from the ledger's writes."""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

import pytest
from wallets import clock, events, jobs, ledger, repository, wiring

from local import runtime
from local.background import RecordingBus, StreamReader
from tests.conftest import FUNCTIONS, ROOT


def publish(records: list[dict[str, Any]]) -> dict[str, Any]:
    return runtime.invoke(FUNCTIONS["PublishEventsFunction"], {"Records": records})


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


def test_a_failed_record_holds_back_the_records_after_it(bus: RecordingBus) -> None:
    stream = StreamReader(os.environ["TABLE_NAME"])
    _, wallet = ledger.create_wallet("cus_p", "USD", {}, None)
    ledger.credit(wallet["id"], 1000, "cash", None, None, None, {}, None)
    records = stream.read()
    credit = next(r for r in records if r["dynamodb"]["NewImage"]["kind"]["S"] == "transaction")
    poison = json.loads(json.dumps(credit))
    poison["dynamodb"]["SequenceNumber"] = "999"
    poison["dynamodb"]["NewImage"]["amount"] = {"S": "not a number"}
    later = json.loads(json.dumps(credit))
    later["dynamodb"]["SequenceNumber"] = "1000"
    result = publish([records[0], poison, later])
    # The stream retries from the first failure; nothing after it may be published before it.
    assert result == {"batchItemFailures": [{"itemIdentifier": "999"}, {"itemIdentifier": "1000"}]}
    assert names(bus) == ["wallet.created"]


class FaultyBus(RecordingBus):
    """EventBridge with faults: the calls numbered in `faults` are throttled (odd) or have their
    entry rejected (even), then behave."""

    def __init__(self, faults: set[int]) -> None:
        super().__init__(echo=False)
        self.faults, self.calls = faults, 0

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls += 1
        if self.calls in self.faults:
            if self.calls % 2:
                raise RuntimeError("ThrottlingException: Rate exceeded")
            return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure"}]}
        return super().put_events(Entries)


def deliver(records: list[dict[str, Any]], batch_size: int = 7) -> None:
    """Lambda's stream mapping: batches from the checkpoint; a reported failure moves the checkpoint
    to the first failed record and the batch is retried from there."""
    position = 0
    while position < len(records):
        batch = records[position : position + batch_size]
        failed = {f["itemIdentifier"] for f in publish(batch)["batchItemFailures"]}
        position += next(
            (i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed), len(batch)
        )


def first_deliveries(bus: RecordingBus) -> dict[str, list[str]]:
    """Per wallet, the event ids in the order a consumer deduplicating on event_id sees them."""
    seen: set[str] = set()
    out: dict[str, list[str]] = {}
    for e in bus.snapshot():
        if e["detail"]["event_id"] not in seen:
            seen.add(e["detail"]["event_id"])
            out.setdefault(e["detail"]["wallet_id"], []).append(e["detail"]["event_id"])
    return out


def test_stream_replay_with_a_fault_at_every_put_events_call_keeps_order_and_loses_nothing(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = StreamReader(os.environ["TABLE_NAME"])
    wallets = [
        ledger.create_wallet(f"cus_{i}", "USD", {}, {"low_balance_threshold": 300})[1]["id"] for i in range(3)
    ]
    for round_ in range(3):
        for wid in wallets:
            ledger.credit(wid, 500, "cash", None, None, None, {}, None)
            _, paid = ledger.debit(wid, 400 + round_, False, None, None, {}, None)
            ledger.refund(wid, paid["id"], 10, None, {}, None)
    ledger.change_status(wallets[0], "freeze", None)
    records = stream.read()

    clean = FaultyBus(set())
    monkeypatch.setattr(events, "_client", clean)
    deliver(records)
    expected = first_deliveries(clean)
    assert sum(map(len, expected.values())) == clean.calls > 30
    for call in range(1, clean.calls + 1):
        faulty = FaultyBus({call, call + 1, call + 5})  # a fault, one on its retry, and one later
        monkeypatch.setattr(events, "_client", faulty)
        deliver(records)
        assert first_deliveries(faulty) == expected, f"fault at PutEvents call {call}"


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
        jobs.run_top_up_job({}, None, wiring.get_gateway())
        clock.advance(60 * 60)
    assert repository.get_wallet(wid).auto_top_up_state["suspended"] is True
    stream = StreamReader(os.environ["TABLE_NAME"])
    stream.read()  # only what follows
    ledger.update_wallet(wid, None, {"auto_top_up": {**AUTO, "enabled": False}}, None)
    publish(stream.read())
    assert names(bus) == ["wallet.updated"]


def skipped_range(shard: str, records: list[dict[str, Any]], stream_arn: str) -> dict[str, Any]:
    """The message the stream mapping's failure destination gets: where, never what."""
    return {
        "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 11},
        "DDBStreamBatchInfo": {
            "shardId": shard,
            "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }


def test_records_the_stream_gave_up_on_are_redriven_from_the_stream(bus: RecordingBus) -> None:
    stream = StreamReader(os.environ["TABLE_NAME"])
    _, wallet = ledger.create_wallet("cus_lost", "USD", {}, None)
    ledger.credit(wallet["id"], 1000, "cash", None, None, None, {}, None)
    ledger.debit(wallet["id"], 300, False, None, None, {}, None)
    shards = stream.pending()
    ((shard, records),) = shards.items()
    lost = [r for r in records if r["dynamodb"]["NewImage"]["kind"]["S"] == "transaction"]
    message = skipped_range(shard, [lost[0], lost[-1]], stream.arn)
    result = runtime.invoke(
        FUNCTIONS["RedriveEventsFunction"], {"Records": [{"messageId": "m1", "body": json.dumps(message)}]}
    )
    assert result == {"batchItemFailures": []}
    # Both transactions and the wallet updates between them: every record of the range.
    assert names(bus) == ["wallet.credited", "wallet.payment_made"]


def test_a_redrive_that_fails_again_keeps_its_message_and_publishes_the_rest(
    bus: RecordingBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = StreamReader(os.environ["TABLE_NAME"])
    _, wallet = ledger.create_wallet("cus_lost", "USD", {}, None)
    ledger.credit(wallet["id"], 1000, "cash", None, None, None, {}, None)
    ledger.debit(wallet["id"], 300, False, None, None, {}, None)
    ((shard, records),) = stream.pending().items()
    message = skipped_range(shard, [records[0], records[-1]], stream.arn)
    real = bus.put_events

    def reject_credits(Entries: list[dict[str, Any]]) -> dict[str, Any]:
        if Entries[0]["DetailType"] == "wallet.credited":
            return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure"}]}
        return real(Entries)

    monkeypatch.setattr(bus, "put_events", reject_credits)
    event = {"Records": [{"messageId": "m1", "body": json.dumps(message)}]}
    assert runtime.invoke(FUNCTIONS["RedriveEventsFunction"], event) == {
        "batchItemFailures": [{"itemIdentifier": "m1"}]
    }
    assert names(bus) == ["wallet.created", "wallet.payment_made"]  # the rest, though out of order


def test_the_redrive_refuses_a_range_the_stream_no_longer_has() -> None:
    class TrimmedStream:
        """A shard whose records before 0...105 are gone (DynamoDB keeps them 24 hours)."""

        def get_shard_iterator(self, **kw: Any) -> dict[str, Any]:
            return {"ShardIterator": "it"}

        def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
            record = {"dynamodb": {"SequenceNumber": "000000000000000000105"}}
            return {"Records": [record] if ShardIterator == "it" else [], "NextShardIterator": "next"}

    message = skipped_range("shardId-1", [{"dynamodb": {"SequenceNumber": "000000000000000000100"}}], "arn")
    message["DDBStreamBatchInfo"]["endSequenceNumber"] = "000000000000000000110"
    published: list[Any] = []
    with pytest.raises(LookupError):  # the message stays queued, then alarms
        events.redrive(message, "bus", client=published, streams=TrimmedStream())
    assert published == []


def test_the_redrive_reads_past_empty_pages_and_never_reports_a_partial_range(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wallets import stream

    monkeypatch.setattr(stream, "EMPTY_PAGE_PAUSE_S", 0.0)

    class GappyStream:
        """Record 100, then empty pages (GetRecords may answer those mid-shard), then 101 and 102."""

        def __init__(self, empty_pages: int, then: list[str]) -> None:
            self.pages = [["100"], *[[]] * empty_pages, then]

        def get_shard_iterator(self, **kw: Any) -> dict[str, Any]:
            return {"ShardIterator": "0"}

        def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
            i = int(ShardIterator)
            page = self.pages[i] if i < len(self.pages) else []
            records = [{"dynamodb": {"SequenceNumber": n, "Keys": {}}} for n in page]
            return {"Records": records, "NextShardIterator": str(i + 1)}

    read = stream.read_range("arn", "shardId-1", "100", "102", GappyStream(5, ["101", "102"]))
    assert [r["dynamodb"]["SequenceNumber"] for r in read] == ["100", "101", "102"]
    with pytest.raises(LookupError):  # 102 never comes: not a success, the message stays queued
        stream.read_range("arn", "shardId-1", "100", "102", GappyStream(5, ["101"]), patience_s=0.5)


def test_the_local_pump_gives_up_on_a_poison_record_and_redrives_it(
    bus: RecordingBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    from local.background import StreamPump

    monkeypatch.setattr(StreamPump, "RETRY_BASE_S", 0.0)
    monkeypatch.setattr(StreamPump, "QUEUE_RETRY_S", 0.0)
    pump = StreamPump(
        os.environ["TABLE_NAME"], FUNCTIONS["PublishEventsFunction"], FUNCTIONS["RedriveEventsFunction"]
    )
    assert (pump.max_retries, pump.bisect) == (10, True)  # what template.yaml configures
    _, poison = ledger.create_wallet("cus_poison", "USD", {}, None)
    _, healthy = ledger.create_wallet("cus_ok", "USD", {}, None)
    for wid in (poison["id"], healthy["id"]):
        ledger.credit(wid, 100, "cash", None, None, None, {}, None)
    real, healed = bus.put_events, False

    def reject_poison(Entries: list[dict[str, Any]]) -> dict[str, Any]:
        detail = json.loads(Entries[0]["Detail"])
        if (
            not healed
            and detail["wallet_id"] == poison["id"]
            and Entries[0]["DetailType"] != "wallet.created"
        ):
            return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure"}]}
        return real(Entries)

    monkeypatch.setattr(bus, "put_events", reject_poison)
    for _ in range(40):
        pump.pump()
    # Bounded: 11 attempts, halving the batch down to the poison record, then skipped.
    assert pump.failed == 11
    (failure,) = pump.failures()
    assert (failure["records"], failure["state"], failure["receives"]) == (1, "dead", 10)
    # Everything after the poison record was published once, in order, after its 11 attempts.
    assert names(bus) == ["wallet.created", "wallet.created", "wallet.credited"]
    assert bus.snapshot()[-1]["detail"]["wallet_id"] == healthy["id"]

    # A second poison record, healed while its range waits in the failure queue: redriven.
    ledger.debit(poison["id"], 10, False, None, None, {}, None)
    for _ in range(12):
        pump.pump()
    assert [f["state"] for f in pump.failures()] == ["dead", "queued"]
    healed = True
    pump.pump()
    assert [f["state"] for f in pump.failures()] == ["dead", "redriven"]
    assert names(bus)[-1] == "wallet.payment_made"


def credit_expiring(bus: RecordingBus) -> list[dict[str, Any]]:
    return [e["detail"] for e in bus.snapshot() if e["detail-type"] == "wallet.credit_expiring"]


def spent_in_its_warning_window(customer: str) -> tuple[StreamReader, str, str]:
    """A 700 promotional lot expiring in 2 days (warned 1 day ahead), 300 of it paid, now 1 day on:
    the stream reader, the wallet id and the payment's id."""
    stream = StreamReader(os.environ["TABLE_NAME"])
    _, wallet = ledger.create_wallet(customer, "USD", {}, {"expiry_warning_days": 1})
    wid = wallet["id"]
    ledger.credit(wid, 700, "promotional", clock.now_ms() + 2 * 86_400_000, None, None, {}, None)
    _, paid = ledger.debit(wid, 300, False, None, None, {}, None)
    clock.advance(86_400 + 1)
    return stream, wid, paid["id"]


def test_a_refund_into_a_warned_lot_is_not_warned_again(bus: RecordingBus) -> None:
    stream, wid, paid = spent_in_its_warning_window("cus_w")
    assert jobs.sweep()["warnings"] == 1
    ledger.refund(wid, paid, 300, None, {}, None)  # restored with the same expiry
    assert jobs.sweep()["warnings"] == 0
    publish(stream.read())
    assert [d["amount"] for d in credit_expiring(bus)] == [400]
    assert len(repository.get_wallet(wid).lots) == 1  # given back into the lot it came from


def test_a_refund_before_the_warning_is_warned_about_once_with_its_lot(bus: RecordingBus) -> None:
    stream, wid, paid = spent_in_its_warning_window("cus_w2")
    ledger.refund(wid, paid, 300, None, {}, None)  # in the window, before the sweep warned
    assert jobs.sweep()["warnings"] == 1
    publish(stream.read())
    assert [d["amount"] for d in credit_expiring(bus)] == [700]


def test_an_expiry_warning_counts_what_will_expire_not_what_is_held(bus: RecordingBus) -> None:
    stream = StreamReader(os.environ["TABLE_NAME"])
    _, wallet = ledger.create_wallet("cus_h", "USD", {}, {"expiry_warning_days": 1})
    wid = wallet["id"]
    ledger.credit(wid, 700, "promotional", clock.now_ms() + 2 * 86_400_000, None, None, {}, None)
    ledger.create_hold(wid, 200, None, None, None, {}, None)
    clock.advance(86_400 + 1)
    assert jobs.sweep()["warnings"] == 1
    publish(stream.read())
    assert [(d["amount"], d["held_amount"]) for d in credit_expiring(bus)] == [(500, 200)]


def test_the_local_pump_bounds_retries_per_shard(monkeypatch: pytest.MonkeyPatch) -> None:
    """A poison record in one shard is skipped after its attempts while another shard flows."""
    from local.background import StreamPump

    monkeypatch.setattr(StreamPump, "RETRY_BASE_S", 0.0)

    class TwoShards:
        arn = "arn:stream"

        def __init__(self) -> None:
            self.positions: dict[str, str] = {}
            self.next_b = 0

        def shard_ids(self) -> list[str]:
            return ["A", "B"]

        def records(self, shard_id: str, limit: int) -> list[dict[str, Any]]:
            if shard_id == "A":
                return [] if "A" in self.positions else [{"dynamodb": {"SequenceNumber": "1", "Keys": {}}}]
            self.next_b += 1  # shard B always has a new record
            return [{"dynamodb": {"SequenceNumber": str(100 + self.next_b), "Keys": {}}}]

        def acknowledge(self, shard_id: str, sequence_number: str) -> None:
            self.positions[shard_id] = sequence_number

    reader = TwoShards()
    pump = StreamPump("t", FUNCTIONS["PublishEventsFunction"], reader=reader)
    monkeypatch.setattr(
        pump,
        "_invoke",
        lambda records: (["1"], "poison") if records[0]["dynamodb"]["SequenceNumber"] == "1" else ([], None),
    )
    monkeypatch.setattr(pump, "_explain", lambda *a: None)
    for _ in range(15):
        pump.pump()
    assert pump.failed == 11 and [f["shard_id"] for f in pump.failures()] == ["A"]
    assert reader.next_b == 15  # shard B was never held up
