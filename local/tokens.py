"""A development identity provider for `make run`: RS256 customer tokens from a key made at start.

Two ways to a token, both from the issuer `<server>/_local` whose JWKS is served at
`<issuer>/.well-known/jwks.json`, where the customer API's authorizer fetches it (the same code path
as a deployed stack reading its OpenID Connect issuer's JWKS):

- `GET /_local/login?customer_id=cus_1` answers a token as JSON, for tests and programs. It never
  redirects: a token in a URL is a token any link can plant (login CSRF).
- The portal signs in as it would with Cognito's hosted UI: OpenID Connect's authorization code flow
  with PKCE (S256). `GET /_local/authorize` shows a development form (any customer id), its POST
  redirects back with a code; `POST /_local/token` exchanges the code, once, for an id_token carrying
  the page's nonce. A code lives `CODE_LIFETIME_S`, and is bound to the client, the redirect URI and
  the code challenge it was issued for: a code lifted from a URL is useless without the verifier the
  page that started the sign-in keeps. `GET /_local/logout` returns to a registered page.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

AUDIENCE = "wallets-local"
CLIENT_ID = AUDIENCE  # an id_token's audience is the client that asked for it (the portal)
LIFETIME_S = 3600
CODE_LIFETIME_S = 60  # an authorization code is redeemed right after the redirect, or never
REDIRECT_PATH = "/portal"  # the one page registered for CLIENT_ID, on the issuer's own origin


class SignInRefused(Exception):
    """An authorization or token request this issuer will not answer with a code or a token."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error  # OAuth 2.0's error code: invalid_request, invalid_client, invalid_grant…


@dataclass(frozen=True)
class Grant:
    """What an authorization code stands for, and what its redemption must present again."""

    customer_id: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str
    expires_at: float


class LocalIssuer:
    def __init__(self, issuer: str, clock: Callable[[], float] = time.time) -> None:
        self.issuer = issuer
        self.clock = clock
        self.kid = uuid.uuid4().hex[:16]
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        self.jwks: dict[str, Any] = {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}
        self._codes: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def configure(self) -> None:
        """Point the customer API's authorizer and the portal at this issuer (as the stack parameters do)."""
        os.environ.update(
            CUSTOMER_JWT_ISSUER=self.issuer,
            CUSTOMER_JWT_AUDIENCE=AUDIENCE,
            CUSTOMER_JWT_CLAIM="sub",
            CUSTOMER_JWKS_URL="",  # the issuer's own: <issuer>/.well-known/jwks.json
        )
        # Same-origin paths: the page may be opened as 127.0.0.1 or localhost.
        os.environ.setdefault("PORTAL_AUTHORIZE_URL", "/_local/authorize")
        os.environ.setdefault("PORTAL_TOKEN_URL", "/_local/token")
        os.environ.setdefault("PORTAL_LOGOUT_URL", f"/_local/logout?client_id={CLIENT_ID}&logout_uri=/portal")

    def token(
        self,
        customer_id: str,
        lifetime_s: int = LIFETIME_S,
        audience: str = AUDIENCE,
        nonce: str | None = None,
    ) -> str:
        now = int(self.clock())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": audience,
            "sub": customer_id,
            "iat": now,
            "exp": now + lifetime_s,
        }
        if nonce is not None:
            claims["nonce"] = nonce
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    # ------------------------------------------------------------------ authorization code + PKCE
    def check_authorize(self, params: dict[str, str], origin: str) -> None:
        """Refuse an authorization request before showing the sign-in form. `origin` is the scheme
        and host the request reached this server at: the one origin whose /portal is registered."""
        if params.get("client_id") != CLIENT_ID:
            raise SignInRefused("invalid_client", "unknown client_id")
        if params.get("redirect_uri") != origin.rstrip("/") + REDIRECT_PATH:
            raise SignInRefused("invalid_request", "redirect_uri is not registered for this client")
        if params.get("response_type") != "code":
            raise SignInRefused("unsupported_response_type", "only response_type=code")
        if params.get("code_challenge_method") != "S256" or len(params.get("code_challenge", "")) != 43:
            raise SignInRefused("invalid_request", "PKCE is required: code_challenge with method S256")
        if not params.get("state") or not params.get("nonce"):
            raise SignInRefused("invalid_request", "state and nonce are required")

    def authorize(self, params: dict[str, str], origin: str, customer_id: str) -> str:
        """The redirect back to the page, with a fresh code and the page's own state."""
        self.check_authorize(params, origin)
        if not customer_id:
            raise SignInRefused("invalid_request", "customer_id is required")
        code = secrets.token_urlsafe(32)
        grant = Grant(
            customer_id,
            params["client_id"],
            params["redirect_uri"],
            params["code_challenge"],
            params["nonce"],
            self.clock() + CODE_LIFETIME_S,
        )
        with self._lock:
            now = self.clock()
            self._codes = {c: g for c, g in self._codes.items() if g.expires_at > now}
            self._codes[code] = grant
        query = f"code={code}&state={quote(params['state'], safe='')}"
        return f"{params['redirect_uri']}?{query}"

    def exchange(self, form: dict[str, str]) -> dict[str, Any]:
        """The token endpoint: a code, once, for the client, redirect URI and verifier it was made for."""
        if form.get("grant_type") != "authorization_code":
            raise SignInRefused("unsupported_grant_type", "only grant_type=authorization_code")
        with self._lock:  # spent by its first presentation, whether that succeeds or not
            grant = self._codes.pop(form.get("code", ""), None)
        if grant is None or grant.expires_at <= self.clock():
            raise SignInRefused("invalid_grant", "the code is unknown, used or expired")
        if form.get("client_id") != grant.client_id or form.get("redirect_uri") != grant.redirect_uri:
            raise SignInRefused("invalid_grant", "the code was issued to another client or redirect_uri")
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.code_challenge:
            raise SignInRefused("invalid_grant", "code_verifier does not match the code_challenge")
        token = self.token(grant.customer_id, audience=grant.client_id, nonce=grant.nonce)
        return {"id_token": token, "access_token": token, "token_type": "Bearer", "expires_in": LIFETIME_S}

    def logout_target(self, params: dict[str, str]) -> str:
        """Where `/_local/logout` sends the browser: only back to the client's registered page."""
        if params.get("client_id") != CLIENT_ID or params.get("logout_uri") != REDIRECT_PATH:
            raise SignInRefused("invalid_request", "logout_uri is not registered for this client")
        return REDIRECT_PATH


def authorize_page(params: dict[str, str], refused: SignInRefused | None = None) -> str:
    """The development sign-in form: any customer id. The sign-in request rides along in hidden
    fields; the form posts to this issuer only, and the page runs no script."""
    if refused is not None:
        body = f"<h1>Sign-in refused</h1><p>{html.escape(refused.error)}: {html.escape(str(refused))}</p>"
    else:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
            if k in AUTHORIZE_PARAMS
        )
        body = (
            "<h1>Sign in</h1><p>Development sign-in of <code>make run</code>: any customer id.</p>"
            f'<form method="post" action="/_local/authorize">{hidden}'
            '<label for="customer_id">Customer id</label> '
            '<input id="customer_id" name="customer_id" required autocomplete="username"> '
            '<button type="submit">Sign in</button></form>'
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Sign in (development)</title></head><body>{body}</body></html>"
    )


AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)
# The sign-in page: no script at all, posts only to itself, never framed (clickjacking).
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}
