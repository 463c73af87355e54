"""API shapes of wallets, transactions, lots and holds (plain dicts; schemas.py documents them).

Every amount has a `*_formatted` twin. Bodies are built before the write that they describe, so the
idempotency record stored in the same transaction holds exactly what the client receives.
"""

from __future__ import annotations

from typing import Any

from wallets.clock import to_iso
from wallets.lots import FUNDING_TYPES, by_scope, consumption_order
from wallets.money import format_amount
from wallets.wallet import Entry, Wallet


def _amounts(prefix_values: dict[str, int], currency: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in prefix_values.items():
        out[name] = value
        out[f"{name}_formatted"] = format_amount(value, currency)
    return out


def wallet_body(wallet: Wallet, now: int) -> dict[str, Any]:
    """`wallet` must be settled as of `now` (a command's working copy, or `Wallet.view(now)`)."""
    b = wallet.balances()
    cur = wallet.currency
    soon = wallet.expiring_soon(now)
    next_expiry = wallet.next_expiry()
    auto = wallet.settings.get("auto_top_up")
    return {
        "id": wallet.id,
        "object": "wallet",
        "customer_id": wallet.customer_id,
        "currency": cur,
        "status": wallet.status,
        "gateway_customer_id": wallet.gateway_customer_id,
        **_amounts(
            {
                "balance": b.balance,
                "pending": b.pending,
                "available": b.available,
                "withdrawable": b.withdrawable,
                "expiring_soon": soon,
            },
            cur,
        ),
        "next_expiry_at": to_iso(next_expiry),
        "expires_at": to_iso(wallet.expires_at),
        "balances_by_type": {
            t: {"amount": b.by_type.get(t, 0), "amount_formatted": format_amount(b.by_type.get(t, 0), cur)}
            for t in FUNDING_TYPES
        },
        # Unscoped first; a scoped credit pays only for debits and holds naming one of its categories.
        "balances_by_scope": [
            {
                "applies_to": list(scope) if scope is not None else None,
                **_amounts({"balance": balance, "available": available}, cur),
            }
            for scope, (balance, available) in sorted(
                b.by_scope.items(), key=lambda kv: (kv[0] is not None, kv[0] or ())
            )
        ],
        "settings": {
            "low_balance_threshold": wallet.settings.get("low_balance_threshold"),
            "credit_expiry_days": wallet.settings.get("credit_expiry_days"),
            "expiry_warning_days": wallet.settings.get("expiry_warning_days"),
            "allow_top_up": bool(wallet.settings.get("allow_top_up", True)),
            "top_up_amounts": list(wallet.settings.get("top_up_amounts") or []),
            "max_bonus_percent": int(wallet.settings["max_bonus_percent"]),
            "auto_top_up": {"payment_method": None, **auto} if auto else None,
        },
        "auto_top_up_status": auto_top_up_status(wallet) if auto else None,
        "metadata": dict(wallet.metadata),
        "created_at": to_iso(wallet.created_at),
        "updated_at": to_iso(wallet.updated_at),
    }


def auto_top_up_status(wallet: Wallet) -> dict[str, Any]:
    """Whether the configured automatic top-up is suspended, why, since when: suspension follows
    `Wallet.AUTO_TOP_UP_MAX_FAILURES` failed charges in a row and lasts until the merchant saves
    `auto_top_up` again, whether it is switched on or off meanwhile."""
    state = wallet.auto_top_up_state
    suspended = bool(state.get("suspended"))
    return {
        "suspended": suspended,
        "reason": "payment_failed" if suspended else None,
        "suspended_at": to_iso(int(state["suspended_at"]))
        if suspended and state.get("suspended_at")
        else None,
        "failed_attempts": int(state.get("failures") or 0),
    }


def transaction_body(wallet_id: str, currency: str, entry: Entry, refunded_amount: int = 0) -> dict[str, Any]:
    breakdown = entry.breakdown
    body: dict[str, Any] = {
        "id": entry.id,
        "object": "transaction",
        "wallet_id": wallet_id,
        "type": entry.type,
        "currency": currency,
        **_amounts(
            {
                "amount": entry.amount,
                "balance_after": entry.balance_after,
                "available_after": entry.available_after,
                "pending_after": entry.pending_after,
            },
            currency,
        ),
        "breakdown": {t: breakdown[t] for t in FUNDING_TYPES if t in breakdown},
        "category": entry.details.get("category"),
        "scopes": [
            {**s, "amount_formatted": format_amount(s["amount"], currency)}
            for s in by_scope(entry.allocations)
        ],
        "lots": [
            {
                "lot_id": a.lot_id,
                "funding_type": a.funding_type,
                "amount": a.amount,
                "amount_formatted": format_amount(a.amount, currency),
                "expires_at": to_iso(a.expires_at),
            }
            for a in entry.allocations
        ],
        "description": entry.description,
        "reason": entry.reason,
        "reference": entry.reference,
        "metadata": dict(entry.metadata),
        "hold_id": entry.hold_id,
        "original_transaction_id": entry.original_transaction_id,
        "top_up_id": entry.top_up_id,
        "actor": entry.actor,
        "created_at": to_iso(entry.created_at),
    }
    details = dict(entry.details)
    if entry.type == "debit":
        body.update(
            _amounts(
                {
                    "requested_amount": int(details.get("requested_amount", entry.amount)),
                    "applied_amount": int(details.get("applied_amount", entry.amount)),
                    "unapplied_amount": int(details.get("unapplied_amount", 0)),
                    "charged_amount": int(details.get("charged_amount", 0)),
                },
                currency,
            )
        )
        body["charge_id"] = details.get("charge_id")
    if entry.type in ("debit", "capture"):
        body.update(_amounts({"refunded_amount": refunded_amount}, currency))
    if entry.type == "capture":
        body.update(_amounts({"released_amount": int(details.get("released_amount", 0))}, currency))
    if details.get("code_id"):
        body["code_id"], body["code_last4"] = details["code_id"], details.get("code_last4")
    if entry.type == "adjustment":
        body["adjustment_direction"] = details.get("direction", "increase")
    if entry.type == "close":
        body.update(
            _amounts(
                {
                    "refund_due": int(details.get("refund_due", 0)),
                    "forfeited": int(details.get("forfeited", 0)),
                },
                currency,
            )
        )
    if entry.type == "top_up":
        body.update(
            _amounts(
                {
                    "paid_amount": int(details.get("paid_amount", entry.amount)),
                    "bonus_amount": int(details.get("bonus_amount", 0)),
                },
                currency,
            )
        )
    return body


def closing_body(transaction: dict[str, Any], payout: dict[str, Any] | None) -> dict[str, Any]:
    """A close transaction as shown: its `refund_due` is what is still owed to the customer, one
    number wherever it appears. With a payout (refunds to the payments) that is the payout's
    `refund_due`; what the wallet owed when it closed stays the payout's `amount`."""
    if payout is None:
        return transaction
    return {**transaction, **_amounts({"refund_due": int(payout["refund_due"])}, transaction["currency"])}


def lots_body(wallet: Wallet, now: int) -> dict[str, Any]:
    """Live lots of a settled wallet, in consumption order (the order debits spend them)."""
    held = wallet.held_by_lot()
    warn_ms = wallet.warn_ms()
    data = []
    for lot in consumption_order(wallet.lots.values()):
        data.append(
            {
                "id": lot.id,
                "object": "lot",
                "wallet_id": wallet.id,
                "funding_type": lot.funding_type,
                "withdrawable": lot.can_withdraw(),
                "applies_to": list(lot.applies_to) if lot.applies_to is not None else None,
                **_amounts(
                    {"amount": lot.amount, "remaining": lot.remaining, "held": held.get(lot.id, 0)},
                    wallet.currency,
                ),
                "expires_at": to_iso(lot.expires_at),
                "expiring_soon": lot.expires_at is not None and lot.expires_at - warn_ms <= now,
                "transaction_id": lot.source_transaction_id,
                "created_at": to_iso(lot.created_at),
            }
        )
    return {"data": data, "has_more": False, "next_cursor": None}


def hold_body(
    wallet_id: str,
    currency: str,
    hold_id: str,
    status: str,
    amount: int,
    expires_at: int,
    created_at: int,
    captured: int = 0,
    released: int = 0,
    reference: str | None = None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
    transaction_id: str | None = None,
    actor: str | None = None,
) -> dict[str, Any]:
    return {
        "id": hold_id,
        "object": "hold",
        "wallet_id": wallet_id,
        "status": status,
        "currency": currency,
        **_amounts(
            {"amount": amount, "captured_amount": captured, "released_amount": released},
            currency,
        ),
        "expires_at": to_iso(expires_at),
        "reference": reference,
        "description": description,
        "metadata": dict(metadata or {}),
        "transaction_id": transaction_id,
        "actor": actor,
        "created_at": to_iso(created_at),
    }


def balance_body(wallet: Wallet) -> dict[str, Any]:
    b = wallet.balances()
    return {
        "object": "balance",
        "customer_id": wallet.customer_id,
        "currency": wallet.currency,
        "wallet_id": wallet.id,
        "status": wallet.status,
        **_amounts({"amount": b.balance, "available": b.available, "pending": b.pending}, wallet.currency),
    }


def page(data: list[Any], next_cursor: str | None) -> dict[str, Any]:
    return {"data": data, "has_more": next_cursor is not None, "next_cursor": next_cursor}
