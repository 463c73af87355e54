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

The same records and transitions carry a debit's remainder charge (`purpose: remainder`, decision
30): the wallet's available part is held when the record is written, the rest is charged as above,
and settling captures the hold into one `debit` entry that shows `applied_amount` and
`charged_amount`; a failed charge releases the hold; a charge whose hold is gone is refunded.

Every call that reaches the gateway takes it from its caller (the handler or job builds it with
`wiring.get_gateway()`): this module imports no adapter, so a function that only reads top-ups never
ships or loads a payment SDK (import-linter and tests/unit/test_layers.py check it).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from wallets import clock, errors, ids, ledger, repository, views
from wallets import gateway as payments
from wallets.gateway import Charge, GatewayRefused, GatewayTimeout, PaymentGateway
from wallets.items import DUE_SHARDS, TopUpItem, plain, shard_of, sortable_ms, wallet_pk
from wallets.ledger import Idempotency, Outcome, Response, TopUpResolved
from wallets.money import format_amount
from wallets.observability import logger, metrics
from wallets.settings import get_settings
from wallets.wallet import MAX_HOLD_MS, Wallet

PENDING, SUCCEEDED, FAILED, REFUNDING, REFUNDED = "pending", "succeeded", "failed", "refunding", "refunded"
REMAINDER = "remainder"  # TopUpItem.purpose of a debit's remainder charge (None: a top-up)
TOP_UP_PREFIX, REMAINDER_PREFIX = "top", "rch"  # their ids' prefixes (both are stored at TOP#<id>)
SAVED_CARD = "saved_card"  # an automatic top-up's payment method: the gateway customer's default
REMAINDER_HOLD_MS = 24 * 3_600_000  # beyond the action timeout: the hold outlives its charge


def _id_field(item: TopUpItem) -> str:
    return "remainder_charge_id" if item.purpose == REMAINDER else "top_up_id"


def top_up_body(item: TopUpItem, currency: str, transaction: dict[str, Any] | None) -> dict[str, Any]:
    if item.purpose == REMAINDER:
        return _remainder_body(item, currency, transaction)
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


def _remainder_body(item: TopUpItem, currency: str, transaction: dict[str, Any] | None) -> dict[str, Any]:
    applied = int(item.applied_amount or 0)
    return {
        "id": item.top_up_id,
        "object": "remainder_charge",
        "wallet_id": item.wallet_id,
        "status": item.status,
        "currency": currency,
        "amount": int(item.amount),
        "amount_formatted": format_amount(int(item.amount), currency),
        "applied_amount": applied,
        "applied_amount_formatted": format_amount(applied, currency),
        "hold_id": item.hold_id,
        "payment_method": item.payment_method,
        "gateway": item.gateway or get_settings().payment_gateway,
        "charge_id": item.charge_id,
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
    bonus_applies_to: tuple[str, ...] | None = None,
    description: str | None = None,
    automatic: bool = False,
    purpose: str | None = None,
    hold_id: str | None = None,
    applied_amount: int | None = None,
    metadata: dict[str, str] | None = None,
    category: str | None = None,
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
        bonus_applies_to=list(bonus_applies_to) if bonus_applies_to else None,
        payment_method=payment_method,
        automatic=automatic,
        description=description,
        actor=ledger.ACTOR.get(),
        gateway=get_settings().payment_gateway,
        gateway_customer=wallet.gateway_customer_id,
        purpose=purpose,
        hold_id=hold_id,
        applied_amount=applied_amount,
        category=category,
        metadata=dict(metadata or {}),
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
    bonus_applies_to: tuple[str, ...] | None = None,
    description: str | None = None,
    idem: Idempotency | None = None,
    gateway: PaymentGateway,
) -> Response:
    """Top up a wallet: 201 credited, 202 still pending (resolved by recovery), 402 declined."""
    wallet = repository.get_wallet(wallet_id)
    now = clock.now_ms()
    try:
        repository.loaded(
            wallet,
            lambda w: w.check_top_up(
                now, amount, bonus_amount, bonus_expires_at, bonus_applies_to=bonus_applies_to
            ),
        )
    except errors.WalletError:
        # A retry of a top-up that was served before the wallet changed gets the original answer.
        record = repository.get_idempotency(idem.key) if idem is not None else None
        if record is not None and idem is not None:
            return _resume(record, idem, wallet.currency)
        raise
    item = _pending_item(
        wallet,
        now,
        ids.new_id(TOP_UP_PREFIX, now),
        amount,
        payment_method,
        bonus_amount=bonus_amount,
        bonus_expires_at=bonus_expires_at,
        bonus_applies_to=bonus_applies_to,
        description=description,
    )
    puts: list[tuple[str, Any, Any]] = [("top_up_new", item, TopUpItem.pk.does_not_exist())]
    earlier = ledger.write_new(puts, idem, 202, top_up_body(item, wallet.currency, None), now)
    if earlier is not None and idem is not None:
        return _resume(earlier, idem, wallet.currency)
    return _charge(item, wallet.currency, idem, gateway)


def debit_with_remainder(
    wallet_id: str,
    amount: int,
    payment_method: str,
    description: str | None,
    metadata: dict[str, str],
    idem: Idempotency | None,
    gateway: PaymentGateway,
    category: str | None = None,
) -> Response:
    """A debit that charges what the wallet cannot cover to `payment_method` (decision 30).

    One wallet transaction holds the wallet's available part and writes the pending remainder
    record (with the Idempotency-Key's 202 record); then the remainder is charged exactly as a top-up
    is, and settling captures the hold into one `debit` entry. A debit the wallet covers alone is an
    ordinary debit: nothing is charged. 201 debited, 202 the charge awaits the customer or the
    gateway, 402 declined (the hold released).
    """

    made: list[str] = []  # the remainder record each attempt planned; the last one committed

    def action(work: Wallet, now: int) -> Outcome:
        work.settle(now)
        work.require_active()
        applied = min(amount, work.available_for(category, now))
        if applied == amount:
            entry = work.debit(amount, now, category=category, description=description, metadata=metadata)
            return Outcome(201, views.transaction_body(work.id, work.currency, entry))
        hold_id = None
        if applied > 0:
            expires = now + min(
                MAX_HOLD_MS, get_settings().top_up_action_timeout_seconds * 1000 + REMAINDER_HOLD_MS
            )
            hold, _ = work.hold(
                applied,
                now,
                expires,
                category,
                description=f"Held for a debit whose remainder is charged to {payment_method}",
            )
            hold_id = hold.id
        item = _pending_item(
            work,
            now,
            ids.new_id(REMAINDER_PREFIX, now),
            amount - applied,
            payment_method,
            description=description,
            purpose=REMAINDER,
            hold_id=hold_id,
            applied_amount=applied,
            metadata=metadata,
            category=category,
        )
        made.append(item.top_up_id)
        return Outcome(
            202,
            _remainder_body(item, work.currency, None),
            puts=[("top_up_new", item, TopUpItem.pk.does_not_exist())],
        )

    status, body = ledger.run(lambda: repository.get_wallet(wallet_id), action, idem=idem)
    if status != 202 or body.get("object") != "remainder_charge":
        return status, body
    wallet, found = repository.get_wallet_with(wallet_id, f"TOP#{body['id']}")
    item = found.get(f"TOP#{body['id']}")
    if not made or made[-1] != body["id"] or not isinstance(item, TopUpItem):
        # A retry with the same Idempotency-Key: report where the first attempt got, never charge.
        return _current(wallet_id, str(body["id"]), wallet.currency)
    return _charge(item, wallet.currency, idem, gateway)


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
                {"wallet_id": item.wallet_id, _id_field(item): item.top_up_id},
                item.gateway_customer,
            )
            _record(item, [TopUpItem.intent_id.set(intent_id)], TopUpItem.intent_id.does_not_exist())
            item.intent_id = intent_id
        # Automatic top-ups charge off session: nobody is there to authenticate.
        charge = gateway.confirm(item.top_up_id, item.intent_id, off_session=bool(item.automatic))
    except GatewayRefused as refused:  # refused before any intent existed: nothing can be charged
        charge = Charge("", payments.FAILED, int(item.amount), currency, refused.code, refused.message)
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
    if charge is not None and item.automatic and charge.status == payments.ACTION_REQUIRED:
        # Off session nobody can authenticate: stop the payment; the automatic top-up has failed.
        charge = gateway.cancel(item.top_up_id, str(item.intent_id))
        if charge.status == payments.FAILED:
            charge = replace(
                charge,
                failure_code="authentication_required",
                failure_message="The saved card needs the customer to authenticate; "
                "they must add funds themselves",
            )
    elif charge is not None and charge.status == payments.FAILED and item.intent_id:
        # A declined or unauthenticated intent can still be confirmed with another card by whoever
        # holds its client secret: cancel it before recording the failure. A confirmation that won
        # the race is settled instead.
        stopped = gateway.cancel(item.top_up_id, item.intent_id)
        if stopped.status != payments.FAILED:
            charge = stopped
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
    except (errors.WalletClosed, errors.LimitExceeded, errors.HoldNotPending) as refused:
        # Charged money that can never land (for a remainder: whose hold is gone) goes back:
        # recorded `refunding` first, then refunded.
        _finish(item, REFUNDING, refused.type, f"{refused.message}; the charge was refunded", idem, charge)
        if not _complete_refund(item, gateway):
            raise TopUpResolved() from refused  # a recovery run recorded the refund first
        raise _failure(item) from refused


def _settle(item: TopUpItem, charge: Charge, idem: Idempotency | None) -> Response:
    def action(work: Wallet, now: int) -> Outcome:
        if item.purpose == REMAINDER:
            entry = work.debit_with_charge(
                item.hold_id,
                int(item.amount),
                now,
                charge.id,
                item.category,
                description=item.description,
                metadata=plain(item.metadata),
            )
            body = views.transaction_body(work.id, work.currency, entry)
            return _settled_outcome(item, charge, entry.id, now, 201, body, idem)
        entry = work.top_up(
            int(item.amount),
            now,
            item.top_up_id,
            int(item.bonus_amount or 0),
            int(item.bonus_expires_at) if item.bonus_expires_at is not None else None,
            tuple(item.bonus_applies_to) if item.bonus_applies_to else None,
            description=item.description or ("Automatic top-up" if item.automatic else "Top-up"),
        )
        if item.automatic:
            work.auto_top_up_finished(now, succeeded=True)
            entry.details["automatic"] = True
        body = top_up_body(item, work.currency, views.transaction_body(work.id, work.currency, entry))
        body.update(status=SUCCEEDED, charge_id=charge.id)
        return _settled_outcome(item, charge, entry.id, now, 201, body, idem)

    return ledger.run(lambda: repository.get_wallet(item.wallet_id), action)


def _settled_outcome(
    item: TopUpItem,
    charge: Charge,
    transaction_id: str,
    now: int,
    status: int,
    body: dict[str, Any],
    idem: Idempotency | None,
) -> Outcome:
    """The wallet write that settles a pending payment record: the record succeeds with it, and the
    answer a retry with the same Idempotency-Key gets is recorded in the same transaction."""
    updates = [
        (
            "top_up",
            TopUpItem(item.pk, item.sk),
            [
                TopUpItem.status.set(SUCCEEDED),
                TopUpItem.charge_id.set(charge.id),
                TopUpItem.transaction_id.set(transaction_id),
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
                repository.idempotency_item(idem.key, idem.fingerprint, status, body, now),
                None,
            )
        )
    return Outcome(status, body, puts=puts, updates=updates)


def _complete_refund(item: TopUpItem, gateway: PaymentGateway) -> bool:
    """Refund a top-up recorded as `refunding` (idempotent: the gateway refunds a key once).
    Returns whether this call recorded it `refunded` (False: another run did first)."""
    gateway.refund(item.top_up_id, item.intent_id)
    return _mark_refunded(item)


def _refund_late_success(item: TopUpItem, gateway: PaymentGateway) -> str:
    """Money that arrived for a payment already recorded failed (its intent confirmed elsewhere
    before it could be canceled) can never land: it is refunded, recorded `refunding` first and in
    the work index, so recovery finishes the refund if this run cannot."""
    charge = gateway.retrieve(item.top_up_id, item.intent_id)
    if charge is None or charge.status != payments.SUCCEEDED:
        return "unchanged"
    logger.warning("a failed payment succeeded later; refunding it", extra={"top_up_id": item.top_up_id})
    metrics.add_metric(name="PaymentSucceededAfterFailure", unit=MetricUnit.Count, value=1)
    try:
        _record(
            item,
            [
                TopUpItem.status.set(REFUNDING),
                TopUpItem.charge_id.set(charge.id),
                TopUpItem.work_shard.set(shard_of(item.wallet_id, DUE_SHARDS)),
                TopUpItem.work_at.set(sortable_ms(clock.now_ms())),
            ],
            status=FAILED,
        )
    except repository.ExistingRecord:
        return "unchanged"  # another delivery got there first
    item.status = REFUNDING
    return "refunded" if _complete_refund(item, gateway) else "unchanged"


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
    details: dict[str, Any] = {"failure_code": item.failure_code, _id_field(item): item.top_up_id}
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
        if item.automatic or item.hold_id:
            # The wallet counts consecutive automatic failures (retry with backoff, suspend at 3), or
            # releases a remainder's hold, in the same write.
            def action(work: Wallet, at: int) -> Outcome:
                if item.automatic:
                    work.auto_top_up_finished(at, succeeded=False)
                else:
                    with contextlib.suppress(errors.HoldNotPending, errors.WalletClosed):  # gone already
                        work.release(str(item.hold_id), at, reason="remainder_charge_failed")
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
        entry, refunded, _ = repository.get_transaction(wallet_id, item.transaction_id)
        transaction = views.transaction_body(wallet_id, currency, entry, refunded)
        if item.purpose == REMAINDER:
            return 201, transaction  # the debit, as its first answer was
    return (201 if item.status == SUCCEEDED else 202), top_up_body(item, currency, transaction)


def get(wallet_id: str, top_up_id: str) -> dict[str, Any]:
    """A top-up as it stands (pending, succeeded, failed, refunding, refunded), with its transaction."""
    wallet, found = repository.get_wallet_with(wallet_id, f"TOP#{top_up_id}")
    item = found.get(f"TOP#{top_up_id}")
    if not isinstance(item, TopUpItem) or item.purpose == REMAINDER:
        raise errors.NotFound(f"No such top-up: {top_up_id}")
    transaction = None
    if item.transaction_id:
        entry, refunded, _ = repository.get_transaction(wallet_id, item.transaction_id)
        transaction = views.transaction_body(wallet_id, wallet.currency, entry, refunded)
    return top_up_body(item, wallet.currency, transaction)


def list_top_ups(wallet_id: str, status: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """A wallet's top-ups, newest first (ids are time-sortable), failed ones included; 404 for no wallet.

    Two reads a page: the wallet (its currency) and one bounded Query. Each item is `top_up_body`
    with `transaction: null`: reading each top-up's transaction would be a read per item
    (GET /wallets/{id}/top-ups/{top_up_id} shows it). A debit's remainder charges share the `TOP#`
    keys but are `rch_` ids, so the key range leaves them out; a status is a filter, whose page
    may be short, even empty, and still carry a cursor (repository.query_page)."""
    wallet = repository.get_wallet(wallet_id)
    filt = TopUpItem.status == status if status else None
    result = repository.query_page(
        TopUpItem, wallet_pk(wallet_id), TopUpItem.sk.startswith(f"TOP#{TOP_UP_PREFIX}_"), limit, cursor, filt
    )
    data = [top_up_body(item, wallet.currency, None) for item in result.items if item.purpose != REMAINDER]
    return views.page(data, result.next_cursor)


def _resume(record: Any, idem: Idempotency, currency: str) -> Response:
    """A retry of a top-up request: never charge again, report where the first attempt got."""
    if record is None:
        raise errors.Contention("The top-up is being created; retry with the same Idempotency-Key")
    status, body = ledger.from_record(record, idem)
    if status != 202:
        return status, body
    return _current(body["wallet_id"], body["id"], currency)


def run_automatic(wallet_id: str, gateway: PaymentGateway) -> str:
    """One automatic top-up for a wallet the index says is due: claim it and create its pending
    record in one wallet transaction (so two job runs cannot both claim it), then charge and settle
    exactly like a requested top-up. Returns what happened.

    Only the top-up the committed claim names is charged, read back from the table: a claim made
    on an attempt that was cancelled (another run won) is never charged.
    """

    def action(work: Wallet, now: int) -> Outcome | None:
        before = dict(work.auto_top_up_state)
        top_up_id = ids.new_id(TOP_UP_PREFIX, now)
        cfg = work.claim_auto_top_up(now, top_up_id)
        if cfg is None:
            # Not now (guardrails) or not at all: write only if the claim changed the schedule.
            return Outcome(200, {}) if work.auto_top_up_state != before else None
        item = _pending_item(
            work,
            now,
            top_up_id,
            int(cfg["amount"]),
            str(cfg.get("payment_method") or SAVED_CARD),
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
        if item.payment_method == SAVED_CARD:
            _use_saved_card(item, gateway)
        status, _ = _charge(item, wallet.currency, None, gateway)
    except errors.PaymentFailed:
        return "failed"
    return "succeeded" if status == 201 else "pending"


def setup_saved_card(wallet_id: str, gateway: PaymentGateway, key: str | None = None) -> Response:
    """Start saving a card for automatic top-ups: a SetupIntent on the wallet's gateway customer,
    created (and linked to the wallet) on first use. Its client secret lets a front end collect the
    card (Stripe.js confirmCardSetup); the `setup_intent.succeeded` webhook makes it the default.

    No money moves. The customer is created with an idempotency key derived from the wallet, so a
    retry after a failure to link it finds the same customer; if two requests link at once, the
    first link stands and both use it. The SetupIntent is asked for with `key` (a retry with the same
    key gets the same one), else a new key."""
    wallet = repository.get_wallet(wallet_id)
    wallet.require_active()
    customer = wallet.gateway_customer_id
    try:
        if customer is None:
            customer = _link_customer(wallet, gateway)
        setup = gateway.setup(key or ids.new_id("seti", clock.now_ms()), customer, {"wallet_id": wallet.id})
    except errors.WalletError:
        raise
    except GatewayRefused as refused:
        raise errors.field_error(
            "gateway_customer_id", f"the payment gateway refused it: {refused.message}"
        ) from refused
    except Exception as exc:
        logger.exception("the payment gateway failed to start saving a card", extra={"wallet_id": wallet_id})
        raise errors.Unavailable("The payment gateway did not answer; nothing was saved. Retry.") from exc
    return 201, {
        "object": "setup_intent",
        "id": setup.id,
        "wallet_id": wallet.id,
        "gateway": gateway.name,
        "gateway_customer_id": customer,
        "client_secret": setup.client_secret,
    }


def _link_customer(wallet: Wallet, gateway: PaymentGateway) -> str:
    created = gateway.create_customer(
        f"customer:{wallet.id}", {"wallet_id": wallet.id, "customer_id": wallet.customer_id}
    )
    linked: list[str] = []

    def action(work: Wallet, now: int) -> Outcome | None:
        had = work.gateway_customer_id
        linked.append(work.link_gateway_customer(created, now))
        return None if had is not None else Outcome(200, {})

    ledger.run(lambda: repository.get_wallet(wallet.id), action)
    return linked[-1]


def _use_saved_card(item: TopUpItem, gateway: PaymentGateway) -> None:
    """Record which card an automatic top-up charges: the gateway customer's default payment method.
    No saved card is a failed automatic top-up (PaymentFailed), with its event. A gateway error
    leaves the top-up pending with no intent: recovery fails it (nothing was charged)."""
    method = gateway.default_payment_method(item.gateway_customer) if item.gateway_customer else None
    if method is None:
        raise _finish(
            item,
            FAILED,
            "no_saved_card",
            "The wallet has no saved card: save one with POST /wallets/{id}/payment-methods/setup",
            None,
            None,
        )
    _record(item, [TopUpItem.payment_method.set(method)])
    item.payment_method = method


def recover(
    now: int | None = None,
    deadline: float | None = None,
    *,
    gateway: PaymentGateway,
    page: int = 100,
) -> dict[str, int]:
    """Resolve top-ups left pending past the grace period by asking the gateway, and finish refunds
    left `refunding`. Every due top-up is looked at, shards in turns (`repository.due_top_ups`):
    top-ups that stay due (awaiting 3-D Secure inside the action timeout) never hide one behind them.
    Safe to run twice at once (every transition is conditioned on the status it leaves), stops
    before `deadline`, and one top-up that fails is logged and counted (`errors`), never stopping
    the others."""
    now = clock.now_ms() if now is None else now
    done = {"settled": 0, "failed": 0, "refunded": 0, "skipped": 0, "errors": 0}
    for key in repository.due_top_ups(now, page):
        if deadline is not None and time.monotonic() > deadline:
            return done
        try:
            done[_recover_one(key.pk, key.sk, gateway)] += 1
        except Exception:
            logger.exception("recovering a top-up failed; it stays due", extra={"key": f"{key.pk}/{key.sk}"})
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
WEBHOOK_EVENTS = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.refunded",
    "setup_intent.succeeded",
)


def on_gateway_event(event_type: str, obj: dict[str, Any], gateway: PaymentGateway) -> str:
    """Settle the top-up a webhook is about; returns what happened (for the log and the answer)."""
    if event_type not in WEBHOOK_EVENTS:
        return "ignored"
    if event_type == "setup_intent.succeeded":
        # A card saved through POST /wallets/{id}/payment-methods/setup becomes the customer's default:
        # what automatic top-ups charge. Setting it twice is harmless.
        customer, method = obj.get("customer"), obj.get("payment_method")
        if not ((obj.get("metadata") or {}).get("wallet_id") and customer and method):
            return "ignored"
        gateway.set_default_payment_method(str(customer), str(method))
        return "card_saved"
    intent_id = obj.get("payment_intent") if event_type == "charge.refunded" else obj.get("id")
    metadata = obj.get("metadata") or {}
    if event_type == "charge.refunded" or not metadata.get("wallet_id"):
        found = gateway.retrieve("", str(intent_id)) if intent_id else None
        metadata = dict(found.metadata) if found else {}
    top_up_id = metadata.get("top_up_id") or metadata.get("remainder_charge_id")
    wallet_id = metadata.get("wallet_id")
    if not (top_up_id and wallet_id):
        return "ignored"  # not a top-up of this service
    try:
        item = TopUpItem.get(wallet_pk(str(wallet_id)), f"TOP#{top_up_id}", consistent_read=True)
    except TopUpItem.DoesNotExist:
        return "ignored"
    if event_type == "charge.refunded":
        return "refunded" if item.status == REFUNDING and _mark_refunded(item) else "unchanged"
    if item.status == FAILED and event_type == "payment_intent.succeeded" and item.intent_id:
        return _refund_late_success(item, gateway)
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
