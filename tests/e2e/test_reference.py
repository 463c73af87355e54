"""The API reference at /docs (local/reference.py): `make run`'s server answers it with Redoc's page,
built from docs/openapi.json, under a Content-Security-Policy that runs only the page's own inline
scripts; the page names every operation of the document; in headless Chromium it renders with no
console error and loads nothing from elsewhere. It is rebuilt when the document changes, not
otherwise, and without node and npm /docs says how to build it. Screenshots at 390 and 1280 px:
.local/artifacts/docs/.

The page does not depend on the DynamoDB engine, so one server, on moto, serves these tests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from local import reference
from tests.conftest import ROOT
from tests.e2e import chromium
from tests.e2e.conftest import Client, local_server

ARTIFACTS = ROOT / ".local" / "artifacts" / "docs"
NODE = shutil.which("node") and shutil.which("npm")
PHONE, DESKTOP = (390, 844), (1280, 900)
needs_node = pytest.mark.skipif(not NODE, reason="the reference is built with node and npm (Node.js 20.19+)")


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        operation
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in ("get", "put", "post", "delete", "patch", "head", "options")
    ]


class Scripts(HTMLParser):
    """The page's script elements: the text of each inline one, and the src of any other."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.sources: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            src = dict(attrs).get("src")
            if src is not None:
                self.sources.append(src)
            self._open = []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._open is not None:
            self.inline.append("".join(self._open))
            self._open = None


def get(server: Client, path: str) -> tuple[int, dict[str, str], str]:
    # The first request may build the page: npm ci downloads the renderer the first time.
    try:
        with urllib.request.urlopen(server.base + path, timeout=600) as resp:
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


def directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in filter(None, (d.strip() for d in csp.split(";"))):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


@pytest.fixture(scope="module")
def docs_server() -> Iterator[Client]:
    with local_server("moto", None) as client:
        yield client


@needs_node
def test_docs_is_the_reference_of_every_operation_under_a_csp(docs_server: Client) -> None:
    # WHEN the reference is asked for
    status, headers, page = get(docs_server, "/docs")

    # THEN it is Redoc's page, whose only scripts are inline and allowed by their hashes
    assert status == 200, page[:2000]
    assert headers["Content-Type"].startswith("text/html")
    policy = directives(headers["Content-Security-Policy"])
    scripts = Scripts()
    scripts.feed(page)
    assert scripts.sources == [] and scripts.inline
    hashes = {
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts.inline
    }
    assert set(policy["script-src"]) == hashes
    assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert not any("http" in value or value == "*" for values in policy.values() for value in values)
    assert headers["X-Frame-Options"] == "DENY"
    # AND the server-rendered part names every tag of the document (Redoc renders a tag's operations
    # when it is opened), and the page carries every operation: its summary and its id
    rendered = unescape(page.split('<script type="module">')[0])
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    tags = {tag for op in operations(document) for tag in op.get("tags", [])}
    assert tags and [tag for tag in tags if tag not in rendered] == []
    missing = [op["operationId"] for op in operations(document) if op["summary"] not in page]
    missing += [op["operationId"] for op in operations(document) if op["operationId"] not in page]
    assert operations(document) and missing == [], missing
    assert document["info"]["title"] in rendered


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not chromium.available():
        pytest.skip(chromium.MISSING)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium.chromium(*DESKTOP, network_log=True) as driver:
        yield driver


wait_until = chromium.wait_until


def requested(driver: Any) -> list[str]:
    """Every URL the page asked for since the last call (Chromium's network log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@needs_node
def test_docs_renders_in_chromium_with_no_console_error_and_nothing_from_elsewhere(
    browser: Any, docs_server: Client
) -> None:
    from selenium.webdriver.common.by import By

    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    debit = next(op for op in operations(document) if op["operationId"] == "debitWallet")
    # GIVEN the reference, open in a browser
    get(docs_server, "/docs")  # built, if it was not, before the browser's clock starts
    browser.get(f"{docs_server.base}/docs")
    wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "[data-component-name='Menu/MenuItem'] a"))

    # WHEN a reader opens the operation's tag and picks it in the menu (only Redoc's script, running,
    # scrolls there)
    items = "[data-component-name='Menu/MenuItem'] a"

    def opened() -> Any:
        """The operation's link once its tag is open; until then open the tag (the menu is the
        server-rendered one until Redoc's script runs, and a click before that does nothing)."""
        found = [a for a in browser.find_elements(By.CSS_SELECTOR, items) if debit["summary"] in a.text]
        if found:
            return found[0]
        for tag in browser.find_elements(By.CSS_SELECTOR, items):
            if tag.text.strip() == debit["tags"][0]:
                tag.click()
        return None

    link = wait_until(opened)
    link.click()
    menu = browser.find_elements(By.CSS_SELECTOR, items)

    # THEN the address names it, and reloads to the same place; every menu link (what a copied link
    # or a new tab opens) is such an address on this page, not a path this server does not serve
    wait_until(lambda: debit["operationId"].lower() in browser.current_url.lower())  # Redoc slugs it
    assert browser.current_url.startswith(f"{docs_server.base}/docs#/")
    assert link.get_attribute("href") == browser.current_url
    assert all(a.get_attribute("href").startswith(f"{docs_server.base}/docs#/") for a in menu)
    browser.refresh()
    wait_until(lambda: browser.execute_script("return window.scrollY") > 0)
    search = "[data-testid='search-trigger']"  # says "Loading..." until its index is built
    wait_until(lambda: "Loading" not in browser.find_element(By.CSS_SELECTOR, search).text)
    for width, height in (DESKTOP, PHONE):
        browser.set_window_size(width, height)
        wait_until(lambda w=width: browser.execute_script("return window.innerWidth") <= w)
        browser.save_screenshot(str(ARTIFACTS / f"reference-{width}.png"))
    # AND nothing was logged as an error, and every request stayed on this server (or in the page)
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    elsewhere = [
        url for url in requested(browser) if not url.startswith((docs_server.base + "/", "data:", "blob:"))
    ]
    assert elsewhere == []


SMALL = {
    "openapi": "3.1.0",
    "info": {"title": "Small API", "version": "1"},
    "paths": {
        "/alphas": {"get": {"operationId": "list_alphas", "summary": "List the alphas", "responses": {}}}
    },
}


def small_reference(tmp_path: Path) -> reference.Reference:
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(SMALL))
    return reference.Reference(spec=spec, out=tmp_path / "built" / "reference.html")


@needs_node
def test_a_changed_document_is_built_again_and_an_unchanged_one_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a reference built from a document
    docs = small_reference(tmp_path)
    assert reference.respond(docs).status_code == 200
    built = docs.out.stat().st_mtime_ns

    # WHEN it is asked for again with the document unchanged, and no npm to build with
    monkeypatch.setattr(reference.shutil, "which", lambda name: None)
    again = reference.respond(docs)

    # THEN the page built before is served, not rebuilt
    assert again.status_code == 200 and docs.out.stat().st_mtime_ns == built
    monkeypatch.undo()

    # WHEN the document gains an operation
    document = json.loads(docs.spec.read_text())
    document["paths"]["/betas"] = {
        "post": {"operationId": "create_beta", "summary": "Create a beta", "responses": {}}
    }
    docs.spec.write_text(json.dumps(document))

    # THEN the page is built again and names it
    page = reference.respond(docs).get_data(as_text=True)
    assert "Create a beta" in unescape(page.split('<script type="module">')[0])


def test_without_npm_docs_says_how_to_build_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no page built yet, and neither node nor npm
    docs = small_reference(tmp_path)
    monkeypatch.setattr(reference.shutil, "which", lambda name: None)

    # WHEN /docs is asked for
    answer = reference.respond(docs)

    # THEN it says what is missing and how to build it, in a page that runs nothing
    text = answer.get_data(as_text=True)
    assert answer.status_code == 503 and "make docs" in text and "node and npm" in text
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_a_failed_rebuild_serves_the_page_built_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a page built from an earlier document, and no npm to build the current one with
    docs = small_reference(tmp_path)
    docs.out.parent.mkdir(parents=True)
    docs.out.write_text("<!doctype html><title>Small API</title><p>List the alphas</p>")
    docs.stamp.write_text("the inputs of an earlier build")
    monkeypatch.setattr(reference.shutil, "which", lambda name: None)

    # WHEN /docs is asked for
    answer = reference.respond(docs)

    # THEN the reader gets the page built before rather than none
    assert answer.status_code == 200 and "List the alphas" in answer.get_data(as_text=True)
