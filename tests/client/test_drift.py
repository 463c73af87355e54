"""The client cannot drift from docs/openapi.json: its models are generated from it, and its routes
and the models it reads answers into are the document's."""

from __future__ import annotations

import filecmp
import json
import subprocess
from pathlib import Path

import pytest
from wallets_client import _core

from tests.conftest import ROOT

CODEGEN = ROOT / ".venv-codegen" / "bin" / "python"
MODELS = ROOT / "clients" / "python" / "src" / "wallets_client" / "models.py"
DOC = json.loads((ROOT / "docs" / "openapi.json").read_text())


def test_the_models_are_what_the_openapi_document_generates(tmp_path: Path) -> None:
    if not CODEGEN.exists():
        pytest.skip("datamodel-code-generator is installed by `make test` into .venv-codegen")
    fresh = tmp_path / "models.py"
    subprocess.run(
        [str(CODEGEN), str(ROOT / "clients/python/tools/generate_models.py"), str(fresh)], check=True
    )
    assert filecmp.cmp(fresh, MODELS, shallow=False), "docs/openapi.json changed: run `make client-models`"


def test_the_client_has_every_route_of_the_document_and_no_other() -> None:
    documented = {f"{method.upper()} {path}" for path, ops in DOC["paths"].items() for method in ops}
    documented.discard("POST /webhooks/stripe")  # Stripe's, not a client's
    documented = {r for r in documented if " /me" not in r}  # end customers' browsers (JWT), not a backend's
    assert set(_core.ROUTES) == documented


def _refs(schema: dict) -> set[str]:
    if "$ref" in schema:
        return {schema["$ref"].rsplit("/", 1)[1]}
    return {ref for option in schema.get("anyOf", []) for ref in _refs(option)}


def test_each_answer_is_read_into_the_model_the_document_names() -> None:
    for route, model in _core.ROUTES.items():
        method, path = route.split(" ", 1)
        responses = DOC["paths"][path][method.lower()]["responses"]
        for status, answer in responses.items():
            if not status.startswith("2"):
                continue
            named = _refs(answer["content"]["application/json"]["schema"])
            chosen = _core.BY_STATUS.get((route, int(status)), model)
            # the document's model, or one of wallets_client.answers built on it
            assert {cls.__name__ for cls in chosen.__mro__} & named, (route, status, named)
