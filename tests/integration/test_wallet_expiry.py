"""A wallet's own expiry (`expires_at`): set, changed and cleared through the handlers; exact at reads
and writes; recorded by the sweep as a close with `wallet.expired` (docs/contract.md)."""

from __future__ import annotations

import os

import pytest
from wallets import clock, jobs

from local.background import RecordingBus, StreamReader
from tests.conftest import call
from tests.integration.helpers import check, credit, debit, new_wallet, wallet
from tests.integration.test_events_publisher import names, publish

HOUR_MS = 3_600_000


def iso(ms: int) -> str:
    return str(clock.to_iso(ms))


def set_expiry(wallet_id: str, value: str | None) -> tuple[int, dict]:
    return call("update_wallet", "PATCH", f"/wallets/{wallet_id}", {"expires_at": value})


def test_expires_at_is_set_on_create_changed_and_cleared(table: str) -> None:
    status, error = call(
        "create_wallet", "POST", "/wallets", {"customer_id": "c", "currency": "USD", "expires_at": iso(0)}
    )
    assert (status, error["error"]["details"]) == (422, {"expires_at": ["must be in the future"]})
    later = clock.now_ms() + HOUR_MS
    status, body = call(
        "create_wallet", "POST", "/wallets", {"customer_id": "c", "currency": "USD", "expires_at": iso(later)}
    )
    assert status == 201 and body["expires_at"] == iso(later)
    status, body = set_expiry(body["id"], iso(later + HOUR_MS))
    assert status == 200 and body["expires_at"] == iso(later + HOUR_MS)
    assert set_expiry(body["id"], iso(clock.now_ms() - 1))[0] == 422
    status, body = set_expiry(body["id"], None)
    assert status == 200 and body["expires_at"] is None
    clock.advance(3 * HOUR_MS / 1000)
    assert wallet(body["id"])["status"] == "active"


def test_an_expired_wallet_reads_closed_refuses_writes_and_the_sweep_closes_it(
    table: str, bus: RecordingBus
) -> None:
    stream = StreamReader(os.environ["TABLE_NAME"])
    wid = new_wallet("cus_exp")
    credit(wid, 1000, funding_type="cash")
    credit(wid, 300)
    call("create_hold", "POST", f"/wallets/{wid}/holds", {"amount": 200})
    at = clock.now_ms() + HOUR_MS
    assert set_expiry(wid, iso(at))[0] == 200
    clock.advance(HOUR_MS / 1000)
    body = wallet(wid)
    assert (body["status"], body["balance"], body["pending"]) == ("closed", 0, 0)
    status, error = debit(wid, 1)
    assert (status, error["error"]["type"]) == (409, "wallet_closed")
    stats = jobs.sweep()
    assert stats["expired_wallets"] == 1 and stats["errors"] == 0
    assert jobs.sweep()["expired_wallets"] == 0  # once
    txns = call("list_transactions", "GET", f"/wallets/{wid}/transactions")[1]["data"]
    close, release = txns[0], txns[1]
    assert (close["type"], close["reason"], close["refund_due"], close["forfeited"]) == (
        "close",
        "expired",
        1000,
        300,
    )
    assert (release["type"], release["reason"]) == ("release", "wallet_expired")
    check(wid)
    publish(stream.read())
    assert names(bus)[-2:] == ["wallet.closed", "wallet.expired"]
    expired = bus.snapshot()[-1]["detail"]
    assert (expired["wallet_id"], expired["refund_due"], expired["reason"]) == (wid, 1000, "expired")


@pytest.mark.parametrize("verb", ["freeze", "close"])
def test_status_changes_after_expiry_find_the_wallet_closed(table: str, verb: str) -> None:
    wid = new_wallet()
    set_expiry(wid, iso(clock.now_ms() + 1000))
    clock.advance(1)
    status, error = call(f"{verb}_wallet", "DELETE" if verb == "close" else "POST", _path(wid, verb))
    assert (status, error["error"]["type"]) == (409, "wallet_closed")


def _path(wallet_id: str, verb: str) -> str:
    return f"/wallets/{wallet_id}" if verb == "close" else f"/wallets/{wallet_id}/{verb}"


def test_an_expired_wallet_is_not_listed_as_active_before_the_sweep(table: str) -> None:
    wid = new_wallet("cus_listed")
    set_expiry(wid, iso(clock.now_ms() + 1000))
    clock.advance(1)
    listed = call("list_wallets", "GET", "/wallets", query={"status": "active"})[1]["data"]
    assert wid not in [w["id"] for w in listed]
    everything = call("list_wallets", "GET", "/wallets")[1]["data"]
    assert [w["status"] for w in everything if w["id"] == wid] == ["closed"]


def test_a_page_of_active_wallets_is_filled_past_an_expired_one(table: str) -> None:
    older = new_wallet("cus_page_a")
    expired = new_wallet("cus_page_b")  # newer: listed first
    set_expiry(expired, iso(clock.now_ms() + 1000))
    clock.advance(1)
    page = call("list_wallets", "GET", "/wallets", query={"status": "active", "limit": "1"})[1]
    assert [w["id"] for w in page["data"]] == [older]
