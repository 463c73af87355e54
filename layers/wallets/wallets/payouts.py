"""Payouts on close: a closed wallet's withdrawable cash refunded to the payments that brought it in.

`POST /wallets/{id}/close {"refund_to_original_payment": true}` writes a payout record (`PAYOUT`,
amount = the close's `refund_due`) in the close transaction. Then the top-ups that paid the wallet
through the current gateway are refunded newest first, each up to what is left, until nothing is
left or no top-up remains; what could not be refunded stays the payout's `refund_due`.

The side-effect rules of top-ups hold (docs/decisions.md 31): each refund is recorded `requested` on
the payout (a conditional write on its version) before the gateway is asked, with an idempotency key
of its own (`<top-up id>:payout`), so a run that dies after the gateway refunded is finished by the
next run without refunding twice. A refund the gateway refuses is recorded `refused` and its amount
goes back to what is left. The close request runs the payout until its deadline (ledger.close_wallet,
which calls this module: this module never calls the ledger); the top-up job (every 5 minutes)
resumes any payout left pending (the `topups` work index).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from pynamodb.exceptions import UpdateError

from wallets import clock, errors, repository, views
from wallets.gateway import PaymentGateway, RefundRefused
from wallets.items import (
    DUE_SHARDS,
    PAYOUT_SK,
    PayoutItem,
    TopUpItem,
    plain,
    shard_of,
    sortable_ms,
    wallet_pk,
)
from wallets.money import format_amount
from wallets.observability import logger
from wallets.settings import get_settings
from wallets.wallet import Wallet

PENDING, COMPLETED = "pending", "completed"
REQUESTED, REFUNDED, REFUSED = "requested", "refunded", "refused"
MAX_REFUNDS = 500  # refunds one payout makes (its item stays far below 400 KB); the rest stays due
RETRY_AFTER_MS = 5 * 60_000  # when the top-up job picks up a payout a request left unfinished
_FIRST = "TOP$"  # sorts after every TOP#<id>: the cursor before the newest top-up


def payout_item(wallet: Wallet, refund_due: int, now: int) -> PayoutItem:
    """The record the close transaction writes when the close asks for refunds to the payments."""
    return PayoutItem(
        wallet_pk(wallet.id),
        PAYOUT_SK,
        wallet_id=wallet.id,
        customer_id=wallet.customer_id,
        currency=wallet.currency,
        status=PENDING,
        amount=refund_due,
        remaining=refund_due,
        refunds=[],
        cursor=_FIRST,
        version=0,
        created_at=now,
        updated_at=now,
        work_shard=shard_of(wallet.id, DUE_SHARDS),
        work_at=sortable_ms(now + RETRY_AFTER_MS),
    )


def payout_id(wallet_id: str) -> str:
    """A payout's id: a wallet has at most one, so it is named after the wallet."""
    return f"pay_{wallet_id.removeprefix('wal_')}"


def view(item: PayoutItem) -> dict[str, Any]:
    refunds = [plain(r) for r in item.refunds or []]
    cur = item.currency
    refunded = sum(int(r["amount"]) for r in refunds if r["status"] == REFUNDED)
    due = int(item.amount) - refunded
    return {
        "id": payout_id(item.wallet_id),
        "object": "payout",
        "wallet_id": item.wallet_id,
        "status": item.status,
        "currency": cur,
        "amount": int(item.amount),
        "amount_formatted": format_amount(int(item.amount), cur),
        "refunded_amount": refunded,
        "refunded_amount_formatted": format_amount(refunded, cur),
        "refund_due": due,
        "refund_due_formatted": format_amount(due, cur),
        "refunds": [
            {
                "top_up_id": r["top_up_id"],
                "charge_id": r["intent_id"],
                "amount": int(r["amount"]),
                "amount_formatted": format_amount(int(r["amount"]), cur),
                "status": r["status"],
            }
            for r in refunds
        ],
    }


def closing(body: dict[str, Any], payout: dict[str, Any] | None) -> dict[str, Any] | None:
    """The close answer's closing transaction, saying what is due as its payout does."""
    transaction = body.get("closing_transaction")
    return views.closing_body(transaction, payout) if transaction is not None else None


def shown(wallet_id: str) -> dict[str, Any] | None:
    """A wallet's payout as the API shows it (None: it has none)."""
    item = get(wallet_id)
    return view(item) if item is not None else None


def retrieve(wallet_id: str, payout_id_: str) -> dict[str, Any]:
    """GET /wallets/{id}/payouts/{payout_id} (404 for another wallet's, or none)."""
    payout = shown(wallet_id) if payout_id_ == payout_id(wallet_id) else None
    if payout is None:
        raise errors.NotFound(f"No such payout: {payout_id_}")
    return payout


def listed(wallet_id: str) -> dict[str, Any]:
    """GET /wallets/{id}/payouts: the wallet's payouts (at most one: its close's), 404 for no wallet."""
    repository.get_wallet(wallet_id)
    payout = shown(wallet_id)
    return views.page([payout] if payout is not None else [], None)


def get(wallet_id: str) -> PayoutItem | None:
    repository.bind()
    try:
        return PayoutItem.get(wallet_pk(wallet_id), PAYOUT_SK, consistent_read=True)
    except PayoutItem.DoesNotExist:
        return None


def run(wallet_id: str, gateway: PaymentGateway, deadline: float | None = None) -> PayoutItem | None:
    """Advance a wallet's payout as far as it goes before `deadline`; returns it as stored. The gateway
    comes from the caller (the close handler, the top-up job): this module never chooses one."""
    item = get(wallet_id)
    while item is not None and item.status == PENDING:
        if deadline is not None and time.monotonic() > deadline:
            break
        with contextlib.suppress(UpdateError):  # another run moved it on: read it again
            _step(item, gateway)
        item = get(wallet_id)
    return item


def _step(item: PayoutItem, gateway: PaymentGateway) -> None:
    refunds = [plain(r) for r in item.refunds or []]
    requested = next((i for i, r in enumerate(refunds) if r["status"] == REQUESTED), None)
    if requested is not None:
        refund = refunds[requested]
        try:
            gateway.refund(f"{refund['top_up_id']}:payout", refund["intent_id"], int(refund["amount"]))
            refund["status"] = REFUNDED
        except RefundRefused as refused:
            logger.warning(
                "the gateway refused a payout refund; its amount stays due",
                extra={"wallet_id": item.wallet_id, "top_up_id": refund["top_up_id"], "reason": str(refused)},
            )
            refund["status"] = REFUSED
        back = int(refund["amount"]) if refund["status"] == REFUSED else 0
        _save(item, [PayoutItem.refunds.set(refunds), PayoutItem.remaining.set(int(item.remaining) + back)])
        return
    top_up = None if int(item.remaining) == 0 or len(refunds) >= MAX_REFUNDS else _next_top_up(item)
    if top_up is None:
        _save(
            item,
            [PayoutItem.status.set(COMPLETED), PayoutItem.work_shard.remove(), PayoutItem.work_at.remove()],
        )
        return
    amount = min(int(item.remaining), int(top_up.amount))
    refunds.append(
        {"top_up_id": top_up.top_up_id, "intent_id": top_up.intent_id, "amount": amount, "status": REQUESTED}
    )
    _save(
        item,
        [
            PayoutItem.refunds.set(refunds),
            PayoutItem.remaining.set(int(item.remaining) - amount),
            PayoutItem.cursor.set(top_up.sk),
        ],
    )


def _save(item: PayoutItem, actions: list[Any]) -> None:
    """One conditional step: it lands only on the version it was planned on."""
    item.update(
        actions=[
            *actions,
            PayoutItem.version.set(int(item.version) + 1),
            PayoutItem.updated_at.set(clock.now_ms()),
        ],
        condition=(PayoutItem.version == int(item.version)) & (PayoutItem.status == PENDING),
    )


def _next_top_up(item: PayoutItem) -> TopUpItem | None:
    """The newest top-up older than the cursor that the current gateway can refund."""
    gateway = get_settings().payment_gateway
    for top_up in TopUpItem.query(
        item.pk,
        TopUpItem.sk.between("TOP#", item.cursor or _FIRST),
        scan_index_forward=False,
        consistent_read=True,
    ):
        if top_up.sk == item.cursor:
            continue
        if (
            top_up.status == "succeeded"
            and top_up.purpose is None
            and top_up.intent_id
            and (top_up.gateway or gateway) == gateway
        ):
            return top_up
    return None


def recover(now: int, deadline: float | None = None, *, gateway: PaymentGateway) -> dict[str, int]:
    """Resume payouts a close request left unfinished (the top-up job calls this)."""
    done = {"completed": 0, "pending": 0, "errors": 0}
    for shard in range(DUE_SHARDS):
        for key in PayoutItem.work_index.query(f"{shard:02d}", PayoutItem.work_at <= sortable_ms(now)):
            if deadline is not None and time.monotonic() > deadline:
                return done
            try:
                item = run(key.pk.removeprefix("WAL#"), gateway, deadline)
                done[COMPLETED if item is None or item.status == COMPLETED else PENDING] += 1
            except Exception:
                logger.exception("resuming a payout failed; it stays due", extra={"key": key.pk})
                done["errors"] += 1
    return done
