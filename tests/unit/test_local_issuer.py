"""The local identity provider's authorization code + PKCE flow (local/tokens.py): a code is
redeemed once, only by the client, redirect URI and verifier it was made for, while it lives, and
its id_token carries the nonce the page sent."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from local import tokens

ORIGIN = "http://127.0.0.1:3000/"
VERIFIER = "v" * 43


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def request(**changes: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": tokens.CLIENT_ID,
        "redirect_uri": "http://127.0.0.1:3000/portal",
        "state": "s1",
        "nonce": "n1",
        "code_challenge": challenge(VERIFIER),
        "code_challenge_method": "S256",
        **changes,
    }


def redeem(**changes: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "client_id": tokens.CLIENT_ID,
        "redirect_uri": "http://127.0.0.1:3000/portal",
        "code_verifier": VERIFIER,
        **changes,
    }


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def issuer(clock: Clock) -> tokens.LocalIssuer:
    return tokens.LocalIssuer("http://127.0.0.1:3000/_local", clock)


def code_for(issuer: tokens.LocalIssuer, customer: str = "cus_1") -> str:
    target = urlsplit(issuer.authorize(request(), ORIGIN, customer))
    query = parse_qs(target.query)
    assert target.path == "/portal" and query["state"] == ["s1"]
    return query["code"][0]


def claims(issuer: tokens.LocalIssuer, token: str) -> dict[str, Any]:
    key = jwt.PyJWK(issuer.jwks["keys"][0]).key
    found: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        audience=tokens.CLIENT_ID,
        options={"verify_exp": False, "verify_iat": False},
    )
    return found


def test_a_code_is_redeemed_once_for_an_id_token_carrying_the_nonce(issuer: tokens.LocalIssuer) -> None:
    code = code_for(issuer)
    answer = issuer.exchange(redeem(code=code))
    found = claims(issuer, answer["id_token"])
    assert (found["sub"], found["nonce"], found["iss"]) == ("cus_1", "n1", issuer.issuer)
    with pytest.raises(tokens.SignInRefused) as refused:
        issuer.exchange(redeem(code=code))
    assert refused.value.error == "invalid_grant"


@pytest.mark.parametrize(
    "wrong",
    [
        {"code_verifier": "w" * 43},  # a code lifted from a URL, without the page's verifier
        {"client_id": "another"},
        {"redirect_uri": "http://127.0.0.1:3000/elsewhere"},
        {"grant_type": "password"},
    ],
)
def test_a_code_presented_otherwise_is_refused_and_spent(
    issuer: tokens.LocalIssuer, wrong: dict[str, str]
) -> None:
    code = code_for(issuer)
    with pytest.raises(tokens.SignInRefused):
        issuer.exchange(redeem(code=code, **wrong))
    if "grant_type" not in wrong:  # its first presentation spent it
        with pytest.raises(tokens.SignInRefused):
            issuer.exchange(redeem(code=code))


def test_a_code_expires(issuer: tokens.LocalIssuer, clock: Clock) -> None:
    code = code_for(issuer)
    clock.now += tokens.CODE_LIFETIME_S
    with pytest.raises(tokens.SignInRefused):
        issuer.exchange(redeem(code=code))


@pytest.mark.parametrize(
    "wrong",
    [
        {"client_id": "another"},
        {"redirect_uri": "https://attacker.example/portal"},
        {"redirect_uri": "http://127.0.0.1:3000/portal/../x"},
        {"response_type": "token"},  # no implicit flow: tokens never travel in URLs
        {"code_challenge_method": "plain"},
        {"code_challenge": ""},
        {"state": ""},
        {"nonce": ""},
    ],
)
def test_an_authorization_request_must_name_the_client_its_page_and_pkce(
    issuer: tokens.LocalIssuer, wrong: dict[str, str]
) -> None:
    with pytest.raises(tokens.SignInRefused):
        issuer.authorize(request(**wrong), ORIGIN, "cus_1")


def test_logout_returns_only_to_the_registered_page(issuer: tokens.LocalIssuer) -> None:
    assert issuer.logout_target({"client_id": tokens.CLIENT_ID, "logout_uri": "/portal"}) == "/portal"
    for target in ("https://attacker.example/portal", "//attacker.example/portal", "/elsewhere"):
        with pytest.raises(tokens.SignInRefused):
            issuer.logout_target({"client_id": tokens.CLIENT_ID, "logout_uri": target})


def test_the_sign_in_form_escapes_what_the_request_carries() -> None:
    page = tokens.authorize_page(request(state='"><script>alert(1)</script>'))
    assert "<script>" not in page and "&lt;script&gt;" in page
