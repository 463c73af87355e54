"""A page of a filtered list costs a bounded read, however much of the history the filter skips.

A filter is applied by DynamoDB after it reads: `type=refund&limit=1` on a wallet whose only refund is
its oldest transaction once read the whole partition, one Query per item (a customer could do it to
their own wallet again and again, and past Lambda's timeout the answer would be a 5xx). A page now
stops after `repository.MAX_EVALUATED` items read and hands back a cursor, as DynamoDB's own Query
does with a filter; following the cursors finds every match.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.client
import pytest
from wallets import repository

from tests.conftest import call
from tests.integration.helpers import credit, debit, new_wallet

BUDGET = 40  # items a page may read in these tests (the module's own is larger)


@pytest.fixture
def queries(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Every DynamoDB Query sent, with its parameters."""
    seen: list[dict[str, Any]] = []
    send = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "Query":
            seen.append(params)
        return send(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    monkeypatch.setattr(repository, "MAX_EVALUATED", BUDGET)
    yield seen


def pages(path: str, query: dict[str, str], seen: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    cursor = None
    while True:
        seen.clear()
        status, body = call(
            path.split("|")[0],
            "GET",
            path.split("|")[1],
            query={**query, **({"cursor": cursor} if cursor else {})},
        )
        assert status == 200, body
        read = sum(int(q.get("Limit", 10**9)) for q in seen)
        # THEN each page reads at most the budget, plus one item to tell whether there is more
        assert read <= BUDGET + 1, (read, len(seen))
        yield body
        cursor = body.get("next_cursor")
        if not cursor:
            return


def test_a_filtered_transaction_list_reads_a_bounded_page_and_its_cursors_find_every_match(
    table: str, queries: list[dict[str, Any]]
) -> None:
    # GIVEN a wallet whose only refund is among its oldest transactions, under 100 newer ones
    wid = new_wallet()
    assert credit(wid, 10_000)[0] == 201
    status, paid = debit(wid, 500)
    assert status == 201
    status, refund = call(
        "refund_transaction", "POST", f"/wallets/{wid}/refunds", {"transaction_id": paid["id"], "amount": 500}
    )
    assert status == 201, refund
    for i in range(100):
        assert credit(wid, 1, reference=f"r{i}")[0] == 201
    # WHEN the customer's history is listed for refunds, one at a time
    found = [
        t["id"]
        for body in pages(
            "list_transactions|/wallets/" + wid + "/transactions", {"type": "refund", "limit": "1"}, queries
        )
        for t in body["data"]
    ]
    # THEN following the cursors finds the refund once
    assert found == [refund["id"]]


def test_a_filtered_hold_list_reads_a_bounded_page(table: str, queries: list[dict[str, Any]]) -> None:
    # GIVEN 60 released holds and no captured one
    wid = new_wallet()
    assert credit(wid, 10_000)[0] == 201
    for _ in range(60):
        status, hold = call("create_hold", "POST", f"/wallets/{wid}/holds", {"amount": 1})
        assert status == 201, hold
        assert call("release_hold", "POST", f"/wallets/{wid}/holds/{hold['id']}/release")[0] == 200
    # WHEN captured holds are listed THEN every page is bounded and none is found
    bodies = list(
        pages("list_holds|/wallets/" + wid + "/holds", {"status": "captured", "limit": "1"}, queries)
    )
    assert [h for b in bodies for h in b["data"]] == []
