"""Display balances in a UI: every currency's available balance, formatted by the API, and the
credit about to expire, for a customer's account page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from _connect import connect, new_customer


def account_page(customer_id: str) -> list[str]:
    with connect() as client:
        client.balances.grant_balance(customer_id=customer_id, currency="USD", amount=1250)
        client.balances.grant_balance(
            customer_id=customer_id,
            currency="EUR",
            amount=990,
            expires_at=datetime.now(UTC) + timedelta(days=3),
        )
        lines = []
        for balance in client.balances.list_balances(customer_id):
            wallet = client.wallets.retrieve(balance.wallet_id)
            line = f"{balance.currency}: {balance.available_formatted} available"
            if wallet.expiring_soon:
                line += f" ({wallet.expiring_soon_formatted} expires soon)"
            lines.append(line)
        return sorted(lines)


if __name__ == "__main__":
    lines = account_page(new_customer("cus_ui"))
    assert lines == ["EUR: €9.90 available (€9.90 expires soon)", "USD: $12.50 available"], lines
    print("\n".join(lines))
