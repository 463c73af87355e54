"""The staff dashboard against the local server: staff credentials from /_local/staff-login sign
the calls (SigV4), the roles' policies from template.yaml decide, and the actor is the member of
staff. Then in headless Chromium (the portal's harness): sign in as an operator and as a viewer,
find a customer, open a wallet's page. Screenshots at 390 and 1280 px: .local/artifacts/dashboard/."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.conftest import ROOT
from tests.e2e import test_portal
from tests.e2e.conftest import Client

ARTIFACTS = ROOT / ".local" / "artifacts" / "dashboard"
AXE_VERSION = "4.14.1"  # axe-core from npm, installed into .local/ on first use (as DynamoDB Local is)
AXE = ROOT / ".local" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"


def login(server: Client, user: str, role: str) -> dict[str, Any]:
    status, body = server.get(f"/_local/staff-login?user={user}&role={role}")
    assert status == 200, body
    return body  # type: ignore[no-any-return]


def signed(
    server: Client, staff: dict[str, Any], method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    """A call as the dashboard makes it: SigV4 with the role's session credentials."""
    creds = staff["credentials"]
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    if method == "POST":
        headers["Idempotency-Key"] = str(uuid.uuid4())
    request = AWSRequest(method=method, url=server.base + path, data=data or b"", headers=headers)
    credentials = Credentials(creds["accessKeyId"], creds["secretAccessKey"], creds["sessionToken"])
    SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    req = urllib.request.Request(
        server.base + path, data=data, method=method, headers=dict(request.headers.items())
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def test_a_viewer_reads_an_operator_writes_and_the_actor_is_the_member_of_staff(server: Client) -> None:
    # GIVEN a wallet, and a viewer and an operator signed in
    customer = f"cus_{uuid.uuid4().hex[:12]}"
    status, wallet = server.post("/wallets", {"customer_id": customer, "currency": "USD"})
    assert status == 201, wallet
    viewer, operator = login(server, "vera", "viewer"), login(server, "otto@example.com", "operator")
    # WHEN the viewer reads THEN it is answered
    assert (
        signed(server, viewer, "GET", f"/wallets?customer_id={customer}")[1]["data"][0]["id"] == wallet["id"]
    )
    # WHEN the viewer tries to move money THEN API Gateway's IAM auth refuses it, and nothing moved
    status, body = signed(
        server, viewer, "POST", f"/wallets/{wallet['id']}/credits", {"amount": 500, "funding_type": "cash"}
    )
    assert status == 403 and "not authorized to perform: execute-api:Invoke" in body["message"]
    # WHEN the operator credits THEN it is done, recorded as the operator, not their role
    status, txn = signed(
        server, operator, "POST", f"/wallets/{wallet['id']}/credits", {"amount": 500, "funding_type": "cash"}
    )
    assert status == 201, txn
    assert txn["actor"] == "staff:otto@example.com"
    assert signed(server, viewer, "GET", f"/wallets/{wallet['id']}")[1]["balance"] == 500
    # AND a forged or altered signature is refused like API Gateway refuses it
    creds = {**operator, "credentials": {**operator["credentials"], "secretAccessKey": "wrong"}}
    status, body = signed(
        server, creds, "POST", f"/wallets/{wallet['id']}/credits", {"amount": 1, "funding_type": "cash"}
    )
    assert status == 403 and "signature" in body["message"]
    # AND the customers' API stays out of staff's reach
    assert signed(server, operator, "GET", "/me/wallets")[0] == 401


def test_the_staff_sign_in_takes_a_known_role_only(server: Client) -> None:
    assert server.get("/_local/staff-login?user=ann&role=admin")[0] == 400
    assert server.get("/_local/staff-login?role=viewer")[0] == 400


browser = test_portal.browser  # the same fixture: headless Chromium at phone width


@pytest.fixture(scope="module")
def axe() -> str:
    if not AXE.exists():
        npm = shutil.which("npm")
        if not npm:
            pytest.skip("npm is needed once to install axe-core into .local/")
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(AXE.parents[2]),
                "--no-audit",
                "--no-fund",
                f"axe-core@{AXE_VERSION}",
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return AXE.read_text(encoding="utf-8")


def serious_violations(driver: Any, axe_source: str) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.1 A and AA)."""
    driver.execute_script(axe_source)  # WebDriver's scripts are not the page's: its CSP does not apply
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']})"
        ".then((r) => done(r.violations.map((v) => [v.impact, v.id, v.nodes.map((n) => n.target.join(' ')).join(', ')])))"
    )
    return [f"{impact} {rule}: {where}" for impact, rule, where in found if impact in ("serious", "critical")]


def sign_in(driver: Any, server: Client, user: str, role: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver.get(f"{server.base}/dashboard")
    field = test_portal.wait_until(lambda: driver.find_element(By.ID, "staff-user"))
    test_portal.wait_until(lambda: field.is_displayed())
    field.send_keys(user)
    Select(driver.find_element(By.ID, "staff-role")).select_by_value(role)
    field.submit()
    test_portal.wait_until(lambda: test_portal.text_of(driver, "#who-name") == user)


def screenshots(driver: Any, name: str) -> None:
    original = test_portal.ARTIFACTS
    test_portal.ARTIFACTS = ARTIFACTS
    try:
        test_portal.screenshots(driver, name)
    finally:
        test_portal.ARTIFACTS = original


def test_staff_find_a_customer_and_read_a_wallets_page(server: Client, browser: Any, axe: str) -> None:
    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # GIVEN a customer with a credited wallet, credited by an operator
    customer = f"cus_{uuid.uuid4().hex[:12]}"
    status, wallet = server.post("/wallets", {"customer_id": customer, "currency": "EUR"})
    assert status == 201
    operator = login(server, "otto", "operator")
    assert (
        signed(
            server,
            operator,
            "POST",
            f"/wallets/{wallet['id']}/credits",
            {"amount": 1250, "funding_type": "cash", "description": "welcome"},
        )[0]
        == 201
    )
    for role in ("operator", "viewer"):
        # WHEN a member of staff signs in and finds the customer
        sign_in(browser, server, f"{role}-1", role)
        if role == "viewer":  # the sign-in form, then the signed-in page
            browser.find_element(By.ID, "sign-out").click()
            test_portal.wait_until(lambda: browser.find_element(By.ID, "staff-user").is_displayed())
            assert serious_violations(browser, axe) == []
            screenshots(browser, "sign-in")
            sign_in(browser, server, f"{role}-1", role)
        if role == "viewer":
            assert serious_violations(browser, axe) == []
            screenshots(browser, "find")
        browser.find_element(By.ID, "find-id").send_keys(customer)
        browser.find_element(By.ID, "find-id").submit()
        button = test_portal.wait_until(lambda: browser.find_element(By.CSS_SELECTOR, "#results button"))
        assert button.text == wallet["id"]
        # THEN the wallet's page shows its balances and its history with who did what
        button.click()
        test_portal.wait_until(lambda: test_portal.text_of(browser, "#wallet-amounts .balance"))
        assert "12.50" in test_portal.text_of(browser, "#wallet-amounts .balance")
        history = test_portal.wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "#history tbody tr"))
        assert "staff:otto" in history[0].text and "welcome" in history[0].text
        assert "12.50" in test_portal.text_of(browser, "#by-type") and "cash" in test_portal.text_of(
            browser, "#lots"
        )
        assert serious_violations(browser, axe) == []
        screenshots(browser, f"wallet-{role}")
        browser.find_element(By.ID, "sign-out").click()
    assert not test_portal.csp_violations(browser)
    assert "AccessKey" not in browser.current_url and "Credential" not in browser.current_url
