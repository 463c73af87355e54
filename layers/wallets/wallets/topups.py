"""Paid top-ups: a charge outside DynamoDB, made safe by two phases.

1. Write a `pending` top-up record (with the Idempotency-Key record, if any) in one transaction.
2. Charge the payment method with the top-up id as the gateway's idempotency key.
3. Settle: credit a cash lot (plus an optional promotional bonus lot) in ONE transaction that is
   conditioned on the top-up still being pending; a decline marks it failed instead.

Only two actors ever charge or settle a top-up: the request that created it (during its own
invocation, bounded by the function timeout) and the recovery pass, which waits a grace period
longer than that timeout and never charges, it only asks the gateway what happened. A retry of the
request with the same Idempotency-Key reads the outcome instead of charging. So a crash between
charge and credit neither loses the customer's money nor credits it twice.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from wallets import clock, errors, ids, ledger, repository, views
from wallets.gateway import Charge, GatewayTimeout, PaymentGateway, get_gateway
from wallets.items import DUE_SHARDS, IdempotencyItem, TopUpItem, shard_of, sortable_ms, wallet_pk
from wallets.ledger import Idempotency, Outcome, Response, TopUpResolved
from wallets.money import format_amount
from wallets.settings import get_settings
from wallets.wallet import Wallet


def top_up_body(item: TopUpItem, currency: str, transaction: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": item.top_up_id,
        "object": "top_up",
        "wallet_id": item.wallet_id,
        "status": item.status,
        "currency": currency,
        "amount": int(item.amount),
        "amount_formatted": format_amount(int(item.amount), currency),
        "bonus_amount": int(item.bonus_amount or 0),
        "bonus_amount_formatted": format_amount(int(item.bonus_amount or 0), currency),
        "payment_method": item.payment_method,
        "automatic": bool(item.automatic),
        "charge_id": item.charge_id,
        "failure_code": item.failure_code,
        "failure_message": item.failure_message,
        "transaction": transaction,
        "created_at": clock.to_iso(int(item.created_at)),
    }


def _error_body(exc: errors.WalletError) -> dict[str, Any]:
    return {"error": {"type": exc.type, "message": exc.message, "details": exc.details}}


def create(
    wallet_id: str,
    amount: int,
    payment_method: str,
    bonus_amount: int = 0,
    bonus_expires_at: int | None = None,
    description: str | None = None,
    idem: Idempotency | None = None,
    automatic: bool = False,
    top_up_id: str | None = None,
    gateway: PaymentGateway | None = None,
) -> Response:
    """Top up a wallet: 201 credited, 202 still pending (resolved by recovery), 402 declined."""
    wallet = repository.get_wallet(wallet_id)
    wallet.require_open()
    if not automatic and not wallet.settings.get("allow_top_up", True):
        raise errors.TopUpNotAllowed("Top-ups are disabled for this wallet (allow_top_up is false)")
    now = clock.now_ms()
    grace = get_settings().top_up_recovery_after_seconds * 1000
    item = TopUpItem(
        wallet_pk(wallet_id),
        f"TOP#{top_up_id or ids.new_id('top', now)}",
        top_up_id="",
        wallet_id=wallet_id,
        customer_id=wallet.customer_id,
        currency=wallet.currency,
        status="pending",
        amount=amount,
        bonus_amount=bonus_amount,
        bonus_expires_at=bonus_expires_at,
        payment_method=payment_method,
        automatic=automatic,
        description=description,
        created_at=now,
        updated_at=now,
        work_shard=shard_of(wallet_id, DUE_SHARDS),
        work_at=sortable_ms(now + grace),
    )
    item.top_up_id = item.sk.split("#", 1)[1]
    puts: list[tuple[str, Any, Any]] = [("top_up_new", item, TopUpItem.pk.does_not_exist())]
    if idem is not None:
        pending = top_up_body(item, wallet.currency, None)
        puts.append(
            (
                "idempotency",
                repository.idempotency_item(idem.key, idem.fingerprint, 202, pending, now),
                IdempotencyItem.pk.does_not_exist(),
            )
        )
    try:
        repository.write(puts, [])
    except repository.ExistingRecord as existing:
        if existing.kind == "idempotency" and idem is not None:
            return _resume(existing.item or repository.get_idempotency(idem.key), idem, wallet.currency)
        if existing.kind == "top_up_new":  # an automatic top-up with this id exists already
            return _current(wallet_id, item.top_up_id, wallet.currency)
        raise
    gateway = gateway or get_gateway()
    try:
        charge = gateway.charge(
            item.top_up_id,
            amount,
            wallet.currency,
            payment_method,
            description or f"Top-up of wallet {wallet_id}",
        )
    except GatewayTimeout:
        return 202, top_up_body(item, wallet.currency, None)
    return resolve(item, charge, wallet.currency, idem, gateway)


def resolve(
    item: TopUpItem, charge: Charge | None, currency: str, idem: Idempotency | None, gateway: PaymentGateway
) -> Response:
    """Settle or fail a pending top-up from what the gateway says happened to its charge."""
    if charge is None or charge.status != "succeeded":
        code = charge.failure_code if charge else "abandoned"
        message = charge.failure_message if charge else "The charge never reached the payment gateway"
        failure = errors.PaymentFailed(
            message or "The payment failed", {"failure_code": code, "top_up_id": item.top_up_id}
        )
        _mark_failed(item, code or "payment_failed", failure, idem, charge)
        raise failure
    try:
        return _settle(item, charge, idem)
    except errors.WalletClosed as closed:
        # Charged, but the wallet closed meanwhile: give the money back rather than keep it.
        gateway.refund(item.top_up_id)
        _mark_failed(item, "wallet_closed", closed, idem, charge)
        raise errors.PaymentFailed(
            "The wallet closed before the top-up settled; the charge was refunded",
            {"failure_code": "wallet_closed", "top_up_id": item.top_up_id},
        ) from closed
    except TopUpResolved:
        return _current(item.wallet_id, item.top_up_id, currency)


def _settle(item: TopUpItem, charge: Charge, idem: Idempotency | None) -> Response:
    def action(work: Wallet, now: int) -> Outcome:
        entry = work.top_up(
            int(item.amount),
            now,
            item.top_up_id,
            int(item.bonus_amount or 0),
            int(item.bonus_expires_at) if item.bonus_expires_at is not None else None,
            description=item.description or ("Automatic top-up" if item.automatic else "Top-up"),
        )
        if item.automatic:
            work.auto_top_up_finished(now, succeeded=True)
            entry.details["automatic"] = True
        item.status, item.charge_id = "succeeded", charge.id
        body = top_up_body(item, work.currency, views.transaction_body(work.id, work.currency, entry))
        updates = [
            (
                "top_up",
                TopUpItem(item.pk, item.sk),
                [
                    TopUpItem.status.set("succeeded"),
                    TopUpItem.charge_id.set(charge.id),
                    TopUpItem.transaction_id.set(entry.id),
                    TopUpItem.updated_at.set(now),
                    TopUpItem.work_shard.remove(),
                    TopUpItem.work_at.remove(),
                ],
                TopUpItem.status == "pending",
            )
        ]
        puts = []
        if idem is not None:
            puts.append(
                (
                    "idempotency_final",
                    repository.idempotency_item(idem.key, idem.fingerprint, 201, body, now),
                    None,
                )
            )
        return Outcome(201, body, puts=puts, updates=updates)

    return ledger.run(lambda: repository.get_wallet(item.wallet_id), action)


def _mark_failed(
    item: TopUpItem, code: str, failure: errors.WalletError, idem: Idempotency | None, charge: Charge | None
) -> None:
    now = clock.now_ms()
    puts: list[tuple[str, Any, Any]] = []
    if idem is not None:
        puts.append(
            (
                "idempotency_final",
                repository.idempotency_item(
                    idem.key, idem.fingerprint, failure.status, _error_body(failure), now
                ),
                None,
            )
        )
    actions = [
        TopUpItem.status.set("failed"),
        TopUpItem.failure_code.set(code),
        TopUpItem.failure_message.set(failure.message),
        TopUpItem.updated_at.set(now),
        TopUpItem.work_shard.remove(),
        TopUpItem.work_at.remove(),
    ]
    if charge is not None:
        actions.append(TopUpItem.charge_id.set(charge.id))
    updates: list[tuple[str, Any, list[Any], Any]] = [
        ("top_up", TopUpItem(item.pk, item.sk), actions, TopUpItem.status == "pending")
    ]
    with contextlib.suppress(repository.ExistingRecord, TopUpResolved):  # resolved by another run first
        if item.automatic:
            # The wallet counts consecutive failures (retry with backoff, suspend at 3) in the same write.
            def action(work: Wallet, at: int) -> Outcome:
                work.auto_top_up_finished(at, succeeded=False)
                return Outcome(200, {}, puts=puts, updates=updates)

            ledger.run(lambda: repository.get_wallet(item.wallet_id), action)
        else:
            repository.write(puts, updates)
    item.status, item.failure_code, item.failure_message = "failed", code, failure.message


def _current(wallet_id: str, top_up_id: str, currency: str) -> Response:
    _, found = repository.get_wallet_with(wallet_id, f"TOP#{top_up_id}")
    item = found.get(f"TOP#{top_up_id}")
    if not isinstance(item, TopUpItem):
        raise errors.NotFound(f"No such top-up: {top_up_id}")
    if item.status == "failed":
        raise errors.PaymentFailed(
            item.failure_message or "The payment failed",
            {"failure_code": item.failure_code, "top_up_id": top_up_id},
        )
    transaction = None
    if item.transaction_id:
        entry, _, _ = repository.get_transaction(wallet_id, item.transaction_id)
        transaction = views.transaction_body(wallet_id, currency, entry)
    return (201 if item.status == "succeeded" else 202), top_up_body(item, currency, transaction)


def _resume(record: Any, idem: Idempotency, currency: str) -> Response:
    """A retry of a top-up request: never charge again, report where the first attempt got."""
    if record is None:
        raise errors.Contention("The top-up is being created; retry with the same Idempotency-Key")
    status, body = ledger._from_record(record, idem)
    if status != 202:
        return status, body
    return _current(body["wallet_id"], body["id"], currency)


def run_automatic(wallet_id: str, gateway: PaymentGateway | None = None) -> str:
    """One automatic top-up for a wallet the index says is due: claim it and create its pending
    record in one wallet transaction (so two job runs cannot both claim it), then charge and settle
    exactly like a requested top-up. Returns what happened."""
    gateway = gateway or get_gateway()
    claimed: dict[str, Any] = {}

    def action(work: Wallet, now: int) -> Outcome:
        top_up_id = ids.new_id("top", now)
        cfg = work.claim_auto_top_up(now, top_up_id)
        if cfg is None:
            return Outcome(200, {})
        grace = get_settings().top_up_recovery_after_seconds * 1000
        item = TopUpItem(
            wallet_pk(work.id),
            f"TOP#{top_up_id}",
            top_up_id=top_up_id,
            wallet_id=work.id,
            status="pending",
            customer_id=work.customer_id,
            currency=work.currency,
            amount=int(cfg["amount"]),
            bonus_amount=0,
            payment_method=str(cfg["payment_method"]),
            automatic=True,
            description="Automatic top-up",
            created_at=now,
            updated_at=now,
            work_shard=shard_of(work.id, DUE_SHARDS),
            work_at=sortable_ms(now + grace),
        )
        claimed.update(item=item, currency=work.currency)
        return Outcome(200, {}, puts=[("top_up_new", item, TopUpItem.pk.does_not_exist())])

    ledger.run(lambda: repository.get_wallet(wallet_id), action)
    if not claimed:
        return "skipped"
    item: TopUpItem = claimed["item"]
    try:
        charge = gateway.charge(
            item.top_up_id, int(item.amount), claimed["currency"], item.payment_method, "Automatic top-up"
        )
    except GatewayTimeout:
        return "pending"
    try:
        resolve(item, charge, claimed["currency"], None, gateway)
    except errors.PaymentFailed:
        return "failed"
    return "succeeded"


def due_wallets(now: int, limit: int = 100) -> list[str]:
    """Wallet ids due for an automatic top-up, from the sparse `topups` index (all shards)."""
    from wallets.items import WalletItem

    repository.bind()
    out: list[str] = []
    for shard in range(DUE_SHARDS):
        for key in WalletItem.work_index.query(
            f"{shard:02d}", WalletItem.work_at <= sortable_ms(now), limit=limit
        ):
            out.append(key.pk.split("#", 1)[1])
    return out


def recover(
    now: int | None = None,
    deadline: float | None = None,
    gateway: PaymentGateway | None = None,
    limit: int = 100,
) -> dict[str, int]:
    """Resolve top-ups left pending past the grace period by asking the gateway. Safe to run twice at
    once (settling is conditioned on the top-up being pending) and stops before `deadline`."""
    now = clock.now_ms() if now is None else now
    gateway = gateway or get_gateway()
    done = {"settled": 0, "failed": 0, "skipped": 0}
    repository.bind()
    for shard in range(DUE_SHARDS):
        for key in TopUpItem.work_index.query(
            f"{shard:02d}", TopUpItem.work_at <= sortable_ms(now), limit=limit
        ):
            if deadline is not None and time.monotonic() > deadline:
                return done
            try:
                item = TopUpItem.get(key.pk, key.sk, consistent_read=True)
            except TopUpItem.DoesNotExist:
                continue
            if item.status != "pending":
                done["skipped"] += 1
                continue
            wallet = repository.get_wallet(item.wallet_id)
            try:
                resolve(item, gateway.retrieve(item.top_up_id), wallet.currency, None, gateway)
                done["settled"] += 1
            except errors.PaymentFailed:
                done["failed"] += 1
    return done
