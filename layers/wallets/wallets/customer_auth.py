"""Customer tokens: JSON Web Tokens from the merchant's OpenID Connect issuer (Cognito included).

The customer API (`/me/...`) trusts nothing but a token this verifies: signed with one of the
issuer's published keys (JWKS, fetched over HTTPS and cached), by an asymmetric algorithm (RS256,
RS384, RS512, ES256, ES384; never `none` nor HMAC, which a published key could forge), for this
audience, unexpired (no leeway on `exp`: the 30 s for clock skew apply to `iat` and `nbf` only),
from exactly the configured issuer (compared as written: Auth0's ends in `/`). The customer id is the claim `CUSTOMER_JWT_CLAIM` names (default `sub`), and
nothing in a request's path or body can change it.

Settings (stack parameters): CUSTOMER_JWT_ISSUER, CUSTOMER_JWT_AUDIENCE, CUSTOMER_JWT_CLAIM,
CUSTOMER_JWKS_URL (default `<issuer>/.well-known/jwks.json`, one `/` between them). Without an issuer
every token is refused.

API Gateway must not cache the answer (`ReauthorizeEvery: 0` in template.yaml): it caches an Allow
by token for a fixed time whatever the token's `exp`, so any cache would let a token in after it
expired.
"""

from __future__ import annotations

import os
import re
import time
from functools import cache
from typing import Any

import jwt

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384"]
KEY_TYPES = {"RS": "RSA", "ES": "EC"}
LEEWAY_S = 30  # clock skew between the issuer and Lambda, for `iat`/`nbf`; never past `exp`
_CUSTOMER_ID = re.compile(r"[A-Za-z0-9_.:@+\-]{1,255}")  # the API's customer id alphabet


class InvalidToken(Exception):
    """Missing, malformed, unsigned, wrongly signed, expired, or for another audience or issuer."""


@cache
def _jwks(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)


def _config() -> tuple[str, str, str, str]:
    # `iss` is compared exactly as configured (OpenID Connect Discovery 1.0, 4.3): only the JWKS URL
    # built from it drops a trailing `/`.
    issuer = os.environ.get("CUSTOMER_JWT_ISSUER", "")
    audience = os.environ.get("CUSTOMER_JWT_AUDIENCE", "")
    claim = os.environ.get("CUSTOMER_JWT_CLAIM") or "sub"
    jwks = os.environ.get("CUSTOMER_JWKS_URL") or (
        f"{issuer.rstrip('/')}/.well-known/jwks.json" if issuer else ""
    )
    return issuer, audience, claim, jwks


def customer_of(authorization: str | None) -> str:
    """The customer id an `Authorization: Bearer <jwt>` header proves, or InvalidToken."""
    issuer, audience, claim, jwks_url = _config()
    if not (issuer and audience and jwks_url):
        raise InvalidToken("the customer API is not configured (no issuer or audience)")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise InvalidToken("expected 'Authorization: Bearer <token>'")
    try:
        header = jwt.get_unverified_header(token)
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise InvalidToken(f"algorithm {algorithm!r} is not accepted")
        signing = _jwks(jwks_url).get_signing_key_from_jwt(token)
        # The header may not pick another use of the key: its type must fit, and its declared alg.
        declared = signing._jwk_data.get("alg")
        if signing.key_type != KEY_TYPES[algorithm[:2]] or declared not in (None, algorithm):
            raise InvalidToken(f"the key {header.get('kid')!r} does not sign with {algorithm}")
        claims: dict[str, Any] = jwt.decode(
            token,
            signing.key,
            algorithms=[algorithm],
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY_S,
            options={"require": ["exp", "iss", "aud", claim]},
        )
        if int(claims["exp"]) <= time.time():  # the leeway above is for clocks, not for expiry
            raise jwt.ExpiredSignatureError("Signature has expired")
    except (jwt.PyJWTError, TypeError, ValueError) as exc:  # a key of another type, a malformed one
        raise InvalidToken(str(exc)) from exc
    customer = claims.get(claim)
    if not isinstance(customer, str) or not _CUSTOMER_ID.fullmatch(customer):
        raise InvalidToken(f"claim {claim!r} is not a customer id")
    return customer


def policy(customer_id: str, method_arn: str) -> dict[str, Any]:
    """An API Gateway authorizer answer: this customer may call the customer API (every /me route of
    this stage: what a request may touch is `customer_api`'s to decide), with the id in the context
    and as `principalId`, which the access log records."""
    parts = method_arn.split("/")  # arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>
    base = "/".join(parts[:2])
    return {
        "principalId": customer_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": [f"{base}/*/me", f"{base}/*/me/*"],
                }
            ],
        },
        "context": {"customer_id": customer_id},
    }
