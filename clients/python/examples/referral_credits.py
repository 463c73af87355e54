"""Referral credits for both sides: the referrer and the new customer each get $10.00, and neither
can be paid twice for the same referral (one reference per referral on each wallet)."""

from __future__ import annotations

from _connect import connect, new_customer


def reward_referral(referrer: str, referred: str, referral_id: str) -> tuple[int, int]:
    with connect() as client:
        for customer_id in (referrer, referred):
            client.balances.grant_balance(
                customer_id=customer_id,
                currency="USD",
                amount=1000,
                description=f"Referral {referral_id}",
                reference=f"referral-{referral_id}",
            )
        return (
            client.balances.get_balance(referrer, "USD").amount,
            client.balances.get_balance(referred, "USD").amount,
        )


if __name__ == "__main__":
    referrer, referred = new_customer("cus_referrer"), new_customer("cus_referred")
    assert reward_referral(referrer, referred, "r1") == (1000, 1000)
    assert reward_referral(referrer, referred, "r1") == (1000, 1000)  # replayed: paid once
    print("referral credited to both sides once")
