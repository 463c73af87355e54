"""How the examples connect: WALLETS_URL (default: `make run` on port 3000), SigV4 unless
WALLETS_AUTH=none (the local server needs none)."""

from __future__ import annotations

import os
import uuid

from wallets_client import WalletsClient


def connect() -> WalletsClient:
    url = os.environ.get("WALLETS_URL", "http://127.0.0.1:3000")
    auth = (
        None
        if os.environ.get("WALLETS_AUTH", "none" if "127.0.0.1" in url else "sigv4") == "none"
        else "sigv4"
    )
    return WalletsClient(url, auth=auth)


def new_customer(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"
