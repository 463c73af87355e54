"""The wallet aggregate, without AWS: each command as a pure state change plus ledger entries."""

from __future__ import annotations

from collections.abc import Callable
from operator import methodcaller
from typing import TypeVar

import pytest
from wallets import errors
from wallets.clock import DAY_MS
from wallets.wallet import Entry, Wallet

from tests.invariants import assert_invariants

T0 = 1_800_000_000_000
R = TypeVar("R")


class Book:
    """A wallet plus its ledger, committing each command like the repository would."""

    def __init__(self, **settings: object) -> None:
        self.wallet = Wallet.open("cus_1", "USD", T0, settings=dict(settings))
        self.entries: list[Entry] = []

    def do(self, command: Callable[[Wallet], R]) -> R:
        work = self.wallet.fork()
        result = command(work)
        self.entries.extend(work.effects.entries)
        self.wallet = work
        assert_invariants(self.wallet, self.entries)
        return result

    def view(self, now: int) -> Wallet:
        return self.wallet.view(now)


def test_credit_then_debit_spends_soonest_expiring_promotional_first() -> None:
    book = Book()
    book.do(lambda w: w.credit(1000, T0, "cash"))
    book.do(lambda w: w.credit(500, T0, "promotional", T0 + DAY_MS))
    entry = book.do(lambda w: w.debit(700, T0 + 1))
    assert isinstance(entry, Entry)
    assert entry.breakdown == {"promotional": 500, "cash": 200}
    assert book.wallet.balances().balance == 800
    assert book.wallet.balances().withdrawable == 800


def test_expiry_is_exact_to_the_millisecond_without_any_sweep() -> None:
    book = Book()
    book.do(lambda w: w.credit(1000, T0, "promotional", T0 + 2000))
    assert book.view(T0 + 1999).balances().available == 1000
    assert book.view(T0 + 2000).balances().available == 0
    with pytest.raises(errors.InsufficientFunds):
        book.do(lambda w: w.debit(1, T0 + 2000))


def test_a_write_after_expiry_records_the_expiry_first() -> None:
    book = Book()
    book.do(lambda w: w.credit(1000, T0, "promotional", T0 + 2000))
    book.do(lambda w: w.credit(300, T0 + 1, "cash"))
    book.do(lambda w: w.debit(100, T0 + 5000))
    assert [e.type for e in book.entries] == ["credit", "credit", "expiry", "debit"]
    assert book.entries[2].amount == 1000 and book.entries[2].balance_after == 300


def test_insufficient_funds_writes_nothing_and_partial_applies_what_it_can() -> None:
    book = Book()
    book.do(lambda w: w.credit(300, T0, "cash"))
    with pytest.raises(errors.InsufficientFunds):
        book.do(lambda w: w.debit(500, T0))
    assert len(book.entries) == 1
    entry = book.do(lambda w: w.debit(500, T0, allow_partial=True))
    assert entry.details == {"requested_amount": 500, "applied_amount": 300, "unapplied_amount": 200}


def test_credit_expiry_days_applies_to_promotional_credit_only() -> None:
    book = Book(credit_expiry_days=30)
    promo = book.do(lambda w: w.credit(100, T0, "promotional"))
    cash = book.do(lambda w: w.credit(100, T0, "cash"))
    assert promo.allocations[0].expires_at == T0 + 30 * DAY_MS
    assert cash.allocations[0].expires_at is None


def test_void_by_funding_type() -> None:
    book = Book()
    book.do(lambda w: w.credit(100, T0, "promotional"))
    book.do(lambda w: w.credit(100, T0, "cash"))
    entry = book.do(lambda w: w.void(60, T0, "cash"))
    assert entry.breakdown == {"cash": 60}
    with pytest.raises(errors.InsufficientFunds):
        book.do(lambda w: w.void(60, T0, "cash"))


def test_status_machine() -> None:
    book = Book()
    book.do(lambda w: w.credit(100, T0, "cash"))
    book.do(lambda w: w.freeze(T0))
    for method, args in [("debit", (1, T0)), ("void", (1, T0)), ("hold", (1, T0))]:
        with pytest.raises(errors.WalletFrozen):
            book.do(methodcaller(method, *args))
    book.do(lambda w: w.credit(100, T0, "cash"))  # credits are allowed while frozen
    book.do(lambda w: w.unfreeze(T0))
    book.do(lambda w: w.debit(1, T0))
    book.do(lambda w: w.close(T0))
    closed: list[tuple[str, tuple[int, ...]]] = [
        ("credit", (1, T0)),
        ("debit", (1, T0)),
        ("freeze", (T0,)),
        ("unfreeze", (T0,)),
    ]
    for method, arguments in closed:
        with pytest.raises(errors.WalletClosed):
            book.do(methodcaller(method, *arguments))


def test_hold_capture_partial_releases_the_rest_in_the_same_entry() -> None:
    book = Book()
    book.do(lambda w: w.credit(5000, T0, "cash"))
    hold, _ = book.do(lambda w: w.hold(3000, T0))
    assert book.wallet.balances().available == 2000
    entry = book.do(lambda w: w.capture(hold.id, T0, 2500))
    assert entry.amount == 2500 and entry.details["released_amount"] == 500
    assert book.wallet.balances().available == 2500 and book.wallet.balances().pending == 0
    with pytest.raises(errors.HoldNotPending):
        book.do(lambda w: w.capture(hold.id, T0))
    with pytest.raises(errors.HoldNotPending):
        book.do(lambda w: w.release(hold.id, T0))


def test_capture_takes_from_the_reserved_lots() -> None:
    book = Book()
    book.do(lambda w: w.credit(100, T0, "promotional", T0 + DAY_MS))
    hold, _ = book.do(lambda w: w.hold(100, T0))
    book.do(lambda w: w.credit(1000, T0, "promotional", T0 + 1000))  # expires sooner, but is not reserved
    entry = book.do(lambda w: w.capture(hold.id, T0, 60))
    assert [a.amount for a in entry.allocations] == [60]
    assert entry.allocations[0].expires_at == T0 + DAY_MS


def test_a_hold_past_expiry_is_released_at_read_time_and_cannot_be_captured() -> None:
    book = Book()
    book.do(lambda w: w.credit(100, T0, "cash"))
    hold, _ = book.do(lambda w: w.hold(80, T0, T0 + 1000))
    assert book.view(T0 + 999).balances().available == 20
    assert book.view(T0 + 1000).balances().available == 100
    with pytest.raises(errors.HoldNotPending):
        book.do(lambda w: w.capture(hold.id, T0 + 1000))
    book.do(lambda w: w.debit(10, T0 + 1000))
    assert [e.type for e in book.entries][-2:] == ["release", "debit"]
    assert book.entries[-2].reason == "expired"


def test_held_funds_are_not_expired_under_a_pending_hold() -> None:
    book = Book()
    book.do(lambda w: w.credit(100, T0, "promotional", T0 + 1000))
    hold, _ = book.do(lambda w: w.hold(70, T0, T0 + 5000))
    view = book.view(T0 + 2000)
    assert (view.balances().balance, view.balances().pending, view.balances().available) == (70, 70, 0)
    book.do(lambda w: w.capture(hold.id, T0 + 2000, 50))  # the 20 released expire in the same write
    assert [e.type for e in book.entries][-2:] == ["capture", "expiry"]
    assert book.wallet.balances().balance == 0


def test_hold_limits() -> None:
    book = Book()
    book.do(lambda w: w.credit(100, T0, "cash"))
    with pytest.raises(errors.ValidationFailed):
        book.do(lambda w: w.hold(10, T0, T0 + 31 * DAY_MS))
    with pytest.raises(errors.InsufficientFunds):
        book.do(lambda w: w.hold(101, T0))
    hold, _ = book.do(lambda w: w.hold(10, T0))
    assert hold.expires_at == T0 + 7 * DAY_MS


def test_refund_restores_funding_types_and_future_expiries() -> None:
    book = Book()
    book.do(lambda w: w.credit(500, T0, "promotional", T0 + DAY_MS))
    book.do(lambda w: w.credit(500, T0, "cash"))
    debit = book.do(lambda w: w.debit(700, T0))
    assert isinstance(debit, Entry)
    refund = book.do(lambda w: w.refund(debit, 0, T0 + 1))
    assert refund.breakdown == {"cash": 200, "promotional": 500}
    assert {a.funding_type: a.expires_at for a in refund.allocations}["promotional"] == T0 + DAY_MS
    assert book.wallet.balances().withdrawable == 500  # promotional money stayed promotional


def test_partial_refunds_walk_back_the_original_and_never_exceed_it() -> None:
    book = Book()
    book.do(lambda w: w.credit(500, T0, "promotional"))
    book.do(lambda w: w.credit(500, T0, "cash"))
    debit = book.do(lambda w: w.debit(700, T0))
    assert isinstance(debit, Entry)
    first = book.do(lambda w: w.refund(debit, 0, T0, 150))
    second = book.do(lambda w: w.refund(debit, 150, T0, 300))
    assert first.breakdown == {"cash": 150}
    assert second.breakdown == {"cash": 50, "promotional": 250}
    with pytest.raises(errors.RefundExceedsOriginal):
        book.do(lambda w: w.refund(debit, 450, T0, 251))


def test_refund_of_expired_credit_is_restored_already_expired() -> None:
    book = Book()
    book.do(lambda w: w.credit(500, T0, "promotional", T0 + 1000))
    debit = book.do(lambda w: w.debit(500, T0))
    assert isinstance(debit, Entry)
    book.do(lambda w: w.refund(debit, 0, T0 + 2000))
    assert [e.type for e in book.entries][-2:] == ["refund", "expiry"]
    assert book.wallet.balances().balance == 0


def test_close_releases_holds_forfeits_promotional_and_reports_refund_due() -> None:
    book = Book()
    book.do(lambda w: w.credit(300, T0, "promotional"))
    book.do(lambda w: w.credit(700, T0, "cash"))
    book.do(lambda w: w.hold(400, T0))
    entry = book.do(lambda w: w.close(T0))
    assert entry is not None and entry.details == {"refund_due": 700, "forfeited": 300}
    assert book.wallet.status == "closed" and book.wallet.balances().balance == 0
    assert [e.type for e in book.entries][-2:] == ["release", "close"]


# ---------------------------------------------------------------- the wallet's own expiry
def expiring_book(at: int) -> Book:
    book = Book()
    book.wallet.expires_at = at
    book.do(lambda w: w.credit(1000, T0, "cash"))
    book.do(lambda w: w.credit(200, T0, "promotional"))
    book.do(lambda w: w.hold(100, T0))
    return book


def test_a_wallet_expires_to_the_millisecond_at_reads_and_writes() -> None:
    book = expiring_book(T0 + 5000)
    assert book.view(T0 + 4999).status == "active"
    assert book.view(T0 + 4999).balances().balance == 1200
    closed = book.view(T0 + 5000)
    assert closed.status == "closed" and closed.balances().balance == 0 and not closed.holds
    book.do(lambda w: w.debit(50, T0 + 4999))
    with pytest.raises(errors.WalletClosed):
        book.do(lambda w: w.debit(1, T0 + 5000))
    with pytest.raises(errors.WalletClosed):
        book.do(lambda w: w.close(T0 + 5000))  # closed already: not closed twice


def test_settling_an_expired_wallet_closes_it_as_close_would() -> None:
    book = expiring_book(T0 + 5000)
    book.do(lambda w: w.settle(T0 + 6000))
    release, close = book.entries[-2:]
    assert (release.type, release.reason, release.amount) == ("release", "wallet_expired", 100)
    assert (close.type, close.reason, close.amount) == ("close", "expired", 1200)
    assert close.details == {"refund_due": 1000, "forfeited": 200}
    assert book.wallet.status == "closed" and book.wallet.next_due_at() is None


def test_an_expiry_with_more_holds_than_a_write_releases_closes_in_steps() -> None:
    book = Book()
    book.wallet.expires_at = T0 + 5000
    book.do(lambda w: w.credit(1000, T0, "cash"))
    for _ in range(30):
        book.do(lambda w: w.hold(10, T0))
    assert book.wallet.due_count(T0 + 5000) == 30
    assert book.do(lambda w: w.settle(T0 + 5000)) == 20  # the per-write limit
    assert book.wallet.status == "active" and len(book.wallet.holds) == 10
    book.do(lambda w: w.settle(T0 + 5001))
    assert book.wallet.status == "closed"
    assert book.entries[-1].details == {"refund_due": 1000, "forfeited": 0}


def test_wallet_expiry_is_set_in_the_future_changed_and_cleared() -> None:
    with pytest.raises(errors.ValidationFailed):
        Wallet.open("cus_1", "USD", T0, expires_at=T0)
    book = Book()
    assert book.wallet.next_due_at() is None
    with pytest.raises(errors.ValidationFailed):
        book.do(lambda w: w.configure(T0, None, None, None, T0 - 1))
    book.do(lambda w: w.configure(T0, None, None, None, T0 + DAY_MS))
    assert book.wallet.next_due_at() == T0 + DAY_MS
    book.do(lambda w: w.configure(T0 + 1, None, None, None, None, True))
    assert book.wallet.expires_at is None and book.view(T0 + 2 * DAY_MS).status == "active"


# ---------------------------------------------------------------- scoped credits (applies_to)
def scoped_book() -> Book:
    book = Book()
    book.do(lambda w: w.credit(1000, T0, "cash"))
    book.do(lambda w: w.credit(300, T0, "promotional", applies_to=("prod_a",)))
    book.do(lambda w: w.credit(200, T0, "promotional", applies_to=("prod_a", "prod_b")))
    return book


def test_scoped_credit_pays_only_for_its_categories_and_goes_first() -> None:
    book = scoped_book()
    plain = book.do(lambda w: w.debit(100, T0 + 1))
    assert [a.applies_to for a in plain.allocations] == [None]  # no category: unscoped credit only
    for_b = book.do(lambda w: w.debit(250, T0 + 1, category="prod_b"))
    assert [(a.applies_to, a.amount) for a in for_b.allocations] == [(("prod_a", "prod_b"), 200), (None, 50)]
    for_a = book.do(lambda w: w.debit(400, T0 + 1, category="prod_a"))
    assert [(a.applies_to, a.amount) for a in for_a.allocations] == [(("prod_a",), 300), (None, 100)]
    assert for_a.details["category"] == "prod_a"


def test_a_shortfall_reports_what_the_category_could_take() -> None:
    book = scoped_book()
    with pytest.raises(errors.InsufficientFunds) as refused:
        book.do(lambda w: w.debit(1600, T0 + 1, category="prod_b"))
    assert refused.value.details == {"requested": 1600, "available": 1200, "category": "prod_b"}
    with pytest.raises(errors.InsufficientFunds) as refused:
        book.do(lambda w: w.debit(1100, T0 + 1))
    assert refused.value.details == {"requested": 1100, "available": 1000}
    partial = book.do(lambda w: w.debit(1600, T0 + 1, allow_partial=True, category="prod_b"))
    assert partial.amount == 1200 and book.wallet.balances().by_scope == {("prod_a",): (300, 300)}


def test_holds_reserve_in_scope_and_captures_and_releases_keep_it() -> None:
    book = scoped_book()
    hold, _ = book.do(lambda w: w.hold(400, T0 + 1, category="prod_a"))
    assert sum(a.amount for a in hold.allocations if a.applies_to) == 400  # scoped credit first
    with pytest.raises(errors.InsufficientFunds):
        book.do(lambda w: w.hold(1001, T0 + 1))  # without a category only the unscoped 1000 is there
    capture = book.do(lambda w: w.capture(hold.id, T0 + 2, 350))
    assert all(a.applies_to for a in capture.allocations)
    assert book.wallet.balances().available == 1500 - 350
    assert book.wallet.balances().by_scope[None] == (1000, 1000)


def test_a_refund_restores_the_scope_it_consumed_even_when_its_lot_is_gone() -> None:
    book = scoped_book()
    spent = book.do(lambda w: w.debit(500, T0 + 1, category="prod_a"))  # both scoped lots, emptied
    assert all(a.applies_to for a in spent.allocations)
    assert not any(lot.applies_to for lot in book.wallet.lots.values())
    refund = book.do(lambda w: w.refund(spent, 0, T0 + 2))
    assert sorted((a.applies_to, a.amount) for a in refund.allocations) == [
        (("prod_a",), 300),
        (("prod_a", "prod_b"), 200),
    ]
    with pytest.raises(errors.InsufficientFunds):
        book.do(lambda w: w.debit(1001, T0 + 3))  # restored credit is still scoped
    assert book.do(lambda w: w.debit(1200, T0 + 3, category="prod_b")).amount == 1200


def test_voids_and_decreases_take_scoped_credit_too() -> None:
    book = scoped_book()
    void = book.do(lambda w: w.void(1500, T0 + 1))
    assert void.amount == 1500 and book.wallet.balances().balance == 0


def test_a_wallet_holds_at_most_max_scopes_distinct_scopes() -> None:
    from wallets.wallet import MAX_SCOPES

    book = Book()
    for n in range(MAX_SCOPES):
        book.do(methodcaller("credit", 10, T0, "promotional", applies_to=(f"p{n}",)))
    book.do(lambda w: w.credit(10, T0, "promotional", applies_to=("p0",)))  # a known scope is fine
    with pytest.raises(errors.LimitExceeded):
        book.do(lambda w: w.credit(10, T0, "promotional", applies_to=("new",)))
    book.do(lambda w: w.debit(20, T0 + 1, category="p0"))  # p0's lots spent: its place is free again
    book.do(lambda w: w.credit(10, T0 + 2, "promotional", applies_to=("new",)))


def test_an_expired_wallet_with_many_expired_lots_and_a_hold_closes_before_any_write() -> None:
    """Expired lots leave in one entry: they must not use up the per-write limit of holds released,
    or the close would wait while the command itself ran on an open wallet."""
    book = Book()
    book.wallet.expires_at = T0 + 5000
    book.do(lambda w: w.credit(10_000, T0, "cash"))
    for i in range(30):
        book.do(methodcaller("credit", 10, T0, "promotional", T0 + 1000 + i))
    book.do(lambda w: w.hold(100, T0))
    assert book.wallet.due_count(T0 + 5000) <= 20
    with pytest.raises(errors.WalletClosed):
        book.do(lambda w: w.debit(500, T0 + 5000))
    book.do(lambda w: w.settle(T0 + 5000))
    assert book.wallet.status == "closed"


# ------------------------------------------------------------------ cold lots (decision 40)
def split(wallet: Wallet, head: int) -> Wallet:
    """The wallet as read from its item alone: the first `head` lots, and the totals of the rest."""
    from wallets.lots import consumption_order, summarize

    ordered = consumption_order(wallet.lots.values())
    out = wallet.fork()
    out.lots = {lot.id: lot for lot in ordered[:head]}
    out.cold = summarize(ordered[head:], wallet.version)
    return out


def ten_lots() -> Wallet:
    book = Book(expiry_warning_days=1)
    for n in range(10):
        book.do(methodcaller("credit", 100, T0 + n, "promotional", T0 + (n + 5) * DAY_MS))
    return book.wallet


def test_the_totals_of_cold_lots_give_the_same_balances_and_due_time() -> None:
    whole = ten_lots()
    head = split(whole, 3)
    assert head.balances() == whole.balances()
    assert head.next_due_at() == whole.next_due_at()
    assert head.next_expiry() == whole.next_expiry() and head.live_lots() == 10


def test_a_command_that_reaches_cold_lots_asks_for_them_and_one_that_does_not_never_does() -> None:
    from wallets.wallet import ColdLotsNeeded

    head = split(ten_lots(), 3)
    now = T0 + 100
    head.fork().debit(300, now)  # the head pays: nothing more is read
    assert head.available_for(None, now) == 1_000  # and what could pay is known from the totals
    for command in (
        lambda w: w.debit(301, now),  # past the head
        lambda w: w.debit(2_000, now, allow_partial=True),  # as much as there is: all of it
        lambda w: w.settle(T0 + 8 * DAY_MS),  # a cold lot expires
        lambda w: w.mark_warned(T0 + 7 * DAY_MS),  # a cold lot enters its warning window
        lambda w: w.expiring_soon(T0 + 7 * DAY_MS),  # a read of credit expiring soon
        lambda w: w.close(now),  # closing takes every lot
    ):
        with pytest.raises(ColdLotsNeeded):
            command(head.fork())


def test_a_transaction_has_room_for_the_effects_the_pages_and_the_request_records() -> None:
    from wallets import items
    from wallets.wallet import MAX_EFFECTS_PER_WRITE, MAX_LIVE_LOTS

    request_records = 5  # idempotency, reference, customer, top-up, code at most
    assert 1 + MAX_EFFECTS_PER_WRITE + items.MAX_PAGES + request_records <= 100
    # and the most lots a wallet may have fit in MAX_PAGES pages, so a packed wallet never needs more
    assert -(-MAX_LIVE_LOTS // items.PAGE_LOTS) <= items.MAX_PAGES


def test_credit_that_expired_while_held_expires_before_an_expired_wallet_closes() -> None:
    """A wallet expiring with more holds than one write releases: what the last holds free of a lot
    that expired meanwhile leaves in an expiry entry, not as forfeited in the close."""
    from wallets.wallet import MAX_SETTLED_PER_WRITE

    book = Book()
    book.do(lambda w: w.credit(1_000, T0, "promotional", T0 + DAY_MS))  # expires before the wallet does
    for _ in range(MAX_SETTLED_PER_WRITE + 5):
        book.do(lambda w: w.hold(10, T0 + 1, T0 + 20 * DAY_MS))
    book.do(lambda w: w.configure(T0 + 2, None, None, expires_at=T0 + 2 * DAY_MS))
    while book.wallet.status != "closed":  # the sweep's steps
        book.do(lambda w: w.settle(T0 + 3 * DAY_MS))
    close = next(e for e in book.entries if e.type == "close")
    expired = sum(e.amount for e in book.entries if e.type == "expiry")
    assert (expired, close.details["forfeited"], close.amount) == (1_000, 0, 0)
