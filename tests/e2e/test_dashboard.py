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
    return body


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
    # AND a query signed in its encoded form (as the page's aws4fetch signs a date or an id with
    # ':' '@' '+') is checked as sent, not as decoded
    for query in (
        "created_after=2020-01-01T00%3A00%3A00Z",
        "created_before=2099-01-01T00%3A00%3A00%2B00%3A00",
    ):
        status, page = signed(server, viewer, "GET", f"/wallets/{wallet['id']}/transactions?{query}")
        assert status == 200 and len(page["data"]) == 1, (query, page)
    status, page = signed(server, viewer, "GET", "/wallets?customer_id=cus%3Aa%40b%2Bc")
    assert status == 200 and page["data"] == [], page
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


def shown_unless_refused(driver: Any, selector: str) -> str:
    """The element's text; the Find section's error, if the page says one, fails at once."""
    error = test_portal.text_of(driver, "#find-error")
    if error:
        pytest.fail(f"the page said: {error}")
    return test_portal.text_of(driver, selector)


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
        test_portal.wait_until(lambda: shown_unless_refused(browser, "#wallet-amounts .balance"))
        assert "12.50" in test_portal.text_of(browser, "#wallet-amounts .balance")
        history = test_portal.wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "#history tbody tr"))
        assert "staff:otto" in history[0].text and "welcome" in history[0].text
        assert "12.50" in test_portal.text_of(browser, "#by-type") and "cash" in test_portal.text_of(
            browser, "#lots"
        )
        # AND a viewer is told up front that changes are refused; an operator has the actions open
        assert browser.find_element(By.ID, "viewer-note").is_displayed() == (role == "viewer")
        assert (browser.find_element(By.ID, "actions").get_attribute("open") is not None) == (
            role == "operator"
        )
        assert serious_violations(browser, axe) == []
        screenshots(browser, f"wallet-{role}")
        # WHEN they find a transaction by its id alone THEN it is the one in the wallet on the page
        txn = server.get(f"/wallets/{wallet['id']}/transactions")[1]["data"][0]
        fill(browser, {"find-kind": "transaction", "find-id": txn["id"]})
        browser.find_element(By.ID, "find-id").submit()
        found = test_portal.wait_until(lambda: shown_unless_refused(browser, "#results dl"))
        assert txn["id"] in found and "staff:otto" in found and "12.50" in found
        browser.find_element(By.ID, "sign-out").click()
    assert not test_portal.csp_violations(browser)
    assert "AccessKey" not in browser.current_url and "Credential" not in browser.current_url


def fill(driver: Any, values: dict[str, Any]) -> None:
    """Form fields by id: text typed, checkboxes set, date-times set as the picker would."""
    from selenium.common.exceptions import NoSuchElementException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    for field_id, value in values.items():
        element = driver.find_element(By.ID, field_id)
        if element.tag_name == "select":
            choice = Select(element)
            try:
                choice.select_by_value(value)
            except NoSuchElementException:  # <option>text</option>: its value is its text
                choice.select_by_visible_text(value)
        elif element.get_attribute("type") == "checkbox":
            if element.is_selected() != value:
                element.click()
        elif element.get_attribute("type") == "datetime-local":
            driver.execute_script("arguments[0].value = arguments[1]", element, value)
        else:
            element.clear()
            element.send_keys(value)


def act(
    driver: Any, action: str, values: dict[str, Any], says: str, double: bool = False, where: str = ""
) -> str:
    """Fill an action's form, submit it, check its confirmation restates what it does, confirm.
    Answers what the page said: its status on success, the form's error otherwise."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    # A form drawn from an answer (a new code's row) may not be there yet: wait for it.
    selector = f'form[data-action="{action}"]{where}'
    form = test_portal.wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, selector))[0]
    fill(driver, values)
    driver.execute_script("document.getElementById('status').textContent = ''")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    panel = test_portal.wait_until(lambda: form.find_element(By.CSS_SELECTOR, ".confirm"))
    assert says in panel.text, panel.text
    confirm = panel.find_element(By.CSS_SELECTOR, ".confirm-yes")
    assert driver.switch_to.active_element == confirm  # focus moved to the decision
    if double:
        ActionChains(driver).double_click(confirm).perform()
    else:
        confirm.click()

    def outcome() -> str:
        try:
            error = form.find_element(By.CSS_SELECTOR, ".error").text
        except StaleElementReferenceException:  # done, and the list it was in drawn again
            error = ""
        return error or test_portal.text_of(driver, "#status")

    return str(test_portal.wait_until(outcome))


def open_wallet(driver: Any, wallet_id: str) -> None:
    """Find > wallet: its page, drawn afresh."""
    from selenium.webdriver.common.by import By

    driver.execute_script("document.getElementById('wallet-title').textContent = ''")
    fill(driver, {"find-kind": "wallet", "find-id": wallet_id})
    driver.find_element(By.ID, "find-id").submit()
    test_portal.wait_until(lambda: test_portal.text_of(driver, "#wallet-title").endswith(wallet_id))


def history(server: Client, wallet_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = ""
    while True:
        status, page = server.get(f"/wallets/{wallet_id}/transactions?limit=100{cursor}")
        assert status == 200
        rows += page["data"]
        if not page["has_more"]:
            return rows
        cursor = f"&cursor={page['next_cursor']}"


def test_an_operator_walks_every_action_and_a_viewer_is_refused_each(
    server: Client, browser: Any, axe: str, tmp_path: Any
) -> None:
    import csv

    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    customer = f"cus_{uuid.uuid4().hex[:12]}"
    sign_in(browser, server, "otto", "operator")
    # WHEN the operator creates the customer's wallet with an initial credit
    browser.find_element(By.CSS_SELECTOR, "#create-wallet summary").click()
    said = act(
        browser,
        "create-wallet",
        {"cw-customer": customer, "cw-currency": "eur", "cw-amount": "20", "cw-type": "promotional"},
        f"Create a EUR wallet for {customer} with an initial promotional credit of 20.00 EUR",
    )
    assert said == "Wallet created."
    test_portal.wait_until(lambda: "20.00" in test_portal.text_of(browser, "#wallet-amounts .balance"))
    wallet_id = test_portal.text_of(browser, "#wallet-title").split()[-1]
    # AND grants a scoped expiring credit (a double click on Confirm credits once)
    said = act(
        browser,
        "credit",
        {
            "credit-amount": "5.5",
            "credit-type": "promotional",
            "credit-expires": "2030-01-01T00:00",
            "credit-scope": "coffee, tea",
            "credit-description": "sorry for the wait",
        },
        "Credit 5.50 EUR (promotional, expiring 2030-01-01 00:00 UTC, for coffee, tea)",
        double=True,
    )
    assert said == "Credited 5.50 EUR."
    credits = [t for t in history(server, wallet_id) if t["type"] == "credit"]
    assert [t["amount"] for t in credits] == [550, 2000] and credits[0]["actor"] == "staff:otto"
    assert credits[0]["scopes"] or "coffee" in json.dumps(credits[0])
    # AND the merchant's backend debits through the API, then the operator refunds part of it
    status, debit = server.post(f"/wallets/{wallet_id}/debits", {"amount": 300, "description": "latte"})
    assert status == 201, debit
    browser.find_element(By.ID, "history-filter").submit()  # reload the history
    said = act(
        browser,
        "refund",
        {"refund-txn": debit["id"], "refund-amount": "1.00", "refund-reason": "cold"},
        f"Refund 1.00 EUR of {debit['id']}",
    )
    assert said == "Refunded 1.00 EUR."
    # AND adjusts with a reason (a refused empty reason first)
    said = act(browser, "adjust", {"adjust-amount": "-0.50", "adjust-reason": "x"}, "Adjust")
    assert said == "Adjusted by \N{MINUS SIGN}0.50 EUR."
    newest = browser.find_element(By.CSS_SELECTOR, "#history tbody tr")
    assert "adjustment" in newest.text and "\N{MINUS SIGN}€0.50" in newest.text  # money out is signed
    # AND sets a low-balance threshold, which the next debit crosses
    said = act(browser, "settings", {"set-threshold": "20"}, "low-balance alert below 20.00 EUR")
    assert said == "Settings saved."
    said = act(
        browser,
        "settings",
        {"auto-enabled": False, "auto-threshold": "2", "auto-amount": "10", "auto-max": "3"},
        "automatic top-up off: 10.00 EUR below 2.00 EUR, at most 3 a day",
    )
    assert said == "Settings saved."
    saved = server.get(f"/wallets/{wallet_id}")[1]["settings"]
    assert saved["low_balance_threshold"] == 2000
    assert {k: saved["auto_top_up"][k] for k in ("enabled", "amount", "threshold", "max_per_day")} == {
        "enabled": False,
        "amount": 1000,
        "threshold": 200,
        "max_per_day": 3,
    }
    assert "Not configured" not in test_portal.text_of(browser, "#auto-status")
    assert server.post(f"/wallets/{wallet_id}/debits", {"amount": 600})[0] == 201
    low = test_portal.wait_until(
        lambda: server.get(f"/_local/events?type=wallet.balance_low&wallet_id={wallet_id}")[1]["data"]
    )
    assert low[0]["detail"]["threshold"] == 2000
    # AND freezes and unfreezes
    assert act(browser, "freeze", {}, f"Freeze {wallet_id}") == "Frozen."
    assert "frozen" in test_portal.text_of(browser, "#wallet-meta")
    assert act(browser, "unfreeze", {}, f"Unfreeze {wallet_id}") == "Unfrozen."
    assert "active" in test_portal.text_of(browser, "#wallet-meta")
    # AND captures part of one pending hold and releases another
    holds = [server.post(f"/wallets/{wallet_id}/holds", {"amount": 100})[1]["id"] for _ in range(2)]
    open_wallet(browser, wallet_id)
    test_portal.wait_until(lambda: len(browser.find_elements(By.CSS_SELECTOR, "#holds tbody tr")) == 2)
    captured = act(
        browser,
        "capture-hold",
        {f"capture-{holds[0]}": "0.40"},
        f"Capture 0.40 EUR of hold {holds[0]}",
        where=f'[data-hold-id="{holds[0]}"]',
    )
    assert captured == "Captured 0.40 EUR."
    released = act(
        browser,
        "release-hold",
        {},
        f"Release hold {holds[1]} (1.00 EUR)",
        where=f'[data-hold-id="{holds[1]}"]',
    )
    assert released == "Hold released."
    listed = server.get(f"/wallets/{wallet_id}/holds?limit=100")[1]["data"]
    assert [next(h["status"] for h in listed if h["id"] == hold) for hold in holds] == [
        "captured",
        "released",
    ]
    assert not browser.find_elements(By.CSS_SELECTOR, "#holds tbody tr")
    # AND the balance chart is drawn from the history's balance_after
    assert browser.find_elements(By.CSS_SELECTOR, "#chart canvas")
    assert "now €" in test_portal.text_of(browser, "#chart-caption")
    screenshots(browser, "wallet-actions")
    # AND creates a code, shown once, and disables it
    browser.find_element(By.CSS_SELECTOR, "#codes summary").click()
    assert (
        act(
            browser,
            "create-code",
            {"code-amount": "3", "code-currency": "EUR"},
            "Create a code worth 3.00 EUR",
        )
        == "Code created."
    )
    shown = test_portal.text_of(browser, "#code-shown")
    assert "shown once" in shown
    code_id = shown.split("(")[1].split(")")[0]
    assert (
        act(browser, "disable-code", {}, f"({code_id})", where=f'[data-code-id="{code_id}"]')
        == "Code disabled."
    )
    assert server.get(f"/codes/{code_id}")[1]["status"] == "disabled"
    screenshots(browser, "codes")
    # AND exports the history as CSV, whose rows are the API's
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    browser.find_element(By.ID, "export-csv").click()
    exported = tmp_path / f"{wallet_id}-history.csv"
    test_portal.wait_until(lambda: exported.exists() and exported.read_text().count("\n") > 1)
    rows = list(csv.DictReader(exported.open(newline="")))
    expected = history(server, wallet_id)
    out = {"debit", "void", "expiry", "capture", "close"}  # money out: the table's minus sign, and the CSV's
    assert [
        (r["id"], r["type"], int(r["amount"]), int(r["signed_amount"]), int(r["balance_after"]), r["actor"])
        for r in rows
    ] == [
        (
            t["id"],
            t["type"],
            t["amount"],
            -t["amount"] if t["type"] in out or t.get("adjustment_direction") == "decrease" else t["amount"],
            t["balance_after"],
            t["actor"],
        )
        for t in expected
    ]
    # AND a filtered export has only the filtered rows
    fill(browser, {"filter-type": "credit"})
    browser.find_element(By.ID, "history-filter").submit()
    test_portal.wait_until(
        lambda: all("credit" in r.text for r in browser.find_elements(By.CSS_SELECTOR, "#history tbody tr"))
    )
    exported.unlink()
    browser.find_element(By.ID, "export-csv").click()
    test_portal.wait_until(lambda: exported.exists() and exported.read_text().count("\n") > 1)
    assert {r["type"] for r in csv.DictReader(exported.open(newline=""))} == {"credit"}
    # THEN a viewer sees the wallet and every change they try is refused, and says so
    browser.find_element(By.ID, "sign-out").click()
    sign_in(browser, server, "vera", "viewer")
    # (the operator's new code, shown once, is not shown to the next person)
    assert not browser.find_element(By.ID, "code-shown").is_displayed()
    assert "shown once" not in browser.page_source
    open_wallet(browser, wallet_id)
    browser.find_element(By.CSS_SELECTOR, "#actions summary").click()  # closed for a viewer
    before = server.get(f"/wallets/{wallet_id}")[1]
    for action, values, says in [
        ("credit", {"credit-amount": "1"}, "Credit 1.00 EUR"),
        ("adjust", {"adjust-amount": "1", "adjust-reason": "x"}, "Adjust"),
        ("settings", {"set-threshold": "1"}, "Save"),
        ("freeze", {}, "Freeze"),
        ("close", {}, "Close"),
    ]:
        said = act(browser, action, values, says)
        assert said.startswith("Refused for your role") and "not authorized" in said, (action, said)
    assert serious_violations(browser, axe) == []
    screenshots(browser, "wallet-viewer-refused")
    after = server.get(f"/wallets/{wallet_id}")[1]
    assert (after["balance"], after["status"], after["settings"]) == (
        before["balance"],
        before["status"],
        before["settings"],
    )
    # AND the operator closes it with a refund to the original payments, and sees the payout
    status, top_up = server.post(
        f"/wallets/{wallet_id}/top-ups", {"amount": 1000, "payment_method": "pm_card_visa"}
    )
    assert status in (200, 201), top_up
    status, declined = server.post(
        f"/wallets/{wallet_id}/top-ups", {"amount": 700, "payment_method": "pm_card_declined"}
    )
    assert status == 402, declined
    browser.find_element(By.ID, "sign-out").click()
    sign_in(browser, server, "otto", "operator")
    open_wallet(browser, wallet_id)
    # (the declined top-up moved no money, so it is in no history: the top-ups list shows it)
    rows = test_portal.wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "#top-ups tbody tr"))
    assert len(rows) == 2 and "failed" in rows[0].text and "succeeded" in rows[1].text, [r.text for r in rows]
    fill(browser, {"top-ups-status": "failed"})
    browser.find_element(By.ID, "top-ups-filter").submit()
    test_portal.wait_until(lambda: len(browser.find_elements(By.CSS_SELECTOR, "#top-ups tbody tr")) == 1)
    assert "failed" in test_portal.text_of(browser, "#top-ups tbody tr")
    said = act(browser, "close", {"close-refund": True}, "refunding the original payments")
    assert said == "Closed."
    assert "Payout pay_" in test_portal.text_of(browser, "#payout")
    assert "pay_" in test_portal.text_of(browser, "#payouts")
    assert server.get(f"/wallets/{wallet_id}")[1]["status"] == "closed"
    screenshots(browser, "wallet-closed")
    # AND another wallet's page does not show this one's payout
    status, other = server.post("/wallets", {"customer_id": f"{customer}-2", "currency": "EUR"})
    assert status == 201, other
    open_wallet(browser, other["id"])
    assert not browser.find_element(By.ID, "payout").is_displayed()
    assert not test_portal.csp_violations(browser)


def test_history_and_lots_are_paged_and_the_page_works_by_keyboard(server: Client, browser: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    # GIVEN a wallet with more lots and transactions than a page holds
    customer = f"cus_{uuid.uuid4().hex[:12]}"
    wallet = server.post("/wallets", {"customer_id": customer, "currency": "USD"})[1]
    for n in range(60):
        assert (
            server.post(f"/wallets/{wallet['id']}/credits", {"amount": 1 + n, "funding_type": "cash"})[0]
            == 201
        )

    def keys(*sequence: str) -> None:
        ActionChains(browser).send_keys(*sequence).perform()

    def focused() -> Any:
        return browser.switch_to.active_element

    # WHEN a member of staff signs in and finds it with the keyboard only
    browser.get(f"{server.base}/dashboard")
    test_portal.wait_until(lambda: browser.find_element(By.ID, "staff-user").is_displayed())
    browser.find_element(By.TAG_NAME, "body").click()  # the page has focus, nothing in it yet
    for _ in range(10):  # Tab from the top reaches the name field (skip link first)
        keys(Keys.TAB)
        if focused().get_attribute("id") == "staff-user":
            break
    assert focused().get_attribute("id") == "staff-user"
    keys("kim", Keys.TAB, Keys.TAB, Keys.ENTER)  # the role stays viewer; Enter on Sign in
    test_portal.wait_until(lambda: test_portal.text_of(browser, "#who-name") == "kim")
    assert focused().get_attribute("id") == "find-id"  # focus moved to where work starts
    keys(customer, Keys.ENTER)
    test_portal.wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "#results button"))
    keys(Keys.TAB, Keys.TAB)  # Find, then the first result
    while focused().get_attribute("class") != "link":
        keys(Keys.TAB)
    keys(Keys.ENTER)
    test_portal.wait_until(lambda: focused().get_attribute("id") == "wallet-title")
    # THEN one page of each is loaded, and More loads the next
    test_portal.wait_until(lambda: browser.find_element(By.ID, "lots-more").is_displayed())
    test_portal.wait_until(lambda: browser.find_element(By.ID, "history-more").is_displayed())
    rows = browser.find_elements(By.CSS_SELECTOR, "#history tbody tr")
    lots = browser.find_elements(By.CSS_SELECTOR, "#lots tbody tr")
    assert (len(rows), len(lots)) == (50, 50)
    for more, table in (("history-more", "#history"), ("lots-more", "#lots")):
        browser.find_element(By.ID, more).send_keys(Keys.ENTER)
        test_portal.wait_until(
            lambda t=table: len(browser.find_elements(By.CSS_SELECTOR, f"{t} tbody tr")) == 60
        )
        assert not browser.find_element(By.ID, more).is_displayed()


def test_a_zero_threshold_saves_a_bad_filter_says_so_and_a_form_sends_one_submission_at_a_time(
    server: Client, browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    # GIVEN a wallet whose low-balance alert is at 0, with a history longer than a page
    status, wallet = server.post(
        "/wallets",
        {
            "customer_id": f"cus_{uuid.uuid4().hex[:12]}",
            "currency": "EUR",
            "settings": {"low_balance_threshold": 0},
        },
    )
    assert status == 201, wallet
    for _ in range(55):
        assert (
            server.post(f"/wallets/{wallet['id']}/credits", {"amount": 1, "funding_type": "cash"})[0] == 201
        )
    sign_in(browser, server, "otto", "operator")
    open_wallet(browser, wallet["id"])
    # WHEN the settings are saved as the page filled them THEN they save, and the 0 stays 0
    assert act(browser, "settings", {}, "low-balance alert below 0.00 EUR") == "Settings saved."
    assert server.get(f"/wallets/{wallet['id']}")[1]["settings"]["low_balance_threshold"] == 0
    # WHEN the history is filtered to an impossible window THEN the API's reason shows by the
    # filter, and no page of the unfiltered history is offered under it
    test_portal.wait_until(lambda: browser.find_element(By.ID, "history-more").is_displayed())
    fill(browser, {"filter-from": "2030-01-02", "filter-to": "2030-01-01"})
    browser.execute_script("document.getElementById('filter-from').value = '2030-01-03'")
    browser.find_element(By.ID, "history-filter").submit()
    said = test_portal.wait_until(lambda: test_portal.text_of(browser, "#history-filter .error"))
    assert "created_before" in said, said
    assert not browser.find_element(By.ID, "history-more").is_displayed()
    # WHEN a form is submitted again while its confirmed submission is on its way THEN no second
    # confirmation (with a new Idempotency-Key) is offered
    form = browser.find_element(By.CSS_SELECTOR, 'form[data-action="credit"]')
    fill(browser, {"credit-amount": "2"})
    browser.execute_script("arguments[0].pending = true", form)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert not form.find_elements(By.CSS_SELECTOR, ".confirm")
    browser.execute_script("arguments[0].pending = false", form)
    browser.find_element(By.ID, "sign-out").click()
