from __future__ import annotations

from wallets import ids


def test_ids_are_prefixed_and_sort_by_time() -> None:
    a = ids.new_id("txn", 1_000)
    b = ids.new_id("txn", 2_000)
    assert a.startswith("txn_") and len(a) == 30
    assert a < b
    assert ids.ms_of(a) == 1_000


def test_new_id_after_is_strictly_greater_even_in_the_same_millisecond() -> None:
    last = ids.new_id("txn", 5_000)
    for _ in range(200):
        nxt = ids.new_id_after("txn", last, 5_000)
        assert nxt > last
        last = nxt


def test_new_id_after_survives_a_clock_step_back() -> None:
    last = ids.new_id("txn", 10_000)
    assert ids.new_id_after("txn", last, 9_000) > last


def test_ids_are_unique() -> None:
    assert len({ids.new_id("wal", 1) for _ in range(5000)}) == 5000


def test_two_writers_behind_the_last_id_never_make_the_same_id() -> None:
    last = ids.new_id("txn", 10_000)
    assert len({ids.new_id_after("txn", last, 9_000) for _ in range(1000)}) == 1000
