"""GET /wallets/{wallet_id}/top-ups: a wallet's top-ups, newest first, failed ones included, a debit's
remainder charges left out; filtered by status and paged by cursor like the other lists."""

from __future__ import annotations

from typing import Any

from wallets import clock, ids

from tests.conftest import call
from tests.integration import test_listing_cost
from tests.integration.helpers import credit, new_wallet
from tests.integration.test_listing_cost import BUDGET, pages


def top_up(wallet_id: str, amount: int, method: str = "pm_card_visa") -> tuple[int, Any]:
    body = {"amount": amount, "payment_method": method}
    return call("top_up_wallet", "POST", f"/wallets/{wallet_id}/top-ups", body)


def listed(wallet_id: str, **query: str) -> tuple[int, Any]:
    return call("list_top_ups", "GET", f"/wallets/{wallet_id}/top-ups", query=query or None)


def made_top_up(wallet_id: str, amount: int, method: str = "pm_card_visa") -> str:
    """A top-up's id: 201 succeeded, 402 declined (its id is in the error's details), 202 pending."""
    status, body = top_up(wallet_id, amount, method)
    clock.advance(0.002)  # each top-up in its own millisecond: the ids sort as they were made
    if status == 402:
        top_up_id = body["error"]["details"]["top_up_id"]
        return str(top_up_id)
    assert status in (201, 202), body
    return str(body["id"])


def test_top_ups_are_listed_newest_first_failed_included_remainders_left_out(table: str) -> None:
    # GIVEN a succeeded, a declined and a pending top-up, and a debit whose remainder was charged
    wid = new_wallet()
    paid = made_top_up(wid, 1000)
    declined = made_top_up(wid, 700, "pm_card_declined")
    pending = made_top_up(wid, 300, "pm_card_timeout")
    status, debit = call(
        "debit_wallet",
        "POST",
        f"/wallets/{wid}/debits",
        {"amount": 5000, "remainder_payment_method": "pm_card_visa"},
    )
    assert status == 201 and debit["charged_amount"] > 0, debit  # a remainder charge was made
    newest = made_top_up(wid, 200)
    # WHEN the wallet's top-ups are listed
    status, page = listed(wid)
    # THEN every top-up is there, newest first, the remainder charge is not
    assert status == 200, page
    assert [t["id"] for t in page["data"]] == [newest, pending, declined, paid]
    assert (page["has_more"], page["next_cursor"]) == (False, None)
    by_id = {t["id"]: t for t in page["data"]}
    assert [by_id[i]["status"] for i in (newest, pending, declined, paid)] == [
        "succeeded",
        "pending",
        "failed",
        "succeeded",
    ]
    assert {t["object"] for t in page["data"]} == {"top_up"}
    failed = by_id[declined]
    assert failed["failure_code"] and failed["amount"] == 700 and failed["amount_formatted"] == "$7.00"
    # each item is the top-up's own body, without reading its transaction (one read per page)
    assert all(t["transaction"] is None for t in page["data"])
    status, one = call("get_top_up", "GET", f"/wallets/{wid}/top-ups/{paid}")
    assert status == 200 and one["transaction"] is not None
    assert {**one, "transaction": None} == by_id[paid]


def test_the_status_filter_and_the_cursor_page_through_the_top_ups(table: str) -> None:
    wid = new_wallet()
    made = [made_top_up(wid, 100 * (n + 1)) for n in range(5)]
    failed = [made_top_up(wid, 50, "pm_card_declined") for _ in range(2)]
    # pages of 2 follow the cursor to the end, newest first, and end with has_more false
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        status, page = listed(wid, limit="2", **({"cursor": cursor} if cursor else {}))
        assert status == 200, page
        seen += [t["id"] for t in page["data"]]
        pages += 1
        assert page["has_more"] == (page["next_cursor"] is not None)
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [*reversed(failed), *reversed(made)] and pages == 4
    # a status keeps only the top-ups in it, in the same order, and pages the same way
    status, only_failed = listed(wid, status="failed")
    assert status == 200 and [t["id"] for t in only_failed["data"]] == [*reversed(failed)]
    status, first = listed(wid, status="succeeded", limit="3")
    assert status == 200 and [t["id"] for t in first["data"]] == [*reversed(made)][:3] and first["has_more"]
    status, rest = listed(wid, status="succeeded", limit="3", cursor=first["next_cursor"])
    assert status == 200 and [t["id"] for t in rest["data"]] == [*reversed(made)][3:]
    assert not rest["has_more"]
    status, none = listed(wid, status="refunded")
    assert status == 200 and none["data"] == []
    # a cursor pages only the list that issued it (here: another status)
    status, body = listed(wid, status="failed", limit="3", cursor=first["next_cursor"])
    assert status == 422 and "cursor" in body["error"]["details"], body


def test_a_wallet_without_top_ups_lists_none(table: str) -> None:
    wid = new_wallet()
    credit(wid, 500, funding_type="cash")
    status, page = listed(wid)
    assert status == 200 and page == {"data": [], "has_more": False, "next_cursor": None}


def test_an_unknown_wallet_is_404_and_bad_parameters_are_422_by_field(table: str) -> None:
    status, body = listed(ids.new_id("wal"))
    assert status == 404 and body["error"]["type"] == "not_found", body
    wid = new_wallet()
    for query, field in (
        ({"status": "done"}, "status"),
        ({"status": "expired"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ):
        status, body = listed(wid, **query)
        assert status == 422 and body["error"]["type"] == "validation_error", (query, body)
        assert field in body["error"]["details"], (query, body)


sent_queries = test_listing_cost.queries  # the same fixture: every Query sent, pages bounded at BUDGET


def test_a_status_filter_reads_a_bounded_page_and_its_cursors_find_every_match(
    table: str, sent_queries: list[dict[str, Any]]
) -> None:
    # GIVEN a wallet whose only failed top-up is its oldest, under more succeeded ones than a page reads
    wid = new_wallet()
    failed = made_top_up(wid, 100, "pm_card_declined")
    for _ in range(BUDGET + 5):
        made_top_up(wid, 100)
    # WHEN its failed top-ups are listed one at a time THEN each page reads at most the budget (pages
    # checks it) and following the cursors finds the failed one once
    path = f"list_top_ups|/wallets/{wid}/top-ups"
    bodies = list(pages(path, {"status": "failed", "limit": "1"}, sent_queries))
    assert [t["id"] for b in bodies for t in b["data"]] == [failed] and len(bodies) >= 2
