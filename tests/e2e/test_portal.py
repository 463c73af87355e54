"""The customers' wallet page in a real browser: headless Chromium (Debian's package) driven by
Selenium, against the local server with the Stripe gateway on localstripe (its Stripe.js stand-in
renders the card form and the 3-D Secure prompt). The page signs in through the local issuer's
authorization code + PKCE flow (local/tokens.py), as a deployed page does through Cognito's.
Screenshots at 390 and 1280 px: .local/artifacts/portal/."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.conftest import ROOT
from tests.e2e import chromium, test_stripe
from tests.e2e.conftest import Client
from tests.e2e.test_stripe import CARDS, Stripe

localstripe, stripe_env = test_stripe.localstripe, test_stripe.stripe_env  # the same fixtures

ARTIFACTS = ROOT / ".local" / "artifacts" / "portal"
PHONE, DESKTOP = (390, 900), (1280, 900)
MINUS = "\N{MINUS SIGN}"  # the page's sign for money out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not chromium.available():
        pytest.skip(chromium.MISSING)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium.chromium(*PHONE) as driver:  # a phone-width screen
        yield driver


wait_until = chromium.wait_until


def text_of(driver: Any, selector: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, selector).text)


def shown(driver: Any, selector: str) -> bool:
    from selenium.webdriver.common.by import By

    return any(e.is_displayed() for e in driver.find_elements(By.CSS_SELECTOR, selector))


def screenshots(driver: Any, name: str) -> None:
    """The whole page at desktop and phone width, then back to the phone's screen."""
    for width, height in (DESKTOP, PHONE):
        driver.set_window_size(width, height)
        wait_until(lambda w=width: driver.execute_script("return window.innerWidth") <= w)
        full = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, max(height, full + 150))  # the window's frame is part of its size
        time.sleep(0.3)  # a page that redraws on resize (the dashboard's chart) waits 150 ms for it
        driver.save_screenshot(str(ARTIFACTS / f"{name}-{width}.png"))
    driver.set_window_size(*PHONE)


def csp_violations(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]


def open_signed_out(driver: Any, server: Client) -> None:
    """A fresh tab's state: nothing remembered, the sign-in offered."""
    driver.get(f"{server.base}/portal")
    driver.execute_script("sessionStorage.clear()")
    driver.get(f"{server.base}/portal")
    wait_until(lambda: shown(driver, "#sign-in"))


def sign_in(driver: Any, server: Client, customer: str) -> None:
    """The customer's own sign-in: the page's button, the issuer's form, back with a code."""
    from selenium.webdriver.common.by import By

    open_signed_out(driver, server)
    driver.find_element(By.ID, "sign-in").click()
    field = wait_until(lambda: driver.find_element(By.ID, "customer_id"))
    field.send_keys(customer)
    field.submit()
    wait_until(lambda: text_of(driver, "#who-name") == customer and text_of(driver, ".wallet .available"))
    assert "code=" not in driver.current_url  # the code left the address bar


def pay(driver: Any, card: str, authenticate: bool = False) -> None:
    """Fill localstripe's card form (a new card, where a saved one is offered first) and add the
    selected amount; finish 3-D Secure when asked."""
    from selenium.webdriver.common.by import By

    if shown(driver, ".add-funds .card-choice"):
        driver.find_element(By.CSS_SELECTOR, ".card-choice input[value=new]").click()
    values = {
        "number": CARDS[card],
        "exp_month": "12",
        "exp_year": "34",
        "cvc": "123",
        "postal_code": "75001",
    }
    for name, value in values.items():
        driver.find_element(By.CSS_SELECTOR, f".card-element input[placeholder='{name}']").send_keys(value)
    driver.find_element(By.CSS_SELECTOR, ".add-funds button[type=submit]").click()
    if authenticate:
        for _ in range(2):  # once to save the card, once for the payment
            button = wait_until(
                lambda: next(
                    (
                        b
                        for b in driver.find_elements(By.TAG_NAME, "button")
                        if b.text == "Complete authentication"
                    ),
                    None,
                )
            )
            driver.save_screenshot(str(ARTIFACTS / "portal-3d-secure.png"))
            button.click()
            time.sleep(0.5)


def attackers_callback(server: Client, customer: str) -> str:
    """What an attacker sends: the redirect back to the portal from a sign-in the attacker ran, as
    `customer`, with the attacker's own state, nonce and verifier."""
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    form = {
        "response_type": "code",
        "client_id": "wallets-local",
        "redirect_uri": f"{server.base}/portal",
        "state": "attackers-state",
        "nonce": "attackers-nonce",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "customer_id": customer,
    }
    host = urlsplit(server.base).netloc
    connection = http.client.HTTPConnection(host, timeout=10)  # does not follow the redirect
    connection.request(
        "POST",
        "/_local/authorize",
        urlencode(form),
        {"Content-Type": "application/x-www-form-urlencoded", "Host": host},
    )
    answer = connection.getresponse()
    assert answer.status == 302, answer.read()
    return str(answer.getheader("Location"))


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def contrast(foreground: list[int], background: list[int]) -> float:
    def luminance(rgb: list[int]) -> float:
        channels = [c / 255 for c in rgb[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rgb(css: str) -> list[int]:
    return [int(float(v)) for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]


def test_a_customer_signs_in_sees_the_balance_and_adds_funds_with_and_without_3d_secure(
    stripe_env: tuple[Client, Stripe], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    server, _ = stripe_env
    offered = {"enabled": False, "threshold": 100, "amount": 500, "cooldown_seconds": 0, "max_per_day": 3}
    status, wallet = server.post(
        "/wallets",
        {
            "customer_id": "cus_portal_ann",
            "currency": "USD",
            "settings": {
                "top_up_amounts": [500, 1000],
                "low_balance_threshold": 1000,
                "auto_top_up": offered,
            },
        },
    )
    assert status == 201, wallet
    server.post(
        f"/wallets/{wallet['id']}/credits", {"amount": 300, "funding_type": "cash", "description": "Deposit"}
    )
    soon = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    server.post(
        f"/wallets/{wallet['id']}/credits", {"amount": 200, "expires_at": soon, "description": "Welcome"}
    )

    sign_in(browser, server, "cus_portal_ann")
    assert text_of(browser, "#who").startswith("Signed in as cus_portal_ann")
    assert text_of(browser, ".wallet .available") == "$5.00"
    assert "Your balance is low" in text_of(browser, ".wallet .low")
    assert "$2.00 expires on" in text_of(browser, ".wallet .expiring")
    # Every control has a name a screen reader reads, every label labels a control, and nothing
    # overflows a phone's width.
    unnamed = browser.execute_script(
        "return [...document.querySelectorAll('input, select, button')].filter(e => e.offsetParent !== null"
        " && !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby')"
        " && !e.textContent.trim()).map(e => e.outerHTML)"
    )
    assert unnamed == []
    assert (
        browser.execute_script("return [...document.querySelectorAll('label')].filter(l => !l.control)") == []
    )
    assert (
        browser.execute_script(
            "const g = document.querySelector('.card-field');"
            "return document.getElementById(g.getAttribute('aria-labelledby')).textContent"
        )
        == "Card"
    )
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    # The card is saved for charges without the customer present: the page says so before it is.
    assert "later without you present" in text_of(browser, ".wallet .add-funds .consent")
    # The switch says what it will charge, when, to which card, and how much a day at most.
    terms = text_of(browser, ".wallet .auto-terms")
    for part in (
        "below $1.00",
        "$5.00 is charged to your saved card",
        "at most 3 times a day",
        "$15.00 a day",
    ):
        assert part in terms
    assert browser.find_element(By.CSS_SELECTOR, ".auto-toggle").get_attribute("aria-describedby")
    # The keyboard focus ring stands out (3:1) against the white card and the grey page.
    browser.find_element(By.CSS_SELECTOR, ".add-funds input[type=radio]").send_keys(" ")
    ring = rgb(browser.execute_script("return getComputedStyle(document.activeElement).outlineColor"))
    for background in ("document.querySelector('.wallet')", "document.body"):
        behind = rgb(browser.execute_script(f"return getComputedStyle({background}).backgroundColor"))
        assert contrast(ring, behind) >= 3, (ring, behind)
    screenshots(browser, "portal-signed-in")

    # The smallest offered amount (selected first), with a card that needs nothing more.
    pay(browser, "visa")
    wait_until(lambda: text_of(browser, ".wallet .available") == "$10.00")
    assert "Added $5.00." in text_of(browser, "#status")
    assert "Top-up +$5.00" in text_of(browser, ".wallet .history")
    assert not browser.find_element(By.CSS_SELECTOR, ".wallet .more").is_displayed()  # 3 rows: no more
    # Focus stays on the button the customer pressed, not at the top of the redrawn page.
    assert browser.execute_script(
        "return document.activeElement.matches('.wallet .add-funds button[type=submit]')"
    )
    screenshots(browser, "portal-funds-added")

    # A card that asks for 3-D Secure: localstripe's prompt, then the webhook credits it.
    pay(browser, "3ds", authenticate=True)
    wait_until(lambda: text_of(browser, ".wallet .available") == "$15.00", timeout=40)
    rows = browser.find_elements(By.CSS_SELECTOR, ".wallet .history tbody tr")
    assert sum("Top-up +$5.00" in row.text for row in rows) == 2

    # Automatic top-up, switched by the customer within what the merchant offers.
    browser.find_element(By.CSS_SELECTOR, ".auto-toggle").click()
    wait_until(lambda: "Automatic top-up is on." in text_of(browser, "#status"))
    assert server.get(f"/wallets/{wallet['id']}")[1]["settings"]["auto_top_up"]["enabled"] is True
    # Stripe.js (localstripe's) ran within the page's Content-Security-Policy.
    assert csp_violations(browser) == []


def test_a_second_customer_sees_only_their_own_wallet(
    stripe_env: tuple[Client, Stripe], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    server, _ = stripe_env
    server.post("/wallets", {"customer_id": "cus_portal_ann2", "currency": "USD"})
    status, theirs = server.post("/wallets", {"customer_id": "cus_portal_bob", "currency": "EUR"})
    assert status == 201
    sign_in(browser, server, "cus_portal_bob")
    wallets = browser.find_elements(By.CSS_SELECTOR, ".wallet")
    assert [w.get_attribute("data-wallet") for w in wallets] == [theirs["id"]]
    assert text_of(browser, ".wallet .currency") == "EUR wallet"
    # No preset amounts: the customer types one; the page offers none the merchant never set.
    assert browser.find_elements(By.CSS_SELECTOR, ".add-funds .amount-choices input[type=radio]") == []
    field = browser.find_element(By.CSS_SELECTOR, ".add-funds input[name=custom-amount]")
    assert field.accessible_name == "Amount in EUR"
    field.send_keys("7.5")
    pay(browser, "visa")
    wait_until(lambda: text_of(browser, ".wallet .available") == "€7.50")
    screenshots(browser, "portal-second-customer")


def test_a_suspended_automatic_top_up_says_so(stripe_env: tuple[Client, Stripe], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    server, _ = stripe_env
    auto = {"enabled": False, "threshold": 100, "amount": 500, "max_per_day": 1}
    server.post(
        "/wallets", {"customer_id": "cus_portal_fay", "currency": "USD", "settings": {"auto_top_up": auto}}
    )
    # Three failed charges in a row take retries an hour apart: the API's answer stands in for them
    # (layers' tests cover how a wallet gets there), rewritten in the browser before the page reads it.
    suspended = {
        "suspended": True,
        "reason": "payment_failed",
        "suspended_at": "2026-12-01T09:30:00Z",
        "failed_attempts": 3,
    }
    patch = browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {
            "source": "const realFetch = window.fetch; window.fetch = async (...args) => {"
            " const answer = await realFetch(...args);"
            " if (!String(args[0]).endsWith('me/wallets')) return answer;"
            " const body = await answer.json();"
            f" body.data.forEach(w => w.auto_top_up_status = {json.dumps(suspended)});"
            " return new Response(JSON.stringify(body), {status: answer.status}); }"
        },
    )
    try:
        sign_in(browser, server, "cus_portal_fay")
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", patch)
    banner = text_of(browser, ".wallet .auto .suspended")
    assert "suspended: its last 3 payments failed" in banner and "until the merchant resumes it" in banner
    toggle = browser.find_element(By.CSS_SELECTOR, ".auto-toggle")
    assert not toggle.is_enabled()  # off, and only the merchant can resume it
    assert "at most 1 time a day" in text_of(browser, ".wallet .auto-terms")
    screenshots(browser, "portal-auto-top-up-suspended")


def test_a_link_carrying_someone_elses_token_or_sign_in_never_changes_who_is_signed_in(
    stripe_env: tuple[Client, Stripe], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    server, _ = stripe_env
    _, carol = server.post("/wallets", {"customer_id": "cus_portal_carol", "currency": "USD"})
    _, mallory = server.post("/wallets", {"customer_id": "cus_portal_mallory", "currency": "USD"})
    foreign = server.get("/_local/login?customer_id=cus_portal_mallory")[1]["access_token"]

    # GIVEN Carol signed in
    sign_in(browser, server, "cus_portal_carol")
    # WHEN she opens links carrying Mallory's token in the page she has open
    for fragment in (f"#token={foreign}", f"#id_token={foreign}"):
        browser.get(f"{server.base}/portal{fragment}")
        wait_until(lambda: browser.execute_script("return location.hash") == "")
        # THEN she is still Carol, looking at her own wallet
        assert text_of(browser, "#who-name") == "cus_portal_carol"
        wallets = browser.find_elements(By.CSS_SELECTOR, ".wallet")
        assert [w.get_attribute("data-wallet") for w in wallets] == [carol["id"]]
    # The token lives in the page's memory only: nothing another script or a later visitor reads.
    stored = browser.execute_script("return JSON.stringify([{...sessionStorage}, {...localStorage}])")
    assert "eyJ" not in stored

    # WHEN a fresh tab opens such a link: nobody is signed in by it
    open_signed_out(browser, server)
    browser.get(f"{server.base}/portal#token={foreign}")
    wait_until(lambda: shown(browser, "#sign-in"))
    assert not shown(browser, "#who") and browser.find_elements(By.CSS_SELECTOR, ".wallet") == []

    # WHEN she opens the end of a sign-in Mallory ran (Mallory's code, Mallory's state)
    sign_in(browser, server, "cus_portal_carol")
    browser.get(attackers_callback(server, "cus_portal_mallory"))
    # THEN the page refuses it, and shows nobody's wallet, least of all Mallory's
    wait_until(lambda: "not started on this page" in text_of(browser, "#status"))
    assert not shown(browser, "#who") and browser.find_elements(By.CSS_SELECTOR, ".wallet") == []
    assert "code=" not in browser.current_url
    screenshots(browser, "portal-foreign-sign-in-refused")
    # AND her own sign-in brings back her wallet, not Mallory's
    sign_in(browser, server, "cus_portal_carol")
    assert mallory["id"] not in browser.page_source

    # WHEN the answer to her own sign-in carries another nonce than the page made, it is refused too
    open_signed_out(browser, server)
    browser.find_element(By.ID, "sign-in").click()
    field = wait_until(lambda: browser.find_element(By.ID, "customer_id"))
    browser.execute_script(  # the issuer's page shares the page's origin locally
        "const f = JSON.parse(sessionStorage.getItem('wallets-sign-in')); f.nonce = 'another';"
        "sessionStorage.setItem('wallets-sign-in', JSON.stringify(f))"
    )
    field.send_keys("cus_portal_carol")
    field.submit()
    wait_until(lambda: "not for this page" in text_of(browser, "#status"))
    assert not shown(browser, "#who")


def test_a_reload_signs_in_again_and_sign_out_ends_the_session(
    stripe_env: tuple[Client, Stripe], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    server, _ = stripe_env
    server.post("/wallets", {"customer_id": "cus_portal_dan", "currency": "USD"})
    sign_in(browser, server, "cus_portal_dan")
    # A reload forgets the token (memory only) and runs the sign-in again.
    browser.refresh()
    wait_until(lambda: urlsplit(browser.current_url).path == "/_local/authorize")
    query = parse_qs(urlsplit(browser.current_url).query)
    assert query["code_challenge_method"] == ["S256"] and query["state"] and query["nonce"]
    browser.save_screenshot(str(ARTIFACTS / "portal-dev-sign-in-390.png"))
    field = browser.find_element(By.ID, "customer_id")
    field.send_keys("cus_portal_dan")
    field.submit()
    wait_until(lambda: text_of(browser, "#who-name") == "cus_portal_dan")
    # Sign out goes through the issuer's logout, back to a page nobody is signed in to, and stays so.
    browser.find_element(By.ID, "sign-out").click()
    wait_until(lambda: shown(browser, "#sign-in"))
    browser.refresh()
    wait_until(lambda: shown(browser, "#sign-in"))
    assert urlsplit(browser.current_url).path == "/portal"
    assert not shown(browser, "#who") and browser.find_elements(By.CSS_SELECTOR, ".wallet") == []


def test_the_history_adds_up_pages_once_and_dates_fit_one_line(
    stripe_env: tuple[Client, Stripe], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    server, _ = stripe_env
    _, wallet = server.post("/wallets", {"customer_id": "cus_portal_eve", "currency": "USD"})
    wid = wallet["id"]
    for n in range(10):
        server.post(f"/wallets/{wid}/credits", {"amount": 100, "description": f"Credit {n}"})
    _, hold = server.post(f"/wallets/{wid}/holds", {"amount": 300, "description": "Order 7"})
    server.post(f"/wallets/{wid}/holds/{hold['id']}/capture", {"amount": 250})
    _, released = server.post(f"/wallets/{wid}/holds", {"amount": 200, "description": "Order 8"})
    server.post(f"/wallets/{wid}/holds/{released['id']}/release")
    balance = server.get(f"/wallets/{wid}")[1]["balance"]
    count = len(server.get(f"/wallets/{wid}/transactions?limit=100")[1]["data"])
    assert count > 10  # more than one page

    sign_in(browser, server, "cus_portal_eve")
    # Quick clicks on "Show more" load the next page once.
    browser.execute_script("const b = document.querySelector('.more'); b.click(); b.click(); b.click()")
    wait_until(lambda: not shown(browser, ".more"))
    ids = browser.execute_script(
        "return [...document.querySelectorAll('.history tbody tr')].map(r => r.dataset.id)"
    )
    assert len(ids) == count == len(set(ids))
    # The signed rows add up to the balance: a hold is not money spent, its capture is.
    amounts = [c.text for c in browser.find_elements(By.CSS_SELECTOR, ".history td.amount")]
    signed = [a for a in amounts if a[0] in ("+", MINUS)]
    total = sum((1 if a[0] == "+" else -1) * round(float(a[2:].replace(",", "")) * 100) for a in signed)
    assert total == balance == 1000 - 250
    held = [r.text for r in browser.find_elements(By.CSS_SELECTOR, ".history tr") if "Reserved" in r.text]
    assert len(held) == 2 and all("+$" not in r and f"{MINUS}$" not in r for r in held), held
    # Dates carry the time of day, on one line at phone width.
    cells = browser.find_elements(By.CSS_SELECTOR, ".history td.date")
    assert all(":" in c.text for c in cells)
    heights = browser.execute_script(
        "return [...document.querySelectorAll('.history td.date time')].map(t => t.getClientRects().length)"
    )
    assert set(heights) == {1}
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    screenshots(browser, "portal-history")


def test_the_page_is_served_from_a_fixed_list_under_a_strict_policy(
    stripe_env: tuple[Client, Stripe], browser: Any
) -> None:
    server, _ = stripe_env
    with urllib.request.urlopen(f"{server.base}/portal", timeout=10) as answer:
        headers, page = answer.headers, answer.read().decode()
    policy = dict(d.strip().split(" ", 1) for d in headers["Content-Security-Policy"].split(";"))
    assert policy["frame-ancestors"] == "'none'" and headers["X-Frame-Options"] == "DENY"
    assert policy["default-src"] == "'none'" and "unsafe-inline" not in headers["Content-Security-Policy"]
    assert policy["script-src"].split()[0] == "'self'"
    assert "<script>" not in page and "<script " not in page.replace('<script src="portal/app.js" defer>', "")
    for asset in ("style.css%00.html", "app.py", "static", "index.htm", "config.json.html"):
        assert status_of(f"{server.base}/portal/{asset}") == 404, asset
    assert status_of(f"{server.base}/portal/config.json") == 200
    # /portal/index.html is the page too: its links and its sign-in work.
    open_signed_out(browser, server)
    browser.get(f"{server.base}/portal/index.html")
    wait_until(lambda: shown(browser, "#sign-in"))
    assert urlsplit(browser.current_url).path == "/portal"
    assert browser.execute_script("return getComputedStyle(document.body).margin") == "0px"  # style.css
    assert json.loads(browser.execute_script("return JSON.stringify(document.styleSheets.length)")) == 1


def test_amounts_are_in_the_currencys_iso_minor_units_where_the_browser_disagrees(
    stripe_env: tuple[Client, Stripe], browser: Any
) -> None:
    """HUF has 2 decimals in ISO 4217 (what amounts are counted in) and 0 in Chromium's Intl: the page
    shows, charges and reads typed amounts by ISO's, as the API formats them."""
    from selenium.webdriver.common.by import By

    server, _ = stripe_env
    auto = {"enabled": False, "threshold": 50000, "amount": 100000, "max_per_day": 2}
    _, offered = server.post(
        "/wallets",
        {
            "customer_id": "cus_portal_huf",
            "currency": "HUF",
            "settings": {"top_up_amounts": [100000], "auto_top_up": auto},
        },
    )
    assert offered["balance_formatted"] == "HUF0.00"
    sign_in(browser, server, "cus_portal_huf")
    label = " ".join(text_of(browser, ".add-funds .amount-choices label").split())
    assert "1,000.00" in label and "100,000" not in label, label
    terms = " ".join(text_of(browser, ".wallet .auto-terms").split())
    for part in ("below HUF 500.00", "HUF 1,000.00 is charged", "(HUF 2,000.00 a day at most)"):
        assert part in terms, terms
    screenshots(browser, "portal-huf-offered")
    pay(browser, "visa")
    wait_until(lambda: "Added HUF1,000.00." in text_of(browser, "#status"))
    assert server.get(f"/wallets/{offered['id']}")[1]["available"] == 100000

    # No offered amounts: what the customer types is in forints, 1000 is HUF 1,000.00.
    _, typed = server.post("/wallets", {"customer_id": "cus_portal_huf2", "currency": "HUF"})
    sign_in(browser, server, "cus_portal_huf2")
    field = browser.find_element(By.CSS_SELECTOR, ".add-funds input[name=custom-amount]")
    assert field.get_attribute("step") == "0.01"
    field.send_keys("1000")
    pay(browser, "visa")
    wait_until(lambda: "Added HUF1,000.00." in text_of(browser, "#status"))
    assert server.get(f"/wallets/{typed['id']}")[1]["available"] == 100000
    screenshots(browser, "portal-huf-typed")


def test_adding_funds_again_pays_with_the_saved_card_and_saves_no_other(
    stripe_env: tuple[Client, Stripe], browser: Any
) -> None:
    """A card is saved once (a SetupIntent, of which a wallet may start 10 a day); adding funds again
    offers that card and starts none. Every POST the page sends carries an Idempotency-Key."""
    from selenium.webdriver.common.by import By

    server, stripe = stripe_env
    _, wallet = server.post(
        "/wallets",
        {"customer_id": "cus_portal_kim", "currency": "USD", "settings": {"top_up_amounts": [500]}},
    )
    record = browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {
            "source": "window.__posts = []; const sent = window.fetch; window.fetch = (input, init = {}) => {"
            " if (String(input).includes('me/wallets') && (init.method || 'GET') !== 'GET')"
            " window.__posts.push({url: String(input), key: (init.headers || {})['Idempotency-Key'] || null});"
            " return sent(input, init); };"
        },
    )
    try:
        sign_in(browser, server, "cus_portal_kim")
        assert not shown(browser, ".add-funds .card-choice")  # nothing saved yet: a new card
        pay(browser, "visa")
        wait_until(lambda: "Added $5.00." in text_of(browser, "#status"))
        customer = server.get(f"/wallets/{wallet['id']}")[1]["gateway_customer_id"]
        wait_until(  # the setup_intent.succeeded webhook made it the customer's default
            lambda: (stripe.get(f"/v1/customers/{customer}").get("invoice_settings") or {}).get(
                "default_payment_method"
            )
        )
        wait_until(lambda: shown(browser, ".add-funds .card-choice"))
        assert browser.find_element(By.CSS_SELECTOR, ".card-choice input[value=saved]").is_selected()
        assert not shown(browser, ".add-funds .card-field") and not shown(browser, ".add-funds .consent")
        screenshots(browser, "portal-saved-card")
        for total in ("$10.00", "$15.00"):
            browser.find_element(By.CSS_SELECTOR, ".add-funds button[type=submit]").click()
            wait_until(lambda total=total: text_of(browser, ".wallet .available") == total)
            assert "Added $5.00." in text_of(browser, "#status")
        posts = browser.execute_script("return window.__posts")
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", record)
    assert sum(p["url"].endswith("/payment-methods/setup") for p in posts) == 1, posts
    assert len(posts) == 4 and all(p["key"] for p in posts), posts
    # A new card stays one choice away, with what saving it means.
    browser.find_element(By.CSS_SELECTOR, ".card-choice input[value=new]").click()
    assert shown(browser, ".add-funds .card-field") and shown(browser, ".add-funds .consent")
    screenshots(browser, "portal-saved-card-new")


def test_a_card_setup_never_finished_offers_a_new_card_and_says_why(
    stripe_env: tuple[Client, Stripe], browser: Any
) -> None:
    """A setup that was started and never finished links a gateway customer but saves no card: the
    page offers the saved card, the API refuses it (422 on payment_method), and the page says the
    API's reason and offers a new card instead of failing every time."""
    from selenium.webdriver.common.by import By

    server, _ = stripe_env
    _, wallet = server.post("/wallets", {"customer_id": "cus_portal_una", "currency": "USD"})
    token = server.get("/_local/login?customer_id=cus_portal_una")[1]["access_token"]
    status, _ = server.post(
        f"/me/wallets/{wallet['id']}/payment-methods/setup",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "una-setup"},
    )
    assert status == 201
    sign_in(browser, server, "cus_portal_una")
    wait_until(lambda: shown(browser, ".add-funds .card-choice"))
    browser.find_element(By.CSS_SELECTOR, "input[name=custom-amount]").send_keys("10")
    browser.find_element(By.CSS_SELECTOR, ".add-funds button[type=submit]").click()
    wait_until(lambda: "No card is saved with this wallet yet" in text_of(browser, "#status"))
    assert not shown(browser, ".add-funds .card-choice")
    assert shown(browser, ".add-funds .card-field") and shown(browser, ".add-funds .consent")
