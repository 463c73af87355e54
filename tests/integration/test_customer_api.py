"""The customer API's rules that need a wallet in a given state (the HTTP paths: tests/e2e)."""

from __future__ import annotations

import pytest
from wallets import clock, customer_api, errors, jobs, ledger, repository

from bench.counting import tally
from tests.conftest import call
from tests.integration.test_jobs import AUTO, auto_wallet


def test_a_suspended_automatic_top_up_stays_the_merchants_to_resume(table: str) -> None:
    wid = auto_wallet(payment_method="pm_card_declined", cooldown_seconds=0, max_per_day=10)
    customer = repository.get_wallet(wid).customer_id
    ledger.debit(wid, 600, False, None, None, {}, None)
    for _ in range(3):
        jobs.run_top_up_job({}, None)
        clock.advance(60 * 60)
    assert repository.get_wallet(wid).auto_top_up_state["suspended"] is True
    with pytest.raises(errors.TopUpNotAllowed, match="suspended"):
        customer_api.set_auto_top_up(customer, wid, True, None, None)
    assert repository.get_wallet(wid).auto_top_up_state["suspended"] is True  # nothing written
    ledger.update_wallet(wid, None, {"auto_top_up": {**AUTO, "payment_method": "pm_card_visa"}}, None)
    status, body = customer_api.set_auto_top_up(customer, wid, False, None, None)  # resumed: theirs again
    assert status == 200 and body["settings"]["auto_top_up"]["enabled"] is False


@pytest.mark.parametrize(
    ("function_dir", "listed"),
    [("me_list_transactions", "transactions"), ("me_list_holds", "holds"), ("me_list_lots", "lots")],
)
def test_a_customer_list_reads_the_wallet_once(table: str, function_dir: str, listed: str) -> None:
    """The ownership check's read of the wallet is the list's: one GetItem, then the list's Query."""
    _, wallet = ledger.create_wallet("cus_once", "USD", {}, None)
    ledger.credit(wallet["id"], 500, "cash", None, None, None, {}, None)
    ledger.create_hold(wallet["id"], 100, None, None, None, {}, None)
    with tally() as t:
        status, body = call(
            function_dir,
            "GET",
            f"/me/wallets/{wallet['id']}/{listed}",
            authorizer={"customer_id": "cus_once"},
        )
    assert status == 200 and body["data"], body
    assert t.requests["GetItem"] == 1, t.requests
