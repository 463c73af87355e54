"""SnapStart priming: on a runtime with snapshot_restore_py, an API handler registers one hook that
builds the DynamoDB clients and runs its resolver once before the snapshot; elsewhere nothing."""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest
from wallets import priming, repository, schemas

from tests.conftest import FUNCTIONS


def test_without_the_runtime_library_nothing_is_registered() -> None:
    assert "snapshot_restore_py" not in sys.modules
    assert priming.register() is False


def test_a_handler_registers_one_hook_that_builds_the_clients_and_runs_its_resolver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hooks: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
    fake = types.ModuleType("snapshot_restore_py")
    fake.register_before_snapshot = lambda fn, *args: hooks.append((fn, args))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", fake)
    monkeypatch.setattr(priming, "_registered", False)
    repository.unbind()
    fn_ = FUNCTIONS["DebitWalletFunction"]
    spec = importlib.util.spec_from_file_location("priming_probe_app", fn_.module_file)
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))  # a fresh import of the handler
    assert len(hooks) == 1
    fn, warmers = hooks[0]
    fn(*warmers)  # what Lambda runs before the snapshot
    assert repository._connection is not None and repository._connection._client is not None
    reads = repository.WalletItem._get_connection().connection
    assert reads._client is not None
    assert all(m._get_connection() is repository.WalletItem._get_connection() for m in repository.ALL_MODELS)
    assert schemas.CodeOutput.__pydantic_complete__  # a model this handler never uses: built anyway
