"""The local engines are reachable from this machine only (README: the local server is loopback-only)."""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

import pytest

from local import dynamodb_local
from tests import sockets

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/net")


def test_dynamodb_local_listens_on_loopback_only(dynamodb_local_engine: dynamodb_local.DynamoDBLocal) -> None:
    # GIVEN the DynamoDB Local the ddb tests use, started as `make run` starts it
    if not dynamodb_local.loopback_only():
        pytest.skip("no javac: DynamoDB Local runs from its jar and listens on every interface")
    port = urlsplit(dynamodb_local_engine.endpoint).port
    assert port is not None
    # WHEN we list the addresses it listens on
    addresses = sockets.listening(port)
    # THEN it listens, and only on loopback: any key is accepted, so any other interface would share the data
    assert addresses, f"nothing listens on {port}"
    assert all(sockets.loopback(a) for a in addresses), addresses
