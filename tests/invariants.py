"""The invariants of docs/contract.md section 6, checked independently of the code under test (a test oracle)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from wallets import items
from wallets.items import LotPageItem, WalletItem, wallet_pk
from wallets.lots import summarize
from wallets.wallet import Entry, Wallet

IN = {"credit", "top_up", "refund"}
OUT = {"debit", "void", "expiry", "capture", "close"}


def stored_wallet(wallet_id: str) -> Wallet:
    """The stored wallet with every lot, once how its lots are stored checks out: the item's totals
    are those of the lots in its pages, held lots are in the item, the item holds at most HEAD_MAX
    unheld lots, and the pages are within PAGE_LOTS and MAX_PAGES (decision 40)."""
    item = WalletItem.get(wallet_pk(wallet_id), "WALLET", consistent_read=True)
    pages = list(
        LotPageItem.query(wallet_pk(wallet_id), LotPageItem.sk.startswith("LOTS#"), consistent_read=True)
    )
    head = items.wallet_from_item(item)
    wallet = items.with_pages(head, pages)
    assert wallet is not None, "the pages are not the ones the wallet item names"
    cold = [lot for lot_id, lot in wallet.lots.items() if lot_id not in head.lots]
    assert len(cold) + len(head.lots) == len(wallet.lots)
    if head.cold is None:
        assert not pages and not cold
    else:
        summary = summarize(cold, 0)
        assert summary is not None, "the wallet item counts cold lots its pages do not hold"
        assert replace(summary, version=head.cold.version, pages=len(pages)) == head.cold
    held = head.held_by_lot()
    assert set(held) <= set(head.lots), "a held lot is cold"
    assert sum(1 for lot_id in head.lots if lot_id not in held) <= items.HEAD_MAX
    assert all(len(page.lots.as_dict()) <= items.PAGE_LOTS for page in pages)
    assert len(pages) <= max(items.MAX_PAGES, -(-len(cold) // items.PAGE_LOTS)), "pages are never repacked"
    return wallet


def assert_invariants(wallet: Wallet, entries: list[Entry]) -> None:
    """`wallet` as stored (not viewed at a later time); `entries` its whole ledger, oldest first."""
    held: Counter[str] = Counter()
    for hold in wallet.holds.values():
        assert hold.amount == sum(a.amount for a in hold.allocations) > 0
        for a in hold.allocations:
            held[a.lot_id] += a.amount
    # 1. balance = sum of remaining of lots; no lot below zero, no lot over-held
    balances = wallet.balances()
    assert balances.balance == sum(lot.remaining for lot in wallet.lots.values())
    for lot in wallet.lots.values():
        assert lot.remaining > 0, lot
        assert held[lot.id] <= lot.remaining, (lot, held[lot.id])
    # 2. pending = sum of pending holds; available = balance - pending >= 0
    assert balances.pending == sum(h.amount for h in wallet.holds.values())
    assert balances.available == balances.balance - balances.pending >= 0
    # 3. replaying the ledger reproduces every balance_after and the final balance
    ids = [e.id for e in entries]
    assert ids == sorted(ids) and len(set(ids)) == len(ids), "ledger ids must sort in commit order"
    balance = pending = 0
    by_type: Counter[str] = Counter()
    by_scope: Counter[object] = Counter()
    totals: Counter[str] = Counter()
    for e in entries:
        assert e.amount >= 0
        totals[e.type] += e.amount
        if e.type in IN or (e.type == "adjustment" and e.details["direction"] == "increase"):
            balance += e.amount
            for a in e.allocations:
                by_type[a.funding_type] += a.amount
                by_scope[a.applies_to] += a.amount
        elif e.type in OUT or e.type == "adjustment":
            balance -= e.amount
            for a in e.allocations:
                by_type[a.funding_type] -= a.amount
                by_scope[a.applies_to] -= a.amount
        if e.type == "hold":
            pending += e.amount
        elif e.type == "release":
            pending -= e.amount
        elif e.type == "capture":
            pending -= int(e.details["held_amount"])
        elif e.type == "debit" and e.hold_id:  # a debit whose remainder was charged: its hold, whole
            pending -= e.amount
        assert e.type in IN | OUT | {"hold", "release", "adjustment"}, e.type
        assert sum(a.amount for a in e.allocations) == e.amount or (e.type == "debit" and e.amount == 0), e
        assert e.balance_after == balance, (e, balance)
        assert e.pending_after == pending, (e, pending)
        assert e.available_after == balance - pending
    assert balance == balances.balance
    assert pending == balances.pending
    # 4. credits in = debits + voids + expiries + captures + close - refunds + balance
    ups = sum(e.amount for e in entries if e.type == "adjustment" and e.details["direction"] == "increase")
    downs = totals["adjustment"] - ups
    credits_in = totals["credit"] + totals["top_up"] + ups
    out = totals["debit"] + totals["void"] + totals["expiry"] + totals["capture"] + totals["close"] + downs
    assert credits_in == out - totals["refund"] + balance
    # 6. per funding type the ledger matches the lots: money never changes type, so promotional or
    #    code credit can never become withdrawable (a refund restores the types the original used)
    assert {t: v for t, v in by_type.items() if v} == {t: v for t, v in balances.by_type.items() if v}
    #    and per scope: credit never pays for (or moves to) categories it did not apply to
    assert {k: v for k, v in by_scope.items() if v} == {k: b for k, (b, _) in balances.by_scope.items() if b}
    assert balances.withdrawable == sum(
        lot.remaining - held[lot.id] for lot in wallet.lots.values() if lot.can_withdraw()
    )
    for lot in wallet.lots.values():  # a lot's own setting is only ever a code's (funding type)
        assert lot.withdrawable is None or lot.funding_type == "code_redemption"
    originals = {e.id: e for e in entries}
    for e in entries:
        if e.type == "refund":
            source: Counter[object] = Counter()
            for a in originals[e.original_transaction_id].allocations:  # type: ignore[index]
                source[a.funding_type] += a.amount
                source[(a.applies_to, a.can_withdraw())] += a.amount
            for a in e.allocations:
                assert source[a.funding_type] >= a.amount, "a refund restored a type the original did not use"
                if a.expires_at is None or a.expires_at > e.created_at:  # expired portions leave at once
                    assert source[(a.applies_to, a.can_withdraw())] >= a.amount, "refund changed scope"
