"""Write src/wallets_client/models.py from docs/openapi.json with datamodel-code-generator.

    make client-models        (or: <codegen venv>/bin/python clients/python/tools/generate_models.py [OUT])

tests/client/test_drift.py runs this into a temporary file and fails when the result differs from
the committed models: the models can never drift from the API document.

The generator reads the document as `for_generator` reshapes it (in memory: docs/openapi.json is the
API's, written by the service), so that every class it writes is one the document names:
- an optional field (`anyOf: [<constraints>, null]`) is one nullable schema, a constrained
  `str | None` in its model, not a class numbered by the generator (`AppliesTo1`, `CreditExpiryDays1`);
- a schema named like one of the client's exceptions (FastAPI's `ValidationError`) takes a suffix,
  so `models.X` and `wallets_client.X` are never two different things;
- a string the document describes as ISO 8601 is a `date-time`: answers' timestamps are read into
  aware datetimes, as request models already were.
Every model derives from wallets_client.response.APIModel (how it was answered: `last_response`,
`replayed`).
"""

from __future__ import annotations

import ast
import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
PACKAGE = HERE.parent / "src" / "wallets_client"
OUT = PACKAGE / "models.py"
COLLISION_SUFFIX = "Detail"  # ValidationError (one entry of FastAPI's 422 `detail`) -> ValidationErrorDetail
OPTIONS = [
    "--input-file-type",
    "openapi",
    "--output-model-type",
    "pydantic_v2.BaseModel",
    "--base-class",
    "wallets_client.response.APIModel",
    "--target-python-version",
    "3.11",
    "--disable-timestamp",
    "--use-standard-collections",
    "--use-union-operator",
    "--enum-field-as-literal",
    "all",
    "--use-schema-description",
    "--field-constraints",
    "--use-annotated",
    "--output-datetime-class",
    "AwareDatetime",  # the API's timestamps are UTC ("Z"); a naive datetime in a request is refused
    "--allow-extra-fields",  # answers may gain fields: old clients keep working
    "--formatters",
    "black",
    "isort",
    "--custom-file-header",
    "# Generated from docs/openapi.json by clients/python/tools/generate_models.py: do not edit.",
]


def exception_names() -> set[str]:
    """The classes of wallets_client.errors (read, not imported: this runs in the generator's venv)."""
    tree = ast.parse((PACKAGE / "errors.py").read_text())
    return {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


def for_generator(doc: dict[str, Any], taken: set[str]) -> dict[str, Any]:
    """The document as the generator should read it (see the module docstring); `doc` is unchanged."""
    doc = copy.deepcopy(doc)
    schemas = doc["components"]["schemas"]
    renames = {name: name + COLLISION_SUFFIX for name in schemas if name in taken}
    for old, new in renames.items():
        assert new not in schemas, f"{new} is already a schema: choose another COLLISION_SUFFIX"
        schemas[new] = {**schemas.pop(old), "title": new}
    return _reshape(
        doc, {f"#/components/schemas/{o}": f"#/components/schemas/{n}" for o, n in renames.items()}
    )


def _reshape(node: Any, refs: dict[str, str]) -> Any:
    if isinstance(node, list):
        return [_reshape(item, refs) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _reshape(value, refs) for key, value in node.items()}
    if node.get("$ref") in refs:
        node["$ref"] = refs[node["$ref"]]
    options = node.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        (value,) = (option for option in options if option != {"type": "null"})
        if isinstance(value.get("type"), str) and "$ref" not in value:  # a constrained inline value
            rest = {key: item for key, item in node.items() if key != "anyOf"}
            node = {**value, **rest, "type": [value["type"], "null"]}
    described = str(node.get("description", ""))
    if _types(node) & {"string"} and described.startswith("ISO 8601") and "format" not in node:
        node["format"] = "date-time"
    return node


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()


def generate(out: Path = OUT) -> None:
    codegen = Path(sys.executable).parent / "datamodel-codegen"
    doc = json.loads((ROOT / "docs" / "openapi.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "openapi.json"
        source.write_text(json.dumps(for_generator(doc, exception_names())))
        written = Path(tmp) / "models.py"  # not in the package: isort sorts the same wherever OUT is
        subprocess.run(
            [str(codegen), "--input", str(source), "--output", str(written), *OPTIONS],
            check=True,
            capture_output=True,
        )
        out.write_text(written.read_text())


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
