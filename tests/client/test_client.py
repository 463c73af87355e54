"""Every method of the client against the local server, its errors, paging, retries and the async twin."""

from __future__ import annotations

import asyncio
import decimal
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import wallets_client as wc
from wallets_client import WalletsClient, models

from tests.e2e.conftest import Client


def customer() -> str:
    return f"cus_{uuid.uuid4().hex[:12]}"


def test_wallet_lifecycle_through_every_wallet_method(client: WalletsClient) -> None:
    cus = customer()
    wallet = client.wallets.create(
        cus, "USD", metadata={"plan": "pro"}, settings={"low_balance_threshold": 100}
    )
    assert isinstance(wallet, models.WalletOutput) and wallet.status == "active" and wallet.created
    again = client.wallets.create(cus, "USD")
    assert again.id == wallet.id and not again.created  # one per customer and currency
    assert client.wallets.retrieve(wallet.id).metadata == {"plan": "pro"}
    assert client.wallets.retrieve_by_customer(cus, "USD").id == wallet.id
    credit = client.wallets.credit(wallet.id, 5000, funding_type="cash", description="deposit")
    assert (credit.type, credit.amount, credit.balance_after) == ("credit", 5000, 5000)
    assert wallet.created_at.tzinfo is not None and wallet.created_at.utcoffset() == timedelta(0)
    expiry = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=123000)
    promo = client.wallets.credit(wallet.id, 500, expires_at=expiry)
    assert promo.lots[0].funding_type == "promotional"
    assert promo.lots[0].expires_at == expiry  # a datetime sent, the same datetime answered
    debit = client.wallets.debit(wallet.id, 1200, reference=f"order-{cus}")
    assert isinstance(debit, models.TransactionOutput) and debit.applied_amount == 1200
    refund = client.wallets.refund(wallet.id, debit.id, amount=200, reason="damaged")
    assert refund.type == "refund" and refund.amount == 200
    void = client.wallets.void(wallet.id, 100, funding_type="cash", reason="correction")
    assert void.type == "void"
    updated = client.wallets.update(wallet.id, metadata={"plan": "team"}, settings={"credit_expiry_days": 90})
    assert updated.metadata == {"plan": "team"} and updated.settings.credit_expiry_days == 90
    assert client.wallets.freeze(wallet.id).status == "frozen"
    with pytest.raises(wc.WalletFrozen) as frozen:
        client.wallets.debit(wallet.id, 1)
    assert frozen.value.status == 409 and frozen.value.type == "wallet_frozen"
    assert client.wallets.unfreeze(wallet.id).status == "active"
    setup = client.wallets.setup_payment_method(wallet.id)
    assert setup.client_secret and setup.gateway == "sandbox"
    closed = client.wallets.close(wallet.id)
    assert closed.status == "closed" and closed.closing_transaction is not None
    other = client.wallets.create(customer(), "EUR")
    assert client.wallets.delete(other.id).status == "closed"


def test_holds_top_ups_transactions_and_lots(client: WalletsClient) -> None:
    wallet = client.wallets.create(customer(), "USD")
    top_up = client.top_ups.create(wallet.id, 3000, "pm_card_visa", bonus_amount=300)
    assert (top_up.status, top_up.amount, top_up.bonus_amount) == ("succeeded", 3000, 300)
    assert client.top_ups.retrieve(wallet.id, top_up.id).status == "succeeded"
    hold = client.holds.create(wallet.id, 1000, description="ride")
    captured = client.holds.capture(wallet.id, hold.id, amount=800)
    assert (captured.status, captured.captured_amount, captured.released_amount) == ("captured", 800, 200)
    other = client.holds.create(wallet.id, 100)
    assert client.holds.release(wallet.id, other.id).status == "released"
    assert [h.id for h in client.holds.list(wallet.id)] == [other.id, hold.id]
    assert client.holds.list_page(wallet.id, status="released").data[0].id == other.id
    lots = client.lots.list(wallet.id)
    assert sum(lot.remaining for lot in lots) == 3300 - 800
    types = [t.type for t in client.transactions.list(wallet.id, limit=2)]  # pages of 2, followed
    assert types == ["release", "hold", "capture", "hold", "top_up"]
    page = client.transactions.list_page(wallet.id, type="hold", limit=1)
    assert page.has_more and page.next_cursor
    assert client.transactions.retrieve(wallet.id, page.data[0].id).type == "hold"


def test_top_ups_are_listed_newest_first_with_the_failed_ones(client: WalletsClient) -> None:
    wallet = client.wallets.create(customer(), "USD")
    paid = client.top_ups.create(wallet.id, 1000, "pm_card_visa")
    with pytest.raises(wc.PaymentFailed) as declined:
        client.top_ups.create(wallet.id, 700, "pm_card_declined")
    failed_id = declined.value.details["top_up_id"]
    again = client.top_ups.create(wallet.id, 300, "pm_card_visa")
    listed = list(client.top_ups.list(wallet.id, limit=1))  # pages of 1, followed
    assert [t.id for t in listed] == [again.id, failed_id, paid.id]
    assert all(isinstance(t, models.TopUpOutput) and t.transaction is None for t in listed)
    page = client.top_ups.list_page(wallet.id, status="failed")
    assert isinstance(page, models.TopUpList) and [(t.id, t.status) for t in page.data] == [
        (failed_id, "failed")
    ]
    assert not page.has_more and page.next_cursor is None
    with pytest.raises(wc.ValidationError) as refused:
        client.top_ups.list_page(wallet.id, status="expired")
    assert refused.value.status == 422 and "status" in refused.value.details


def test_the_seeds_balance_api(client: WalletsClient) -> None:
    cus = customer()
    granted = client.balances.grant_balance(
        customer_id=cus,
        currency="USD",
        amount=1000,
        description="welcome",
        reference="welcome",
        funding_type="promotional",
        expires_at=datetime.now(UTC) + timedelta(days=7),
    )
    assert granted.amount == 1000 and granted.lots[0].expires_at is not None
    assert client.balances.get_balance(cus, "USD").amount == 1000
    client.balances.grant_balance(customer_id=cus, currency="EUR", amount=250)
    assert {b.currency for b in client.balances.list_balances(cus)} == {"USD", "EUR"}
    revoked = client.balances.revoke_balance(customer_id=cus, currency="USD", amount=400, reason="abuse")
    assert revoked.type == "void" and client.balances.get_balance(cus, "USD").amount == 600


def test_lists_follow_the_cursor_to_the_end(client: WalletsClient) -> None:
    cus = customer()
    made = {client.wallets.create(cus, currency).id for currency in ("USD", "EUR", "GBP", "JPY", "CHF")}
    seen = [w.id for w in client.wallets.list(customer_id=cus, limit=2)]
    assert sorted(seen) == sorted(made) and len(seen) == 5
    first = client.wallets.list_page(customer_id=cus, limit=2)
    rest = client.wallets.list_page(customer_id=cus, limit=10, cursor=first.next_cursor)
    assert first.has_more and [w.id for w in [*first.data, *rest.data]] == seen and not rest.has_more


def test_errors_are_typed_with_status_type_details_and_request_id(client: WalletsClient) -> None:
    wallet = client.wallets.create(customer(), "USD")
    with pytest.raises(wc.InsufficientFunds) as poor:
        client.wallets.debit(wallet.id, 10)
    assert poor.value.status == 402 and poor.value.details == {"requested": 10, "available": 0}
    with pytest.raises(wc.ValidationError) as invalid:
        client.wallets.credit(wallet.id, -5)
    assert "amount" in invalid.value.details and invalid.value.status == 422
    with pytest.raises(wc.NotFound):
        client.wallets.retrieve("wal_" + "0" * 26)
    client.wallets.credit(wallet.id, 100, idempotency_key="same-key")
    with pytest.raises(wc.IdempotencyKeyReused):
        client.wallets.credit(wallet.id, 999, idempotency_key="same-key")
    assert isinstance(poor.value, wc.WalletsError) and "insufficient_funds" in str(poor.value)


def test_money_helpers_use_the_servers_minor_units() -> None:
    from wallets.money import active_currencies, minor_digits

    assert wc.to_minor(Decimal("10.00"), "USD") == 1000
    assert wc.from_minor(1000, "USD") == Decimal("10.00")
    assert wc.to_minor("1.234", "BHD") == 1234 and wc.to_minor("500", "JPY") == 500
    with pytest.raises(ValueError):
        wc.to_minor(Decimal("0.001"), "USD")  # never rounded away
    with pytest.raises(ValueError):
        wc.to_minor("10.000000000000000000000000000001", "USD")  # past the decimal context's precision
    with decimal.localcontext() as tight:
        tight.prec = 6
        assert wc.to_minor("12345.67", "USD") == 1234567 and wc.from_minor(1234567, "USD") == Decimal(
            "12345.67"
        )
    assert wc.to_minor("1e3", "JPY") == 1000 and wc.to_minor("-2.50", "USD") == -250
    assert wc.from_minor(-250, "USD") == Decimal("-2.50") and wc.from_minor(0, "BHD") == Decimal("0.000")
    for refused in ("NaN", "Infinity", "sNaN"):
        with pytest.raises(ValueError):
            wc.to_minor(refused, "USD")
    for wrong in (0.1, True):
        with pytest.raises(TypeError):
            wc.to_minor(wrong, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        wc.from_minor(1.5, "USD")  # type: ignore[arg-type]
    assert all(wc.minor_units(code) == minor_digits(code) for code in active_currencies())


class DropsTheFirstAnswer(httpx.BaseTransport):
    """The request reaches the server and is served, then the connection drops before the answer."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[str | None] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request.headers.get("Idempotency-Key"))
        response = self.inner.handle_request(request)
        if len(self.sent) == 1:
            response.read()
            raise httpx.ReadError("connection reset by peer", request=request)
        return response


def test_a_retry_after_a_dropped_connection_moves_money_once(api: Client) -> None:
    setup = WalletsClient(api.base, auth=None)
    wallet = setup.wallets.create(customer(), "USD")
    setup.wallets.credit(wallet.id, 1000, funding_type="cash")
    transport = DropsTheFirstAnswer()
    flaky = WalletsClient(api.base, auth=None, http_client=httpx.Client(transport=transport))
    debit = flaky.wallets.debit(wallet.id, 300)
    assert len(transport.sent) == 2 and transport.sent[0] == transport.sent[1] is not None  # the same key
    assert setup.wallets.retrieve(wallet.id).balance == 700
    assert [t.id for t in setup.transactions.list(wallet.id, type="debit")] == [debit.id]


def test_retries_only_what_may_succeed_later() -> None:
    statuses = iter([503, 429, 200])
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = next(statuses)
        body: dict[str, Any] = {"error": {"type": "service_unavailable", "message": "later"}}
        if status == 200:
            body = {"object": "list", "data": [], "has_more": False, "next_cursor": None}
        return httpx.Response(status, json=body, headers={"Retry-After": "0"})

    retried = WalletsClient(
        "http://api", auth=None, http_client=httpx.Client(transport=httpx.MockTransport(answer))
    )
    assert retried.holds.list_page("wal_x").data == []
    assert len(seen) == 3
    refused = iter([409])
    once = WalletsClient(
        "http://api",
        auth=None,
        http_client=httpx.Client(
            transport=httpx.MockTransport(
                lambda r: httpx.Response(
                    next(refused),
                    json={"error": {"type": "wallet_closed", "message": "closed"}},
                    headers={"x-amzn-RequestId": "req-1"},
                )
            )
        ),
    )
    with pytest.raises(wc.WalletClosed) as closed:
        once.wallets.freeze("wal_x")
    assert closed.value.request_id == "req-1"  # answered once: a 409 is final


def test_a_contended_wallet_is_retried_with_the_same_key_and_other_conflicts_are_final() -> None:
    # GIVEN a server that answers concurrent_modification twice (nothing written), then wallet_closed
    answers = iter(["concurrent_modification", "concurrent_modification", "wallet_closed"])
    keys: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers.get("Idempotency-Key"))
        return httpx.Response(
            409, json={"error": {"type": next(answers), "message": "m"}}, headers={"Retry-After": "0"}
        )

    client = WalletsClient(
        "http://api", auth=None, http_client=httpx.Client(transport=httpx.MockTransport(answer))
    )
    # WHEN it freezes a wallet THEN the contended answers are retried, each with the first key, and the
    # conflict that is not contention is final
    with pytest.raises(wc.WalletClosed):
        client.wallets.freeze("wal_x")
    assert len(keys) == 3 and keys[0] is not None and len(set(keys)) == 1
    # AND contention past max_retries is the typed error
    always = WalletsClient(
        "http://api",
        auth=None,
        max_retries=1,
        http_client=httpx.Client(
            transport=httpx.MockTransport(
                lambda r: httpx.Response(
                    409, json={"error": {"type": "concurrent_modification", "message": "m"}}
                )
            )
        ),
    )
    with pytest.raises(wc.ConcurrentModification):
        always.wallets.debit("wal_x", 100)


def test_gateway_answers_keep_their_message_and_odd_answers_are_wallets_errors() -> None:
    answers = iter(
        [
            httpx.Response(403, json={"Message": "User: arn:aws:iam::1:user/x is not authorized"}),
            httpx.Response(502, text="Bad Gateway from a proxy"),
            httpx.Response(200, text="<html>a captive portal</html>"),
        ]
    )
    odd = WalletsClient(
        "http://api",
        auth=None,
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(lambda r: next(answers))),
    )
    with pytest.raises(wc.PermissionDenied, match="is not authorized"):
        odd.wallets.retrieve("wal_x")
    with pytest.raises(wc.InternalError, match="Bad Gateway from a proxy"):
        odd.wallets.retrieve("wal_x")
    with pytest.raises(wc.WalletsError, match="not a WalletOutput"):
        odd.wallets.retrieve("wal_x")


def test_the_async_client_is_the_same_api(api: Client) -> None:
    async def scenario() -> None:
        async with wc.AsyncWalletsClient(api.base, auth=None, timeout=30) as client:
            wallet = await client.wallets.create(customer(), "USD")
            await client.wallets.credit(wallet.id, 700, funding_type="cash")
            debit = await client.wallets.debit(wallet.id, 200)
            assert debit.balance_after == 500
            listed = [t.type async for t in client.transactions.list(wallet.id, limit=1)]
            assert listed == ["debit", "credit"]
            assert [lot.remaining for lot in await client.lots.list(wallet.id)] == [500]
            balances = await client.balances.list_balances(wallet.customer_id)
            assert [b.available for b in balances] == [500] and wallet.created
            with pytest.raises(wc.InsufficientFunds):
                await client.wallets.debit(wallet.id, 10_000)

    asyncio.run(scenario())


def test_credit_codes_scopes_and_their_errors(client: WalletsClient) -> None:
    code = client.codes.create({"USD": 700}, applies_to=["seat"], max_redemptions=1)
    assert code.code and code.last4 == code.code[-4:] and code.status == "active"
    assert client.codes.retrieve(code.id).code is None
    assert code.id in [c.id for c in client.codes.list()]
    wallet = client.wallets.create(customer(), "USD")
    redeemed = client.wallets.redeem(wallet.id, code.code.lower())
    assert redeemed.code_id == code.id and redeemed.scopes[0].applies_to == ["seat"]
    with pytest.raises(wc.InsufficientFunds):
        client.wallets.debit(wallet.id, 100)  # the code's credit pays for seats only
    assert client.wallets.debit(wallet.id, 100, category="seat").scopes[0].applies_to == ["seat"]
    with pytest.raises(wc.CodeUsedUp):
        client.wallets.redeem(client.wallets.create(customer(), "USD").id, code.code)
    with pytest.raises(wc.CodeInvalid) as wrong:
        client.wallets.redeem(wallet.id, "NOT-A-CODE")
    assert wrong.value.status == 404
    assert client.codes.disable(code.id).status == "disabled"


def test_an_answer_given_again_for_the_same_idempotency_key_says_it_is_a_replay(
    client: WalletsClient,
) -> None:
    # GIVEN a debit made with a key of the caller's
    wallet = client.wallets.create(customer(), "USD")
    client.wallets.credit(wallet.id, 1000, funding_type="cash")
    key = f"order-{uuid.uuid4().hex}"
    first = client.wallets.debit(wallet.id, 300, idempotency_key=key)
    # WHEN it is sent again with that key (a retry after a lost answer)
    again = client.wallets.debit(wallet.id, 300, idempotency_key=key)
    # THEN the server answers the first debit again, and the client says so: nothing was done twice
    assert (first.replayed, again.replayed) == (False, True)
    assert again.id == first.id and client.wallets.retrieve(wallet.id).balance == 700
    assert again.last_response is not None and again.last_response.idempotency_key == key
