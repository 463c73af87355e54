"""Where the layer chooses its adapters: the payment gateway `PAYMENT_GATEWAY` names.

The port (gateway.py) knows no adapter and the adapters (sandbox_gateway.py, stripe_gateway.py) know
only the port; this module alone knows them all. The Stripe adapter is imported on the first
`get_gateway()` that needs it, so a function that never charges never imports the Stripe SDK (cold
starts, docs/decisions.md 39).
"""

from __future__ import annotations

from wallets.gateway import PaymentGateway
from wallets.sandbox_gateway import SandboxGateway
from wallets.settings import get_settings


def get_gateway() -> PaymentGateway:
    """The gateway this deployment charges through: `sandbox` (the default) or `stripe`."""
    name = get_settings().payment_gateway
    if name == "sandbox":
        return SandboxGateway()
    if name == "stripe":
        from wallets.stripe_gateway import StripeGateway

        return StripeGateway()
    raise RuntimeError(f"unknown PAYMENT_GATEWAY {name!r}")
