"""GET /portal and /portal/{asset}: the customers' wallet page (static HTML, CSS and JS, no build step).

Everything it shows comes from the customer API (/me), which requires the customer's token. The page
gets that token only from a sign-in it started itself (OpenID Connect's authorization code flow with
PKCE, against the identity provider this function's environment names) and keeps it in memory. What
every page shares (fixed assets, one URL, config.json, the CSP) is `wallets.pages`; here are the
portal's settings, with each currency's ISO 4217 minor units, and the origins its policy allows:
the token endpoint, and Stripe.js with the Stripe gateway.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from wallets import money, pages

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"index.html", "style.css", "app.js"}
STRIPE_JS = "https://js.stripe.com/v3/"
# Stripe.js's own documented needs: https://docs.stripe.com/security/guide#content-security-policy
STRIPE_SCRIPT = ["https://js.stripe.com", "https://*.js.stripe.com"]
STRIPE_FRAME = ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"]
STRIPE_CONNECT = ["https://api.stripe.com"]


def config() -> dict[str, Any]:
    env = os.environ.get
    local_stripe = env("STRIPE_API_BASE")  # localstripe serves its Stripe.js stand-in
    return {
        "gateway": env("PAYMENT_GATEWAY", "sandbox"),
        "stripeJs": f"{local_stripe}/js.stripe.com/v3/" if local_stripe else STRIPE_JS,
        "stripeKey": env("STRIPE_PUBLISHABLE_KEY", ""),
        "issuer": env("CUSTOMER_JWT_ISSUER", ""),  # exactly: the id_token's iss (Auth0's ends in /)
        "clientId": env("CUSTOMER_JWT_AUDIENCE", ""),  # an id_token's aud is its client
        "customerClaim": env("CUSTOMER_JWT_CLAIM") or "sub",
        "authorizeUrl": env("PORTAL_AUTHORIZE_URL", ""),
        "tokenUrl": env("PORTAL_TOKEN_URL", ""),
        "logoutUrl": env("PORTAL_LOGOUT_URL", ""),
        "scope": env("PORTAL_SCOPES") or "openid",
        # Amounts are counted in ISO 4217 minor units (wallets.money), which a browser's Intl does not
        # always agree with (HUF, COP, IDR: 2 in ISO, 0 in Chromium's), so the page takes ISO's.
        "minorUnits": {code: money.minor_digits(code) for code in sorted(money.active_currencies())},
    }


def content_security_policy(settings: dict[str, Any]) -> str:
    script: list[str] = []
    connect = [o for o in [pages.origin(settings["tokenUrl"])] if o]
    frame: list[str] = []
    if settings["gateway"] == "stripe":
        local_stripe = os.environ.get("STRIPE_API_BASE")
        if local_stripe:  # localstripe: its script and its API, one origin
            script.append(pages.origin(local_stripe))
            connect.append(pages.origin(local_stripe))
        else:
            script, frame, connect = STRIPE_SCRIPT, STRIPE_FRAME, [*connect, *STRIPE_CONNECT]
    return pages.content_security_policy(script, connect, frame)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = config()
    return pages.serve(event, STATIC, ASSETS, settings, content_security_policy(settings))
