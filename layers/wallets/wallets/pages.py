"""The web pages' own function (the portal, the dashboard): a fixed list of static files, served under
a strict Content-Security-Policy.

Each page is public, as any web page is: what it shows comes from the API, behind a token or a
signature. What every page shares lives here, so one rule covers both:
- only the page and its fixed assets are served (404 for any other name: no path is ever resolved
  from a request, so `..`, a NUL byte or an unknown file never reaches the file system);
- the page has one URL (`/<page>`; `/<page>/index.html` redirects there), so its relative links
  resolve and it is the one redirect URI an identity provider needs;
- its settings are `/<page>/config.json`, so the page needs no inline script;
- every answer carries the CSP (`default-src 'none'`, no inline script, no framing) and headers
  that keep the sign-in's code and state on this site.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CONFIG = "config.json"
NONE = "'none'"
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "no-referrer",  # the sign-in's code and state never reach another site
    "Cache-Control": "no-store",
}
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}


def origin(url: str) -> str:
    """`scheme://host[:port]` of a URL, or "" when it has none."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(script: list[str], connect: list[str], frame: list[str]) -> str:
    """The policy: scripts, connections and frames from these sources beyond the page's own origin."""
    directives = {"script-src": ["'self'", *script], "connect-src": ["'self'", *connect], "frame-src": frame}
    return "; ".join(
        [
            "default-src 'none'",
            *(f"{name} {' '.join(sources or [NONE])}" for name, sources in directives.items()),
            "style-src 'self'",
            "img-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


def serve(
    event: dict[str, Any], static: Path, assets: set[str], settings: dict[str, Any], policy: str
) -> dict[str, Any]:
    """The answer to GET /<page> or /<page>/{asset}: the page, one of `assets` (files in `static`),
    its settings as config.json, a redirect from index.html, or 404."""
    asset = (event.get("pathParameters") or {}).get("asset")
    headers = {**HEADERS, "Content-Security-Policy": policy}
    if asset == "index.html":
        return {"statusCode": 301, "headers": {**headers, "Location": f"../{static.parent.name}"}, "body": ""}
    if asset == CONFIG:
        body, kind = json.dumps(settings), "application/json"
    elif asset is None or asset in assets:
        name = asset or "index.html"
        body, kind = (static / name).read_text(encoding="utf-8"), TYPES[Path(name).suffix]
    else:
        return {"statusCode": 404, "headers": {**headers, "Content-Type": "text/plain"}, "body": "Not found"}
    return {"statusCode": 200, "headers": {**headers, "Content-Type": kind}, "body": body}
