"""GET /portal and /portal/{asset}: the customers' wallet page (static HTML, CSS and JS, no build step).

Public, as any web page: everything it shows comes from the customer API (/me), which requires the
customer's token. The page gets that token only from a sign-in it started itself (OpenID Connect's
authorization code flow with PKCE, against the identity provider this function's environment names)
and keeps it in memory. Its settings come from `/portal/config.json`, built from the environment, with each currency's
ISO 4217 minor units (what amounts are counted in).

Only the page and the fixed assets in ASSETS are served (404 for any other name); the page's one URL
is /portal, the redirect URI registered with the identity provider (/portal/index.html redirects
there). Every answer carries a Content-Security-Policy allowing scripts from this origin and
Stripe.js only, no inline script, and no framing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from wallets import money

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {  # name: content type; the only files served
    "index.html": "text/html; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
}
CONFIG = "config.json"
NONE = "'none'"
STRIPE_JS = "https://js.stripe.com/v3/"
# Stripe.js's own documented needs: https://docs.stripe.com/security/guide#content-security-policy
STRIPE_SOURCES = {
    "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "no-referrer",  # the sign-in's code and state never reach another site
    "Cache-Control": "no-store",
}


def config() -> dict[str, Any]:
    gateway = os.environ.get("PAYMENT_GATEWAY", "sandbox")
    local_stripe = os.environ.get("STRIPE_API_BASE")  # localstripe serves its Stripe.js stand-in
    return {
        "gateway": gateway,
        "stripeJs": f"{local_stripe}/js.stripe.com/v3/" if local_stripe else STRIPE_JS,
        "stripeKey": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
        "issuer": os.environ.get(
            "CUSTOMER_JWT_ISSUER", ""
        ),  # exactly: the id_token's iss (Auth0's ends in /)
        "clientId": os.environ.get("CUSTOMER_JWT_AUDIENCE", ""),  # an id_token's aud is its client
        "customerClaim": os.environ.get("CUSTOMER_JWT_CLAIM") or "sub",
        "authorizeUrl": os.environ.get("PORTAL_AUTHORIZE_URL", ""),
        "tokenUrl": os.environ.get("PORTAL_TOKEN_URL", ""),
        "logoutUrl": os.environ.get("PORTAL_LOGOUT_URL", ""),
        "scope": os.environ.get("PORTAL_SCOPES") or "openid",
        # Amounts are counted in ISO 4217 minor units (wallets.money), which a browser's Intl does not
        # always agree with (HUF, COP, IDR: 2 in ISO, 0 in Chromium's), so the page takes ISO's.
        "minorUnits": {code: money.minor_digits(code) for code in sorted(money.active_currencies())},
    }


def content_security_policy(settings: dict[str, Any]) -> str:
    sources: dict[str, list[str]] = {"script-src": ["'self'"], "connect-src": ["'self'"], "frame-src": []}
    token_origin = _origin(settings["tokenUrl"])
    if token_origin:
        sources["connect-src"].append(token_origin)
    if settings["gateway"] == "stripe":
        local_stripe = os.environ.get("STRIPE_API_BASE")
        if local_stripe:  # localstripe: its script and its API, one origin
            sources["script-src"].append(_origin(local_stripe))
            sources["connect-src"].append(_origin(local_stripe))
        else:
            for directive, origins in STRIPE_SOURCES.items():
                sources[directive].extend(origins)
    return "; ".join(
        [
            "default-src 'none'",
            *(f"{directive} {' '.join(origins or [NONE])}" for directive, origins in sources.items()),
            "style-src 'self'",
            "img-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    asset = (event.get("pathParameters") or {}).get("asset")
    settings = config()
    headers = {**HEADERS, "Content-Security-Policy": content_security_policy(settings)}
    if asset == "index.html":  # one URL for the page: relative links, and the registered redirect URI
        return {"statusCode": 301, "headers": {**headers, "Location": "../portal"}, "body": ""}
    if asset == CONFIG:
        body, kind = json.dumps(settings), "application/json"
    elif asset is None or asset in ASSETS:
        name = asset or "index.html"
        body, kind = (STATIC / name).read_text(encoding="utf-8"), ASSETS[name]
    else:
        return {"statusCode": 404, "headers": {**headers, "Content-Type": "text/plain"}, "body": "Not found"}
    return {"statusCode": 200, "headers": {**headers, "Content-Type": kind}, "body": body}
