"""The API reference at /docs: Redoc's static page, rendered from docs/openapi.json.

`make docs` (python -m local.reference) builds it; `make run` builds it at start when the document
changed since the last build, and /docs does too, so the page is never older than the document it is
served next to (an unchanged document is never built again, and needs no network). The renderer is
@redocly/cli's `build-docs` (Redoc 3), pinned in docs/reference/package-lock.json and installed with
`npm ci` into docs/reference/node_modules once per lock file (its hash is kept there); the page's
shell is docs/reference/template.hbs. The page is one file, .local/docs/reference.html, Redoc's
bundle inlined: nothing is loaded from elsewhere when it opens, so it works offline, and its
Content-Security-Policy allows its own inline scripts by hash and no other script.

Two things Redoc would fetch are taken out at build time: its telemetry (REDOCLY_TELEMETRY=off turns
it off in the page as in the CLI) and its "API docs by Redocly" logo, an image on Redocly's CDN,
replaced by the same word drawn by a data: SVG; the build fails if either is still there. Without
node and npm, or when a build fails, /docs serves the page built before, or says why there is none
and how to build it (503); the server runs on either way.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from werkzeug.wrappers import Response

from local.template import ROOT

PACKAGE = ROOT / "docs" / "reference"
SPEC = ROOT / "docs" / "openapi.json"
OUT = ROOT / ".local" / "docs" / "reference.html"
# Changing how the page is made (below) rebuilds every kept page: part of each build's inputs.
RECIPE = "redocly build-docs --inlineBundle --template; telemetry off; logo inlined; links to #/; v2"

_LOGO_TEXT = {"logo-mini-full.svg": "Redocly", "logo-mini.svg": "R"}
_LOGOS = {
    f"https://cdn.redoc.ly/redoc/{name}": "data:image/svg+xml,"
    + quote(
        '<svg xmlns="http://www.w3.org/2000/svg" width="56" height="14" viewBox="0 0 56 14">'
        f'<text x="0" y="11" font-family="sans-serif" font-size="11" font-weight="700" fill="#0044d4">{text}</text>'
        "</svg>",
        safe="",
    )
    for name, text in _LOGO_TEXT.items()
}
_INLINE_SCRIPT = re.compile(rb"<script(?:\s+type=\"module\")?>(.*?)</script>", re.S)
_EXTERNAL = re.compile(rb"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.I)
_BUILD_TIMEOUT_S = 600  # the first build downloads the renderer (npm ci)


class BuildFailed(Exception):
    """The reference could not be built; the message says why and what to do."""


class Reference:
    """The page built from `spec` into `out` with the renderer in `package` (paths are parameters
    so that tests build elsewhere)."""

    def __init__(self, spec: Path = SPEC, out: Path = OUT, package: Path = PACKAGE) -> None:
        self.spec, self.out, self.package = spec, out, package
        self.stamp = out.with_name(out.name + ".inputs")  # the inputs' hash the page was built from
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int, int], bytes, str] | None = None

    def inputs(self) -> str:
        digest = hashlib.sha256(RECIPE.encode())
        for path in (self.spec, self.package / "package-lock.json", self.package / "template.hbs"):
            try:
                digest.update(hashlib.sha256(path.read_bytes()).digest())
            except OSError as exc:
                raise BuildFailed(f"{path} cannot be read: {exc}") from exc
        return digest.hexdigest()

    def fresh(self) -> bool:
        return self.out.exists() and self.stamp.exists() and self.stamp.read_text() == self.inputs()

    def ensure(self) -> None:
        """Build the page unless it is built from the current document (raises BuildFailed)."""
        if self.fresh():
            return
        with self._lock, self._exclusive():
            if not self.fresh():  # another thread or process may have built it meanwhile
                self._build()

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One builder at a time across processes (make run, make docs, test servers)."""
        self.out.parent.mkdir(parents=True, exist_ok=True)
        with open(self.package / ".build.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _build(self) -> None:
        inputs = self.inputs()
        self._install()
        env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
        built = self.out.with_name(self.out.name + ".new")
        redocly = str(self.package / "node_modules" / ".bin" / "redocly")
        options = ["--inlineBundle", "--template", "template.hbs", "--lint-config", "off", "-o", str(built)]
        _run([redocly, "build-docs", str(self.spec), *options], self.package, env)
        page = built.read_bytes()
        for url, replacement in _LOGOS.items():
            if url.encode() not in page:
                raise BuildFailed(f"Redoc's page no longer names {url}: local/reference.py needs updating")
            page = page.replace(url.encode(), replacement.encode())
        page = _hash_links(page)
        if b'"disableTelemetry":true' not in page:
            raise BuildFailed("Redoc's telemetry is still on in the built page")
        external = _EXTERNAL.search(page)
        if external:
            raise BuildFailed(f"the built page loads from elsewhere: {external.group(0)[:200]!r}")
        built.write_bytes(page)
        built.replace(self.out)
        self.stamp.write_text(inputs)

    def _install(self) -> None:
        """`npm ci` when the lock file changed since the last install (or nothing is installed)."""
        if shutil.which("node") is None or shutil.which("npm") is None:
            raise BuildFailed(
                "node and npm are needed to build it (Node.js 20.19 or later), and were not found"
            )
        lock_hash = hashlib.sha256((self.package / "package-lock.json").read_bytes()).hexdigest()
        installed = self.package / "node_modules" / ".wallets-lock-hash"
        if installed.exists() and installed.read_text() == lock_hash:
            return
        _run(["npm", "ci", "--no-audit", "--no-fund"], self.package, dict(os.environ))
        installed.write_text(lock_hash)

    def page(self) -> tuple[bytes, str]:
        """The built page and its Content-Security-Policy (read again only when the file changed)."""
        stat = self.out.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        if self._cached is None or self._cached[0] != key:
            body = self.out.read_bytes()
            self._cached = (key, body, content_security_policy(body))
        return self._cached[1], self._cached[2]


def _hash_links(page: bytes) -> bytes:
    """Redoc routes by the address's fragment (/docs#/other/<operationId>), but its server-rendered
    menu links to paths (/other/<operationId>), which a copied link or a new tab would ask this
    server for; hydration keeps them. Point them at the fragment, as a click does."""
    rendered, script, rest = page.partition(b'<script type="module">')
    return rendered.replace(b'href="/', b'href="#/') + script + rest


def content_security_policy(page: bytes) -> str:
    """Only the page's own inline scripts run (by hash); Redoc's CSS-in-JS needs inline styles, its
    icon font is a data: URL; nothing is fetched, framed or posted."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src 'self' data:; "
        "font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


PATHS = ("/docs", "/docs/")
# As the portal's and the sign-in page's: never framed, no referrer, the type as sent.
HEADERS = {
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}
NOT_BUILT_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


def respond(reference: Reference) -> Response:
    """GET /docs: the page, built first if the document changed; if it cannot be built, the page
    built before (and why, on stderr), or a page that says how to build it (503)."""
    try:
        reference.ensure()
    except BuildFailed as failed:
        if not reference.out.exists():
            return Response(
                not_built_page(str(failed)),
                status=503,
                content_type="text/html; charset=utf-8",
                headers={**HEADERS, "Content-Security-Policy": NOT_BUILT_CSP},
            )
        print(f"[docs] serving the reference built before, not rebuilt: {failed}", file=sys.stderr)
    body, csp = reference.page()
    return Response(
        body, content_type="text/html; charset=utf-8", headers={**HEADERS, "Content-Security-Policy": csp}
    )


def build_in_background(reference: Reference) -> threading.Thread:
    """`make run`'s start: build the page if the document changed, without delaying the server."""

    def build() -> None:
        try:
            if reference.fresh():
                return
            reference.ensure()
        except BuildFailed as failed:
            print(f"[docs] the API reference at /docs was not built: {failed}", file=sys.stderr)
        else:
            print(f"[docs] built the API reference from {reference.spec.name}: /docs")

    thread = threading.Thread(target=build, name="docs-build", daemon=True)
    thread.start()
    return thread


def not_built_page(reason: str) -> str:
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>API reference not built</title>"
        "<h1>The API reference is not built</h1>"
        f"<p>{html.escape(reason)}</p>"
        "<p>Run <code>make docs</code> to build it from <code>docs/openapi.json</code> "
        "(it needs Node.js 20.19 or later and npm; the first build installs the pinned renderer, "
        "<code>docs/reference/package-lock.json</code>, from the npm registry). "
        "The document itself is <code>docs/openapi.json</code>.</p></html>"
    )


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    try:
        done = subprocess.run(
            args, cwd=cwd, env=env, capture_output=True, text=True, timeout=_BUILD_TIMEOUT_S
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildFailed(f"{' '.join(args[:2])} failed: {exc}") from exc
    if done.returncode != 0:
        raise BuildFailed(f"{' '.join(args[:2])} failed:\n{(done.stdout + done.stderr)[-3000:]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.parse_args(argv)
    reference = Reference()
    try:
        reference.ensure()
    except BuildFailed as failed:
        raise SystemExit(f"The API reference was not built: {failed}") from None
    print(f"API reference: {reference.out.relative_to(ROOT)} (served at /docs by `make run`)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
