"""docs/openapi.json says what the server does, so a generated client can trust it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from wallets import errors, schemas
from wallets.money import active_currencies
from wallets.schemas import GatewayMessage

from local.template import ROOT, functions
from tests.unit.error_reach import handler_types

DOC: dict[str, Any] = json.loads((ROOT / "docs" / "openapi.json").read_text())
GATEWAY = {"$ref": "#/components/schemas/GatewayMessage"}
IAM_DENIAL = {"$ref": "#/components/schemas/IamDenial"}
STATUS_OF = {
    cls.type: cls.status
    for cls in vars(errors).values()
    if isinstance(cls, type) and issubclass(cls, errors.WalletError) and "type" in vars(cls)
}


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


# ------------------------------------------------------------------ what each route answers
ROUTES = [  # (method, path, function file, authorizer) of every route in the document
    (r.method.upper(), r.path, fn.code_uri / "app.py", r.authorizer)
    for fn in functions().values()
    for r in fn.routes
    if r.path in DOC["paths"]
]
GATEWAY_STATUSES = {None: {"403", "429"}, "CustomerJwt": {"401", "429"}, "NONE": {"429"}}


def error_types(op: dict[str, Any]) -> dict[str, set[str]]:
    """status -> the `error.type` values the operation documents (an error answer names them all)."""
    found: dict[str, set[str]] = {}
    for status, answer in op["responses"].items():
        if status.startswith("2"):
            continue
        schema = answer["content"]["application/json"]["schema"]
        for option in schema.get("anyOf", [schema]):
            if "$ref" in option:
                assert option in (GATEWAY, IAM_DENIAL), (status, option)
                continue
            enum = option["properties"]["error"]["properties"]["type"]["enum"]
            found.setdefault(status, set()).update(enum)
    return found


def test_the_routes_are_the_templates() -> None:
    assert len(ROUTES) == len(operations()) > 40


@pytest.mark.parametrize(
    ("method", "path", "app_py", "authorizer"), ROUTES, ids=[f"{m} {p}" for m, p, *_ in ROUTES]
)
def test_each_route_documents_exactly_the_error_types_its_code_can_answer(
    method: str, path: str, app_py: Path, authorizer: str | None
) -> None:
    # GIVEN what the route's code can raise, followed through the layer (tests/unit/error_reach.py)
    can = handler_types(app_py, method)
    # WHEN the document is read
    documented = error_types(DOC["paths"][path][method.lower()])
    # THEN each status lists exactly the types of that status, and no other status is an error
    by_status: dict[str, set[str]] = {}
    for type_ in can:
        by_status.setdefault(str(STATUS_OF[type_]), set()).add(type_)
    assert documented == by_status


@pytest.mark.parametrize(
    ("method", "path", "app_py", "authorizer"), ROUTES, ids=[f"{m} {p}" for m, p, *_ in ROUTES]
)
def test_no_route_documents_a_status_nothing_answers(
    method: str, path: str, app_py: Path, authorizer: str | None
) -> None:
    op = DOC["paths"][path][method.lower()]
    statuses = set(op["responses"])
    errors_ = {str(STATUS_OF[t]) for t in handler_types(app_py, method)}
    assert statuses - {s for s in statuses if s.startswith("2")} == errors_ | GATEWAY_STATUSES[authorizer]
    assert not {s for s in statuses if s.startswith("5")} - {"503"}, (
        "the API has no 500 (a bug is API Gateway's 502)"
    )


def test_api_gateways_answers_are_its_own_body() -> None:
    # API Gateway's throttling answer is {"message": "Too Many Requests"}, not the API's error envelope
    for method, path, *_ in ROUTES:
        throttled = DOC["paths"][path][method.lower()]["responses"]["429"]["content"]["application/json"]
        schema = throttled["schema"]
        assert GATEWAY in [schema, *schema.get("anyOf", [])], (method, path)
    assert DOC["components"]["schemas"]["GatewayMessage"]["required"] == ["message"]
    # IAM's refusal of a signed request's principal says `Message`, capitalized
    for method, path, _, authorizer in ROUTES:
        if authorizer is None:
            refused = DOC["paths"][path][method.lower()]["responses"]["403"]["content"]["application/json"]
            assert {GATEWAY["$ref"], IAM_DENIAL["$ref"]} <= {
                s.get("$ref") for s in refused["schema"]["anyOf"]
            }


def test_security_schemes_apply_per_route_as_the_template_authorizes() -> None:
    schemes = DOC["components"]["securitySchemes"]
    assert schemes["sigv4"] == {
        **schemes["sigv4"],
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "x-amazon-apigateway-authtype": "awsSigv4",
    }
    assert schemes["customerJwt"] == {
        **schemes["customerJwt"],
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    for method, path, _, authorizer in ROUTES:
        security = DOC["paths"][path][method.lower()]["security"]
        if path.startswith("/me/"):
            assert authorizer == "CustomerJwt" and security == [{"customerJwt": []}], path
        elif authorizer is None:
            assert security == [{"sigv4": []}], path
        else:
            assert authorizer == "NONE" and security == [], path


def test_every_write_that_reads_an_idempotency_key_declares_it_and_marks_replays() -> None:
    # Writes whose handler takes no key, each for its reason.
    no_key = {
        ("POST", "/codes/{code_id}/disable"),  # disabling twice is disabling once: nothing to replay
        ("POST", "/wallets/{wallet_id}/payment-methods/setup"),  # a new SetupIntent each time, no money moves
    }
    for method, path, app_py, _ in ROUTES:
        op = DOC["paths"][path][method.lower()]
        header = [
            p for p in op.get("parameters", []) if p["in"] == "header" and p["name"] == "Idempotency-Key"
        ]
        reads = "idempotency(app)" in app_py.read_text(encoding="utf-8")
        assert bool(header) == reads, (method, path)
        if method != "GET":
            assert reads or (method, path) in no_key, f"{method} {path} ignores Idempotency-Key"
        for status, answer in op["responses"].items():
            if status.startswith("2"):
                assert ("Idempotent-Replayed" in answer.get("headers", {})) == reads, (method, path, status)


def test_operation_ids_are_readable_and_unique_and_every_operation_has_a_tag() -> None:
    ids = [op["operationId"] for _, _, op in operations()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", i) for i in ids), ids
    assert all(len(op.get("tags", [])) == 1 for _, _, op in operations())


def test_an_answer_that_fails_its_schema_is_a_bug_not_a_documented_500() -> None:
    # GIVEN a route whose answer does not match its model
    from wallets.http import ResponseValidationError, build_resolver

    from local.runtime import api_event

    app = build_resolver()

    @app.get("/broken")
    def broken() -> GatewayMessage:
        return {"message": 12}  # type: ignore[return-value]

    # WHEN it is called, THEN it propagates (Lambda fails, API Gateway answers 502) rather than being
    # answered as a 500 the document would have to list
    with pytest.raises(ResponseValidationError):
        app.resolve(api_event("GET", "/broken"), None)


def _model(schema: dict[str, Any]) -> type[BaseModel]:
    """The model a body's schema names (the first of several; an optional body's non-null one)."""
    refs = [s["$ref"] for s in [schema, *schema.get("anyOf", [])] if "$ref" in s]
    model = getattr(schemas, refs[0].rsplit("/", 1)[1])
    assert issubclass(model, BaseModel)
    return model


def test_every_request_body_and_success_has_an_example_its_model_accepts() -> None:
    for method, path, op in operations():
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            _model(body["schema"]).model_validate(body["example"])
        for status, answer in op["responses"].items():
            content = answer.get("content", {}).get("application/json")
            if status.startswith("2") and content:
                assert "example" in content, (method, path, status)
                _model(content["schema"]).model_validate(content["example"])
