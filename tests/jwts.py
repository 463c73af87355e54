"""Hand-built JSON Web Tokens for the customer API's tests: the malformed and hostile ones a JWT
library refuses to make (unsigned, HMAC over a public key, a header relabeled after signing)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def segment(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned(claims: dict[str, Any]) -> str:
    """`alg: none`, no signature."""
    return f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims)}."


def hmac_signed(claims: dict[str, Any], secret: bytes) -> str:
    """HS256 with `secret` (e.g. the issuer's public key: algorithm confusion)."""
    signing = f"{segment({'alg': 'HS256', 'typ': 'JWT'})}.{segment(claims)}"
    return f"{signing}.{segment(hmac.new(secret, signing.encode(), hashlib.sha256).digest())}"


def relabeled(token: str, algorithm: str, kid: str = "k1") -> str:
    """A signed token whose header now claims another algorithm."""
    _, payload, signature = token.split(".")
    return f"{segment({'alg': algorithm, 'kid': kid})}.{payload}.{signature}"
