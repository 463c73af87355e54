"""wiring.py chooses the payment gateway; the Stripe SDK is imported only when Stripe is chosen, so a
function that never charges never loads it (cold starts, docs/decisions.md 39)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, gateway: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "TABLE_NAME": "wallets", "PAYMENT_GATEWAY": gateway}
    return subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, 'layers/wallets');" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_the_modules_that_use_a_gateway_import_no_stripe_until_one_is_built() -> None:
    # GIVEN every module that asks for a gateway, imported
    # WHEN the sandbox gateway is built
    done = _run(
        "from wallets import customer_api, jobs, payouts, topups, wiring;"
        "assert 'stripe' not in sys.modules, 'stripe imported by an import';"
        "print(type(wiring.get_gateway()).__name__);"
        "assert 'stripe' not in sys.modules, 'stripe imported for the sandbox'",
        "sandbox",
    )
    # THEN it is the sandbox, and the Stripe SDK was never loaded
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "SandboxGateway"


@pytest.mark.parametrize(
    ("gateway", "answer"),
    [("stripe", "StripeGateway, stripe loaded: True"), ("paypal", "unknown PAYMENT_GATEWAY 'paypal'")],
)
def test_the_gateway_is_the_one_payment_gateway_names(gateway: str, answer: str) -> None:
    # GIVEN PAYMENT_GATEWAY; WHEN a gateway is asked for; THEN it is that one, or none is made up
    done = _run(
        "from wallets import wiring\n"
        "try:\n    built = wiring.get_gateway()\nexcept RuntimeError as exc:\n    print(exc)\n"
        "else:\n    print(f'{type(built).__name__}, stripe loaded: {\"stripe\" in sys.modules}')",
        gateway,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == answer
