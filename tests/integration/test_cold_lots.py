"""A wallet with more lots than its item keeps: the head of the consumption order in the wallet item,
the rest in pages read only when a command reaches them (decision 40), exact all the same."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from wallets import clock, errors, items, jobs, ledger, repository
from wallets.items import LotPageItem, WalletItem, wallet_pk

from local.background import RecordingBus, StreamReader
from tests.integration.helpers import check, new_wallet
from tests.integration.test_edges import bulk_credit
from tests.integration.test_events_publisher import publish

MINUTE = 60_000


def pages(wallet_id: str) -> dict[str, int]:
    """The wallet's lot pages and the version that wrote each."""
    return {
        p.sk: int(p.version)
        for p in LotPageItem.query(
            wallet_pk(wallet_id), LotPageItem.sk.startswith("LOTS#"), consistent_read=True
        )
    }


def lots_in_item(wallet_id: str) -> int:
    return len(WalletItem.get(wallet_pk(wallet_id), "WALLET", consistent_read=True).lots.as_dict())


def hundred_lots(customer: str, **settings: object) -> str:
    """100 promotional lots of 10, expiring a minute apart from 30 days on (past the warning window)."""
    wid = new_wallet(customer, "USD", **settings)
    first = clock.now_ms() + 30 * 86_400_000
    bulk_credit(wid, [(10, first + n * MINUTE) for n in range(100)], "promotional")
    return wid


def test_the_item_keeps_the_head_and_a_debit_there_writes_no_page(table: str) -> None:
    # GIVEN a wallet with 100 lots
    wid = hundred_lots("cus_big")
    assert lots_in_item(wid) == items.HEAD_LOTS
    before = pages(wid)
    assert 1 <= len(before) <= -(-(100 - items.HEAD_LOTS) // items.PAGE_LOTS)
    # WHEN it pays from the head THEN no page is written, and reads are exact
    assert ledger.debit(wid, 5, False, None, None, {}, None)[0] == 201
    assert pages(wid) == before
    shown = ledger.get_wallet(wid)
    assert (shown["balance"], shown["available"], shown["expiring_soon"]) == (995, 995, 0)
    listed = ledger.list_lots(wid)["data"]
    assert len(listed) == 100 and [lot["expires_at"] for lot in listed] == sorted(
        lot["expires_at"] for lot in listed
    )
    check(wid)


def test_payments_past_the_head_read_the_pages_in_the_consumption_order(table: str) -> None:
    wid = hundred_lots("cus_past")
    # one payment across 30 lots, then one across the rest
    _, paid = ledger.debit(wid, 300, False, None, None, {}, None)
    expiries = [lot["expires_at"] for lot in paid["lots"]]
    assert len(expiries) == 30 and expiries == sorted(expiries)
    try:
        ledger.debit(wid, 701, False, None, None, {}, None)
        raise AssertionError("a debit over the balance must be refused")
    except errors.InsufficientFunds as exc:
        assert exc.details["available"] == 700
    _, rest = ledger.debit(wid, 700, False, None, None, {}, None)
    assert len(rest["lots"]) == 70 and ledger.get_wallet(wid)["balance"] == 0
    assert pages(wid) == {} and repository.get_wallet(wid).cold is None
    check(wid)


def test_a_refund_goes_back_into_a_lot_that_went_cold(table: str) -> None:
    # GIVEN a payment from two lots, then 20 lots expiring sooner, which push those two out of the head
    wid = new_wallet("cus_refund")
    later = clock.now_ms() + 10 * 86_400_000
    bulk_credit(wid, [(10, later + n * MINUTE) for n in range(20)], "promotional")
    _, paid = ledger.debit(wid, 15, False, None, None, {}, None)
    kept = paid["lots"][1]["lot_id"]  # 5 of its 10 were taken
    bulk_credit(wid, [(10, clock.now_ms() + 86_400_000 + n * MINUTE) for n in range(20)], "promotional")
    assert kept not in WalletItem.get(wallet_pk(wid), "WALLET").lots.as_dict()
    # WHEN the payment is refunded THEN the cold lot gets its 5 back; the spent lot comes back as one
    assert ledger.refund(wid, paid["id"], None, None, {}, None)[0] == 201
    listed = {lot["id"]: lot for lot in ledger.list_lots(wid)["data"]}
    assert listed[kept]["remaining"] == 10 and len(listed) == 40
    check(wid)


def test_cold_lots_are_warned_of_once_and_expire_on_time(bus: RecordingBus) -> None:
    stream = StreamReader(os.environ["TABLE_NAME"])
    wid = new_wallet("cus_cold_exp", expiry_warning_days=1)
    first = clock.now_ms() + 2 * 86_400_000
    bulk_credit(wid, [(10, first + n * MINUTE) for n in range(20)], "promotional")
    assert repository.get_wallet(wid).cold is not None
    # a day and a half on, all 20 are inside the warning window: each is warned of once
    clock.advance(86_400 + 43_200)
    assert jobs.sweep()["warnings"] == 20
    assert jobs.sweep()["warnings"] == 0
    publish(stream.read())
    warned = [
        (e["detail"]["lot_id"], e["detail"]["amount"])
        for e in bus.snapshot()
        if e["detail-type"] == "wallet.credit_expiring"
    ]
    assert len(warned) == 20 and len({lot for lot, _ in warned}) == 20 and {a for _, a in warned} == {10}
    assert ledger.get_wallet(wid)["expiring_soon"] == 200
    # when 12 have expired, a read shows it before the sweep, and the sweep expires them in one entry
    clock.advance((first + 11 * MINUTE - clock.now_ms()) / 1000)
    shown = ledger.get_wallet(wid)
    assert (shown["balance"], shown["expiring_soon"]) == (80, 80)
    assert jobs.sweep()["expired_lots"] == 12
    expiry = [e for e in repository.all_entries(wid) if e.type == "expiry"]
    assert len(expiry) == 1 and expiry[0].amount == 120 and expiry[0].balance_after == 80
    check(wid)


RACE_OPS = int(os.environ.get("WALLETS_RACE_OPS", "12"))


def test_racing_payments_on_cold_lots_never_overdraw(table: str) -> None:
    # GIVEN 100 lots of 10: most of them cold
    wid = hundred_lots("cus_race_cold")
    paid: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def writer(n: int) -> None:
        barrier.wait()
        for i in range(RACE_OPS):
            amount = 15 + (n * 7 + i * 3) % 20  # each spans two or three lots
            try:
                ledger.debit(wid, amount, False, None, None, {}, None)
            except errors.InsufficientFunds:
                continue
            with lock:
                paid.append(amount)

    # WHEN 8 writers pay from it at once, past the head and into the pages
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(writer, range(8)))
    # THEN every accepted payment was taken once, from the lots in order, and the books balance
    assert sum(paid) <= 1000 and ledger.get_wallet(wid)["balance"] == 1000 - sum(paid)
    assert sum(paid) > 500, "the race never went far into the cold lots"
    check(wid)


def test_pages_moved_by_a_later_write_are_read_again_even_with_a_new_scope(table: str) -> None:
    # GIVEN a wallet read before a write that pages lots of a scope its totals did not name yet
    wid = hundred_lots("cus_moved")
    stale = repository.get_wallet(wid)
    later = clock.now_ms() + 60 * 86_400_000
    bulk_credit(wid, [(5, later + n * MINUTE) for n in range(20)], "promotional", [("vip",)])
    newer = list(LotPageItem.query(wallet_pk(wid), LotPageItem.sk.startswith("LOTS#"), consistent_read=True))
    # WHEN its pages are read THEN the mismatch is seen (nothing raised) and both are read again
    assert items.with_pages(stale, newer) is None
    assert repository.with_cold(stale).balances().balance == 1_100
