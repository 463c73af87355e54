"""The API's resources, written once: each method builds a Call that the client sends. This module
is WalletsClient's; async_resources.py, AsyncWalletsClient's, is generated from it (the same methods,
`async def` and awaited; `AsyncIterator` for paged lists): `python clients/python/tools/generate_async.py`
after any change here (tests/client/test_surface.py fails until then).

Lists: `list()` of a list the API pages follows `next_cursor` as the caller iterates, and `list_page()`
answers one page; a list the API does not page (balances, lots) is a plain list.

Amounts are integers in minor units (`wallets_client.to_minor`). Every POST takes `idempotency_key`
(one is generated when omitted, and the client's own retries reuse it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, overload

from wallets_client import answers, models
from wallets_client._core import Resource, call


class Wallets(Resource):
    def create(
        self,
        customer_id: str,
        currency: str,
        *,
        metadata: dict[str, str] | None = None,
        settings: dict[str, Any] | None = None,
        gateway_customer_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> answers.WalletCreation:
        """Create the customer's wallet in a currency, or answer the one it has: `created` says which
        (False: the wallet existed, and the answer is that wallet as it is)."""
        body = {
            "customer_id": customer_id,
            "currency": currency,
            "metadata": metadata,
            "settings": settings,
            "gateway_customer_id": gateway_customer_id,
        }
        return self._client._call(call("POST /wallets", body=body, idempotency_key=idempotency_key))

    def retrieve(self, wallet_id: str) -> models.WalletOutput:
        return self._client._call(call("GET /wallets/{wallet_id}", wallet_id=wallet_id))

    def retrieve_by_customer(self, customer_id: str, currency: str) -> models.WalletOutput:
        return self._client._call(
            call(
                "GET /customers/{customer_id}/wallets/{currency}", customer_id=customer_id, currency=currency
            )
        )

    def list(
        self,
        *,
        customer_id: str | None = None,
        currency: str | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> Iterator[models.WalletOutput]:
        """Every wallet (newest first), following `next_cursor` page by page."""
        query = {"customer_id": customer_id, "currency": currency, "status": status, "limit": limit}
        return self._client._iterate(call("GET /wallets", query=query))

    def list_page(
        self,
        *,
        customer_id: str | None = None,
        currency: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> models.WalletList:
        query = {
            "customer_id": customer_id,
            "currency": currency,
            "status": status,
            "limit": limit,
            "cursor": cursor,
        }
        return self._client._call(call("GET /wallets", query=query))

    def update(
        self,
        wallet_id: str,
        *,
        metadata: dict[str, str] | None = None,
        settings: dict[str, Any] | None = None,
        gateway_customer_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> models.WalletOutput:
        body = {"metadata": metadata, "settings": settings, "gateway_customer_id": gateway_customer_id}
        return self._client._call(
            call(
                "PATCH /wallets/{wallet_id}", body=body, idempotency_key=idempotency_key, wallet_id=wallet_id
            )
        )

    def freeze(self, wallet_id: str, *, idempotency_key: str | None = None) -> models.WalletOutput:
        return self._client._call(
            call("POST /wallets/{wallet_id}/freeze", idempotency_key=idempotency_key, wallet_id=wallet_id)
        )

    def unfreeze(self, wallet_id: str, *, idempotency_key: str | None = None) -> models.WalletOutput:
        return self._client._call(
            call("POST /wallets/{wallet_id}/unfreeze", idempotency_key=idempotency_key, wallet_id=wallet_id)
        )

    def close(
        self, wallet_id: str, *, refund_to_original_payment: bool = False, idempotency_key: str | None = None
    ) -> models.WalletOutput:
        """Close for good: holds released, non-withdrawable credit forfeited, `refund_due` reported (and
        refunded to the top-ups' payments with `refund_to_original_payment`)."""
        body = {"refund_to_original_payment": refund_to_original_payment}
        return self._client._call(
            call(
                "POST /wallets/{wallet_id}/close",
                body=body,
                idempotency_key=idempotency_key,
                wallet_id=wallet_id,
            )
        )

    def delete(self, wallet_id: str, *, idempotency_key: str | None = None) -> models.WalletOutput:
        """The same as close()."""
        return self._client._call(
            call("DELETE /wallets/{wallet_id}", idempotency_key=idempotency_key, wallet_id=wallet_id)
        )

    def credit(
        self,
        wallet_id: str,
        amount: int,
        *,
        funding_type: str = "promotional",
        expires_at: datetime | None = None,
        applies_to: Sequence[str] | None = None,
        description: str | None = None,
        reference: str | None = None,
        metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> models.TransactionOutput:
        """Grant credit; with `applies_to` it pays only for debits and holds naming one of those
        categories."""
        body = {
            "amount": amount,
            "funding_type": funding_type,
            "expires_at": expires_at,
            "applies_to": applies_to,
            "description": description,
            "reference": reference,
            "metadata": metadata,
        }
        return self._client._call(
            call(
                "POST /wallets/{wallet_id}/credits",
                body=body,
                idempotency_key=idempotency_key,
                wallet_id=wallet_id,
            )
        )

    # Only a debit with a remainder_payment_method can answer an unfinished charge (202): without
    # one, callers get a TransactionOutput and need no isinstance().
    @overload
    def debit(
        self,
        wallet_id: str,
        amount: int,
        *,
        allow_partial: bool = ...,
        remainder_payment_method: None = ...,
        category: str | None = ...,
        description: str | None = ...,
        reference: str | None = ...,
        metadata: dict[str, str] | None = ...,
        idempotency_key: str | None = ...,
    ) -> models.TransactionOutput: ...

    @overload
    def debit(
        self,
        wallet_id: str,
        amount: int,
        *,
        allow_partial: bool = ...,
        remainder_payment_method: str,
        category: str | None = ...,
        description: str | None = ...,
        reference: str | None = ...,
        metadata: dict[str, str] | None = ...,
        idempotency_key: str | None = ...,
    ) -> models.TransactionOutput | models.RemainderChargeOutput: ...

    def debit(
        self,
        wallet_id: str,
        amount: int,
        *,
        allow_partial: bool = False,
        remainder_payment_method: str | None = None,
        category: str | None = None,
        description: str | None = None,
        reference: str | None = None,
        metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> models.TransactionOutput | models.RemainderChargeOutput:
        """Take a payment. With `remainder_payment_method`, what the wallet lacks is charged to it; a
        RemainderChargeOutput means the charge is not finished yet (3-D Secure, a slow gateway).
        Without one the answer is always a TransactionOutput (and typed so)."""
        body = {
            "amount": amount,
            "allow_partial": allow_partial or None,
            "remainder_payment_method": remainder_payment_method,
            "category": category,
            "description": description,
            "reference": reference,
            "metadata": metadata,
        }
        return self._client._call(
            call(
                "POST /wallets/{wallet_id}/debits",
                body=body,
                idempotency_key=idempotency_key,
                wallet_id=wallet_id,
            )
        )

    def void(
        self,
        wallet_id: str,
        amount: int,
        *,
        funding_type: str | None = None,
        reason: str | None = None,
        reference: str | None = None,
        metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> models.TransactionOutput:
        body = {
            "amount": amount,
            "funding_type": funding_type,
            "reason": reason,
            "reference": reference,
            "metadata": metadata,
        }
        return self._client._call(
            call(
                "POST /wallets/{wallet_id}/voids",
                body=body,
                idempotency_key=idempotency_key,
                wallet_id=wallet_id,
            )
        )

    def redeem(
        self, wallet_id: str, code: str, *, idempotency_key: str | None = None
    ) -> models.TransactionOutput:
        """Redeem a credit code into the wallet (code_redemption credit in its currency)."""
        return self._client._call(
            call(
                "POST /wallets/{wallet_id}/redemptions",
                body={"code": code},
                idempotency_key=idempotency_key,
                wallet_id=wallet_id,
            )
        )

    def adjust(
        self,
        wallet_id: str,
        amount: int,
        *,
        reason: str,
        reference: str | None = None,
        metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> models.TransactionOutput:
        """A manual correction: a positive amount adds withdrawable credit, a negative one removes
        available credit (never held funds). Allowed on frozen wallets."""
        body = {"amount": amount, "reason": reason, "reference": reference, "metadata": metadata}
        return self._client._call(
            call(
                "POST /wallets/{wallet_id}/adjustments",
                body=body,
                idempotency_key=idempotency_key,
                wallet_id=wallet_id,
            )
        )

    def refund(
        self,
        wallet_id: str,
        transaction_id: str,
        *,
        amount: int | None = None,
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> models.TransactionOutput:
        """Give back all or part of a debit or capture, restoring the credit types it spent."""
        body = {"transaction_id": transaction_id, "amount": amount, "reason": reason, "metadata": metadata}
        return self._client._call(
            call(
                "POST /wallets/{wallet_id}/refunds",
                body=body,
                idempotency_key=idempotency_key,
                wallet_id=wallet_id,
            )
        )

    def setup_payment_method(
        self, wallet_id: str, *, idempotency_key: str | None = None
    ) -> models.SetupIntentOutput:
        """A SetupIntent client secret, for Stripe.js to save a card for automatic top-ups."""
        return self._client._call(
            call(
                "POST /wallets/{wallet_id}/payment-methods/setup",
                idempotency_key=idempotency_key,
                wallet_id=wallet_id,
            )
        )


class Balances(Resource):
    """The seeds' customer-balance API: one balance per customer and currency."""

    def get_balance(self, customer_id: str, currency: str) -> models.BalanceOutput:
        return self._client._call(
            call(
                "GET /customers/{customer_id}/balances/{currency}", customer_id=customer_id, currency=currency
            )
        )

    def list_balances(self, customer_id: str) -> list[models.BalanceOutput]:
        """Every balance of the customer, one per currency."""
        return self._client._list(call("GET /customers/{customer_id}/balances", customer_id=customer_id))

    def grant_balance(
        self,
        *,
        customer_id: str,
        currency: str,
        amount: int,
        description: str | None = None,
        reference: str | None = None,
        funding_type: str = "promotional",
        expires_at: datetime | None = None,
        metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> models.TransactionOutput:
        """Credit a customer's balance (the wallet is created if missing)."""
        body = {
            "amount": amount,
            "description": description,
            "reference": reference,
            "funding_type": funding_type,
            "expires_at": expires_at,
            "metadata": metadata,
        }
        return self._client._call(
            call(
                "POST /customers/{customer_id}/balances/{currency}/grant",
                body=body,
                idempotency_key=idempotency_key,
                customer_id=customer_id,
                currency=currency,
            )
        )

    def revoke_balance(
        self,
        *,
        customer_id: str,
        currency: str,
        amount: int,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> models.TransactionOutput:
        body = {"amount": amount, "reason": reason}
        return self._client._call(
            call(
                "POST /customers/{customer_id}/balances/{currency}/revoke",
                body=body,
                idempotency_key=idempotency_key,
                customer_id=customer_id,
                currency=currency,
            )
        )


class Transactions(Resource):
    def retrieve(self, wallet_id: str, transaction_id: str) -> models.TransactionOutput:
        return self._client._call(
            call(
                "GET /wallets/{wallet_id}/transactions/{transaction_id}",
                wallet_id=wallet_id,
                transaction_id=transaction_id,
            )
        )

    def list(
        self,
        wallet_id: str,
        *,
        type: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[models.TransactionOutput]:
        """The wallet's ledger, newest first, following `next_cursor` page by page."""
        query = {
            "type": type,
            "created_after": created_after,
            "created_before": created_before,
            "limit": limit,
        }
        return self._client._iterate(
            call("GET /wallets/{wallet_id}/transactions", query=query, wallet_id=wallet_id)
        )

    def list_page(
        self,
        wallet_id: str,
        *,
        type: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> models.TransactionList:
        query = {
            "type": type,
            "created_after": created_after,
            "created_before": created_before,
            "limit": limit,
            "cursor": cursor,
        }
        return self._client._call(
            call("GET /wallets/{wallet_id}/transactions", query=query, wallet_id=wallet_id)
        )


class Lots(Resource):
    def list(self, wallet_id: str) -> list[models.LotOutput]:
        """The wallet's live credit lots, in consumption order (one answer: a wallet has at most 1,000)."""
        return self._client._list(call("GET /wallets/{wallet_id}/lots", wallet_id=wallet_id))


class Payouts(Resource):
    """A closed wallet's withdrawable cash refunded to the payments that brought it in
    (`wallets.close(refund_to_original_payment=True)`); what could not be refunded stays the
    payout's `refund_due`."""

    def list(self, wallet_id: str) -> list[models.PayoutOutput]:
        """The wallet's payouts (one answer: the API does not page them)."""
        return self._client._list(call("GET /wallets/{wallet_id}/payouts", wallet_id=wallet_id))

    def retrieve(self, wallet_id: str, payout_id: str) -> models.PayoutOutput:
        return self._client._call(
            call("GET /wallets/{wallet_id}/payouts/{payout_id}", wallet_id=wallet_id, payout_id=payout_id)
        )


class Holds(Resource):
    def create(
        self,
        wallet_id: str,
        amount: int,
        *,
        expires_at: datetime | None = None,
        category: str | None = None,
        reference: str | None = None,
        description: str | None = None,
        metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> models.HoldOutput:
        body = {
            "amount": amount,
            "expires_at": expires_at,
            "category": category,
            "reference": reference,
            "description": description,
            "metadata": metadata,
        }
        return self._client._call(
            call(
                "POST /wallets/{wallet_id}/holds",
                body=body,
                idempotency_key=idempotency_key,
                wallet_id=wallet_id,
            )
        )

    def capture(
        self, wallet_id: str, hold_id: str, *, amount: int | None = None, idempotency_key: str | None = None
    ) -> models.HoldOutput:
        return self._client._call(
            call(
                "POST /wallets/{wallet_id}/holds/{hold_id}/capture",
                body={"amount": amount},
                idempotency_key=idempotency_key,
                wallet_id=wallet_id,
                hold_id=hold_id,
            )
        )

    def release(
        self, wallet_id: str, hold_id: str, *, idempotency_key: str | None = None
    ) -> models.HoldOutput:
        return self._client._call(
            call(
                "POST /wallets/{wallet_id}/holds/{hold_id}/release",
                idempotency_key=idempotency_key,
                wallet_id=wallet_id,
                hold_id=hold_id,
            )
        )

    def list(
        self, wallet_id: str, *, status: str | None = None, limit: int | None = None
    ) -> Iterator[models.HoldOutput]:
        return self._client._iterate(
            call(
                "GET /wallets/{wallet_id}/holds",
                query={"status": status, "limit": limit},
                wallet_id=wallet_id,
            )
        )

    def list_page(
        self,
        wallet_id: str,
        *,
        status: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> models.HoldList:
        query = {"status": status, "limit": limit, "cursor": cursor}
        return self._client._call(call("GET /wallets/{wallet_id}/holds", query=query, wallet_id=wallet_id))


class TopUps(Resource):
    def create(
        self,
        wallet_id: str,
        amount: int,
        payment_method: str,
        *,
        bonus_amount: int | None = None,
        bonus_expires_at: datetime | None = None,
        description: str | None = None,
        metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> models.TopUpOutput:
        """Charge a payment method and credit the wallet; `status` is "pending" while the customer
        must authenticate (`client_secret`) or the gateway has not answered."""
        body = {
            "amount": amount,
            "payment_method": payment_method,
            "bonus_amount": bonus_amount,
            "bonus_expires_at": bonus_expires_at,
            "description": description,
            "metadata": metadata,
        }
        return self._client._call(
            call(
                "POST /wallets/{wallet_id}/top-ups",
                body=body,
                idempotency_key=idempotency_key,
                wallet_id=wallet_id,
            )
        )

    def retrieve(self, wallet_id: str, top_up_id: str) -> models.TopUpOutput:
        return self._client._call(
            call("GET /wallets/{wallet_id}/top-ups/{top_up_id}", wallet_id=wallet_id, top_up_id=top_up_id)
        )

    def list(
        self, wallet_id: str, *, status: str | None = None, limit: int | None = None
    ) -> Iterator[models.TopUpOutput]:
        """The wallet's top-ups, newest first, failed ones included (not a debit's remainder charges),
        following `next_cursor` page by page. Each one's `transaction` is None: `retrieve` shows it."""
        return self._client._iterate(
            call(
                "GET /wallets/{wallet_id}/top-ups",
                query={"status": status, "limit": limit},
                wallet_id=wallet_id,
            )
        )

    def list_page(
        self,
        wallet_id: str,
        *,
        status: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> models.TopUpList:
        query = {"status": status, "limit": limit, "cursor": cursor}
        return self._client._call(call("GET /wallets/{wallet_id}/top-ups", query=query, wallet_id=wallet_id))


class Codes(Resource):
    """Credit codes: the code is answered in full only by `create`; the rest show its last four."""

    def create(
        self,
        amounts: dict[str, int],
        *,
        code: str | None = None,
        withdrawable: bool = False,
        applies_to: Sequence[str] | None = None,
        redeemable_until: datetime | None = None,
        credit_expires_at: datetime | None = None,
        credit_expiry_days: int | None = None,
        max_redemptions: int | None = None,
        once_per_customer: bool = True,
        description: str | None = None,
        metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> models.CodeOutput:
        body = {
            "amounts": amounts,
            "code": code,
            "withdrawable": withdrawable,
            "applies_to": applies_to,
            "redeemable_until": redeemable_until,
            "credit_expires_at": credit_expires_at,
            "credit_expiry_days": credit_expiry_days,
            "max_redemptions": max_redemptions,
            "once_per_customer": once_per_customer,
            "description": description,
            "metadata": metadata,
        }
        return self._client._call(call("POST /codes", body=body, idempotency_key=idempotency_key))

    def retrieve(self, code_id: str) -> models.CodeOutput:
        return self._client._call(call("GET /codes/{code_id}", code_id=code_id))

    def disable(self, code_id: str, *, idempotency_key: str | None = None) -> models.CodeOutput:
        return self._client._call(
            call("POST /codes/{code_id}/disable", idempotency_key=idempotency_key, code_id=code_id)
        )

    def list(self, *, limit: int | None = None) -> Iterator[models.CodeOutput]:
        """Every code, newest first, following `next_cursor` page by page."""
        return self._client._iterate(call("GET /codes", query={"limit": limit}))

    def list_page(self, *, limit: int | None = None, cursor: str | None = None) -> models.CodeList:
        return self._client._call(call("GET /codes", query={"limit": limit, "cursor": cursor}))
