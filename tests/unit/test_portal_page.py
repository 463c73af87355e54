"""The portal's page function (functions/portal/app.py): only its fixed assets, one URL for the page,
and a Content-Security-Policy that allows no inline script and no framing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local import runtime, template

PORTAL = template.functions()["PortalFunction"]


def get(asset: str | None) -> dict[str, Any]:
    handler = runtime.load_handler(PORTAL)
    result: dict[str, Any] = handler({"pathParameters": {"asset": asset} if asset else None}, None)
    return result


def policy(result: dict[str, Any]) -> dict[str, str]:
    text = result["headers"]["Content-Security-Policy"]
    return dict(d.strip().split(" ", 1) for d in text.split(";"))


@pytest.fixture(autouse=True)
def sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENT_GATEWAY", "sandbox")
    monkeypatch.delenv("STRIPE_API_BASE", raising=False)
    monkeypatch.setenv("PORTAL_TOKEN_URL", "https://auth.example.com/oauth2/token")


@pytest.mark.parametrize(
    "asset",
    [
        "style.css\x00.html",  # a null byte once reached Path.resolve: 502
        "app.py",
        "../app.py",
        "..",
        "static",
        "index.htm",
        "STYLE.CSS",
        "style.css/",
        "config.json.html",
    ],
)
def test_anything_but_the_fixed_assets_is_404(asset: str) -> None:
    result = get(asset)
    assert result["statusCode"] == 404
    assert result["headers"]["X-Frame-Options"] == "DENY"


def test_the_page_has_one_url_whose_relative_links_resolve() -> None:
    assert get(None)["statusCode"] == 200
    moved = get("index.html")
    assert (moved["statusCode"], moved["headers"]["Location"]) == (301, "../portal")


def test_no_inline_script_no_framing_and_only_the_token_endpoint_besides_self() -> None:
    page = get(None)
    rules = policy(page)
    assert rules["default-src"] == "'none'" and rules["frame-ancestors"] == "'none'"
    assert rules["script-src"] == "'self'"
    assert rules["connect-src"] == "'self' https://auth.example.com"
    assert "<script>" not in page["body"] and "{{" not in page["body"]


def test_stripe_js_is_allowed_only_with_the_stripe_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENT_GATEWAY", "stripe")
    rules = policy(get(None))
    assert rules["script-src"].split() == ["'self'", "https://js.stripe.com", "https://*.js.stripe.com"]
    assert "https://api.stripe.com" in rules["connect-src"].split()
    assert "https://hooks.stripe.com" in rules["frame-src"].split()


def test_the_page_expects_the_issuer_exactly_as_the_authorizer_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTOMER_JWT_ISSUER", "https://tenant.auth0.com/")  # Auth0's iss ends in /
    monkeypatch.setenv("CUSTOMER_JWT_AUDIENCE", "portal-client")
    settings = json.loads(get("config.json")["body"])
    assert (settings["issuer"], settings["clientId"]) == ("https://tenant.auth0.com/", "portal-client")
