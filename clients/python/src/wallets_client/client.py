"""WalletsClient (httpx.Client) and AsyncWalletsClient (httpx.AsyncClient): the same rules (_core.py)
and the same resources (resources.py, and async_resources.py generated from it); only the sending
differs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from wallets_client import async_resources, resources
from wallets_client._core import Call, Core


class _Client:
    """Configuration, the resources and the HTTP client; the subclasses send."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: str | None = "sigv4",
        region: str | None = None,
        timeout: float = 10.0,
        max_retries: int = 3,
        credentials: Any = None,
        http_client: Any = None,
    ) -> None:
        self._core = Core(
            base_url,
            auth=auth,
            region=region,
            timeout=timeout,
            max_retries=max_retries,
            credentials=credentials,
        )
        self._http = http_client or self._new_http(timeout)
        self._mount()

    def _new_http(self, timeout: float) -> Any:
        raise NotImplementedError

    def _mount(self) -> None:
        """Attach the resources (typed per client: tests/client/test_surface.py checks both have all)."""
        raise NotImplementedError


class WalletsClient(_Client):
    """`WalletsClient("https://<api>.execute-api.<region>.amazonaws.com/prod")` signs with SigV4 from
    the default AWS credential chain; `auth=None` for the local server (`make run`). Pass
    `http_client=httpx.Client(...)` for proxies or custom transports."""

    def _new_http(self, timeout: float) -> httpx.Client:
        return httpx.Client(timeout=timeout)

    def _mount(self) -> None:
        self.wallets = resources.Wallets(self)
        self.balances = resources.Balances(self)
        self.transactions = resources.Transactions(self)
        self.lots = resources.Lots(self)
        self.payouts = resources.Payouts(self)
        self.holds = resources.Holds(self)
        self.top_ups = resources.TopUps(self)
        self.codes = resources.Codes(self)

    def _call(self, c: Call) -> Any:
        key = self._core.idempotency_key(c)
        attempt = 0
        while True:
            try:
                response = self._http.send(self._core.build(c, key))
            except httpx.TransportError as exc:
                wait = self._core.retry_after(attempt, None)
                if wait is None:
                    raise self._core.connection_error(exc, key) from exc
            else:
                wait = self._core.retry_after(attempt, response)
                if wait is None:
                    return self._core.answer(c, response, key)
            time.sleep(wait)
            attempt += 1

    def _iterate(self, c: Call) -> Iterator[Any]:
        page = self._call(c)
        while True:
            yield from page.data
            if not page.has_more or not page.next_cursor:
                return
            page = self._call(Call(c.route, c.params, {**c.query, "cursor": page.next_cursor}, c.body))

    def _list(self, c: Call) -> list[Any]:
        # A list the API answers whole: read as a paged one, so a cursor it ever sends is followed.
        return list(self._iterate(c))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> WalletsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncWalletsClient(_Client):
    """The async twin: every method returns an awaitable; `list()` methods return async iterators."""

    def _new_http(self, timeout: float) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=timeout)

    def _mount(self) -> None:
        self.wallets = async_resources.AsyncWallets(self)
        self.balances = async_resources.AsyncBalances(self)
        self.transactions = async_resources.AsyncTransactions(self)
        self.lots = async_resources.AsyncLots(self)
        self.payouts = async_resources.AsyncPayouts(self)
        self.holds = async_resources.AsyncHolds(self)
        self.top_ups = async_resources.AsyncTopUps(self)
        self.codes = async_resources.AsyncCodes(self)

    async def _call(self, c: Call) -> Any:
        key = self._core.idempotency_key(c)
        attempt = 0
        while True:
            try:
                response = await self._http.send(self._core.build(c, key))
            except httpx.TransportError as exc:
                wait = self._core.retry_after(attempt, None)
                if wait is None:
                    raise self._core.connection_error(exc, key) from exc
            else:
                wait = self._core.retry_after(attempt, response)
                if wait is None:
                    return self._core.answer(c, response, key)
            await asyncio.sleep(wait)
            attempt += 1

    async def _iterate(self, c: Call) -> AsyncIterator[Any]:
        page = await self._call(c)
        while True:
            for item in page.data:
                yield item
            if not page.has_more or not page.next_cursor:
                return
            page = await self._call(Call(c.route, c.params, {**c.query, "cursor": page.next_cursor}, c.body))

    async def _list(self, c: Call) -> list[Any]:
        return [item async for item in self._iterate(c)]

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncWalletsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
