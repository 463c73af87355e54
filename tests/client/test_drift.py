"""The client cannot drift from docs/openapi.json: its models are generated from it (with the
document's names, timestamps as datetimes), and its routes and the models it reads answers into are
the document's."""

from __future__ import annotations

import filecmp
import importlib.util
import json
import re
import subprocess
import typing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import wallets_client
from pydantic import AwareDatetime, BaseModel, RootModel
from pydantic import ValidationError as PydanticValidationError
from wallets_client import _core, models

from tests.conftest import ROOT

CODEGEN = ROOT / ".venv-codegen" / "bin" / "python"
MODELS = ROOT / "clients" / "python" / "src" / "wallets_client" / "models.py"
DOC = json.loads((ROOT / "docs" / "openapi.json").read_text())
_spec = importlib.util.spec_from_file_location(
    "generate_models", ROOT / "clients/python/tools/generate_models.py"
)
assert _spec and _spec.loader
generate_models = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate_models)


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


def _model_classes() -> dict[str, type]:
    return {
        name: cls
        for name, cls in vars(models).items()
        if isinstance(cls, type) and issubclass(cls, BaseModel) and cls.__module__ == models.__name__
    }


def test_the_models_have_the_documents_names_not_the_generators() -> None:
    # GIVEN the generated models, and the names a user imports from wallets_client
    exported = set(wallets_client.__all__)
    for name, cls in _model_classes().items():
        # THEN none is numbered by the generator (AppliesTo1, CreditExpiryDays1) ...
        assert not re.search(r"\d$", name), name
        # ... none is named like the client's exceptions (models.ValidationError vs wc.ValidationError)
        assert name not in exported, name
        # ... and each is a schema of the document, or the item of a list field of one
        assert (
            name in DOC["components"]["schemas"]
            or issubclass(cls, RootModel)
            or name.endswith(generate_models.COLLISION_SUFFIX)
        ), name


def _is_datetime(annotation: Any) -> bool:
    return annotation in (datetime, AwareDatetime) or any(
        _is_datetime(arg) for arg in typing.get_args(annotation)
    )


def test_every_timestamp_of_the_models_is_a_datetime() -> None:
    # GIVEN every field that holds a time (by the API's naming: *_at, *_until)
    timestamps = [
        (name, field_name, field.annotation)
        for name, cls in _model_classes().items()
        for field_name, field in getattr(cls, "model_fields", {}).items()
        if re.search(r"_(at|until)$", field_name)
    ]
    assert len(timestamps) > 20
    # THEN each is read into a datetime, not a str
    assert [t for t in timestamps if not _is_datetime(t[2])] == []


def test_answers_read_timestamps_as_aware_utc_datetimes() -> None:
    # GIVEN a wallet as the server answers it (ISO 8601 UTC, millisecond precision, "Z")
    wallet = models.WalletOutput.model_validate(
        {**_sample_wallet(), "created_at": "2026-12-06T10:11:12.345Z", "expires_at": None}
    )
    # THEN its timestamps are aware datetimes in UTC, and serialise back as the API wrote them
    assert wallet.created_at == datetime(2026, 12, 6, 10, 11, 12, 345000, tzinfo=UTC)
    assert wallet.created_at.tzinfo is UTC and wallet.expires_at is None
    assert wallet.model_dump(mode="json")["created_at"] == "2026-12-06T10:11:12.345000Z"
    # ... and one written with another offset is the same instant, in UTC
    shifted = models.WalletOutput.model_validate(
        {**_sample_wallet(), "created_at": "2026-12-06T12:11:12.345+02:00"}
    )
    assert shifted.created_at.tzinfo is UTC and shifted.created_at == wallet.created_at
    assert shifted.created_at.hour == 10


def test_request_models_refuse_naive_datetimes() -> None:
    models.CreditWalletRequest(amount=1, expires_at=datetime(2027, 1, 1, tzinfo=UTC))
    with pytest.raises(PydanticValidationError):
        models.CreditWalletRequest(amount=1, expires_at=datetime(2027, 1, 1))


def _sample_wallet() -> dict[str, Any]:
    from tests.client.test_surface import _sample

    value: dict[str, Any] = _sample("WalletOutput")
    return value


def test_the_generator_renames_every_schema_named_like_an_exception() -> None:
    # GIVEN a document with a schema named like an exception of the client, referenced by another
    doc = {
        "components": {
            "schemas": {
                "NotFound": {"type": "object", "title": "NotFound"},
                "Page": {"properties": {"item": {"$ref": "#/components/schemas/NotFound"}}},
            }
        }
    }
    # WHEN the generator reads it
    read = generate_models.for_generator(doc, generate_models.exception_names())
    # THEN the schema and its references are renamed, and the document itself is unchanged
    schemas = read["components"]["schemas"]
    assert set(schemas) == {"NotFoundDetail", "Page"}
    assert schemas["Page"]["properties"]["item"]["$ref"] == "#/components/schemas/NotFoundDetail"
    assert "NotFound" in doc["components"]["schemas"]
