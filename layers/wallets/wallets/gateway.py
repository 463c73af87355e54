"""The payment gateway port, and the sandbox gateway shipped as the default.

A top-up charges through `PaymentGateway.charge` with the top-up id as the idempotency key, so a
repeated charge for the same top-up never charges twice; `retrieve` answers "what happened to the
charge with this key" for the recovery pass. A Stripe adapter implements the same three methods
(PaymentIntents with `idempotency_key`, looked up by the top-up id kept in their metadata).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Charge:
    id: str
    status: str  # succeeded | failed
    amount: int
    currency: str
    failure_code: str | None = None
    failure_message: str | None = None


class GatewayTimeout(Exception):
    """The gateway did not answer in time; the charge may or may not have happened."""


class PaymentGateway(Protocol):
    def charge(
        self, key: str, amount: int, currency: str, payment_method: str, description: str
    ) -> Charge: ...

    def retrieve(self, key: str) -> Charge | None: ...

    def refund(self, key: str) -> None: ...


class SandboxGateway:
    """Deterministic test cards, with charges kept in the wallets table (`SANDBOX#<key>`) so that a
    recovery run in another process sees what an earlier process charged.

    - `pm_card_visa` (and any other `pm_card_*`): succeeds
    - `pm_card_declined`: declined (`card_declined`)
    - `pm_card_insufficient_funds`: declined (`insufficient_funds`)
    - `pm_card_timeout`: the charge succeeds, then the answer times out
    """

    DECLINES = {
        "pm_card_declined": ("card_declined", "Your card was declined."),
        "pm_card_insufficient_funds": ("insufficient_funds", "Your card has insufficient funds."),
    }

    def charge(self, key: str, amount: int, currency: str, payment_method: str, description: str) -> Charge:
        from wallets.items import SandboxChargeItem

        existing = self.retrieve(key)
        if existing is not None:
            return existing  # idempotent on the key, as a real gateway is
        code, message = self.DECLINES.get(payment_method, (None, None))
        charge = Charge(
            id="ch_" + hashlib.sha256(key.encode()).hexdigest()[:24],
            status="failed" if code else "succeeded",
            amount=amount,
            currency=currency,
            failure_code=code,
            failure_message=message,
        )
        item = SandboxChargeItem(
            f"SANDBOX#{key}",
            "CHARGE",
            charge_id=charge.id,
            status=charge.status,
            amount=amount,
            currency=currency,
            payment_method=payment_method,
            failure_code=code,
            failure_message=message,
        )
        try:
            item.save(condition=SandboxChargeItem.pk.does_not_exist())
        except Exception:  # a concurrent charge with the same key won: answer with it
            stored = self.retrieve(key)
            if stored is None:
                raise
            return stored
        if payment_method == "pm_card_timeout":
            raise GatewayTimeout("the gateway charged the card but its answer was lost")
        return charge

    def retrieve(self, key: str) -> Charge | None:
        from pynamodb.exceptions import DoesNotExist

        from wallets import repository
        from wallets.items import SandboxChargeItem

        repository.bind()
        try:
            item = SandboxChargeItem.get(f"SANDBOX#{key}", "CHARGE", consistent_read=True)
        except DoesNotExist:
            return None
        return Charge(
            item.charge_id,
            item.status,
            int(item.amount),
            item.currency,
            item.failure_code,
            item.failure_message,
        )

    def refund(self, key: str) -> None:
        """Refund the charge made with this key; refunding it again is a no-op, as with a real gateway
        called with the same idempotency key."""
        from pynamodb.exceptions import UpdateError

        from wallets.items import SandboxChargeItem

        try:
            SandboxChargeItem(f"SANDBOX#{key}", "CHARGE").update(
                actions=[SandboxChargeItem.status.set("refunded")],
                condition=SandboxChargeItem.status.is_in("succeeded", "refunded"),
            )
        except UpdateError as exc:
            raise RuntimeError(f"no refundable sandbox charge for {key}") from exc


def get_gateway() -> PaymentGateway:
    from wallets.settings import get_settings

    name = get_settings().payment_gateway
    if name == "sandbox":
        return SandboxGateway()
    raise RuntimeError(f"unknown PAYMENT_GATEWAY {name!r}")
