"""A development identity provider for `make run`: RS256 customer tokens from a key made at start.

`GET /_local/login?customer_id=cus_1` answers a token for that customer (and `&redirect=/portal`
sends the browser there with it). The issuer is `<server>/_local` and its JWKS is served at
`<issuer>/.well-known/jwks.json`, where the customer API's authorizer fetches it: the same code
path as a deployed stack reading its OpenID Connect issuer's JWKS.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

AUDIENCE = "wallets-local"
LIFETIME_S = 3600


class LocalIssuer:
    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self.kid = uuid.uuid4().hex[:16]
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        self.jwks: dict[str, Any] = {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def configure(self) -> None:
        """Point the customer API's authorizer at this issuer (as the stack parameters do)."""
        os.environ.update(
            CUSTOMER_JWT_ISSUER=self.issuer,
            CUSTOMER_JWT_AUDIENCE=AUDIENCE,
            CUSTOMER_JWT_CLAIM="sub",
            CUSTOMER_JWKS_URL="",  # the issuer's own: <issuer>/.well-known/jwks.json
        )
        os.environ.setdefault("PORTAL_SIGN_IN_URL", "/_local/login?redirect=/portal&customer_id=")

    def token(self, customer_id: str, lifetime_s: int = LIFETIME_S, audience: str = AUDIENCE) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": audience,
            "sub": customer_id,
            "iat": now,
            "exp": now + lifetime_s,
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})
