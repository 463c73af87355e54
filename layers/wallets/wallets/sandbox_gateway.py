"""The sandbox payment gateway: a stand-in for development and tests, never for real money.

An adapter of the port (gateway.py), as stripe_gateway.py is; wiring.py chooses it when
`PAYMENT_GATEWAY` is `sandbox` (the default). Its intents live in the wallets table.
"""

from __future__ import annotations

import contextlib
import hashlib
from typing import Any

from wallets.gateway import (
    FAILED,
    SUCCEEDED,
    UNCONFIRMED,
    Charge,
    GatewayTimeout,
    RefundRefused,
    Setup,
)


class SandboxGateway:
    """A stand-in gateway for development and tests, never for real money (a prod stack refuses it).
    Intents are kept in the wallets table (`SANDBOX#<intent id>`), so that a recovery run in another
    process sees what an earlier process charged.

    - `pm_card_visa` (and any other `pm_card_*`): succeeds
    - `pm_card_declined`: declined (`card_declined`)
    - `pm_card_insufficient_funds`: declined (`insufficient_funds`)
    - `pm_card_authentication_required`: succeeds on session (as if the customer authenticated);
      off session, declined with `authentication_required`, as Stripe declines such a card
    - `pm_card_timeout`: the charge succeeds, then the answer times out

    Its customers (`cus_sandbox_…`) all have `pm_card_visa` saved as their default payment method.
    """

    name = "sandbox"
    DECLINES = {
        "pm_card_declined": ("card_declined", "Your card was declined."),
        "pm_card_insufficient_funds": ("insufficient_funds", "Your card has insufficient funds."),
    }
    OFF_SESSION_DECLINES = {
        "pm_card_authentication_required": (
            "authentication_required",
            "This payment requires the customer to authenticate.",
        )
    }
    SAVED_CARD = "pm_card_visa"

    def prepare(
        self,
        key: str,
        amount: int,
        currency: str,
        payment_method: str,
        description: str,
        metadata: dict[str, str],
        customer: str | None = None,
    ) -> str:
        from wallets import repository
        from wallets.items import SandboxChargeItem

        repository.bind()
        intent_id = "pi_sandbox_" + _digest(key)
        item = SandboxChargeItem(
            f"SANDBOX#{intent_id}",
            "CHARGE",
            charge_id="ch_" + _digest(key),
            status=UNCONFIRMED,
            amount=amount,
            currency=currency,
            payment_method=payment_method,
            metadata=metadata,
        )
        try:
            item.save(condition=SandboxChargeItem.pk.does_not_exist())
        except Exception:  # prepared before (idempotent on the key, as Stripe is)
            if self.retrieve(key, intent_id) is None:
                raise
        return intent_id

    def confirm(self, key: str, intent_id: str, off_session: bool = False) -> Charge:
        from pynamodb.exceptions import UpdateError

        from wallets.items import SandboxChargeItem

        prepared = self._item(intent_id)
        if prepared is None:
            raise RuntimeError(f"no sandbox intent {intent_id}")
        if prepared.status != UNCONFIRMED:
            return self._charge(prepared)  # confirmed (or canceled) before: the same answer
        declined = self.DECLINES.get(prepared.payment_method) or (
            self.OFF_SESSION_DECLINES.get(prepared.payment_method) if off_session else None
        )
        actions: list[Any] = [SandboxChargeItem.status.set(FAILED if declined else SUCCEEDED)]
        if declined:
            actions += [
                SandboxChargeItem.failure_code.set(declined[0]),
                SandboxChargeItem.failure_message.set(declined[1]),
            ]
        try:
            prepared.update(actions=actions, condition=SandboxChargeItem.status == UNCONFIRMED)
        except UpdateError:  # a concurrent confirm or cancel won: answer with it
            stored = self._item(intent_id)
            if stored is None:
                raise
            return self._charge(stored)
        if prepared.payment_method == "pm_card_timeout":
            raise GatewayTimeout("the gateway charged the card but its answer was lost")
        return self._charge(prepared)

    def retrieve(self, key: str, intent_id: str | None) -> Charge | None:
        item = self._item(intent_id) if intent_id else None
        return None if item is None else self._charge(item)

    def cancel(self, key: str, intent_id: str) -> Charge:
        from pynamodb.exceptions import UpdateError

        from wallets.items import SandboxChargeItem

        with contextlib.suppress(UpdateError):  # confirmed first: its outcome stands
            SandboxChargeItem(f"SANDBOX#{intent_id}", "CHARGE").update(
                actions=[
                    SandboxChargeItem.status.set("canceled"),
                    SandboxChargeItem.failure_code.set("canceled"),
                    SandboxChargeItem.failure_message.set("The payment was canceled before it was confirmed"),
                ],
                condition=SandboxChargeItem.status == UNCONFIRMED,
            )
        charge = self.retrieve(key, intent_id)
        if charge is None:
            raise RuntimeError(f"no sandbox intent {intent_id}")
        return charge

    def refund(self, key: str, intent_id: str | None, amount: int | None = None) -> None:
        """Refund `amount` (default: all that is left) of a succeeded charge, once per key: refunding
        with the same key again is a no-op, as with a real gateway."""
        from pynamodb.exceptions import UpdateError

        from wallets.items import SandboxChargeItem

        charge = self._item(intent_id) if intent_id else None
        if charge is None or charge.status not in (SUCCEEDED, "refunded"):
            raise RefundRefused(f"no refundable sandbox charge {intent_id}")
        if key in (charge.refund_keys or []):
            return
        amount = int(charge.amount) - int(charge.refunded_amount or 0) if amount is None else amount
        try:
            charge.update(
                actions=[
                    SandboxChargeItem.refunded_amount.add(amount),
                    SandboxChargeItem.refund_keys.set(SandboxChargeItem.refund_keys.append([key])),
                    SandboxChargeItem.status.set("refunded"),
                ],
                condition=(SandboxChargeItem.refunded_amount <= int(charge.amount) - amount)
                & (SandboxChargeItem.refunded_amount == int(charge.refunded_amount or 0)),
            )
        except UpdateError as exc:
            again = self._item(str(intent_id))
            if again is not None and key in (again.refund_keys or []):
                return  # a concurrent call with the same key refunded it
            raise RefundRefused(f"sandbox charge {intent_id} has less than {amount} left to refund") from exc

    def create_customer(self, key: str, metadata: dict[str, str]) -> str:
        return "cus_sandbox_" + _digest(key)

    def setup(self, key: str, customer: str, metadata: dict[str, str]) -> Setup:
        setup_id = "seti_sandbox_" + _digest(key)
        return Setup(setup_id, f"{setup_id}_secret_sandbox", customer)

    def default_payment_method(self, customer: str) -> str | None:
        return self.SAVED_CARD if customer.startswith("cus_sandbox_") else None

    def set_default_payment_method(self, customer: str, payment_method: str) -> None:
        return None  # every sandbox customer has SAVED_CARD

    @staticmethod
    def _item(intent_id: str) -> Any:
        from pynamodb.exceptions import DoesNotExist

        from wallets import repository
        from wallets.items import SandboxChargeItem

        repository.bind()
        try:
            return SandboxChargeItem.get(f"SANDBOX#{intent_id}", "CHARGE", consistent_read=True)
        except DoesNotExist:
            return None

    @staticmethod
    def _charge(item: Any) -> Charge:
        from wallets.items import plain

        status = {"canceled": FAILED, "refunded": SUCCEEDED}.get(item.status, item.status)
        return Charge(
            item.charge_id,
            status,
            int(item.amount),
            item.currency,
            item.failure_code,
            item.failure_message,
            metadata=tuple(sorted((str(k), str(v)) for k, v in plain(item.metadata or {}).items())),
        )


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:24]
