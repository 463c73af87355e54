"""Clients generated from docs/openapi.json by generators we do not control type-check strictly:
openapi-typescript (the TypeScript client's own, in its node_modules) with tsc, and
openapi-python-client (`make openapi-generators`, its own virtualenv) with mypy --strict. A document
these generators misread (an unresolved reference, a schema they skip, a name they cannot make
unique) fails here, not in a customer's build."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from local.template import ROOT
from tests.e2e.test_typescript_client import PACKAGE, STAMP, _exclusive

DOC = ROOT / "docs" / "openapi.json"
GENERATORS = ROOT / ".venv-generators" / "bin"
BIN = PACKAGE / "node_modules" / ".bin"
# How a TypeScript program reads a route's answers: an error type the route cannot answer is refused.
USE_TS = """
import type { paths } from "./openapi";
type Refused = paths["/wallets/{wallet_id}/debits"]["post"]["responses"][402]["content"]["application/json"];
type Throttled = paths["/wallets/{wallet_id}/debits"]["post"]["responses"][429]["content"]["application/json"];
export const refused: Refused = { error: { type: "insufficient_funds", message: "m", details: {} } };
// @ts-expect-error: a debit is never refused as code_expired
export const wrong: Refused = { error: { type: "code_expired", message: "m", details: {} } };
export const throttled: Throttled = { message: "Too Many Requests" };
"""


def _run(args: list[str], cwd: Path, timeout: float = 600) -> str:
    done = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ, "NO_COLOR": "1"}
    )
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-8000:]}\n{done.stderr[-4000:]}"
    return done.stdout + done.stderr


def test_openapi_typescript_output_type_checks(tmp_path: Path) -> None:
    if not (BIN / "openapi-typescript").exists():
        if shutil.which("npm") is None:
            pytest.skip(
                "openapi-typescript comes with the TypeScript client's npm packages, and npm was not found"
            )
        with (
            _exclusive()
        ):  # the TypeScript client's own install, as tests/e2e/test_typescript_client.py does it
            done = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund"], cwd=PACKAGE, capture_output=True, text=True
            )
            if done.returncode != 0:
                pytest.skip(f"npm ci failed (is the npm registry reachable?): {done.stderr[-500:]}")
            STAMP.write_text(hashlib.sha256((PACKAGE / "package-lock.json").read_bytes()).hexdigest())
    # GIVEN the document's types, as openapi-typescript writes them
    _run([str(BIN / "openapi-typescript"), str(DOC), "-o", str(tmp_path / "openapi.ts")], PACKAGE)
    (tmp_path / "use.ts").write_text(USE_TS)
    # THEN they, and a program using them, compile strictly
    _run(
        [
            str(BIN / "tsc"),
            "--noEmit",
            "--strict",
            "--target",
            "es2022",
            "--module",
            "nodenext",
            "--moduleResolution",
            "nodenext",
            str(tmp_path / "openapi.ts"),
            str(tmp_path / "use.ts"),
        ],
        PACKAGE,
    )


def test_openapi_python_client_output_type_checks(tmp_path: Path) -> None:
    if not (GENERATORS / "openapi-python-client").exists():
        pytest.skip(
            "openapi-python-client is installed from PyPI by `make openapi-generators` (make test does)"
        )
    (tmp_path / "config.yaml").write_text("post_hooks: []\n")  # no formatter run: what it generates, as is
    # GIVEN a client package generated from the document
    out = _run(
        [
            str(GENERATORS / "openapi-python-client"),
            "generate",
            "--path",
            str(DOC),
            "--output-path",
            str(tmp_path / "wallets_api"),
            "--meta",
            "none",
            "--config",
            str(tmp_path / "config.yaml"),
        ],
        tmp_path,
    )
    # THEN nothing of the document was skipped, and the package type-checks strictly
    assert "Warning" not in out and "Unable" not in out, out
    _run([str(GENERATORS / "python"), "-m", "mypy", "--strict", "--no-incremental", "wallets_api"], tmp_path)
