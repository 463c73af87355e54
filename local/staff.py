"""Staff sign-in for `make run`: what a Cognito identity pool and API Gateway's IAM auth do for the
dashboard, on this machine, so the viewer/operator split is tested without AWS.

- `GET /_local/staff-login?user=alice&role=operator` answers short-lived credentials (an access key,
  its secret and a session token, as the identity pool's GetCredentialsForIdentity does) for the
  role the template defines for that group (DashboardViewerRole, DashboardOperatorRole). They live
  in this process only, `LIFETIME_S`.
- A request signed with such a key (SigV4, service `execute-api`) is checked as API Gateway checks
  it: the signature recomputed with botocore over the signed headers and the body, the session token,
  the credential's scope and a request time within `SKEW_S`. Then the role's policies from
  template.yaml are evaluated for `execute-api:Invoke` on
  `arn:aws:execute-api:<region>:<account>:local/local/<METHOD>/<path>`. Anything else is 403, with
  API Gateway's own message.
- A request that passes gets API Gateway's identity fields for identity-pool credentials
  (`cognitoAuthenticationProvider` ending `:CognitoSignIn:<sub>`, `userArn` of the assumed role with
  the session name `CognitoIdentityCredentials`), from which the API records the member of staff.

The IAM subset evaluated: identity policies' `Statement`s with `Effect` Allow or Deny, `Action` and
`Resource` (strings or lists, `*` and `?` wildcards, actions case-insensitive); an explicit Deny wins,
then any Allow, else an implicit deny. `NotAction`, `NotResource`, `Condition` and `Principal` are
refused when the template is read, so a policy this evaluator cannot honour fails loudly instead of
being read more loosely than IAM would. Requests signed with other keys (the clients' tests sign with
made-up ones) pass unchecked, as before: this local server still checks no other signatures.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from local.template import load

LOGIN_PATH = "_local/staff-login"  # relative to the API's base, as the page resolves it
ROLES = {"viewer": "DashboardViewerRole", "operator": "DashboardOperatorRole"}
LIFETIME_S = 3600  # Cognito's identity pool credentials last an hour
SKEW_S = 300  # SigV4 refuses a request time further than this from the server's clock
KEY_PREFIX = "ASIASTAFF"  # only these keys are checked; an unknown one of this prefix is refused
REGION, ACCOUNT, API_ID, STAGE = "us-east-1", "000000000000", "local", "local"
USER_POOL = f"cognito-idp.{REGION}.amazonaws.com/{REGION}_localstaff"
IDENTITY_POOL = f"{REGION}:00000000-0000-0000-0000-00000000staff"
SESSION_NAME = "CognitoIdentityCredentials"  # the session name of identity pool credentials
USER = re.compile(r"^[A-Za-z0-9._@+-]{1,128}$")
UNSUPPORTED = ("NotAction", "NotResource", "Condition", "Principal", "NotPrincipal")
# Values of the template's !Sub variables for the local API (API Gateway's own ARN parts).
SUBSTITUTIONS = {
    "AWS::Partition": "aws",
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "WalletsApi": API_ID,
    "Stage": STAGE,
}


class Refused(Exception):
    """A request API Gateway's IAM auth would refuse: 403 with `message`."""


@dataclass(frozen=True)
class Session:
    user: str
    role: str  # viewer | operator
    access_key: str
    secret_key: str
    token: str
    identity_id: str
    expires_at: float


# ------------------------------------------------------------------ the template's policies


def _resolve(value: Any) -> Any:
    """A policy value with the template's !Sub resolved for the local API, !Ref of its names too."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    if isinstance(value, dict) and "Fn::Sub" in value:
        text = value["Fn::Sub"]
        if not isinstance(text, str):
            raise ValueError(f"only the one-argument form of !Sub is read: {value}")
        return re.sub(r"\$\{([^}]+)\}", lambda m: SUBSTITUTIONS[m.group(1)], text)
    raise ValueError(f"a policy value this evaluator cannot read: {value}")


def role_statements(role: str, template: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The statements of every inline policy of the role's IAM resource in template.yaml."""
    template = template or load()
    resource = template["Resources"][ROLES[role]]
    statements = []
    for policy in resource["Properties"].get("Policies") or []:
        for statement in policy["PolicyDocument"]["Statement"]:
            bad = [key for key in UNSUPPORTED if key in statement]
            if bad:
                raise ValueError(f"{ROLES[role]}: {bad} is outside the subset of IAM evaluated locally")
            actions, resources = _resolve(statement["Action"]), _resolve(statement["Resource"])
            statements.append(
                {
                    "Effect": statement["Effect"],
                    "Action": [actions] if isinstance(actions, str) else actions,
                    "Resource": [resources] if isinstance(resources, str) else resources,
                }
            )
    return statements


def _matches(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    # IAM's wildcards: * any run of characters (slashes too), ? one character; nothing else is special.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case_sensitive else re.IGNORECASE) is not None


def allowed(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    """IAM's evaluation of one identity policy set: an explicit Deny wins, then an Allow, else deny."""
    hits = [
        s["Effect"]
        for s in statements
        if any(_matches(a, action, case_sensitive=False) for a in s["Action"])
        and any(_matches(r, resource) for r in s["Resource"])
    ]
    return "Deny" not in hits and "Allow" in hits


def invoke_arn(method: str, path: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/{method.upper()}/{path.lstrip('/')}"


# ------------------------------------------------------------------ sessions and signatures


class Staff:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self.policies = {role: role_statements(role) for role in ROLES}

    def configure(self) -> None:
        """Point the dashboard at this development sign-in (deployed, it reads the staff pools)."""
        os.environ["STAFF_LOCAL_LOGIN"] = LOGIN_PATH

    def login(self, user: str, role: str) -> dict[str, Any]:
        """Credentials for `user` in the group `role`, as the identity pool answers them."""
        if not USER.fullmatch(user or ""):
            raise ValueError("user: 1 to 128 letters, digits or ._@+-")
        if role not in ROLES:
            raise ValueError(f"role: one of {', '.join(ROLES)}")
        session = Session(
            user=user,
            role=role,
            access_key=KEY_PREFIX + secrets.token_hex(6).upper(),
            secret_key=secrets.token_urlsafe(30),
            token=secrets.token_urlsafe(48),
            identity_id=f"{REGION}:{hashlib.sha256(user.encode()).hexdigest()[:32]}",
            expires_at=self.clock() + LIFETIME_S,
        )
        with self._lock:
            now = self.clock()
            for key in [k for k, s in self._sessions.items() if s.expires_at <= now]:
                del self._sessions[key]
            self._sessions[session.access_key] = session
        return {
            "identityId": session.identity_id,
            "role": role,
            "user": user,
            "credentials": {
                "accessKeyId": session.access_key,
                "secretAccessKey": session.secret_key,
                "sessionToken": session.token,
                "expiration": int(session.expires_at),
            },
        }

    def is_staff_request(self, headers: Mapping[str, str]) -> bool:
        credential = _authorization(headers.get("Authorization", "")).get("Credential", "")
        return credential.startswith(KEY_PREFIX)

    def check(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        """The identity API Gateway passes for a request signed with staff credentials, or Refused."""
        fields = _authorization(headers.get("Authorization", ""))
        try:
            key, date, region, service, terminal = fields["Credential"].split("/")
            signed = fields["SignedHeaders"].split(";")
            signature = fields["Signature"]
        except (KeyError, ValueError):
            raise Refused(
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'"
            ) from None
        with self._lock:
            session = self._sessions.get(key)
        if session is None or session.expires_at <= self.clock():
            raise Refused("The security token included in the request is invalid.")
        if headers.get("X-Amz-Security-Token") != session.token or "x-amz-security-token" not in signed:
            raise Refused("The security token included in the request is invalid.")
        amz_date = headers.get("X-Amz-Date", "")
        try:
            at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:
            raise Refused("Signature expired or X-Amz-Date missing") from None
        if abs(at - self.clock()) > SKEW_S:
            raise Refused("Signature expired")
        if (date, region, service, terminal) != (amz_date[:8], REGION, "execute-api", "aws4_request"):
            raise Refused("Credential should be scoped to a valid region and service execute-api")
        if "host" not in signed or not secrets.compare_digest(
            _signature(session, method, url, headers, body, signed, amz_date), signature
        ):
            raise Refused("The request signature we calculated does not match the signature you provided.")
        path = urlsplit(url).path
        if not allowed(self.policies[session.role], "execute-api:Invoke", invoke_arn(method, path)):
            raise Refused(
                f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{ROLES[session.role]}/{SESSION_NAME} is not "
                f"authorized to perform: execute-api:Invoke on resource: {invoke_arn(method, path)}"
            )
        return identity(session)


def identity(session: Session) -> dict[str, Any]:
    """`requestContext.identity` as API Gateway fills it for identity-pool credentials."""
    role_id = "AROALOCAL" + ROLES[session.role].upper()[:12]
    return {
        "cognitoIdentityPoolId": IDENTITY_POOL,
        "cognitoIdentityId": session.identity_id,
        "cognitoAuthenticationType": "authenticated",
        "cognitoAuthenticationProvider": f"{USER_POOL},{USER_POOL}:CognitoSignIn:{session.user}",
        "accessKey": session.access_key,
        "accountId": ACCOUNT,
        "caller": f"{role_id}:{SESSION_NAME}",
        "user": f"{role_id}:{SESSION_NAME}",
        "userArn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLES[session.role]}/{SESSION_NAME}",
    }


def _authorization(header: str) -> dict[str, str]:
    if not header.startswith("AWS4-HMAC-SHA256 "):
        return {}
    parts = (p.strip().split("=", 1) for p in header[len("AWS4-HMAC-SHA256 ") :].split(","))
    return {p[0]: p[1] for p in parts if len(p) == 2}


def _signature(
    session: Session,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    signed: list[str],
    amz_date: str,
) -> str:
    """The signature botocore computes for the request over the headers the client signed."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    lower = {k.lower(): v for k, v in headers.items()}
    request = AWSRequest(method=method, url=url, data=body, headers={h: lower.get(h, "") for h in signed})
    request.context["timestamp"] = amz_date
    auth = SigV4Auth(
        Credentials(session.access_key, session.secret_key, session.token), "execute-api", REGION
    )
    canonical = auth.canonical_request(request)
    return str(auth.signature(auth.string_to_sign(request, canonical), request))
