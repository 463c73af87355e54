"""SigV4: what the client sends verifies against botocore's own signer for a fixed clock and key."""

from __future__ import annotations

import datetime
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from wallets_client._core import Core, call

URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
KEY = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
NOW = datetime.datetime(2026, 11, 24, 12, 0, 0, tzinfo=datetime.UTC)


def test_a_signed_request_is_what_botocore_signs_for_the_bytes_sent() -> None:
    core = Core(URL, credentials=KEY)
    assert core.region == "eu-west-1"
    request = call(
        "POST /wallets/{wallet_id}/debits",
        body={"amount": 250, "description": "café ☕", "metadata": {"order": "a b&c"}},
        idempotency_key="key-1",
        wallet_id="wal_01JDEMQ0000000000000000000",
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW):
        sent = core.build(request, "key-1")
        # Independently: botocore signs the request exactly as it goes on the wire.
        expected = AWSRequest(
            method=sent.method,
            url=str(sent.url),
            data=sent.content,
            headers={
                k: v
                for k, v in sent.headers.items()
                if k.lower() not in ("authorization", "x-amz-date")
                and k.lower() in ("content-type", "idempotency-key", "accept", "user-agent", "host")
            },
        )
        SigV4Auth(KEY, "execute-api", "eu-west-1").add_auth(expected)
    assert sent.headers["Authorization"] == expected.headers["Authorization"]
    assert sent.headers["X-Amz-Date"] == "20261124T120000Z"
    assert (
        "Credential=AKIDEXAMPLE/20261124/eu-west-1/execute-api/aws4_request" in sent.headers["Authorization"]
    )


def test_query_strings_are_signed_as_sent() -> None:
    core = Core(URL, credentials=KEY)
    listing = call(
        "GET /wallets/{wallet_id}/transactions", query={"type": "debit", "limit": 2}, wallet_id="wal_x"
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW):
        sent = core.build(listing, None)
        expected = AWSRequest(
            method="GET",
            url=str(sent.url),
            data=b"",
            headers={"Accept": sent.headers["Accept"], "User-Agent": sent.headers["User-Agent"]},
        )
        SigV4Auth(KEY, "execute-api", "eu-west-1").add_auth(expected)
    assert sent.headers["Authorization"] == expected.headers["Authorization"]
    assert "Idempotency-Key" not in sent.headers


def test_spaces_and_unicode_in_queries_are_signed_as_sigv4_canonicalises_them() -> None:
    core = Core(URL, credentials=KEY)
    listing = call("GET /wallets", query={"customer_id": "a b+c/é"})
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW):
        sent = core.build(listing, None)
        expected = AWSRequest(
            method="GET",
            url=str(sent.url),
            data=b"",
            headers={"Accept": sent.headers["Accept"], "User-Agent": sent.headers["User-Agent"]},
        )
        SigV4Auth(KEY, "execute-api", "eu-west-1").add_auth(expected)
    assert "customer_id=a%20b%2Bc%2F%C3%A9" in str(sent.url)  # %20: never a + that means a space
    assert sent.headers["Authorization"] == expected.headers["Authorization"]


def test_credentials_are_resolved_once_not_per_request() -> None:
    with mock.patch("botocore.session.Session.get_credentials", return_value=KEY) as lookup:
        core = Core(URL)
        for _ in range(3):
            core.build(call("GET /wallets/{wallet_id}", wallet_id="wal_1"), None)
    assert lookup.call_count == 1


def test_dot_segments_are_not_ids() -> None:
    for bad in ("", ".", ".."):
        try:
            call("GET /customers/{customer_id}/wallets/{currency}", customer_id=bad, currency="USD").path  # noqa: B018
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was sent as an id")
