"""GET /dashboard and /dashboard/{asset}: the merchant's staff dashboard (static HTML, CSS and JS).

Public, as any web page: everything it shows comes from the IAM-protected API, signed (SigV4, with
the vendored aws4fetch) with the short-lived credentials of the role the staff member's group maps
to. Deployed, the page gets them from the staff user pool's hosted UI (code + PKCE) and the identity
pool; under `make run` from `/_local/staff-login` (local/staff.py). The credentials live in the
page's memory only. Its settings come from `/dashboard/config.json`, built from the environment.

Only the page and the fixed assets in ASSETS are served (404 for any other name); every answer
carries a Content-Security-Policy allowing scripts from this origin only, connections to this API
and the staff pool's Cognito endpoints only, and no framing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from wallets import money

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {  # name: content type; the only files served
    "index.html": "text/html; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "aws4fetch.js": "text/javascript; charset=utf-8",
    "uplot.js": "text/javascript; charset=utf-8",  # uPlot, the balance chart, vendored (no CDN)
    "uplot.css": "text/css; charset=utf-8",
}
CONFIG = "config.json"
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "no-referrer",  # the sign-in's code and state never reach another site
    "Cache-Control": "no-store",
}


def config() -> dict[str, Any]:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return {
        "region": region,
        # `make run` only: where the development sign-in answers credentials (local/staff.py)
        "localLogin": os.environ.get("STAFF_LOCAL_LOGIN", ""),
        "userPoolId": os.environ.get("STAFF_USER_POOL_ID", ""),
        "clientId": os.environ.get("STAFF_CLIENT_ID", ""),
        "identityPoolId": os.environ.get("STAFF_IDENTITY_POOL_ID", ""),
        "authDomain": os.environ.get("STAFF_AUTH_DOMAIN", ""),
        "minorUnits": {code: money.minor_digits(code) for code in sorted(money.active_currencies())},
    }


def content_security_policy(settings: dict[str, Any]) -> str:
    connect = ["'self'"]
    if settings["identityPoolId"]:
        connect.append(f"https://cognito-identity.{settings['region']}.amazonaws.com")
    if settings["authDomain"]:
        connect.append(settings["authDomain"])
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            f"connect-src {' '.join(connect)}",
            "style-src 'self'",
            "img-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    asset = (event.get("pathParameters") or {}).get("asset")
    settings = config()
    headers = {**HEADERS, "Content-Security-Policy": content_security_policy(settings)}
    if asset == "index.html":  # one URL for the page: relative links, and the registered redirect URI
        return {"statusCode": 301, "headers": {**headers, "Location": "../dashboard"}, "body": ""}
    if asset == CONFIG:
        body, kind = json.dumps(settings), "application/json"
    elif asset is None or asset in ASSETS:
        name = asset or "index.html"
        body, kind = (STATIC / name).read_text(encoding="utf-8"), ASSETS[name]
    else:
        return {"statusCode": 404, "headers": {**headers, "Content-Type": "text/plain"}, "body": "Not found"}
    return {"statusCode": 200, "headers": {**headers, "Content-Type": kind}, "body": body}
