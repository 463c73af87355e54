"""The dashboard's page function (functions/dashboard/app.py): only its fixed assets, one URL for the
page, and a Content-Security-Policy that allows no inline script, no framing, and connections to
this API and the staff pools' Cognito endpoints only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local import runtime, template

DASHBOARD = template.functions()["DashboardFunction"]


def get(asset: str | None) -> dict[str, Any]:
    handler = runtime.load_handler(DASHBOARD)
    result: dict[str, Any] = handler({"pathParameters": {"asset": asset} if asset else None}, None)
    return result


def policy(result: dict[str, Any]) -> dict[str, str]:
    text = result["headers"]["Content-Security-Policy"]
    return dict(d.strip().split(" ", 1) for d in text.split(";"))


@pytest.mark.parametrize("asset", ["app.py", "../app.py", "..", "static", "APP.JS", "app.js/", "x\x00.js"])
def test_anything_but_the_fixed_assets_is_404(asset: str) -> None:
    result = get(asset)
    assert result["statusCode"] == 404
    assert result["headers"]["X-Frame-Options"] == "DENY"


def test_the_page_and_its_scripts_are_served_under_a_strict_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("STAFF_IDENTITY_POOL_ID", "STAFF_AUTH_DOMAIN", "STAFF_LOCAL_LOGIN"):
        monkeypatch.delenv(name, raising=False)
    for asset in (None, "app.js", "aws4fetch.js", "uplot.js", "uplot.css", "style.css"):
        result = get(asset)
        assert result["statusCode"] == 200, asset
        csp = policy(result)
        assert csp["script-src"] == "'self'" and csp["connect-src"] == "'self'"
        assert csp["frame-ancestors"] == "'none'" and csp["default-src"] == "'none'"
        assert result["headers"]["Referrer-Policy"] == "no-referrer"
    moved = get("index.html")
    assert (moved["statusCode"], moved["headers"]["Location"]) == (301, "../dashboard")


def test_deployed_it_may_reach_the_staff_pools_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("STAFF_IDENTITY_POOL_ID", "eu-west-1:abc")
    monkeypatch.setenv("STAFF_AUTH_DOMAIN", "https://shop-staff.auth.eu-west-1.amazoncognito.com")
    monkeypatch.delenv("STAFF_LOCAL_LOGIN", raising=False)
    result = get(None)
    assert policy(result)["connect-src"].split() == [
        "'self'",
        "https://cognito-identity.eu-west-1.amazonaws.com",
        "https://shop-staff.auth.eu-west-1.amazoncognito.com",
    ]
    settings = json.loads(get("config.json")["body"])
    assert settings["localLogin"] == "" and settings["identityPoolId"] == "eu-west-1:abc"
    assert settings["minorUnits"]["JPY"] == 0


def test_the_page_keeps_credentials_out_of_storage_and_urls() -> None:
    script = (DASHBOARD.code_uri / "static" / "app.js").read_text()
    assert "localStorage" not in script
    # sessionStorage holds the PKCE verifier and state across the redirect only, never credentials
    assert [line for line in script.splitlines() if "sessionStorage.setItem" in line] == [
        '  sessionStorage.setItem("dashboard-pkce", JSON.stringify({ verifier, state }));'
    ]
