"""Every function has a sample event in events/ that it accepts, and every route has a handler."""

from __future__ import annotations

import json

import pytest
from wallets import codes, ledger, topups, wiring

from local import runtime
from tests.conftest import FUNCTIONS, ROOT, call
from tests.integration.test_jobs import AUTO

DEMO_WALLET = "wal_01JDEMQ0000000000000000000"
DEMO_HOLD = "hld_01JDEMQ0000000000000000000"
DEMO_TXN = "txn_01JDEMQ0000000000000000000"
DEMO_TOP = "top_01JDEMQ0000000000000000000"
DEMO_CODE = "code_01JDEMQ0000000000000000000"
DEMO_CODE_SECRET = "DEMO-CODE-2026"  # the code the redemption sample names

API_FUNCTIONS = sorted(fn.logical_id for fn in FUNCTIONS.values() if fn.routes)
JOB_FUNCTIONS = sorted(fn.logical_id for fn in FUNCTIONS.values() if fn.schedules)

# What each sample event yields on a wallet seeded with USD 50.00 cash, a pending hold and a debit.
EXPECTED = {
    "CreateWalletFunction": 201,  # a new customer (the demo customer's wallet answers 200 as it is, 409 else)
    "ListWalletsFunction": 200,
    "GetWalletFunction": 200,
    "GetCustomerWalletFunction": 200,
    "UpdateWalletFunction": 200,
    "FreezeWalletFunction": 200,
    "UnfreezeWalletFunction": 200,
    "CloseWalletFunction": 200,
    "CreditWalletFunction": 201,
    "DebitWalletFunction": 201,
    "VoidWalletFunction": 201,
    "AdjustWalletFunction": 201,
    "ListTransactionsFunction": 200,
    "GetTransactionFunction": 200,
    "ListLotsFunction": 200,
    "ListCustomerBalancesFunction": 200,
    "GetCustomerBalanceFunction": 200,
    "GrantCustomerBalanceFunction": 201,
    "RevokeCustomerBalanceFunction": 201,
    "CreateHoldFunction": 201,
    "ListHoldsFunction": 200,
    "CaptureHoldFunction": 200,
    "ReleaseHoldFunction": 200,
    "RefundTransactionFunction": 201,
    "TopUpWalletFunction": 201,
    "GetTopUpFunction": 200,
    "ListTopUpsFunction": 200,
    "GetPayoutFunction": 404,  # the demo wallet is open: no payout
    "ListPayoutsFunction": 200,
    "RedeemCodeFunction": 201,
    "CreateCodeFunction": 201,
    "ListCodesFunction": 200,
    "GetCodeFunction": 200,
    "DisableCodeFunction": 200,
    # The customer API, as the demo customer (the authorizer's context in each sample).
    "MeListWalletsFunction": 200,
    "MeGetWalletFunction": 200,
    "MeListTransactionsFunction": 200,
    "MeListLotsFunction": 200,
    "MeListHoldsFunction": 200,
    "MeTopUpFunction": 201,
    "MeGetTopUpFunction": 200,
    "MeSetupPaymentMethodFunction": 201,
    "MeAutoTopUpFunction": 200,
    "PortalFunction": 200,
    "DashboardFunction": 200,
    "SetupPaymentMethodFunction": 201,  # the sandbox's customer and SetupIntent
    "StripeWebhookFunction": 404,  # the sandbox gateway has no webhooks
}


def test_every_route_resolves_to_an_importable_handler() -> None:
    seen = set()
    for fn in FUNCTIONS.values():
        handler = runtime.load_handler(fn)
        assert callable(handler), fn.logical_id
        for route in fn.routes:
            key = (route.method, route.path)
            assert key not in seen, f"route {key} is declared twice"
            seen.add(key)
    assert len(seen) >= len(API_FUNCTIONS)


def test_every_function_has_an_event_and_a_thin_handler() -> None:
    for fn in FUNCTIONS.values():
        assert (ROOT / "events" / f"{fn.code_uri.name}.json").exists(), fn.logical_id
        assert len(fn.module_file.read_text().splitlines()) <= 80, fn.module_file


@pytest.mark.parametrize("logical_id", API_FUNCTIONS)
def test_sample_event_is_accepted(table: str, logical_id: str) -> None:
    # GIVEN the demo customer's wallet with funds, a pending hold and a debit
    # (automatic top-up offered but off: a customer may switch it)
    offered = {"auto_top_up": {**AUTO, "enabled": False}}
    _, wallet = ledger.create_wallet("cus_demo", "USD", {}, offered)
    wallet_id = wallet["id"]
    ledger.credit(wallet_id, 5000, "cash", None, None, None, {}, None)
    _, hold = ledger.create_hold(wallet_id, 300, None, None, None, {}, None)
    _, debit = ledger.debit(wallet_id, 500, False, None, None, {}, None)
    _, top_up = topups.create(wallet_id, 1000, "pm_card_visa", gateway=wiring.get_gateway())
    _, code = codes.create({"USD": 500}, code=DEMO_CODE_SECRET)
    fn = FUNCTIONS[logical_id]
    text = (ROOT / "events" / f"{fn.code_uri.name}.json").read_text()
    for demo, real in (
        (DEMO_WALLET, wallet_id),
        (DEMO_HOLD, hold["id"]),
        (DEMO_TXN, debit["id"]),
        (DEMO_TOP, top_up["id"]),
        (DEMO_CODE, code["id"]),
    ):
        text = text.replace(demo, real)
    # WHEN the function receives its sample event
    result = runtime.invoke(fn, json.loads(text))
    # THEN it answers as documented
    html = (result.get("headers") or {}).get("Content-Type", "").startswith("text/html")
    body = result["body"] if html else json.loads(result["body"])
    assert result["statusCode"] == EXPECTED[logical_id], body


def test_unknown_route_and_malformed_ids_are_404(table: str) -> None:
    status, body = call("get_wallet", "GET", "/wallets/wal_nope")
    assert status == 404 and body["error"]["type"] == "not_found"
    status, body = call("get_wallet", "GET", "/wallets/" + "wal_" + "A" * 26)
    assert status == 404


@pytest.mark.parametrize("logical_id", JOB_FUNCTIONS)
def test_scheduled_functions_accept_their_event(table: str, logical_id: str) -> None:
    fn = FUNCTIONS[logical_id]
    event = json.loads((ROOT / "events" / f"{fn.code_uri.name}.json").read_text())
    result = runtime.invoke(fn, event, timeout_s=30)
    assert isinstance(result, dict)
