"""The customers' wallet page in a real browser: headless Chromium (Debian's package) driven by
Selenium, against the local server with the Stripe gateway on localstripe (its Stripe.js stand-in
renders the card form and the 3-D Secure prompt). Screenshots: .local/artifacts/portal/."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.e2e import test_stripe
from tests.e2e.conftest import Client
from tests.e2e.test_stripe import CARDS, Stripe

localstripe, stripe_env = test_stripe.localstripe, test_stripe.stripe_env  # the same fixtures

ARTIFACTS = ROOT / ".local" / "artifacts" / "portal"
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (CHROMIUM and DRIVER):
        pytest.skip("Debian's chromium and chromium-driver are installed by `make test` (apt-get)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=390,900"):
        options.add_argument(argument)  # a phone-width screen
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.implicitly_wait(0)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def wait_until(check: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # the page is still rendering
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"timed out ({last!r})")


def text_of(driver: Any, selector: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, selector).text)


def sign_in(driver: Any, server: Client, customer: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{server.base}/portal")
    driver.execute_script("sessionStorage.clear()")
    driver.get(f"{server.base}/_local/login?customer_id={customer}&redirect=/portal")
    wait_until(lambda: text_of(driver, ".wallet .available"))


def pay(driver: Any, card: str, authenticate: bool = False) -> None:
    """Fill localstripe's card form and add the selected amount; finish 3-D Secure when asked."""
    from selenium.webdriver.common.by import By

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


def test_a_customer_signs_in_sees_the_balance_and_adds_funds_with_and_without_3d_secure(
    stripe_env: tuple[Client, Stripe], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    server, _ = stripe_env
    offered = {"enabled": False, "threshold": 100, "amount": 500, "cooldown_seconds": 0}
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
    assert text_of(browser, ".wallet .available") == "$5.00"
    assert "Your balance is low" in text_of(browser, ".wallet .low")
    assert "$2.00 expires on" in text_of(browser, ".wallet .expiring")
    browser.save_screenshot(str(ARTIFACTS / "portal-signed-in.png"))
    # Every control has a name a screen reader reads, and nothing overflows a phone's width.
    unnamed = browser.execute_script(
        "return [...document.querySelectorAll('input, select, button')].filter(e => e.offsetParent !== null"
        " && !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())"
        ".map(e => e.outerHTML)"
    )
    assert unnamed == []
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")

    # The smallest offered amount (selected first), with a card that needs nothing more.
    pay(browser, "visa")
    wait_until(lambda: text_of(browser, ".wallet .available") == "$10.00")
    assert "Added $5.00." in text_of(browser, "#status")
    assert "Top-up +$5.00" in text_of(browser, ".wallet .history")
    assert not browser.find_element(By.CSS_SELECTOR, ".wallet .more").is_displayed()  # 3 rows: no more
    browser.save_screenshot(str(ARTIFACTS / "portal-funds-added.png"))

    # A card that asks for 3-D Secure: localstripe's prompt, then the webhook credits it.
    pay(browser, "3ds", authenticate=True)
    wait_until(lambda: text_of(browser, ".wallet .available") == "$15.00", timeout=40)
    rows = browser.find_elements(By.CSS_SELECTOR, ".wallet .history tbody tr")
    assert sum("Top-up +$5.00" in row.text for row in rows) == 2

    # Automatic top-up, switched by the customer within what the merchant offers.
    browser.find_element(By.CSS_SELECTOR, ".auto-toggle").click()
    wait_until(lambda: "Automatic top-up is on." in text_of(browser, "#status"))
    assert server.get(f"/wallets/{wallet['id']}")[1]["settings"]["auto_top_up"]["enabled"] is True


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
    browser.save_screenshot(str(ARTIFACTS / "portal-second-customer.png"))
