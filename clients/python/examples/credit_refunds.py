"""Credit refunds: an order paid from the wallet is cancelled; the refund gives back exactly the
credit types it spent (promotional credit comes back promotional), never more than was paid."""

from __future__ import annotations

from _connect import connect, new_customer
from wallets_client import RefundExceedsOriginal


def refund_order(customer_id: str) -> dict[str, int]:
    with connect() as client:
        wallet = client.wallets.create(customer_id, "USD")
        client.wallets.credit(wallet.id, 300, funding_type="promotional", description="Coupon")
        client.wallets.credit(wallet.id, 1000, funding_type="cash", description="Deposit")
        order = client.wallets.debit(wallet.id, 800, description="Order 1001", reference="order-1001")
        client.wallets.refund(wallet.id, order.id, amount=500, reason="item out of stock")
        client.wallets.refund(wallet.id, order.id, reason="order cancelled")  # the rest
        try:
            client.wallets.refund(wallet.id, order.id, amount=1)
        except RefundExceedsOriginal:
            pass  # a third refund finds nothing left to give back
        else:
            raise AssertionError("refunded more than the order paid")
        after = client.wallets.retrieve(wallet.id)
        return {kind: b.amount for kind, b in after.balances_by_type.items() if b.amount}


if __name__ == "__main__":
    balances = refund_order(new_customer("cus_refund"))
    assert balances == {"promotional": 300, "cash": 1000}, balances
    print(f"order refunded to the credit it used: {balances}")
