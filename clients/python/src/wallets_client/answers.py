"""Answer models that also carry what the HTTP status said: the generated model of the body
(wallets_client.models) with the status's meaning added.

POST /wallets answers the same WalletOutput whether it created the wallet (201) or the customer
already had one in that currency (200); `created` keeps that difference for the caller.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from wallets_client import models


class Created(BaseModel):
    """An answer whose status tells a new resource (201) from an existing one (200). `created` is the
    client's reading of the status, not a field of the body: model_dump() leaves it out."""

    created: bool = Field(default=False, exclude=True)


class WalletCreation(models.WalletOutput, Created):
    """`wallets.create`'s answer: the wallet, and whether this call created it (False: the customer
    already had a wallet in that currency, and this is that wallet as it is)."""
