"""Customer tokens (wallets.customer_auth): only an asymmetric signature by the issuer's key, for this
audience and issuer, unexpired, naming a valid customer id, is accepted."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from wallets import customer_auth

from local import template
from tests.jwts import hmac_signed, relabeled, unsigned

ISSUER, AUDIENCE = "https://issuer.example", "wallets-app"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Keys:
    def get_signing_key_from_jwt(self, token: str) -> Any:
        return jwt.PyJWK({**json.loads(RSAAlgorithm.to_jwk(KEY.public_key())), "kid": "k1", "alg": "RS256"})


@pytest.fixture(autouse=True)
def issuer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTOMER_JWT_ISSUER", ISSUER)
    monkeypatch.setenv("CUSTOMER_JWT_AUDIENCE", AUDIENCE)
    monkeypatch.delenv("CUSTOMER_JWT_CLAIM", raising=False)
    monkeypatch.setattr(customer_auth, "_jwks", lambda url: Keys())


def claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": ISSUER, "aud": AUDIENCE, "sub": "cus_42", "iat": now, "exp": now + 300, **extra}


def bearer(token: str) -> str:
    return f"Bearer {token}"


def test_a_token_signed_by_the_issuer_names_its_customer() -> None:
    token = jwt.encode(claims(), KEY, algorithm="RS256", headers={"kid": "k1"})
    assert customer_auth.customer_of(bearer(token)) == "cus_42"


def test_the_customer_claim_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTOMER_JWT_CLAIM", "custom:customer_id")
    token = jwt.encode(
        claims(**{"custom:customer_id": "cus_7"}), KEY, algorithm="RS256", headers={"kid": "k1"}
    )
    assert customer_auth.customer_of(bearer(token)) == "cus_7"


PUBLIC_PEM = KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(jwt.encode(claims(exp=int(time.time()) - 120), KEY, algorithm="RS256"), id="expired"),
        pytest.param(jwt.encode(claims(aud="other"), KEY, algorithm="RS256"), id="wrong-audience"),
        pytest.param(
            jwt.encode(claims(iss="https://evil.example"), KEY, algorithm="RS256"), id="wrong-issuer"
        ),
        pytest.param(
            jwt.encode({k: v for k, v in claims().items() if k != "sub"}, KEY, algorithm="RS256"),
            id="no-customer",
        ),
        pytest.param(jwt.encode(claims(sub="cus 42/../x"), KEY, algorithm="RS256"), id="bad-customer-id"),
        pytest.param(
            jwt.encode(
                claims(), rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithm="RS256"
            ),
            id="another-key",
        ),
        # The public key used as an HMAC secret: the classic algorithm confusion.
        pytest.param(hmac_signed(claims(), PUBLIC_PEM), id="hs256"),
        pytest.param(unsigned(claims()), id="alg-none"),
        # An RSA signature under an ES256 header: the key's type decides, not the header (was a 500).
        pytest.param(relabeled(jwt.encode(claims(), KEY, algorithm="RS256"), "ES256"), id="es256-header"),
        pytest.param(relabeled(jwt.encode(claims(), KEY, algorithm="RS256"), "RS512"), id="rs512-header"),
        pytest.param(jwt.encode(claims(sub="cus_42\n"), KEY, algorithm="RS256"), id="trailing-newline"),
        pytest.param("not-a-token", id="garbage"),
    ],
)
def test_anything_else_is_refused(token: str) -> None:
    with pytest.raises(customer_auth.InvalidToken):
        customer_auth.customer_of(bearer(token))


def test_without_a_bearer_token_or_an_issuer_nothing_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    token = jwt.encode(claims(), KEY, algorithm="RS256")
    with pytest.raises(customer_auth.InvalidToken):
        customer_auth.customer_of(token)  # no "Bearer"
    with pytest.raises(customer_auth.InvalidToken):
        customer_auth.customer_of(None)
    monkeypatch.setenv("CUSTOMER_JWT_ISSUER", "")
    with pytest.raises(customer_auth.InvalidToken):
        customer_auth.customer_of(bearer(token))


def test_the_policy_allows_the_customer_api_of_this_stage_only() -> None:
    answer = customer_auth.policy("cus_42", "arn:aws:execute-api:eu-west-1:123:abc/prod/GET/me/wallets")
    (statement,) = answer["policyDocument"]["Statement"]
    assert statement["Effect"] == "Allow" and statement["Resource"] == [
        "arn:aws:execute-api:eu-west-1:123:abc/prod/*/me",
        "arn:aws:execute-api:eu-west-1:123:abc/prod/*/me/*",
    ]
    assert answer["context"] == {"customer_id": "cus_42"} and answer["principalId"] == "cus_42"


def test_no_token_is_accepted_past_its_exp() -> None:
    # GIVEN a token that expired a few seconds ago (inside what a clock-skew leeway would forgive)
    late = jwt.encode(claims(exp=int(time.time()) - 5), KEY, algorithm="RS256")
    # THEN it is refused: the leeway is for a token issued by a clock ahead of ours, not for expiry
    with pytest.raises(customer_auth.InvalidToken, match="expired"):
        customer_auth.customer_of(bearer(late))
    ahead = jwt.encode(claims(iat=int(time.time()) + customer_auth.LEEWAY_S // 2), KEY, algorithm="RS256")
    assert customer_auth.customer_of(bearer(ahead)) == "cus_42"


def test_api_gateway_never_serves_an_answer_past_the_tokens_exp() -> None:
    """API Gateway caches a TOKEN authorizer's Allow by token for ReauthorizeEvery seconds, whatever
    the token's exp: any cache lets a token through after it expired, so there is none."""
    authorizer = template.load()["Resources"]["WalletsApi"]["Properties"]["Auth"]["Authorizers"][
        "CustomerJwt"
    ]
    assert authorizer["Identity"]["ReauthorizeEvery"] == 0


@pytest.mark.parametrize("configured", ["https://tenant.eu.auth0.com/", "https://issuer.example"])
def test_the_issuer_is_compared_exactly_as_configured(
    monkeypatch: pytest.MonkeyPatch, configured: str
) -> None:
    # GIVEN an issuer configured with or without a trailing slash (Auth0's `iss` ends in one)
    monkeypatch.setenv("CUSTOMER_JWT_ISSUER", configured)
    other = configured.rstrip("/") if configured.endswith("/") else configured + "/"
    # THEN a token naming exactly that issuer is accepted, and one naming the other spelling is not
    token = jwt.encode(claims(iss=configured), KEY, algorithm="RS256")
    assert customer_auth.customer_of(bearer(token)) == "cus_42"
    with pytest.raises(customer_auth.InvalidToken, match="issuer"):
        customer_auth.customer_of(bearer(jwt.encode(claims(iss=other), KEY, algorithm="RS256")))


def test_the_default_jwks_url_is_the_issuers_well_known_path(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def fetch(url: str) -> Keys:
        asked.append(url)
        return Keys()

    monkeypatch.setattr(customer_auth, "_jwks", fetch)
    for configured in ("https://tenant.eu.auth0.com/", "https://tenant.eu.auth0.com"):
        monkeypatch.setenv("CUSTOMER_JWT_ISSUER", configured)
        customer_auth.customer_of(bearer(jwt.encode(claims(iss=configured), KEY, algorithm="RS256")))
    assert asked == ["https://tenant.eu.auth0.com/.well-known/jwks.json"] * 2


def test_the_access_log_names_the_customer() -> None:
    """A /me request is the customer's (`principalId`); an IAM one leaves it empty and names `caller`."""
    stage = template.load()["Resources"]["WalletsApi"]["Properties"]["AccessLogSetting"]["Format"]
    line = json.loads(stage)  # every $context variable sits inside a JSON string
    assert line["customer"] == "$context.authorizer.principalId"
