"""The TypeScript client (clients/typescript): built, type-checked, and its node tests run against the
local server on each engine (the seeds' use cases and the lost-answer test); its SigV4 verified
with botocore, its error classes and minor units checked against the server's own, and its webhook
verifier against the service's signer.

`npm ci` runs once per lock file (its hash is kept in node_modules), so a run without changes to
clients/typescript/package-lock.json installs nothing.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import Client

PACKAGE = ROOT / "clients" / "typescript"
STAMP = PACKAGE / "node_modules" / ".wallets-lock-hash"


def _run(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    done = subprocess.run(
        args, cwd=PACKAGE, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
    return done.stdout


@contextlib.contextmanager
def _exclusive() -> Iterator[None]:
    """One installer and builder at a time (xdist workers share the package directory)."""
    with open(PACKAGE / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def built() -> Path:
    """node_modules for the lock file (npm ci when its hash changed), then the ESM and CJS builds,
    then the examples and tests type-checked with tsc --noEmit."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("the TypeScript client needs node and npm, and one of them was not found")
    with _exclusive():
        lock_hash = hashlib.sha256((PACKAGE / "package-lock.json").read_bytes()).hexdigest()
        if not STAMP.exists() or STAMP.read_text() != lock_hash:
            _run("npm", "ci", "--no-audit", "--no-fund")
            STAMP.write_text(lock_hash)
        _run("npm", "run", "build")
        _run("npx", "tsc", "-p", "tsconfig.test.json", "--noEmit")
    return PACKAGE


def _node(script: str) -> Any:
    """Run an ES module in the package (it imports "wallets-client", the built package) and read its
    JSON output."""
    return json.loads(_run("node", "--input-type=module", "-e", script, timeout=60))


def test_the_node_tests_pass_against_the_local_server(built: Path, server: Client) -> None:
    with _exclusive():  # npm test compiles the tests into build/
        out = _run("npm", "test", env={"WALLETS_BASE_URL": server.base}, timeout=300)
    # A suite skipped for want of WALLETS_BASE_URL says "# SKIP" and counts as no test at all.
    assert "# fail 0" in out and "# SKIP" not in out, out[-3000:]
    assert "ok 1 - is retried with the same key and moves money once" in out, out[-3000:]


KEY = {"accessKeyId": "AKIDEXAMPLE", "secretAccessKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
CAPTURE = """
import { WalletsClient } from "wallets-client";
const sent = [];
const fetch = async (url, init) => {
  sent.push({ url, method: init.method, headers: init.headers, body: init.body ?? null });
  return new Response(JSON.stringify({ id: "x", data: [], has_more: false, next_cursor: null }), { status: 201 });
};
const client = new WalletsClient({
  baseUrl: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
  auth: { credentials: %s },
  fetch,
});
await client.wallets.debit("wal_01JDEMQ0000000000000000000", {
  amount: 250, description: "café ☕ (1/2)", metadata: { order: "a b&c" },
}, { idempotencyKey: "key-1" });
await client.wallets.listPage({ customer_id: "a b+c/é*", limit: 2 });
await client.wallets.getBalance("cus (1)", "USD");
console.log(JSON.stringify(sent));
"""


@pytest.mark.parametrize("session_token", [None, "FQoGZXIvYXdzEXAMPLE"])
def test_sigv4_verifies_with_botocore(built: Path, session_token: str | None) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    credentials = {**KEY, **({"sessionToken": session_token} if session_token else {})}
    sent = _node(CAPTURE % json.dumps(credentials))
    assert len(sent) == 3
    key = Credentials(KEY["accessKeyId"], KEY["secretAccessKey"], session_token)
    for request in sent:
        headers = {k.lower(): v for k, v in request["headers"].items()}
        assert "authorization" in headers and "host" not in headers  # fetch sends Host from the URL
        assert headers.get("x-amz-security-token") == session_token
        when = datetime.datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.UTC
        )
        # Independently: botocore signs the request exactly as it goes on the wire.
        unsigned = {
            k: v
            for k, v in headers.items()
            if k not in ("authorization", "x-amz-date", "x-amz-security-token", "user-agent")
        }
        expected = AWSRequest(
            method=request["method"],
            url=request["url"],
            data=(request["body"] or "").encode(),
            headers=unsigned,
        )
        with mock.patch("botocore.auth.get_current_datetime", return_value=when):
            SigV4Auth(key, "execute-api", "eu-west-1").add_auth(expected)
        assert headers["authorization"] == expected.headers["Authorization"], request
    assert sent[0]["headers"]["idempotency-key"] == "key-1"
    assert "customer_id=a%20b%2Bc%2F%C3%A9%2A" in sent[1]["url"]  # %20, never a + for a space
    assert sent[2]["url"].endswith("/customers/cus%20%281%29/balances/USD")


def test_every_error_type_of_the_server_has_its_class(built: Path) -> None:
    from wallets import errors

    def subclasses(cls: type[errors.WalletError]) -> Iterator[type[errors.WalletError]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    server_types = {c.type for c in subclasses(errors.WalletError) if c is not errors.Replayed}
    server_types |= {"not_found", "internal_error", "invalid_json"}  # http.py's own answers
    classes = _node(
        'import { ERROR_CLASSES } from "wallets-client";'
        "console.log(JSON.stringify(Object.fromEntries(Object.entries(ERROR_CLASSES).map(([t, c]) => [t, c.name]))));"
    )
    assert server_types - set(classes) == set()
    assert all(name.endswith("Error") for name in classes.values())


def test_minor_units_are_the_servers(built: Path) -> None:
    from wallets import money

    units = _node('import { MINOR_UNITS } from "wallets-client"; console.log(JSON.stringify(MINOR_UNITS));')
    assert units == {code: money.minor_digits(code) for code in money.active_currencies()}


def test_the_public_types_have_no_any(built: Path) -> None:
    for declarations in sorted((built / "dist").rglob("*.d.ts")):
        code = re.sub(r"/\*.*?\*/|//[^\n]*", "", declarations.read_text(), flags=re.S)
        assert not re.search(r"\bany\b", code), declarations


def test_the_esm_build_loads_nothing_node_only_until_asked(built: Path) -> None:
    """Browsers and bundlers get the signer only: the credential chain and node:crypto are imported
    on first use (the chain when no credentials were given, node:crypto on Node 18 only)."""
    imported: set[str] = set()
    for module in (built / "dist" / "esm").rglob("*.js"):
        imported |= set(
            re.findall(r'^(?:import|export)[^;]*?from\s+"([^"]+)"', module.read_text(), flags=re.M)
        )
    assert {name for name in imported if not name.startswith(".")} == {
        "@smithy/signature-v4",
        "@aws-crypto/sha256-js",
    }


VERIFY = """
import { verifyWebhook, WebhookVerificationError } from "wallets-client";
const cases = %s;
const verdicts = [];
for (const { body, headers, secret, now } of cases) {
  try {
    const event = await verifyWebhook(Buffer.from(body, "base64"), headers, secret, { now });
    verdicts.push({ ok: true, event });
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    verdicts.push({ ok: false, reason: error.reason });
  }
}
console.log(JSON.stringify(verdicts));
"""


def test_a_webhook_the_service_signs_verifies_in_node(built: Path) -> None:
    """The service's signer (wallets.webhooks, during a rotation: two keys) against the client's
    verifier, on a body with non-ASCII text: what one signs the other accepts, byte for byte."""
    import base64

    from wallets import webhooks

    current = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    previous = "whsec_" + base64.b64encode(b"fedcba9876543210fedcba9876543210").decode()
    unrelated = "whsec_" + base64.b64encode(b"a different key of 32 bytes ....").decode()
    event = {
        "detail-type": "wallet.credited",
        "detail": {
            "event_id": "evt_01JDEMQ",
            "occurred_at": "2026-12-06T12:00:00.000Z",
            "wallet_id": "wal_1",
            "amount": 1000,
            "description": "café ☕",
        },
    }
    msg_id, body = webhooks.payload(event)
    stamp = 1796558400
    headers = webhooks.headers([current, previous], msg_id, stamp, body)
    tampered = body.replace(b"1000", b"9000")

    def case(payload: bytes, secret: str, now_s: int = stamp) -> dict[str, Any]:
        encoded = base64.b64encode(payload).decode()
        return {"body": encoded, "headers": headers, "secret": secret, "now": now_s * 1000}

    verdicts = _node(
        VERIFY
        % json.dumps(
            [
                case(body, current),
                case(body, previous),
                case(body, unrelated),
                case(tampered, current),
                case(body, current, stamp + webhooks.TOLERANCE_S + 1),
            ]
        )
    )
    assert verdicts[0] == {"ok": True, "event": {"id": msg_id, **json.loads(body)}}
    assert verdicts[1]["ok"] is True
    assert [v.get("reason") for v in verdicts[2:]] == ["signature", "signature", "timestamp"]
