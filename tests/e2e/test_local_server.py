"""`make run`'s server is reachable from this machine only (README, Security: it checks no signatures)."""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

import pytest

from tests import sockets
from tests.e2e.conftest import Client

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/net"),
]


def test_the_local_server_listens_on_loopback_only(server: Client) -> None:
    port = urlsplit(server.base).port
    assert port is not None
    addresses = sockets.listening(port)
    assert addresses and all(sockets.loopback(a) for a in addresses), addresses
