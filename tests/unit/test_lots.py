"""Consumption order (docs/contract.md section 2) and allocation, as pure functions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from wallets.lots import FUNDING_TYPES, Lot, allocate, consumption_order, total


def lot(
    id_: str, type_: str = "cash", remaining: int = 100, expires: int | None = None, created: int = 0
) -> Lot:
    return Lot(id_, type_, remaining, remaining, created, expires)


def test_soonest_expiry_first_and_no_expiry_last() -> None:
    lots = [lot("a", expires=None), lot("b", expires=300), lot("c", expires=200)]
    assert [x.id for x in consumption_order(lots)] == ["c", "b", "a"]


def test_on_an_expiry_tie_non_withdrawable_types_go_first() -> None:
    lots = [
        lot("cash", "cash", expires=100),
        lot("promo", "promotional", expires=100),
        lot("code", "code_redemption", expires=100),
        lot("refund", "refund", expires=100),
    ]
    order = [x.id for x in consumption_order(lots)]
    assert set(order[:2]) == {"promo", "code"}
    assert set(order[2:]) == {"cash", "refund"}


def test_then_oldest_first() -> None:
    lots = [lot("new", "promotional", created=20), lot("old", "promotional", created=10)]
    assert [x.id for x in consumption_order(lots)] == ["old", "new"]


def test_no_expiry_tie_also_prefers_non_withdrawable() -> None:
    lots = [lot("cash", "cash", created=1), lot("promo", "promotional", created=2)]
    assert [x.id for x in consumption_order(lots)] == ["promo", "cash"]


def test_allocation_skips_expired_lots_to_the_millisecond() -> None:
    lots = [lot("soon", expires=1_000), lot("later", expires=5_000)]
    assert [a.lot_id for a in allocate(lots, 50, now=999)] == ["soon"]
    assert [a.lot_id for a in allocate(lots, 50, now=1_000)] == ["later"]


def test_allocation_spans_lots_and_respects_holds() -> None:
    lots = [lot("a", remaining=100, expires=10), lot("b", remaining=100, expires=20)]
    allocs = allocate(lots, 150, now=0, held={"a": 80})
    assert [(a.lot_id, a.amount) for a in allocs] == [("a", 20), ("b", 100)]


def test_allocation_by_funding_type() -> None:
    lots = [lot("p", "promotional"), lot("c", "cash")]
    assert [a.lot_id for a in allocate(lots, 50, now=0, funding_type="cash")] == ["c"]


def test_allocation_returns_less_when_short() -> None:
    assert total(allocate([lot("a", remaining=30)], 50, now=0)) == 30


lots_strategy = st.lists(
    st.builds(
        lot,
        id_=st.uuids().map(str),
        type_=st.sampled_from(FUNDING_TYPES),
        remaining=st.integers(1, 1000),
        expires=st.none() | st.integers(0, 100),
        created=st.integers(0, 100),
    ),
    max_size=12,
    unique_by=lambda x: x.id,
)


@given(lots_strategy, st.integers(1, 5000), st.integers(-1, 101))
def test_allocation_properties(lots: list[Lot], amount: int, now: int) -> None:
    allocs = allocate(lots, amount, now)
    by_id = {x.id: x for x in lots}
    spendable = sum(x.remaining for x in lots if not x.expired(now))
    # never more than asked, never more than a lot has, never an expired lot, and greedy
    assert total(allocs) == min(amount, spendable)
    for a in allocs:
        assert 0 < a.amount <= by_id[a.lot_id].remaining
        assert not by_id[a.lot_id].expired(now)
    # the order used is the documented order, and only the last lot may be partially used
    order = [x.id for x in consumption_order(lots) if not x.expired(now)]
    assert [a.lot_id for a in allocs] == order[: len(allocs)]
    assert all(a.amount == by_id[a.lot_id].remaining for a in allocs[:-1])
