"""Shared fixtures: an embedded DynamoDB (moto) built from template.yaml, and handler invocation."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from local import runtime  # noqa: E402

runtime.apply_local_env({"TABLE_NAME": "wallets-test", "EVENT_BUS_NAME": "wallets-test"})

from wallets import clock, repository, settings  # noqa: E402

from local.template import functions  # noqa: E402

FUNCTIONS = functions()
BY_DIR = {fn.code_uri.name: fn for fn in FUNCTIONS.values()}


@pytest.fixture
def table() -> Iterator[str]:
    """A fresh embedded table per test (moto copies the table on every transaction: keep it small)."""
    from moto import mock_aws

    from local import embedded

    embedded._serialize_moto()
    with mock_aws():
        settings.reload()
        repository.unbind()
        embedded.create_table(os.environ["TABLE_NAME"])
        yield os.environ["TABLE_NAME"]
        repository.unbind()
    clock.reset()


def call(function_dir: str, method: str, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
    """Invoke a function's handler with an API Gateway REST proxy event built for this request."""
    fn = BY_DIR[function_dir]
    route = next((r for r in fn.routes if r.method == method), fn.routes[0])
    match = runtime.route_regex(route.path).match(path)
    assert match, f"{path} does not match {route.path}"
    event = runtime.api_event(method, path, body, route=route, path_params=match.groupdict() or None, **kw)
    result = runtime.invoke(fn, event)
    payload = json.loads(result["body"]) if result.get("body") else None
    return result["statusCode"], payload
