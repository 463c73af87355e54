"""Purchase credits after a payment: the customer pays $20.00 with a card and gets $2.00 bonus
credit; spending uses the bonus first (it is promotional), the paid cash stays withdrawable."""

from __future__ import annotations

from _connect import connect, new_customer
from wallets_client import PaymentFailed


def buy_credits(customer_id: str) -> tuple[int, int]:
    with connect() as client:
        wallet = client.wallets.create(customer_id, "USD")
        top_up = client.top_ups.create(wallet.id, 2000, "pm_card_visa", bonus_amount=200)
        if top_up.status == "pending":  # 3-D Secure: finish with Stripe.js, then read it again
            top_up = client.top_ups.retrieve(wallet.id, top_up.id)
        assert top_up.status == "succeeded", top_up
        try:
            client.top_ups.create(wallet.id, 2000, "pm_card_declined")
        except PaymentFailed as declined:
            assert declined.details["failure_code"] == "card_declined"
        client.wallets.debit(wallet.id, 500, description="Pro plan, one month")
        after = client.wallets.retrieve(wallet.id)
        return after.balance, after.withdrawable


if __name__ == "__main__":
    balance, withdrawable = buy_credits(new_customer("cus_buyer"))
    assert (balance, withdrawable) == (1700, 1700), (balance, withdrawable)
    print(f"bought credits: balance {balance}, withdrawable {withdrawable}")
