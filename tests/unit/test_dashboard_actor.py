"""Who a dashboard request acts as: the member of staff API Gateway names, never a shared role."""

from __future__ import annotations

from typing import Any

from wallets.http import caller

from local import staff

ROLE_ARN = "arn:aws:sts::123456789012:assumed-role/DashboardOperatorRole/CognitoIdentityCredentials"
POOL = "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123"


def event(identity: dict[str, Any]) -> dict[str, Any]:
    return {"requestContext": {"identity": identity}}


def test_identity_pool_credentials_act_as_the_user_pools_subject() -> None:
    # GIVEN what API Gateway passes for a call signed with a Cognito identity pool's credentials
    signed = {
        "userArn": ROLE_ARN,
        "cognitoAuthenticationType": "authenticated",
        "cognitoAuthenticationProvider": f"{POOL},{POOL}:CognitoSignIn:6f1c2d3e-aaaa-bbbb-cccc-1234567890ab",
    }
    # THEN the actor is the staff member's user pool subject, not the role every operator shares
    assert caller(event(signed)) == "staff:6f1c2d3e-aaaa-bbbb-cccc-1234567890ab"


def test_the_local_servers_staff_identity_is_read_the_same_way() -> None:
    sessions = staff.Staff()
    login = sessions.login("alice@example.com", "viewer")
    session = sessions._sessions[login["credentials"]["accessKeyId"]]
    assert caller(event(staff.identity(session))) == "staff:alice@example.com"


def test_other_callers_are_unchanged() -> None:
    # A role's sessions are one caller; an unauthenticated identity pool caller names nobody
    assert caller(event({"userArn": ROLE_ARN})) == ROLE_ARN.rsplit("/", 1)[0]
    guest = {"userArn": ROLE_ARN, "cognitoAuthenticationType": "unauthenticated"}
    assert caller(event(guest)) == ROLE_ARN.rsplit("/", 1)[0]
    assert caller(event({})) == "anonymous"
