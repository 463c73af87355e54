"""schemathesis, every check, against the local server and docs/openapi.json: what the document
allows the server accepts, what it forbids the server refuses, and every answer matches its schema
(configuration and its reasons: schemathesis.toml)."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import Client

ST = ROOT / ".venv-schemathesis" / "bin" / "st"


@pytest.mark.parametrize("server", ["ddb"], indirect=True)
def test_the_openapi_document_matches_the_server(server: Client) -> None:
    if not ST.exists():
        pytest.skip("schemathesis is installed by `make test` into .venv-schemathesis")
    # A customer token for the customer API (/me); the other routes ignore it (IAM, not checked here).
    token = server.get("/_local/login?customer_id=cus_schemathesis")[1]["access_token"]
    run = subprocess.run(
        [
            str(ST),
            "run",
            "docs/openapi.json",
            "--url",
            server.base,
            "--header",
            f"Authorization: Bearer {token}",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
