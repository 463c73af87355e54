"""The local runtime (`make run`), started once per session and engine, exercised over real HTTP."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from local import dynamodb_local
from tests.conftest import DDB_ENV, ENGINES, ROOT, _drop_table, unique_table_name


class Client:
    def __init__(self, base: str) -> None:
        self.base = base

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def get(self, path: str) -> tuple[int, Any]:
        return self.request("GET", path)

    def post(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        return self.request("POST", path, body if body is not None else {}, **kw)


def wait_for(check: Any, timeout: float = 20.0) -> Any:
    """Poll `check` until it returns something truthy (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError("timed out waiting")


def events(server: Client, wallet_id: str, kind: str) -> list[dict[str, Any]]:
    """What the local server published for a wallet (GET /_local/events)."""
    return list(server.get(f"/_local/events?wallet_id={wallet_id}&type={kind}")[1]["data"])


@pytest.fixture(scope="session", params=ENGINES)
def server(request: pytest.FixtureRequest) -> Iterator[Client]:
    """`python -m local.server` once per engine (per xdist worker): moto in the server's process, or a
    table of its own on this pytest process's DynamoDB Local (so the server starts no JVM)."""
    endpoint = request.getfixturevalue("dynamodb_local_engine").endpoint if request.param == "ddb" else None
    with local_server(request.param, endpoint) as client:
        yield client


@contextlib.contextmanager
def local_server(
    engine: str, endpoint: str | None, extra_env: dict[str, str] | None = None
) -> Iterator[Client]:
    """Start the local server on a free port (on moto, or on DynamoDB Local at `endpoint`)."""
    port = dynamodb_local.free_port()
    env = {**os.environ, "PORT": str(port), "PYTHONUNBUFFERED": "1", "LOCAL_SCHEDULE_SPEEDUP": "60"}
    for key in ("TABLE_NAME", *DDB_ENV):
        env.pop(key, None)
    if engine == "moto":
        env["LOCAL_ENGINE"] = "moto"
    else:
        env.update(DYNAMODB_ENDPOINT_URL=str(endpoint), TABLE_NAME=unique_table_name())
    env.update(extra_env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "local.server", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    client = Client(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    banner: list[str] = []
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        banner.append(line)
        if "does NOT check IAM" in line:
            break
    if proc.poll() is not None:
        pytest.fail("local server did not start:\n" + "".join(banner))
    client.banner = "".join(banner)  # type: ignore[attr-defined]
    # drain output in the background so the server never blocks on a full pipe
    import threading

    output: list[str] = []
    threading.Thread(target=lambda: output.extend(iter(proc.stdout.readline, "")), daemon=True).start()  # type: ignore[union-attr]
    client.output = output  # type: ignore[attr-defined]
    try:
        yield client
    finally:
        problems = [
            line for line in output if "[background]" in line or "unhandled" in line or "Traceback" in line
        ]
        if problems:
            print(f"local server ({engine}) reported:\n" + "".join(problems[-20:]), file=sys.stderr)
        proc.terminate()
        try:
            proc.wait(timeout=60)  # a loaded machine (stress, nice 19) can take more than seconds to stop it
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            print(f"local server ({engine}) did not stop in 60 s after SIGTERM: killed", file=sys.stderr)
        if endpoint:
            _drop_table(env["TABLE_NAME"], endpoint)
