"""Races against a serialized embedded DynamoDB: the application's concurrency is real, moto's is not."""

from __future__ import annotations

import os
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from wallets import errors, ledger, repository
from wallets.ledger import Idempotency

from tests.integration.helpers import check, new_wallet

# 8 x 50 is the soak (`make soak`); `make test` keeps the same race shorter.
OPS_PER_WRITER = int(os.environ.get("WALLETS_RACE_OPS", "12"))


def test_eight_writers_on_one_wallet_never_overdraw(table: str) -> None:
    # GIVEN one wallet with some cash
    wallet_id = new_wallet()
    ledger.credit(wallet_id, 600, "cash", None, None, None, {}, None)
    accepted: list[str] = []
    refused: Counter[str] = Counter()
    lock = threading.Lock()

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(OPS_PER_WRITER):
            try:
                if rng.random() < 0.4:
                    kind = rng.choice(["cash", "promotional"])
                    ledger.credit(wallet_id, rng.randint(1, 100), kind, None, None, None, {}, None)
                else:
                    _, body = ledger.debit(wallet_id, rng.randint(1, 150), False, None, None, {}, None)
                    with lock:
                        accepted.append(body["id"])
            except errors.InsufficientFunds:
                refused["insufficient"] += 1

    # WHEN 8 threads x OPS_PER_WRITER random credits and debits race on it
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(writer, range(8)))

    # THEN every accepted debit is in the ledger exactly once, nothing else is, and the books balance
    entries = repository.all_entries(wallet_id)
    debits = [e.id for e in entries if e.type == "debit"]
    assert sorted(debits) == sorted(accepted) and len(set(debits)) == len(debits)
    assert refused["insufficient"] > 0, "the race never reached the edge of the balance"
    assert repository.get_wallet(wallet_id).balances().available >= 0
    check(wallet_id)


def test_ten_requests_with_one_idempotency_key_move_money_once(table: str) -> None:
    wallet_id = new_wallet()
    ledger.credit(wallet_id, 1_000, "cash", None, None, None, {}, None)
    idem = Idempotency("same-key", "fingerprint-of-the-same-body")
    barrier = threading.Barrier(10)

    def pay(_: int) -> tuple[int, dict]:
        barrier.wait()
        return ledger.debit(wallet_id, 300, False, None, None, {}, idem)

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(pay, range(10)))
    assert all(r == results[0] for r in results)
    assert [e.type for e in repository.all_entries(wallet_id)] == ["credit", "debit"]
    assert repository.get_wallet(wallet_id).balances().balance == 700
    check(wallet_id)


def test_racing_reference_credits_grant_once(table: str) -> None:
    wallet_id = new_wallet()
    barrier = threading.Barrier(8)

    def grant(_: int) -> tuple[int, dict]:
        barrier.wait()
        return ledger.credit(wallet_id, 1000, "promotional", None, None, "promo_welcome_2026", {}, None)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(grant, range(8)))
    assert len({body["id"] for _, body in results}) == 1
    assert sorted(status for status, _ in results) == [200] * 7 + [201]
    assert repository.get_wallet(wallet_id).balances().balance == 1000


def test_racing_grants_create_one_wallet(table: str) -> None:
    barrier = threading.Barrier(8)

    def grant(_: int) -> tuple[int, dict]:
        barrier.wait()
        return ledger.grant("cus_race", "USD", 100, None, None, {}, None)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(grant, range(8)))
    assert len({body["wallet_id"] for _, body in results}) == 1
    wallet_id = results[0][1]["wallet_id"]
    assert repository.get_wallet(wallet_id).balances().balance == 800
    check(wallet_id)
