"""Headless Chromium for the page tests and `make bench`: Debian's chromium and chromium-driver
(`make test` installs them with apt-get), driven by selenium."""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from typing import Any

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
MISSING = "Debian's chromium and chromium-driver are installed by `make test` (apt-get)"


def available() -> bool:
    return bool(CHROMIUM and DRIVER)


@contextlib.contextmanager
def chromium(width: int, height: int, network_log: bool = False) -> Iterator[Any]:
    """A headless Chromium window of that size. Its console (errors, CSP violations) is logged, and
    with `network_log` every request the page makes."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    logs = {"browser": "ALL", **({"performance": "ALL"} if network_log else {})}
    options.set_capability("goog:loggingPrefs", logs)
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def wait_until(check: Any, timeout: float = 30, pause: float = 0.2) -> Any:
    """`check()`'s first truthy answer; an exception counts as not yet (the page is still drawing)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:
            last = exc
        time.sleep(pause)
    raise AssertionError(f"timed out ({last!r})")
