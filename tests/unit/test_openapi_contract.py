"""docs/openapi.json says what the server does, so a generated client can trust it."""

from __future__ import annotations

import json
from typing import Any

from wallets.money import active_currencies

from local.template import ROOT

DOC: dict[str, Any] = json.loads((ROOT / "docs" / "openapi.json").read_text())


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, ops in DOC["paths"].items() for method, op in ops.items()]


def test_every_operation_documents_its_success_body() -> None:
    missing = [
        f"{method} {path}"
        for method, path, op in operations()
        if not any(code.startswith("2") and "schema" in json.dumps(r) for code, r in op["responses"].items())
    ]
    assert missing == []


def test_a_currency_valid_by_the_schema_is_valid_for_the_server() -> None:
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("pattern") == "^[A-Z]{3}$":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(DOC)
    assert found and all(set(node["enum"]) == set(active_currencies()) for node in found)
