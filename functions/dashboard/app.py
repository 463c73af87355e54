"""GET /dashboard and /dashboard/{asset}: the merchant's staff dashboard (static HTML, CSS and JS).

Everything it shows comes from the IAM-protected API, signed (SigV4, with the vendored aws4fetch) with
the short-lived credentials of the role the staff member's group maps to. Deployed, the page gets
them from the staff user pool's hosted UI (code + PKCE) and the identity pool; under `make run` from
`/_local/staff-login` (local/staff.py). The credentials live in the page's memory only. What every
page shares (fixed assets, one URL, config.json, the CSP) is `wallets.pages`; here are the
dashboard's settings and the origins its policy allows: this API and the staff pools' Cognito
endpoints.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from wallets import money, pages

STATIC = Path(__file__).resolve().parent / "static"
# uPlot draws the balance chart; it and aws4fetch are vendored (no CDN)
ASSETS = {"index.html", "style.css", "app.js", "aws4fetch.js", "uplot.js", "uplot.css"}


def config() -> dict[str, Any]:
    env = os.environ.get
    return {
        "region": env("AWS_REGION") or env("AWS_DEFAULT_REGION") or "us-east-1",
        # `make run` only: where the development sign-in answers credentials (local/staff.py)
        "localLogin": env("STAFF_LOCAL_LOGIN", ""),
        "userPoolId": env("STAFF_USER_POOL_ID", ""),
        "clientId": env("STAFF_CLIENT_ID", ""),
        "identityPoolId": env("STAFF_IDENTITY_POOL_ID", ""),
        "authDomain": env("STAFF_AUTH_DOMAIN", ""),
        "minorUnits": {code: money.minor_digits(code) for code in sorted(money.active_currencies())},
    }


def content_security_policy(settings: dict[str, Any]) -> str:
    connect = []
    if settings["identityPoolId"]:
        connect.append(f"https://cognito-identity.{settings['region']}.amazonaws.com")
    if settings["authDomain"]:
        connect.append(settings["authDomain"])
    return pages.content_security_policy([], connect, [])


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = config()
    return pages.serve(event, STATIC, ASSETS, settings, content_security_policy(settings))
