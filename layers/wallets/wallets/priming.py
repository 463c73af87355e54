"""SnapStart priming (docs/decisions.md 39): what a cold start would do on its first request is done
once, before Lambda takes the snapshot, so a restored function makes no first-call imports or client
builds. `snapshot_restore_py` ships with Lambda's Python runtimes; elsewhere (tests, the local
server) there is nothing to register and nothing happens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_registered = False


def register(*warmers: Callable[[], Any]) -> bool:
    """Register the priming hook once per process; `warmers` run after the DynamoDB clients are built.
    Returns whether a hook was registered (only on a SnapStart-capable runtime)."""
    global _registered
    try:
        from snapshot_restore_py import register_before_snapshot
    except ImportError:
        return False
    if not _registered:
        register_before_snapshot(prime, *warmers)
        _registered = True
    return True


def prime(*warmers: Callable[[], Any]) -> None:
    from pydantic import BaseModel

    from wallets import repository, schemas

    repository.prime()
    # The API's models are built on first use (cheaper cold starts without SnapStart); before a
    # snapshot, build them all, so a restored function validates its first request at once.
    for model in vars(schemas).values():
        if isinstance(model, type) and issubclass(model, BaseModel) and model.__module__ == schemas.__name__:
            model.model_rebuild(force=True)
    for warm in warmers:
        warm()
