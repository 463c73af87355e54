"""The seeds' use cases, as runnable examples (clients/python/examples), run against the local server."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import Client

EXAMPLES = sorted(p.name for p in (ROOT / "clients" / "python" / "examples").glob("[a-z]*.py"))


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_example_runs(api: Client, example: str) -> None:
    run = subprocess.run(
        [sys.executable, example],
        cwd=ROOT / "clients" / "python" / "examples",
        env={**os.environ, "WALLETS_URL": api.base, "WALLETS_AUTH": "none"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip()


def test_the_readme_examples_run(api: Client) -> None:
    # GIVEN the README's Python blocks pointed at the local server (the quick start also builds a
    # SigV4 client first: it needs a region and credentials, never used)
    readme = (ROOT / "clients" / "python" / "README.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```", readme, flags=re.DOTALL | re.MULTILINE)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example"}
    for block in blocks:
        assert "http://127.0.0.1:3000" in block or "Client(" not in block  # a client talks to the server
        # WHEN each runs THEN it finishes and prints what it read
        run = subprocess.run(
            [sys.executable, "-c", block.replace("http://127.0.0.1:3000", api.base)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, block + run.stdout + run.stderr
        assert run.stdout.strip()


def test_there_is_an_example_for_each_seed_use_case() -> None:
    assert EXAMPLES == [
        "credit_refunds.py",
        "display_balances.py",
        "purchase_credits.py",
        "referral_credits.py",
        "welcome_bonus.py",
    ]
