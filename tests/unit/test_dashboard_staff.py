"""make run's staff sign-in (local/staff.py): SigV4 checked as API Gateway checks it, and the
dashboard roles' policies from template.yaml evaluated for execute-api:Invoke."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local import staff

BASE = "http://127.0.0.1:3000"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def signed(login: dict[str, Any], method: str, path: str, body: Any = None) -> tuple[dict[str, str], bytes]:
    """The request as botocore signs it now (what the browser's aws4fetch sends)."""
    creds = login["credentials"]
    data = json.dumps(body).encode() if body is not None else b""
    request = AWSRequest(
        method=method, url=BASE + path, data=data, headers={"Content-Type": "application/json"}
    )
    credentials = Credentials(creds["accessKeyId"], creds["secretAccessKey"], creds["sessionToken"])
    SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    return {**dict(request.headers.items()), "Host": "127.0.0.1:3000"}, data


@pytest.fixture
def sessions() -> staff.Staff:
    return staff.Staff()


def test_the_template_defines_a_viewer_that_reads_and_an_operator_that_also_writes() -> None:
    viewer, operator = staff.role_statements("viewer"), staff.role_statements("operator")
    for method, path, may_view, may_operate in [
        ("GET", "/wallets", True, True),
        ("GET", "/wallets/wal_1/transactions", True, True),
        ("GET", "/customers/cus_1/balances", True, True),
        ("GET", "/codes", True, True),
        ("POST", "/wallets/wal_1/credits", False, True),
        ("PATCH", "/wallets/wal_1", False, True),
        ("DELETE", "/wallets/wal_1", False, True),
        ("POST", "/codes/code_1/disable", False, True),
        ("POST", "/wallets", False, True),
        ("GET", "/me/wallets", False, False),  # the customers' API is never staff's
        ("POST", "/webhooks/stripe", False, False),
        ("GET", "/walletsX", False, False),
    ]:
        arn = staff.invoke_arn(method, path)
        assert staff.allowed(viewer, "execute-api:Invoke", arn) is may_view, (method, path)
        assert staff.allowed(operator, "execute-api:Invoke", arn) is may_operate, (method, path)


def test_an_explicit_deny_wins_and_nothing_matching_is_denied() -> None:
    arn = staff.invoke_arn("POST", "/wallets/wal_1/credits")
    allow = {"Effect": "Allow", "Action": ["execute-api:*"], "Resource": ["arn:aws:execute-api:*"]}
    deny = {"Effect": "Deny", "Action": ["EXECUTE-API:Invoke"], "Resource": ["*/POST/*"]}
    assert staff.allowed([allow], "execute-api:Invoke", arn)
    assert not staff.allowed([allow, deny], "execute-api:Invoke", arn)
    assert not staff.allowed([], "execute-api:Invoke", arn)
    assert not staff.allowed([{**allow, "Action": ["s3:*"]}], "execute-api:Invoke", arn)
    assert staff.allowed([{**allow, "Resource": ["*/local/P?ST/wallets/*"]}], "execute-api:Invoke", arn)


@pytest.mark.parametrize("key", ["NotAction", "NotResource", "Condition"])
def test_a_policy_outside_the_evaluated_subset_fails_loudly(key: str) -> None:
    template = {
        "Resources": {
            "DashboardViewerRole": {
                "Properties": {
                    "Policies": [
                        {
                            "PolicyDocument": {
                                "Statement": [{"Effect": "Allow", "Action": "x", "Resource": "*", key: {}}]
                            }
                        }
                    ]
                }
            }
        }
    }
    with pytest.raises(ValueError, match=key):
        staff.role_statements("viewer", template)


def test_a_viewer_reads_and_is_refused_a_write(sessions: staff.Staff) -> None:
    login = sessions.login("vera", "viewer")
    headers, body = signed(login, "GET", "/wallets?customer_id=cus_1")
    who = sessions.check("GET", BASE + "/wallets?customer_id=cus_1", headers, body)
    assert who["cognitoAuthenticationProvider"].endswith(":CognitoSignIn:vera")
    assert who["userArn"].endswith(":assumed-role/DashboardViewerRole/CognitoIdentityCredentials")
    headers, body = signed(login, "POST", "/wallets/wal_1/credits", {"amount": 1})
    with pytest.raises(staff.Refused, match="not authorized to perform: execute-api:Invoke"):
        sessions.check("POST", BASE + "/wallets/wal_1/credits", headers, body)


def test_an_operator_writes(sessions: staff.Staff) -> None:
    login = sessions.login("otto", "operator")
    headers, body = signed(login, "POST", "/wallets/wal_1/credits", {"amount": 1})
    assert sessions.check("POST", BASE + "/wallets/wal_1/credits", headers, body)["userArn"].endswith(
        "/DashboardOperatorRole/CognitoIdentityCredentials"
    )


def test_a_changed_body_path_token_or_key_is_refused(sessions: staff.Staff) -> None:
    login = sessions.login("otto", "operator")
    headers, body = signed(login, "POST", "/wallets/wal_1/credits", {"amount": 1})
    with pytest.raises(staff.Refused, match="signature"):
        sessions.check("POST", BASE + "/wallets/wal_1/credits", headers, b'{"amount": 100000}')
    with pytest.raises(staff.Refused, match="signature"):
        sessions.check("POST", BASE + "/wallets/wal_2/credits", headers, body)
    with pytest.raises(staff.Refused, match="security token"):
        sessions.check(
            "POST", BASE + "/wallets/wal_1/credits", {**headers, "X-Amz-Security-Token": "x"}, body
        )
    other = staff.Staff()  # another server's (or a restarted one's) credentials
    with pytest.raises(staff.Refused, match="security token"):
        other.check("POST", BASE + "/wallets/wal_1/credits", headers, body)


def test_credentials_expire_and_old_signatures_are_refused() -> None:
    # GIVEN credentials and a request signed now, checked by a server whose clock we move
    clock = Clock()
    clock.now = time.time()
    sessions = staff.Staff(clock)
    login = sessions.login("otto", "viewer")
    headers, body = signed(login, "GET", "/wallets")
    assert sessions.check("GET", BASE + "/wallets", headers, body)
    # WHEN the same request arrives later than SigV4's skew THEN it is refused (a replay)
    clock.now += staff.SKEW_S + 1
    with pytest.raises(staff.Refused, match="expired"):
        sessions.check("GET", BASE + "/wallets", headers, body)
    # AND once the credentials' hour is over, nothing they sign passes
    clock.now += staff.LIFETIME_S
    with pytest.raises(staff.Refused, match="security token"):
        sessions.check("GET", BASE + "/wallets", *signed(login, "GET", "/wallets"))


def test_only_staff_keys_are_checked_and_sign_in_takes_a_known_role(sessions: staff.Staff) -> None:
    assert not sessions.is_staff_request({"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/x"})
    assert not sessions.is_staff_request({})
    assert sessions.is_staff_request({"Authorization": f"AWS4-HMAC-SHA256 Credential={staff.KEY_PREFIX}X/y"})
    for user, role in [("", "viewer"), ("a b", "viewer"), ("ann", "admin"), ("ann", "")]:
        with pytest.raises(ValueError):
            sessions.login(user, role)
