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

Rules that hold on every path (docs/decisions.md, "Side effects outside DynamoDB"):
- A gateway call (charge, refund) happens only after the record that lets recovery find it has
  committed, and never inside the ledger's re-plan loop.
- After a charge, nothing leaves the money unaccounted for: a failure to credit leaves the top-up
  pending (the client gets 202, recovery settles it); money that can never land (the wallet closed,
  or holds the most lots it may) is refunded, recorded as `refunding` before the gateway is asked.

Statuses: pending -> succeeded | failed | refunding -> refunded.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from wallets import clock, errors, ids, ledger, repository, views
from wallets import gateway as payments
from wallets.gateway import Charge, GatewayTimeout, PaymentGateway, get_gateway
from wallets.items import DUE_SHARDS, IdempotencyItem, TopUpItem, shard_of, sortable_ms, wallet_pk
from wallets.ledger import Idempotency, Outcome, Response, TopUpResolved
from wallets.money import format_amount
from wallets.observability import logger, metrics
from wallets.settings import get_settings
from wallets.wallet import Wallet

PENDING, SUCCEEDED, FAILED, REFUNDING, REFUNDED = "pending", "succeeded", "failed", "refunding", "refunded"


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
        "gateway": item.gateway or get_settings().payment_gateway,  # "sandbox": no real money moved
        "charge_id": item.charge_id,
        # Set while the customer must act (3-D Secure): a front end finishes the payment with it.
        "client_secret": item.client_secret if item.status == PENDING else None,
        "failure_code": item.failure_code,
        "failure_message": item.failure_message,
        "transaction": transaction,
        "actor": item.actor,
        "created_at": clock.to_iso(int(item.created_at)),
    }


def _error_body(exc: errors.WalletError) -> dict[str, Any]:
    return {"error": {"type": exc.type, "message": exc.message, "details": exc.details}}


def _pending_item(
    wallet: Wallet,
    now: int,
    top_up_id: str,
    amount: int,
    payment_method: str,
    *,
    bonus_amount: int = 0,
    bonus_expires_at: int | None = None,
    description: str | None = None,
    automatic: bool = False,
) -> TopUpItem:
    grace = get_settings().top_up_recovery_after_seconds * 1000
    return TopUpItem(
        wallet_pk(wallet.id),
        f"TOP#{top_up_id}",
        top_up_id=top_up_id,
        wallet_id=wallet.id,
        customer_id=wallet.customer_id,
        currency=wallet.currency,
        status=PENDING,
        amount=amount,
        bonus_amount=bonus_amount,
        bonus_expires_at=bonus_expires_at,
        payment_method=payment_method,
        automatic=automatic,
        description=description,
        actor=ledger.ACTOR.get(),
        gateway=get_settings().payment_gateway,
        created_at=now,
        updated_at=now,
        work_shard=shard_of(wallet.id, DUE_SHARDS),
        work_at=sortable_ms(now + grace),
    )


def create(
    wallet_id: str,
    amount: int,
    payment_method: str,
    bonus_amount: int = 0,
    *,
    bonus_expires_at: int | None = None,
    description: str | None = None,
    idem: Idempotency | None = None,
    gateway: PaymentGateway | None = None,
) -> Response:
    """Top up a wallet: 201 credited, 202 still pending (resolved by recovery), 402 declined."""
    wallet = repository.get_wallet(wallet_id)
    now = clock.now_ms()
    try:
        wallet.check_top_up(now, amount, bonus_amount, bonus_expires_at)
    except errors.WalletError:
        # A retry of a top-up that was served before the wallet changed gets the original answer.
        record = repository.get_idempotency(idem.key) if idem is not None else None
        if record is not None and idem is not None:
            return _resume(record, idem, wallet.currency)
        raise
    item = _pending_item(
        wallet,
        now,
        ids.new_id("top", now),
        amount,
        payment_method,
        bonus_amount=bonus_amount,
        bonus_expires_at=bonus_expires_at,
        description=description,
    )
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
        raise
    return _charge(item, wallet.currency, idem, gateway or get_gateway())


def _charge(item: TopUpItem, currency: str, idem: Idempotency | None, gateway: PaymentGateway) -> Response:
    """The one place a top-up is charged: once, after its pending record committed, and after the
    intent recovery retrieves is recorded on it."""
    try:
        if not item.intent_id:
            intent_id = gateway.prepare(
                item.top_up_id,
                int(item.amount),
                currency,
                item.payment_method,
                item.description or f"Top-up of wallet {item.wallet_id}",
                item.wallet_id,
            )
            _record(item, [TopUpItem.intent_id.set(intent_id)], TopUpItem.intent_id.does_not_exist())
            item.intent_id = intent_id
        charge = gateway.confirm(item.top_up_id, item.intent_id)
    except GatewayTimeout:
        return 202, top_up_body(item, currency, None)
    except Exception:
        # The charge may or may not have happened: recovery asks the gateway, the client waits.
        logger.exception("the gateway failed; the top-up stays pending", extra={"top_up_id": item.top_up_id})
        return 202, top_up_body(item, currency, None)
    return resolve(item, charge, currency, idem, gateway)


def _record(item: TopUpItem, actions: list[Any], condition: Any = None, *, status: str = PENDING) -> None:
    """Update a top-up that is still in `status` (nothing else changes with it); raises ExistingRecord
    when it is not (another actor moved it on)."""
    expected = TopUpItem.status == status
    repository.write(
        [],
        [
            (
                "top_up",
                TopUpItem(item.pk, item.sk),
                [*actions, TopUpItem.updated_at.set(clock.now_ms())],
                expected if condition is None else expected & condition,
            )
        ],
    )


def resolve(
    item: TopUpItem, charge: Charge | None, currency: str, idem: Idempotency | None, gateway: PaymentGateway
) -> Response:
    """Settle or fail a pending top-up from what the gateway says happened to its charge.

    After the gateway has answered, nothing raises but the outcome itself (402 declined or refunded):
    a failure to record it (throttling, contention, the gateway failing to refund...) leaves the
    top-up where recovery finds it and answers 202. Never an error that invites a new charge."""
    try:
        try:
            return _resolve(item, charge, currency, idem, gateway)
        except TopUpResolved:
            return _current(item.wallet_id, item.top_up_id, currency)
    except errors.PaymentFailed:
        raise
    except Exception:
        logger.exception(
            "recording a top-up's outcome failed; recovery finishes it",
            extra={"top_up_id": item.top_up_id, "wallet_id": item.wallet_id, "status": item.status},
        )
        metrics.add_metric(name="TopUpSettleDeferred", unit=MetricUnit.Count, value=1)
        return 202, top_up_body(item, currency, None)


def _resolve(
    item: TopUpItem, charge: Charge | None, currency: str, idem: Idempotency | None, gateway: PaymentGateway
) -> Response:
    if charge is not None and charge.status in payments.NOT_FINAL:
        # The customer must act (3-D Secure) or the payment is processing: 202, finished by the
        # gateway's webhook or by recovery.
        if charge.client_secret and charge.client_secret != item.client_secret:
            _record(item, [TopUpItem.client_secret.set(charge.client_secret)])
            item.client_secret = charge.client_secret
        return 202, top_up_body(item, currency, None)
    if charge is None or charge.status != payments.SUCCEEDED:
        code = charge.failure_code if charge else "abandoned"
        message = charge.failure_message if charge else "The charge never reached the payment gateway"
        raise _finish(item, FAILED, code or "payment_failed", message or "The payment failed", idem, charge)
    try:
        return _settle(item, charge, idem)
    except (errors.WalletClosed, errors.LimitExceeded) as refused:
        # Charged money that can never land goes back: recorded `refunding` first, then refunded.
        _finish(item, REFUNDING, refused.type, f"{refused.message}; the charge was refunded", idem, charge)
        if not _complete_refund(item, gateway):
            raise TopUpResolved() from refused  # a recovery run recorded the refund first
        raise _failure(item) from refused


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
        body = top_up_body(item, work.currency, views.transaction_body(work.id, work.currency, entry))
        body.update(status=SUCCEEDED, charge_id=charge.id)
        updates = [
            (
                "top_up",
                TopUpItem(item.pk, item.sk),
                [
                    TopUpItem.status.set(SUCCEEDED),
                    TopUpItem.charge_id.set(charge.id),
                    TopUpItem.transaction_id.set(entry.id),
                    TopUpItem.updated_at.set(now),
                    TopUpItem.work_shard.remove(),
                    TopUpItem.work_at.remove(),
                ],
                TopUpItem.status == PENDING,
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


def _complete_refund(item: TopUpItem, gateway: PaymentGateway) -> bool:
    """Refund a top-up recorded as `refunding` (idempotent: the gateway refunds a key once).
    Returns whether this call recorded it `refunded` (False: another run did first)."""
    gateway.refund(item.top_up_id, item.intent_id)
    return _mark_refunded(item)


def _mark_refunded(item: TopUpItem) -> bool:
    recorded = False
    with contextlib.suppress(repository.ExistingRecord):  # another run (or the webhook) recorded it first
        _record(
            item,
            [TopUpItem.status.set(REFUNDED), TopUpItem.work_shard.remove(), TopUpItem.work_at.remove()],
            status=REFUNDING,
        )
        recorded = True
    item.status = REFUNDED
    return recorded


def _failure(item: TopUpItem) -> errors.PaymentFailed:
    """The error a client gets for a top-up that did not credit (the same on every replay)."""
    details: dict[str, Any] = {"failure_code": item.failure_code, "top_up_id": item.top_up_id}
    if item.status == REFUNDED:
        details["refunded"] = True
    return errors.PaymentFailed(item.failure_message or "The payment failed", details)


def _finish(
    item: TopUpItem,
    status: str,
    code: str,
    message: str,
    idem: Idempotency | None,
    charge: Charge | None,
) -> errors.PaymentFailed:
    """Record that a pending top-up will not credit (failed, or refunding), with the answer a retry
    replays; returns that answer. Raises TopUpResolved when another actor resolved it first."""
    now = clock.now_ms()
    item.status, item.failure_code, item.failure_message = status, code, message
    if charge is not None:
        item.charge_id = charge.id
    failure = _failure(item)
    puts: list[tuple[str, Any, Any]] = []
    if idem is not None and status != REFUNDING:  # a retry during a refund reads the top-up (_resume)
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
        TopUpItem.status.set(status),
        TopUpItem.failure_code.set(code),
        TopUpItem.failure_message.set(message),
        TopUpItem.updated_at.set(now),
    ]
    if status != REFUNDING:  # a refund in flight stays in the work index until it is recorded
        actions += [TopUpItem.work_shard.remove(), TopUpItem.work_at.remove()]
    if charge is not None:
        actions.append(TopUpItem.charge_id.set(charge.id))
    updates: list[tuple[str, Any, list[Any], Any]] = [
        ("top_up", TopUpItem(item.pk, item.sk), actions, TopUpItem.status == PENDING)
    ]
    try:
        if item.automatic:
            # The wallet counts consecutive failures (retry with backoff, suspend at 3) in the same write.
            def action(work: Wallet, at: int) -> Outcome:
                work.auto_top_up_finished(at, succeeded=False)
                return Outcome(200, {}, puts=puts, updates=updates)

            ledger.run(lambda: repository.get_wallet(item.wallet_id), action)
        else:
            try:
                repository.write(puts, updates)
            except repository.ExistingRecord as existing:
                raise TopUpResolved() from existing
    except Exception:
        item.status = PENDING  # not recorded: the item says what is stored
        raise
    return failure


def _current(wallet_id: str, top_up_id: str, currency: str) -> Response:
    _, found = repository.get_wallet_with(wallet_id, f"TOP#{top_up_id}")
    item = found.get(f"TOP#{top_up_id}")
    if not isinstance(item, TopUpItem):
        raise errors.NotFound(f"No such top-up: {top_up_id}")
    if item.status in (FAILED, REFUNDED):
        raise _failure(item)
    transaction = None
    if item.transaction_id:
        entry, _, _ = repository.get_transaction(wallet_id, item.transaction_id)
        transaction = views.transaction_body(wallet_id, currency, entry)
    return (201 if item.status == SUCCEEDED else 202), top_up_body(item, currency, transaction)


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
    exactly like a requested top-up. Returns what happened.

    Only the top-up the committed claim names is charged, read back from the table: a claim made
    on an attempt that was cancelled (another run won) is never charged.
    """

    def action(work: Wallet, now: int) -> Outcome | None:
        before = dict(work.auto_top_up_state)
        top_up_id = ids.new_id("top", now)
        cfg = work.claim_auto_top_up(now, top_up_id)
        if cfg is None:
            # Not now (guardrails) or not at all: write only if the claim changed the schedule.
            return Outcome(200, {}) if work.auto_top_up_state != before else None
        item = _pending_item(
            work,
            now,
            top_up_id,
            int(cfg["amount"]),
            str(cfg["payment_method"]),
            description="Automatic top-up",
            automatic=True,
        )
        return Outcome(
            200, {"top_up_id": top_up_id}, puts=[("top_up_new", item, TopUpItem.pk.does_not_exist())]
        )

    _, claimed = ledger.run(lambda: repository.get_wallet(wallet_id), action)
    if "top_up_id" not in claimed:
        return "skipped"
    wallet, found = repository.get_wallet_with(wallet_id, f"TOP#{claimed['top_up_id']}")
    item = found[f"TOP#{claimed['top_up_id']}"]
    assert isinstance(item, TopUpItem)
    try:
        status, _ = _charge(item, wallet.currency, None, gateway or get_gateway())
    except errors.PaymentFailed:
        return "failed"
    return "succeeded" if status == 201 else "pending"


def recover(
    now: int | None = None,
    deadline: float | None = None,
    gateway: PaymentGateway | None = None,
    limit: int = 100,
) -> dict[str, int]:
    """Resolve top-ups left pending past the grace period by asking the gateway, and finish refunds
    left `refunding`. Safe to run twice at once (every transition is conditioned on the status it
    leaves), stops before `deadline`, and one top-up that fails is logged and counted (`errors`),
    never stopping the others."""
    now = clock.now_ms() if now is None else now
    gateway = gateway or get_gateway()
    done = {"settled": 0, "failed": 0, "refunded": 0, "skipped": 0, "errors": 0}
    repository.bind()
    for shard in range(DUE_SHARDS):
        for key in TopUpItem.work_index.query(
            f"{shard:02d}", TopUpItem.work_at <= sortable_ms(now), limit=limit
        ):
            if deadline is not None and time.monotonic() > deadline:
                return done
            try:
                done[_recover_one(key.pk, key.sk, gateway)] += 1
            except Exception:
                logger.exception(
                    "recovering a top-up failed; it stays due", extra={"key": f"{key.pk}/{key.sk}"}
                )
                done["errors"] += 1
    return done


def _recover_one(pk: str, sk: str, gateway: PaymentGateway) -> str:
    try:
        item = TopUpItem.get(pk, sk, consistent_read=True)
    except TopUpItem.DoesNotExist:
        return "skipped"
    if item.status == REFUNDING:
        return "refunded" if _complete_refund(item, gateway) else "skipped"
    if item.status != PENDING:
        return "skipped"
    # Counted only by the run that recorded the outcome; a failure to record it propagates (errors).
    charge = gateway.retrieve(item.top_up_id, item.intent_id)
    if charge is not None and charge.status in payments.NOT_FINAL:
        waited = clock.now_ms() - int(item.created_at)
        if (
            charge.status != payments.UNCONFIRMED
            and waited < get_settings().top_up_action_timeout_seconds * 1000
        ):
            return "skipped"  # the customer may still authenticate; the webhook or a later run settles
        # Never confirmed (the request died first), or left unauthenticated too long: stop it. If a
        # confirmation raced the cancel, the cancel answers with its success and that is settled.
        charge = gateway.cancel(item.top_up_id, str(item.intent_id))
    try:
        _resolve(item, charge, item.currency or "", None, gateway)
    except TopUpResolved:
        return "skipped"  # another run resolved it first
    except errors.PaymentFailed as failed:
        return "refunded" if failed.details.get("refunded") else "failed"
    return "settled"


# Gateway webhooks: what Stripe says happened to a PaymentIntent settles its top-up, exactly as recovery
# would. The PaymentIntent is read back from Stripe rather than taken from the payload, so events that
# arrive late, twice or out of order all lead to the one state Stripe holds now.
WEBHOOK_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded")


def on_gateway_event(event_type: str, obj: dict[str, Any], gateway: PaymentGateway | None = None) -> str:
    """Settle the top-up a webhook is about; returns what happened (for the log and the answer)."""
    if event_type not in WEBHOOK_EVENTS:
        return "ignored"
    gateway = gateway or get_gateway()
    intent_id = obj.get("payment_intent") if event_type == "charge.refunded" else obj.get("id")
    metadata = obj.get("metadata") or {}
    if event_type == "charge.refunded" or not metadata.get("top_up_id"):
        found = gateway.retrieve("", str(intent_id)) if intent_id else None
        metadata = dict(found.metadata) if found else {}
    top_up_id, wallet_id = metadata.get("top_up_id"), metadata.get("wallet_id")
    if not (top_up_id and wallet_id):
        return "ignored"  # not a top-up of this service
    try:
        item = TopUpItem.get(wallet_pk(str(wallet_id)), f"TOP#{top_up_id}", consistent_read=True)
    except TopUpItem.DoesNotExist:
        return "ignored"
    if event_type == "charge.refunded":
        return "refunded" if item.status == REFUNDING and _mark_refunded(item) else "unchanged"
    if item.status != PENDING:
        return "unchanged"  # settled before: a duplicate, a replay, or recovery got there first
    charge = gateway.retrieve(item.top_up_id, item.intent_id or str(intent_id))
    if charge is None or charge.status in payments.NOT_FINAL:
        return "pending"
    try:
        status, _ = _resolve(item, charge, item.currency or "", None, gateway)
    except TopUpResolved:
        return "unchanged"
    except errors.PaymentFailed as failed:
        return "refunded" if failed.details.get("refunded") else "failed"
    return "settled" if status == 201 else "pending"
