"""Wallet events from the table's stream (transactional outbox): an event exists iff its write did.

`events_from_record` is a pure function of one stream record (old and new images), so redelivery
yields the same events with the same `event_id`s for consumer dedupe.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from wallets import stream
from wallets.clock import to_iso
from wallets.items import (
    TableItem,
    TopUpItem,
    TransactionItem,
    WalletItem,
    entry_from_item,
    plain,
    wallet_from_item,
)
from wallets.lots import by_scope
from wallets.money import format_amount
from wallets.observability import logger
from wallets.wallet import Wallet

SOURCE = "wallets"

TRANSACTION_EVENTS = {
    "credit": "wallet.credited",
    "top_up": "wallet.topped_up",
    "debit": "wallet.payment_made",
    "void": "wallet.voided",
    "refund": "wallet.refunded",
    "expiry": "wallet.credit_expired",
    "hold": "hold.created",
    "capture": "hold.captured",
    "close": "wallet.closed",  # and wallet.expired when the wallet's own expiry closed it
    "adjustment": "wallet.adjusted",
}

CATALOGUE = sorted(
    {
        *TRANSACTION_EVENTS.values(),
        "hold.released",
        "hold.expired",
        "wallet.created",
        "wallet.updated",
        "wallet.frozen",
        "wallet.unfrozen",
        "wallet.balance_low",
        "wallet.credit_expiring",
        "wallet.auto_top_up_due",
        "wallet.auto_top_up_succeeded",
        "wallet.auto_top_up_failed",
        "wallet.auto_top_up_suspended",
        "wallet.auto_top_up_resumed",
        "wallet.expired",
        "code.redeemed",
    }
)


@dataclass(frozen=True)
class Event:
    name: str
    detail: dict[str, Any]

    def entry(self, bus: str) -> dict[str, Any]:
        return {
            "Source": SOURCE,
            "DetailType": self.name,
            "Detail": json.dumps(self.detail, ensure_ascii=False),
            "EventBusName": bus,
        }


def _event_id(*parts: object) -> str:
    return "evt_" + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def _event(
    name: str,
    key: tuple[object, ...],
    wallet_id: str,
    customer_id: str | None,
    currency: str | None,
    occurred_at: int,
    **data: Any,
) -> Event:
    detail = {
        "event_id": _event_id(name, *key),
        "wallet_id": wallet_id,
        "customer_id": customer_id,
        "currency": currency,
        "occurred_at": to_iso(occurred_at),
        **data,
    }
    return Event(name, detail)


def _image(record: dict[str, Any], which: str) -> TableItem | None:
    raw = record.get("dynamodb", {}).get(which)
    # A malformed image raises: the record is reported failed, retried, then sent to the failure queue.
    return TableItem.from_raw_data(raw) if raw else None


def events_from_record(record: dict[str, Any]) -> list[Event]:
    new, old = _image(record, "NewImage"), _image(record, "OldImage")
    if isinstance(new, TransactionItem) and old is None:
        return _transaction_events(new)
    if isinstance(new, WalletItem):
        return _wallet_events(
            wallet_from_item(old) if isinstance(old, WalletItem) else None,
            wallet_from_item(new),
            int(old.available) if isinstance(old, WalletItem) else None,
            int(new.available),
            plain(new.warned) or {},
        )
    if isinstance(new, TopUpItem) and isinstance(old, TopUpItem):
        return _top_up_events(old, new)
    return []


def _amounts(amount: int, currency: str, **more: int) -> dict[str, Any]:
    out: dict[str, Any] = {"amount": amount, "amount_formatted": format_amount(amount, currency)}
    for k, v in more.items():
        out[k], out[f"{k}_formatted"] = v, format_amount(v, currency)
    return out


def _transaction_events(item: TransactionItem) -> list[Event]:
    entry = entry_from_item(item)
    name = TRANSACTION_EVENTS.get(entry.type)
    if entry.type == "release":
        name = "hold.expired" if entry.reason == "expired" else "hold.released"
    if name is None:
        return []
    data: dict[str, Any] = {
        "transaction_id": entry.id,
        "transaction_type": entry.type,
        **_amounts(
            entry.amount,
            item.currency,
            balance_after=entry.balance_after,
            available_after=entry.available_after,
        ),
        "breakdown": entry.breakdown,
        "scopes": by_scope(entry.allocations),
        "lots": [a.to_dict() for a in entry.allocations],
        "reference": entry.reference,
        "reason": entry.reason,
        "hold_id": entry.hold_id,
        "original_transaction_id": entry.original_transaction_id,
        "top_up_id": entry.top_up_id,
        "actor": entry.actor,
        "metadata": entry.metadata,
        **{k: v for k, v in entry.details.items() if k != "automatic"},
    }
    out = [
        _event(name, (entry.id,), item.wallet_id, item.customer_id, item.currency, entry.created_at, **data)
    ]
    if entry.details.get("code_id"):
        out.append(
            _event(
                "code.redeemed",
                (entry.id,),
                item.wallet_id,
                item.customer_id,
                item.currency,
                entry.created_at,
                **data,
            )
        )
    if entry.type == "close" and entry.reason == "expired":
        out.append(
            _event(
                "wallet.expired",
                (entry.id,),
                item.wallet_id,
                item.customer_id,
                item.currency,
                entry.created_at,
                **data,
            )
        )
    if entry.type == "top_up" and entry.details.get("automatic"):
        out.append(
            _event(
                "wallet.auto_top_up_succeeded",
                (entry.id,),
                item.wallet_id,
                item.customer_id,
                item.currency,
                entry.created_at,
                **data,
            )
        )
    return out


def _wallet_events(
    old: Wallet | None,
    new: Wallet,
    old_available: int | None,
    new_available: int,
    warned: dict[str, dict[str, Any]],
) -> list[Event]:
    """Events of a wallet item's write; `warned`: the lots it warned of (stored with the item, as
    the lots themselves may be in the item or in its cold pages)."""
    key = (new.id, new.version)
    at = new.updated_at

    def ev(name: str, *extra_key: object, **data: Any) -> Event:
        return _event(name, key + extra_key, new.id, new.customer_id, new.currency, at, **data)

    if old is None:
        return [ev("wallet.created", status=new.status)]
    out: list[Event] = []
    if old.status != new.status and new.status in ("frozen", "active"):
        out.append(ev("wallet.frozen" if new.status == "frozen" else "wallet.unfrozen", status=new.status))
    if old.settings != new.settings or old.metadata != new.metadata or old.expires_at != new.expires_at:
        out.append(
            ev(
                "wallet.updated",
                settings=new.settings,
                metadata=new.metadata,
                expires_at=to_iso(new.expires_at),
            )
        )
    threshold = new.settings.get("low_balance_threshold")
    if (
        threshold is not None
        and old_available is not None
        and old_available >= threshold > new_available
        and new.status != "closed"  # closing is not a low balance
    ):
        out.append(
            ev(
                "wallet.balance_low",
                **_amounts(new_available, new.currency, threshold=int(threshold)),
                available=new_available,
                available_formatted=format_amount(new_available, new.currency),
            )
        )
    for lot_id, lot in sorted(warned.items()):
        out.append(
            ev(
                "wallet.credit_expiring",
                lot_id,
                lot_id=lot_id,
                funding_type=lot["t"],
                expires_at=to_iso(lot["e"]),
                # What expires unless spent; what pending holds reserve expires too if released.
                **_amounts(lot["r"] - lot["h"], new.currency, held_amount=lot["h"]),
            )
        )
    old_state, new_state = old.auto_top_up_state, new.auto_top_up_state
    due_at = new_state.get("due_at")
    if due_at is not None and old_state.get("due_at") is None and int(due_at) <= new.updated_at:
        # The write that crossed the threshold: an EventBridge rule starts the top-up from this event
        # within seconds (template.yaml); the 5-minute schedule stays the safety net. Top-ups due later
        # (a retry's backoff, the cooldown) are the schedule's.
        cfg = new.auto_top_up_config() or {}
        out.append(
            ev(
                "wallet.auto_top_up_due",
                **_amounts(
                    int(cfg.get("amount", 0)),
                    new.currency,
                    threshold=int(cfg.get("threshold", 0)),
                    available=new_available,
                ),
            )
        )
    if new_state.get("suspended") and not old_state.get("suspended"):
        out.append(ev("wallet.auto_top_up_suspended", failures=new_state.get("failures")))
    if new_state.get("resumed_at") and new_state.get("resumed_at") != old_state.get("resumed_at"):
        out.append(ev("wallet.auto_top_up_resumed"))
    return out


# What a pending automatic top-up may become when it will not credit: `failed` (declined, no saved
# card...), or `refunding` (charged, but the wallet closed or settling hit a limit meanwhile: the
# charge goes back). Either is the write that counts the wallet's failure (topups._finish), so either
# is the one `wallet.auto_top_up_failed`; `refunding -> refunded` that follows is not another failure.
AUTO_TOP_UP_FAILED = ("failed", "refunding")


def _top_up_events(old: TopUpItem, new: TopUpItem) -> list[Event]:
    if not (new.automatic and old.status == "pending" and new.status in AUTO_TOP_UP_FAILED):
        return []
    currency = new.currency or ""
    return [
        _event(
            "wallet.auto_top_up_failed",
            (new.top_up_id,),
            new.wallet_id,
            new.customer_id,
            new.currency,
            int(new.updated_at),
            top_up_id=new.top_up_id,
            status=new.status,  # `refunding`: the card was charged and the charge is being refunded
            failure_code=new.failure_code,
            failure_message=new.failure_message,
            **_amounts(int(new.amount), currency),
        )
    ]


_client: Any = None


def _bus_client(client: Any) -> Any:
    global _client
    if client is not None:
        return client
    if _client is None:
        import boto3

        _client = boto3.client("events")
    return _client


def publish(events: list[Event], bus: str, client: Any = None) -> None:
    """Put events on the bus one PutEvents call each, in order; a rejected entry raises.

    One entry per call: EventBridge may accept some entries of a call and reject others, and an
    accepted entry after a rejected one would be delivered before it. Billing is per entry either way.
    """
    client = _bus_client(client)
    for event in events:
        result = client.put_events(Entries=[event.entry(bus)])
        if result.get("FailedEntryCount"):
            raise RuntimeError(f"EventBridge rejected {event.name}: {result.get('Entries')}")


def publish_records(records: list[dict[str, Any]], bus: str, client: Any = None) -> list[str]:
    """Publish the events of stream records in order, stopping at the first record that fails.

    Returns the sequence numbers of that record and of every record after it (empty when all were
    published): reported as batch item failures, the stream retries from the first of them, so no
    event of a wallet is ever delivered after a later one. Events published before the failure are
    published again on the retry, with the same `event_id`s.
    """
    for i, record in enumerate(records):
        try:
            publish(events_from_record(record), bus, client)
        except Exception:
            logger.exception(
                "publishing a stream record failed; it and the records after it are retried",
                extra={
                    "sequence_number": record["dynamodb"]["SequenceNumber"],
                    "held_back": len(records) - i,
                },
            )
            return [r["dynamodb"]["SequenceNumber"] for r in records[i:]]
    return []


def redrive(failure: dict[str, Any], bus: str, client: Any = None, streams: Any = None) -> int:
    """Publish again the records a stream event source gave up on, read back from the stream.

    `failure` is the message its on-failure destination received (`DDBStreamBatchInfo`: shard and
    sequence range, not the records). Raises unless every record of the range was published, so the
    message stays queued and is tried again while the stream still holds the records (24 hours)."""
    info = failure["DDBStreamBatchInfo"]
    records = stream.read_range(
        info["streamArn"], info["shardId"], info["startSequenceNumber"], info["endSequenceNumber"], streams
    )
    failed = 0
    for record in records:  # each on its own: these are already out of order, and one poison
        failed += bool(publish_records([record], bus, client))  # record must not hold back the rest
    if failed:
        raise RuntimeError(f"{failed} of {len(records)} redriven stream records failed again")
    return len(records)
