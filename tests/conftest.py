"""Shared fixtures: DynamoDB engines with the table of template.yaml, and handler invocation.

Every test that takes `table` runs once per engine: `test_x[moto]` on the embedded moto (in-process,
serialized) and `test_x[ddb]` on DynamoDB Local (AWS's engine: one in-memory JVM per pytest process,
i.e. per xdist worker, started on first use). Each test gets a fresh, uniquely named table; TABLE_NAME
(and on ddb DYNAMODB_ENDPOINT_URL) point the code at it through `wallets.settings`. `-k moto` or
`-k ddb` runs one engine.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from local import runtime  # noqa: E402

runtime.apply_local_env({"TABLE_NAME": "wallets-test", "EVENT_BUS_NAME": "wallets-test"})

from wallets import clock, repository, settings  # noqa: E402

from local import dynamodb_local, embedded  # noqa: E402
from local.template import functions  # noqa: E402
from tests import iam, limits  # noqa: E402

limits.install()  # every DynamoDB request of the session is checked against DynamoDB's hard limits
iam.install()  # and every AWS request a handler makes against its function's policy in template.yaml

FUNCTIONS = functions()
BY_DIR = {fn.code_uri.name: fn for fn in FUNCTIONS.values()}
ENGINES = ("moto", "ddb")
# On ddb these send every DynamoDB client to DynamoDB Local, even one created without an endpoint.
DDB_ENV = ("DYNAMODB_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS")


@pytest.fixture(scope="session")
def dynamodb_local_engine() -> Iterator[dynamodb_local.DynamoDBLocal]:
    """One in-memory DynamoDB Local for this pytest process (xdist worker), on a free port."""
    if not dynamodb_local.java_available():
        pytest.skip("the ddb engine runs DynamoDB Local, a Java program: `java` was not found")
    jvm = dynamodb_local.start()
    yield jvm
    jvm.stop()


def unique_table_name() -> str:
    return f"wallets-test-{uuid.uuid4().hex[:12]}"


@contextlib.contextmanager
def fresh_table(engine: str, endpoint: str | None = None) -> Iterator[str]:
    """A new table on `engine` ("moto": a moto mock started here; "ddb": DynamoDB Local at
    `endpoint`), with TABLE_NAME and the endpoint variables set and the repository rebound to it."""
    name = unique_table_name()
    saved = {key: os.environ.get(key) for key in ("TABLE_NAME", *DDB_ENV)}
    mock: Any = None
    os.environ["TABLE_NAME"] = name
    for key in DDB_ENV:
        if engine == "ddb":
            assert endpoint, "the ddb engine needs DynamoDB Local's endpoint"
            os.environ[key] = endpoint
        else:
            os.environ.pop(key, None)
    try:
        if engine == "moto":
            from moto import mock_aws

            embedded._serialize_moto()
            mock = mock_aws()
            mock.start()
        settings.reload()
        repository.unbind()
        embedded.create_table(name, endpoint)
        yield name
    finally:
        repository.unbind()
        if mock is not None:
            mock.stop()
        elif endpoint:
            _drop_table(name, endpoint)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        settings.get_settings.cache_clear()
        clock.reset()


def _drop_table(name: str, endpoint: str) -> None:
    import boto3

    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name=os.environ["AWS_DEFAULT_REGION"])
    with contextlib.suppress(client.exceptions.ResourceNotFoundException):
        client.delete_table(TableName=name)


@pytest.fixture(autouse=True)
def no_access_denied() -> Iterator[None]:
    """A call a function's policy refuses fails its test, even where the code caught the error."""
    iam.denied.clear()
    yield
    assert not iam.denied, iam.denied


@dataclass(frozen=True)
class Engine:
    name: str  # "moto" or "ddb"
    endpoint: str | None  # DynamoDB Local's, on ddb


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each engine in turn; DynamoDB Local is started on the first ddb test of this process."""
    if request.param == "moto":
        return Engine("moto", None)
    return Engine("ddb", request.getfixturevalue("dynamodb_local_engine").endpoint)


@pytest.fixture
def table(engine: Engine) -> Iterator[str]:
    """A fresh table per test, on each engine in turn."""
    with fresh_table(engine.name, engine.endpoint) as name:
        yield name


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
