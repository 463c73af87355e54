"""The payment gateway's secrets and the webhooks' signing secret. Deployed, they live in Secrets
Manager, named by ARN in the environment (`STRIPE_SECRET_KEY_ARN`, `STRIPE_WEBHOOK_SECRET_ARN`,
`WEBHOOK_SECRET_ARN`) and read through Powertools Parameters, cached for five minutes, by the
functions that need them only. Locally, `make run` takes them from `STRIPE_SECRET_KEY` /
`STRIPE_WEBHOOK_SECRET` / `WEBHOOK_SECRET`. They are never logged or returned.
"""

from __future__ import annotations

import os

MAX_AGE_S = 300


def _read(name: str) -> str:
    value = os.environ.get(name)
    if value:
        return value
    arn = os.environ.get(f"{name}_ARN")
    if not arn:
        raise RuntimeError(f"neither {name} nor {name}_ARN is set")
    from aws_lambda_powertools.utilities import parameters

    return str(parameters.get_secret(arn, max_age=MAX_AGE_S))


def stripe_secret_key() -> str:
    return _read("STRIPE_SECRET_KEY")


def stripe_webhook_secret() -> str:
    return _read("STRIPE_WEBHOOK_SECRET")


def webhook_secret() -> str:
    """A `whsec_` secret, or the JSON of a rotation (wallets/webhooks.py)."""
    return _read("WEBHOOK_SECRET")
