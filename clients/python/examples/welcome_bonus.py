"""Welcome bonus: grant $5.00 of promotional credit that expires in 30 days, once per customer
(the grant's reference makes a second signup grant nothing more)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from _connect import connect, new_customer
from wallets_client import from_minor, to_minor


def grant_welcome_bonus(customer_id: str) -> int:
    with connect() as client:
        for _ in range(2):  # the signup handler runs twice: still one bonus
            client.balances.grant_balance(
                customer_id=customer_id,
                currency="USD",
                amount=to_minor(Decimal("5.00"), "USD"),
                description="Welcome bonus",
                reference="welcome-bonus",
                expires_at=datetime.now(UTC) + timedelta(days=30),
            )
        return client.balances.get_balance(customer_id, "USD").amount


if __name__ == "__main__":
    balance = grant_welcome_bonus(new_customer("cus_welcome"))
    assert balance == 500, balance
    print(f"welcome bonus granted once: balance ${from_minor(balance, 'USD')}")
