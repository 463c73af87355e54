"""The client's shape, without a server: lists behave one way, the async client is the sync one
awaited (generated from it), the README's examples pass `mypy --strict`, and a created wallet is told
from a found one."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import subprocess
import sys
import types
import typing
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from wallets_client import (
    AsyncWalletsClient,
    ConcurrentModification,
    WalletsClient,
    _core,
    async_resources,
    models,
    resources,
)

from tests.conftest import ROOT

CLIENT = ROOT / "clients" / "python"
DOC = json.loads((ROOT / "docs" / "openapi.json").read_text())
RESOURCES = [
    cls
    for _, cls in inspect.getmembers(resources, inspect.isclass)
    if issubclass(cls, _core.Resource) and cls is not _core.Resource
]


def _methods(cls: type) -> dict[str, Any]:
    return {name: fn for name, fn in vars(cls).items() if inspect.isfunction(fn) and not name.startswith("_")}


def _dummy(hint: Any) -> Any:
    """A value of the parameter's type, enough to build the request."""
    if hint is int:
        return 1
    if typing.get_origin(hint) is dict:
        return {"USD": 1}
    return "x"


class Recorder:
    """Stands for a client: records which way each resource method sends its Call."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def _call(self, c: _core.Call) -> None:
        self.sent.append(("call", c.route))

    def _list(self, c: _core.Call) -> list[Any]:
        self.sent.append(("list", c.route))
        return []

    def _iterate(self, c: _core.Call) -> Iterator[Any]:
        self.sent.append(("iterate", c.route))
        return iter(())


def _pages(route: str) -> bool:
    method, path = route.split(" ", 1)
    return any(p["name"] == "cursor" for p in DOC["paths"][path][method.lower()].get("parameters", []))


def test_lists_are_iterators_where_the_api_pages_and_plain_lists_where_it_does_not() -> None:
    lists = {route for route, model in _core.ROUTES.items() if "data" in model.model_fields}
    reached: dict[str, set[str]] = {}
    for cls in RESOURCES:
        for name, fn in _methods(cls).items():
            hints = typing.get_type_hints(fn)
            signature = inspect.signature(fn)
            required = {
                p.name: _dummy(hints[p.name])
                for p in list(signature.parameters.values())[1:]
                if p.default is inspect.Parameter.empty
            }
            recorder = Recorder()
            fn(cls(recorder), **required)
            ((way, route),) = recorder.sent
            page = _core.ROUTES[route]
            if "data" not in page.model_fields:
                assert way == "call", (cls.__name__, name)
                continue
            reached.setdefault(route, set()).add(name)
            (item,) = typing.get_args(page.model_fields["data"].annotation)
            returns = hints["return"]
            where = f"{cls.__name__}.{name} ({route})"
            if not _pages(route):  # one answer holds them all: a plain list
                assert (way, returns) == ("list", types.GenericAlias(list, item)), where
            elif name == "list_page":  # one page, for callers that keep the cursor themselves
                assert (way, returns) == ("call", page), where
            else:  # the rest, followed page by page as the caller iterates
                assert (name, way, returns) == ("list", "iterate", types.GenericAlias(Iterator, item)), where
    assert reached.keys() == lists  # every list of the API, each checked
    for route, names in reached.items():  # a paged list: both ways to read it
        assert names == {"list", "list_page"} if _pages(route) else len(names) == 1, (route, names)


def _mock(answer: Any) -> httpx.MockTransport:
    return httpx.MockTransport(answer)


def _balances(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "object": "list",
            "data": [{**_sample("BalanceOutput"), "amount": 500, "available_formatted": "$5.00"}],
            "has_more": False,
            "next_cursor": None,
        },
    )


def test_list_balances_answers_the_balances_as_the_seed_does() -> None:
    with WalletsClient("http://api", auth=None, http_client=httpx.Client(transport=_mock(_balances))) as c:
        balances = c.balances.list_balances("cus_1")
    assert isinstance(balances, list) and [type(b) for b in balances] == [models.BalanceOutput]
    assert [b.available_formatted for b in balances] == ["$5.00"]


def test_the_async_client_lists_the_same_way() -> None:
    async def scenario() -> list[models.BalanceOutput]:
        async with AsyncWalletsClient(
            "http://api", auth=None, http_client=httpx.AsyncClient(transport=_mock(_balances))
        ) as c:
            return await c.balances.list_balances("cus_1")

    assert [b.amount for b in asyncio.run(scenario())] == [500]


def test_the_async_resources_are_the_sync_ones_awaited() -> None:
    for cls in RESOURCES:
        twin = getattr(async_resources, f"Async{cls.__name__}")
        assert set(_methods(twin)) == set(_methods(cls)), cls.__name__
        for name, fn in _methods(cls).items():
            other = _methods(twin)[name]
            where = f"{cls.__name__}.{name}"
            hints, async_hints = typing.get_type_hints(fn), typing.get_type_hints(other)
            assert inspect.signature(other).parameters.keys() == inspect.signature(fn).parameters.keys(), (
                where
            )
            returns = hints.pop("return")
            assert {k: v for k, v in async_hints.items() if k != "return"} == hints, where
            if typing.get_origin(returns) is Iterator:  # `async for` over it, no await
                assert not inspect.iscoroutinefunction(other), where
                assert async_hints["return"] == types.GenericAlias(AsyncIterator, typing.get_args(returns)), (
                    where
                )
            else:
                assert inspect.iscoroutinefunction(other), where
                assert async_hints["return"] == returns, where
    sync = WalletsClient("http://api", auth=None)
    twin_client = AsyncWalletsClient("http://api", auth=None)
    for name, value in vars(sync).items():
        if isinstance(value, _core.Resource):
            assert type(getattr(twin_client, name)).__name__ == f"Async{type(value).__name__}", name


def test_the_async_resources_are_what_the_sync_ones_generate(tmp_path: Path) -> None:
    fresh = tmp_path / "async_resources.py"
    subprocess.run([sys.executable, str(CLIENT / "tools" / "generate_async.py"), str(fresh)], check=True)
    committed = CLIENT / "src" / "wallets_client" / "async_resources.py"
    assert fresh.read_text() == committed.read_text(), (
        "resources.py changed: run `.venv/bin/python clients/python/tools/generate_async.py`"
    )


def _readme_blocks() -> list[str]:
    text = (CLIENT / "README.md").read_text()
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def test_the_readme_examples_pass_mypy_strict(tmp_path: Path) -> None:
    # GIVEN each Python block of the README as a module of its own, outside this project's mypy config
    blocks = _readme_blocks()
    assert len(blocks) >= 2  # the quick start and the async example
    for n, block in enumerate(blocks):
        (tmp_path / f"readme_{n}.py").write_text(block)
    # WHEN a user type-checks them strictly against the installed client
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    # THEN there is nothing to report
    assert run.returncode == 0, run.stdout + run.stderr


def test_creating_a_wallet_tells_whether_it_was_created_or_found() -> None:
    # GIVEN a server that creates the wallet (201), then finds it (200)
    statuses = iter([201, 200])

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(statuses), json=_sample("WalletOutput"))

    # WHEN the wallet is created twice
    with WalletsClient("http://api", auth=None, http_client=httpx.Client(transport=_mock(answer))) as c:
        made, found = c.wallets.create("cus_1", "USD"), c.wallets.create("cus_1", "USD", settings={"x": 1})
    # THEN the answers say which call created it, and are the API's wallet as before
    assert (made.created, found.created) == (True, False)
    assert isinstance(found, models.WalletOutput) and "created" not in found.model_dump()


def _sample(name: str) -> Any:
    """An answer of the document's schema `name` with its required fields only, as the server sends it."""
    return _value(DOC["components"]["schemas"][name])


def _value(schema: dict[str, Any]) -> Any:
    if "$ref" in schema:
        return _sample(schema["$ref"].rsplit("/", 1)[1])
    if "anyOf" in schema:
        return _value(next(o for o in schema["anyOf"] if o.get("type") != "null"))
    if "enum" in schema or "const" in schema:
        return schema.get("enum", [schema.get("const")])[0]
    kind = str(schema.get("type"))
    if kind == "object":
        return {name: _value(schema["properties"][name]) for name in schema.get("required", [])}
    if kind == "string":
        timestamp = schema.get("format") == "date-time" or schema.get("description", "").startswith(
            "ISO 8601"
        )
        return "2026-12-06T00:00:00.000Z" if timestamp else "USD"
    return {"integer": 0, "number": 0, "boolean": False, "array": []}[kind]


def test_a_replayed_answer_says_so_and_keeps_its_response() -> None:
    # GIVEN a server that answers a debit, then replays that answer for the same Idempotency-Key
    replays = iter(["false", "true"])

    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"Idempotent-Replayed": next(replays), "x-amzn-RequestId": "req-1"}
        return httpx.Response(200, json=_sample("TransactionOutput"), headers=headers)

    # WHEN the debit is sent twice with one key
    with WalletsClient("http://api", auth=None, http_client=httpx.Client(transport=_mock(answer))) as c:
        first, again = (c.wallets.debit("w", 1, idempotency_key="k") for _ in range(2))
    # THEN the second says it is a replay, and both keep the response they came in
    assert (first.replayed, again.replayed) == (False, True)
    assert again.last_response is not None
    assert (again.last_response.status, again.last_response.request_id) == (200, "req-1")
    assert again.last_response.headers["idempotent-replayed"] == "true"
    # ... which is not part of the answer's value
    assert (
        first == again and "replayed" not in again.model_dump() and "last_response" not in again.model_dump()
    )
    # ... and a model built by the caller has no response
    assert models.TransactionOutput.model_validate(_sample("TransactionOutput")).last_response is None


def test_the_async_client_tells_replays_too() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json=_sample("WalletOutput"), headers={"Idempotent-Replayed": "true"})

    async def scenario() -> tuple[bool, bool]:
        async with AsyncWalletsClient(
            "http://api", auth=None, http_client=httpx.AsyncClient(transport=_mock(answer))
        ) as c:
            wallet = await c.wallets.create("cus_1", "USD", idempotency_key="k")
            return wallet.created, wallet.replayed

    assert asyncio.run(scenario()) == (True, True)


DEBIT_TYPES = """
from wallets_client import AsyncWalletsClient, WalletsClient, models


def sync(c: WalletsClient, pm: str | None) -> None:
    settled: models.TransactionOutput = c.wallets.debit("w", 1)
    either: models.TransactionOutput | models.RemainderChargeOutput = c.wallets.debit(
        "w", 1, remainder_payment_method="pm_1"
    )
    maybe = c.wallets.debit("w", 1, remainder_payment_method=pm)
    reveal_type(maybe)


async def asynchronous(c: AsyncWalletsClient) -> None:
    settled: models.TransactionOutput = await c.wallets.debit("w", 1)
    either = await c.wallets.debit("w", 1, remainder_payment_method="pm_1")
    reveal_type(either)
    wrong: models.TransactionOutput = c.wallets.debit("w", 1, remainder_payment_method="pm_1")
"""


def test_debit_is_typed_by_whether_it_names_a_remainder_payment_method(tmp_path: Path) -> None:
    # GIVEN calls of debit() with and without remainder_payment_method, sync and async
    (tmp_path / "debits.py").write_text(DEBIT_TYPES)
    # WHEN a user type-checks them strictly
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), "debits.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    # THEN without one the answer is a TransactionOutput (no isinstance needed), with one (or maybe
    # one) either answer, and only the misuse is reported
    union = '"wallets_client.models.TransactionOutput | wallets_client.models.RemainderChargeOutput"'
    lines = [line.split(": ", 1)[1] for line in run.stdout.splitlines() if line.startswith("debits.py:")]
    assert lines == [
        f"note: Revealed type is {union}",
        f"note: Revealed type is {union}",
        'error: Incompatible types in assignment (expression has type "Coroutine[Any, Any, TransactionOutput'
        ' | RemainderChargeOutput]", variable has type "TransactionOutput")  [assignment]',
    ], run.stdout


def test_the_idempotency_key_a_call_was_sent_with_is_on_its_answer_and_its_error() -> None:
    # GIVEN a server that records the keys it gets: a debit succeeds, the next is refused
    received: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        received.append(request.headers["Idempotency-Key"])
        if len(received) == 1:
            return httpx.Response(200, json=_sample("TransactionOutput"))
        error = {"type": "concurrent_modification", "message": "busy", "details": {}}
        return httpx.Response(409, json={"error": error})

    # WHEN both are sent without a key of the caller's (the client makes one)
    client = WalletsClient(
        "http://api", auth=None, max_retries=0, http_client=httpx.Client(transport=_mock(answer))
    )
    with client as c:
        paid = c.wallets.debit("w", 1)
        with pytest.raises(ConcurrentModification) as busy:
            c.wallets.debit("w", 1)
    # THEN the caller can retry either with the key it was sent with, as the README tells them to
    assert paid.last_response is not None and paid.last_response.idempotency_key == received[0]
    assert busy.value.idempotency_key == received[1] and received[0] != received[1]

    # ... and a read carries none
    def wallet(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=_sample("WalletOutput"))

    with WalletsClient("http://api", auth=None, http_client=httpx.Client(transport=_mock(wallet))) as c:
        found = c.wallets.retrieve("w")
    assert found.last_response is not None and found.last_response.idempotency_key is None
