"""The Python client against the local server (`make run`'s runtime on DynamoDB Local), one per worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Client, local_server


@pytest.fixture(scope="session")
def api(dynamodb_local_engine: object) -> Iterator[Client]:
    with local_server("ddb", dynamodb_local_engine.endpoint) as server:  # type: ignore[attr-defined]
        yield server


@pytest.fixture
def client(api: Client) -> Iterator[object]:
    from wallets_client import WalletsClient

    with WalletsClient(api.base, auth=None, timeout=30) as wallets:
        yield wallets
