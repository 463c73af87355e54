"""The customer API (`/me`): what an end customer may do with their own wallets, nothing more.

The customer id comes from the verified token (http.me), never from the request. A wallet of
another customer is answered exactly as a wallet that does not exist (404), so ids reveal nothing.
A customer can read their wallets, transactions, lots, holds and top-ups; top up by the amounts the
merchant allows (`allow_top_up`, `top_up_amounts`), save a card, and turn automatic top-up on or
off within the merchant's settings. Credits, debits, voids, refunds, freezes and grants stay
backend-only.

Every answer leaves through `for_customer`, which keeps what the merchant wrote for itself out of
it: metadata (always `{}`), references and the reasons it gives; who acted is the customer, the jobs or
`merchant`. `description` is the one text a merchant writes for the customer, and it shows.

Topping up and saving a card take the gateway from their handler (`wiring.get_gateway()`); the reads
never reach one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from wallets import clock, errors, ledger, repository, topups, views
from wallets.clock import DAY_MS
from wallets.gateway import PaymentGateway
from wallets.items import DeclinedTopUpsItem, wallet_pk
from wallets.ledger import Idempotency, Outcome, Response
from wallets.observability import logger
from wallets.wallet import Wallet


def owned(customer_id: str, wallet_id: str) -> Wallet:
    """The customer's wallet, or 404 for a wallet that is missing or someone else's."""
    try:
        wallet = repository.get_wallet(wallet_id)
    except errors.NotFound:
        wallet = None
    if wallet is None or wallet.customer_id != customer_id:
        raise errors.NotFound(f"No such wallet: {wallet_id}")
    return wallet


def wallets(customer_id: str) -> dict[str, Any]:
    now = clock.now_ms()
    found = repository.get_wallets(sorted(repository.customer_wallet_ids(customer_id), reverse=True))
    data = [views.wallet_body(ledger.shown(w, now), now) for w in found]
    return for_customer({"object": "list", "data": data, "has_more": False, "next_cursor": None})


def wallet(customer_id: str, wallet_id: str) -> dict[str, Any]:
    now = clock.now_ms()
    return for_customer(views.wallet_body(ledger.shown(owned(customer_id, wallet_id), now), now))


def transactions(
    customer_id: str, wallet_id: str, type_: str | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    """The history, newest first (the ownership check's read of the wallet is the list's)."""
    found = owned(customer_id, wallet_id)
    return for_customer(ledger.list_transactions(found.id, type_, None, None, limit, cursor, found))


def lots(customer_id: str, wallet_id: str) -> dict[str, Any]:
    found = owned(customer_id, wallet_id)
    return for_customer(ledger.list_lots(found.id, found))


def holds(
    customer_id: str, wallet_id: str, status: str | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    found = owned(customer_id, wallet_id)
    return for_customer(ledger.list_holds(found.id, status, limit, cursor, found))


def top_up(
    customer_id: str,
    wallet_id: str,
    amount: int,
    payment_method: str,
    idem: Idempotency | None,
    gateway: PaymentGateway,
) -> Response:
    """A top-up by the customer: only when the merchant allows it, and by one of the amounts the
    merchant offers when it set any (403 top_up_not_allowed otherwise), and while the wallet has
    declines left today (429 too_many_attempts, `_DeclineDay`). `payment_method: saved_card` pays
    with the card saved with the wallet (`_saved_card`). A retry with the same
    Idempotency-Key gets the first answer even if the merchant changed the settings since."""
    found = owned(customer_id, wallet_id)
    if idem is not None and repository.get_idempotency(idem.key) is not None:
        return _for_customer(topups.create(wallet_id, amount, payment_method, idem=idem, gateway=gateway))
    if not found.settings.get("allow_top_up", True):
        raise errors.TopUpNotAllowed("Top-ups are disabled for this wallet")
    offered = [int(a) for a in found.settings.get("top_up_amounts") or []]
    if offered and amount not in offered:
        raise errors.TopUpNotAllowed(
            f"Top up by one of the offered amounts: {offered}", {"top_up_amounts": offered}
        )
    if payment_method == topups.SAVED_CARD:
        payment_method = _saved_card(found, gateway)
    day = _DeclineDay.of(wallet_id, clock.now_ms())
    day.take()
    declined = False
    try:
        return _for_customer(topups.create(wallet_id, amount, payment_method, idem=idem, gateway=gateway))
    except errors.PaymentFailed:
        declined = True
        raise
    finally:
        if not declined:
            day.give_back()


def _saved_card(wallet: Wallet, gateway: PaymentGateway) -> str:
    """The card saved with the wallet (`payment_method: saved_card`): its gateway customer's default,
    which a confirmed SetupIntent sets and automatic top-ups charge. Paying with it again starts no
    SetupIntent, so adding funds is not bounded by the day's card setups. None saved: 422."""
    customer = wallet.gateway_customer_id
    try:
        method = gateway.default_payment_method(customer) if customer else None
    except Exception as exc:
        logger.exception(
            "the payment gateway did not say which card is saved", extra={"wallet_id": wallet.id}
        )
        raise errors.Unavailable("The payment gateway did not answer; nothing was charged. Retry.") from exc
    if method is None:
        raise errors.field_error(
            "payment_method", "no card is saved with this wallet yet: pay with a new card"
        )
    return method


MAX_DECLINED_TOP_UPS_PER_DAY = 10  # per wallet and UTC day, as card setups (Wallet.MAX_CARD_SETUPS_PER_DAY)


@dataclass(frozen=True)
class _DeclineDay:
    """Card testing through /me top-ups: each decline tells whoever holds a customer's token whether
    a card works, and costs a PaymentIntent at the gateway. A wallet gets MAX_DECLINED_TOP_UPS_PER_DAY
    declined customer top-ups a UTC day (`WAL#<id>` / `TOPUPFAIL#<day start>`, TTL).

    Each attempt takes a slot by one conditional update BEFORE the gateway is asked, and gives it
    back unless it was declined (402): so attempts sent at once never reach the gateway more than
    the limit, and what credits (201), awaits the customer's bank (202) or is refused before any
    charge uses nothing up. Past the limit every top-up of the wallet is 429 until the day ends.
    A decline that arrives later (a webhook after 3-D Secure) is not counted: it took the
    cardholder's bank to get there. The merchant's own top-ups (`POST /wallets/{id}/top-ups`) and
    automatic ones are not bounded here."""

    wallet_id: str
    start_ms: int
    now_ms: int

    @classmethod
    def of(cls, wallet_id: str, now_ms: int) -> _DeclineDay:
        return cls(wallet_id, now_ms - now_ms % DAY_MS, now_ms)

    def _item(self) -> DeclinedTopUpsItem:
        repository.bind()
        return DeclinedTopUpsItem(wallet_pk(self.wallet_id), f"TOPUPFAIL#{self.start_ms}")

    def take(self) -> None:
        end = self.start_ms + DAY_MS
        below = DeclinedTopUpsItem.attempts.does_not_exist() | (
            DeclinedTopUpsItem.attempts < MAX_DECLINED_TOP_UPS_PER_DAY
        )
        actions: list[Action] = [
            DeclinedTopUpsItem.kind.set(DeclinedTopUpsItem),
            DeclinedTopUpsItem.attempts.add(1),
            DeclinedTopUpsItem.expires.set(datetime.fromtimestamp(end / 1000, tz=UTC)),
        ]
        try:
            self._item().update(actions=actions, condition=below)
        except UpdateError as exc:
            if repository.response_code(exc) == "ConditionalCheckFailedException":
                retry_after = -(-(end - self.now_ms) // 1000)  # whole seconds, rounded up
                raise errors.TooManyAttempts(
                    f"Too many declined payments for this wallet today; retry in {retry_after} s",
                    retry_after,
                ) from None
            raise errors.Unavailable("The top-up could not be checked; nothing was charged. Retry.") from exc

    def give_back(self) -> None:
        """Not declined: the slot is free again. Should this write fail, the slot stays taken (the
        day ends sooner for this wallet), which errs on the side of charging less."""
        try:
            self._item().update(actions=[DeclinedTopUpsItem.attempts.add(-1)])
        except UpdateError:
            logger.exception("a top-up's attempt was not given back", extra={"wallet_id": self.wallet_id})


def get_top_up(customer_id: str, wallet_id: str, top_up_id: str) -> dict[str, Any]:
    owned(customer_id, wallet_id)
    return for_customer(topups.get(wallet_id, top_up_id))


def setup_card(
    customer_id: str, wallet_id: str, idem: Idempotency | None, gateway: PaymentGateway
) -> Response:
    """Start saving a card for top-ups (a SetupIntent): only where the merchant allows top-ups (403
    top_up_not_allowed), and at most `Wallet.MAX_CARD_SETUPS_PER_DAY` a wallet a day (409
    limit_exceeded), counted before the gateway is asked.

    The Idempotency-Key is reserved in the transaction that counts the setup (its record answers
    `_RESERVED` until the gateway's answer replaces it): retries of one key, at once or later, use
    one slot. The gateway is asked with a key derived from it, so every retry of a reserved key (a
    concurrent one, or one after the gateway failed or the answer was lost) gets the same
    SetupIntent and counts nothing. A setup sent without a key that the gateway fails keeps its
    slot: nothing could give it back to the one request that may retry it."""
    found = owned(customer_id, wallet_id)
    if idem is not None:
        record = repository.get_idempotency(idem.key)
        if record is not None:
            status, body = ledger.from_record(record, idem)
            if body.get("object") != _RESERVED:
                return _for_customer((status, body))
            return _ask_gateway(wallet_id, idem, gateway)
    if not found.settings.get("allow_top_up", True):
        raise errors.TopUpNotAllowed("Top-ups are disabled for this wallet")

    def count(work: Wallet, now: int) -> Outcome:
        work.count_card_setup(now)
        return Outcome(202, {"object": _RESERVED, "wallet_id": work.id})

    status, body = ledger.run(
        ledger.prefetched(found, lambda: repository.get_wallet(wallet_id)), count, idem=idem
    )
    if body.get("object") != _RESERVED:  # a retry of the key was answered in the meantime
        return _for_customer((status, body))
    return _ask_gateway(wallet_id, idem, gateway)


_RESERVED = "card_setup_reserved"  # a card setup's idempotency record until the gateway answers


def _ask_gateway(wallet_id: str, idem: Idempotency | None, gateway: PaymentGateway) -> Response:
    """The SetupIntent of a counted setup; its answer replaces the key's reservation."""
    key = None if idem is None else "setup_" + hashlib.sha256(f"{wallet_id}|{idem.key}".encode()).hexdigest()
    status, body = topups.setup_saved_card(wallet_id, gateway, key=key)
    if idem is not None:
        _record_answer(idem, status, body)
    return _for_customer((status, body))


def _record_answer(idem: Idempotency, status: int, body: dict[str, Any]) -> None:
    """Replace the reservation: retries of the same key (the same SetupIntent) all write the same."""
    answer = repository.idempotency_item(idem.key, idem.fingerprint, status, body, clock.now_ms())
    repository.write([("idempotency_final", answer, None)], [])


# The merchant's own fields of an object: what it wrote for itself, never for the customer. No key
# of metadata can be made public: one rule and nothing to misconfigure, as Stripe's customer portal
# shows no metadata; a merchant tells the customer something through `description`. A reason is
# the merchant's on the transactions it gives one for; the service's own (a hold `expired`, credit
# released because the wallet closed) still show.
_MERCHANTS_OWN = {"transaction": ("reference",), "hold": ("reference",)}
_MERCHANT_REASONS = ("adjustment", "void", "refund")
_CUSTOMER_ACTORS = ("scheduler", "system")


def for_customer(body: Any) -> Any:
    """What a customer may see of an answer, at any depth (a top-up's transaction, a close's): no
    metadata, references or the merchant's reasons, and who acted is themselves, the jobs or `merchant` (never the
    merchant's IAM principals, which name its AWS account and roles)."""
    if isinstance(body, list):
        return [for_customer(item) for item in body]
    if not isinstance(body, dict):
        return body
    out = {key: for_customer(value) for key, value in body.items()}
    if "metadata" in out:
        out["metadata"] = {}
    for key in _MERCHANTS_OWN.get(str(out.get("object")), ()):
        if key in out:
            out[key] = None
    if out.get("object") == "transaction" and out.get("type") in _MERCHANT_REASONS:
        out["reason"] = None
    actor = out.get("actor")
    if isinstance(actor, str) and not actor.startswith("customer:") and actor not in _CUSTOMER_ACTORS:
        out["actor"] = "merchant"
    return out


def _for_customer(response: Response) -> Response:
    status, body = response
    return status, for_customer(body)


def set_auto_top_up(
    customer_id: str, wallet_id: str, enabled: bool, amount: int | None, idem: Idempotency | None
) -> Response:
    """Turn automatic top-up on or off. The merchant sets it up (threshold, limits); the customer may
    only switch it, and pick its amount among the offered `top_up_amounts`. Switching off is always
    allowed, suspended or not; a suspension (after failed charges) stays the merchant's to lift
    (`Wallet.switch_auto_top_up`). Checked on the wallet the change is written to (one transaction)."""
    owned(customer_id, wallet_id)

    def action(work: Wallet, now: int) -> Outcome:
        if enabled and not work.settings.get("allow_top_up", True):
            raise errors.TopUpNotAllowed("Top-ups are disabled for this wallet")
        if amount is not None:
            offered = [int(a) for a in work.settings.get("top_up_amounts") or []]
            if amount not in offered:
                raise errors.TopUpNotAllowed(
                    f"Choose one of the offered amounts: {offered}", {"top_up_amounts": offered}
                )
        work.settle(now)
        work.switch_auto_top_up(now, enabled, amount)
        return Outcome(200, views.wallet_body(work, now))

    return _for_customer(ledger.run(lambda: repository.get_wallet(wallet_id), action, idem=idem))
