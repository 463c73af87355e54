"""GET /portal and /portal/{asset}: the customers' wallet page (static HTML, CSS and JS, no build step).

Public, as any web page: everything it shows comes from the customer API (/me), which requires the
customer's token. The page is given its configuration (gateway, Stripe.js and its publishable key,
the sign-in URL) in a <script> of the HTML, from this function's environment.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

STATIC = Path(__file__).resolve().parent / "static"
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript"}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the token travels in the URL fragment, never to other sites
    "Cache-Control": "no-store",
}


def config() -> dict[str, str]:
    gateway = os.environ.get("PAYMENT_GATEWAY", "sandbox")
    local_stripe = os.environ.get("STRIPE_API_BASE")  # localstripe serves its Stripe.js stand-in
    return {
        "gateway": gateway,
        "stripeJs": f"{local_stripe}/js.stripe.com/v3/" if local_stripe else "https://js.stripe.com/v3/",
        "stripeKey": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
        "signInUrl": os.environ.get("PORTAL_SIGN_IN_URL", ""),
    }


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    asset = ((event.get("pathParameters") or {}).get("asset")) or "index.html"
    path = (STATIC / asset).resolve()
    if path.parent != STATIC or path.suffix not in TYPES or not path.is_file():
        return {"statusCode": 404, "headers": {"Content-Type": "text/plain"}, "body": "Not found"}
    body = path.read_text(encoding="utf-8")
    if asset == "index.html":
        settings = html.escape(json.dumps(config()), quote=False).replace("</", "<\\/")
        body = body.replace("{{CONFIG}}", settings)
    return {"statusCode": 200, "headers": {"Content-Type": TYPES[path.suffix], **HEADERS}, "body": body}
