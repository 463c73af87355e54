"""Generate docs/openapi.json from the functions' own routes and models, or check it has not drifted.

Each function's resolver yields its own OpenAPI document (its routes declare their operationId, tags
and every answer the function gives: http.responses); Powertools' OpenAPIMerge joins them. Then what
API Gateway does in front of the functions, read from template.yaml, completes each operation:
- its security: SigV4 (IAM), the customer's JWT (the CustomerJwt authorizer), or none;
- the answers API Gateway gives itself: 403 to a request IAM refuses, 401 to a token the authorizer
  refuses, 429 when the stage's throttling limits are reached (`{"message": "Too Many Requests"}`);
- the Idempotency-Key header, on the operations whose function reads it (those that can answer
  idempotency_key_reused).
Powertools' own 422 and 500 entries go: the API's 422 is its error envelope, and it has no 500 (a bug
propagates: API Gateway answers 502).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from local import runtime
from local.template import ROOT, functions

SECURITY_SCHEMES: dict[str, Any] = {
    "sigv4": {  # as API Gateway's own exports describe IAM authorization
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "description": "AWS Signature Version 4 (service `execute-api`), by a principal allowed to invoke the API",
        "x-amazon-apigateway-authtype": "awsSigv4",
    },
    "customerJwt": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The customer's access token from the identity provider (the CustomerJwt authorizer)",
    },
}
GATEWAY_MESSAGE = {"$ref": "#/components/schemas/GatewayMessage"}
IAM_DENIAL = {"$ref": "#/components/schemas/IamDenial"}
IAM_DENIAL_SCHEMA = {
    "title": "IamDenial",
    "description": "API Gateway's answer when IAM does not allow the signing principal to invoke the API "
    "(its key is `Message`, capitalized)",
    "type": "object",
    "required": ["Message"],
    "properties": {"Message": {"type": "string"}},
}
# (status, description, example, schemas) of API Gateway's own answers
THROTTLED = (  # the stage's MethodSettings (template.yaml), API Gateway's THROTTLED answer
    429,
    "API Gateway's throttling: the stage's or the route's request rate was exceeded; retry later",
    {"message": "Too Many Requests"},
    [GATEWAY_MESSAGE],
)
REFUSED = {  # by authorizer: IAM (None), the customer's JWT
    None: (
        403,
        "API Gateway refused the request: not signed (`Missing Authentication Token`), wrongly signed or "
        "expired (`The security token included in the request is invalid`, `Signature expired`), or by a "
        "principal IAM does not allow to invoke it (`Message`: `User: ... is not authorized to perform: "
        "execute-api:Invoke ...`)",
        {"message": "Missing Authentication Token"},
        [GATEWAY_MESSAGE, IAM_DENIAL],
    ),
    "CustomerJwt": (
        401,
        "API Gateway's authorizer refused the customer token (missing, expired, wrongly signed, another audience)",
        {"message": "Unauthorized"},
        [GATEWAY_MESSAGE],
    ),
}
SECURITY: dict[str | None, list[dict[str, list[str]]]] = {
    None: [{"sigv4": []}],
    "CustomerJwt": [{"customerJwt": []}],
    "NONE": [],
}


def _idempotency_key() -> dict[str, Any]:
    from wallets.http import IDEMPOTENCY_KEY

    return {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Makes a retry safe: the same key with the same request gets the first answer again "
        "(with `Idempotent-Replayed: true`); with another request, 409 idempotency_key_reused. Keys are the "
        "caller's own, kept at least 24 hours (48 by default).",
        "schema": {"type": "string", "pattern": f"^{IDEMPOTENCY_KEY.pattern}$"},
    }


def _complete(doc: dict[str, Any]) -> dict[str, Any]:
    """What API Gateway adds to each operation (module docstring), from template.yaml's routes."""
    from wallets.schemas import ErrorOutput, GatewayMessage

    routes = {(r.method.lower(), r.path): r for fn in functions().values() for r in fn.routes}
    owners = {(r.method.lower(), r.path): fn for fn in functions().values() for r in fn.routes}
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            authorizer = routes[(method, path)].authorizer
            op["security"] = SECURITY[authorizer]
            answers = op["responses"]
            answers.pop("500", None)  # Powertools' "Response Validation Error": see build_resolver
            for status, description, example, bodies in (
                [REFUSED[authorizer]] if authorizer in REFUSED else []
            ):
                _add(answers, status, description, example, bodies)
            _add(answers, *THROTTLED)
            if any("idempotency_key_reused" in json.dumps(a) for a in answers.values()):
                op["parameters"] = [*op.get("parameters", []), _idempotency_key()]
    schemas = doc["components"]["schemas"]
    # Powertools' 422 and 500 bodies, gone with their entries (each refers to the next).
    for unused in ("ResponseValidationError", "HTTPValidationError", "ValidationError"):
        if f'"#/components/schemas/{unused}"' not in json.dumps(doc):
            schemas.pop(unused, None)
    # API Gateway's body, and the envelope every error answer has (each operation's names its types):
    # named, for clients that handle any error alike.
    for model in (GatewayMessage, ErrorOutput):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    schemas["IamDenial"] = IAM_DENIAL_SCHEMA
    doc["components"]["securitySchemes"] = SECURITY_SCHEMES
    _add_examples(doc, owners)
    return doc


# ------------------------------------------------------------------ examples
# A request's example is the body of its function's event in events/ (what `make invoke` sends and the
# handler tests use). An answer's is built from its schema: a field's own `examples` first (the
# models' Field(examples=...)), else a value of its type, kind and constraints; an optional field is
# null, a list has one item. tests/unit/test_openapi_contract.py validates each with its model.
EXAMPLE_ID = "01JH3Z6W8Q4N5R7T9V2X4Y6A8C"
ID_PREFIXES = {
    "wallet": "wal",
    "transaction": "txn",
    "hold": "hld",
    "top_up": "top",
    "code": "code",
    "payout": "pay",
}
TIME = "2026-01-31T12:00:00.000Z"


def _request_example(fn: Any, method: str) -> dict[str, Any] | None:
    event_file = ROOT / "events" / f"{fn.code_uri.name}.json"
    if not event_file.exists():
        return None
    event = json.loads(event_file.read_text(encoding="utf-8"))
    body = (
        json.loads(event["body"]) if event.get("body") and event.get("httpMethod") == method.upper() else None
    )
    return body if isinstance(body, dict) else None


def _example(schema: dict[str, Any], doc: dict[str, Any], name: str = "", depth: int = 0) -> Any:
    if "$ref" in schema:
        return _example(doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], doc, name, depth)
    if "examples" in schema:
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return None if {"type": "null"} in options else _example(options[0], doc, name, depth)
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        body = {key: _example(value, doc, key, depth + 1) for key, value in properties.items()}
        if "id" in properties and body.get("object") in ID_PREFIXES:
            body["id"] = f"{ID_PREFIXES[body['object']]}_{EXAMPLE_ID}"
        return body
    if kind == "array":
        return [_example(schema["items"], doc, name, depth + 1)] if depth < 3 and "items" in schema else []
    if kind == "integer":  # 1000 minor units: "$10.00", as every `*_formatted` example says
        return min(max(1000, int(schema.get("minimum", 0))), int(schema.get("maximum", 1000)))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if kind == "string":
        prefix = name.removesuffix("_id")
        if name.endswith("_id") and prefix in ID_PREFIXES:
            return f"{ID_PREFIXES[prefix]}_{EXAMPLE_ID}"
        if name.endswith("_formatted"):
            return "$10.00"
        if name.endswith("_at"):
            return TIME
        return {"currency": "USD", "customer_id": "cus_123"}.get(name, name or "text")
    return None


def _add_examples(doc: dict[str, Any], operations: dict[tuple[str, str], Any]) -> None:
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                example = _request_example(operations[(method, path)], method)
                if example is None:  # an optional body: what it is when sent
                    sent = [s for s in body["schema"].get("anyOf", [body["schema"]]) if s != {"type": "null"}]
                    example = _example(sent[0], doc)
                body["example"] = example
            for status, answer in op["responses"].items():
                content = answer.get("content", {}).get("application/json")
                if status.startswith("2") and content and "schema" in content:
                    content["example"] = _example(content["schema"], doc)


def _add(
    answers: dict[str, Any],
    status: int,
    description: str,
    example: dict[str, Any],
    bodies: list[dict[str, Any]],
) -> None:
    """API Gateway's answer at `status`: the operation's, or either when the function answers it too."""
    if str(status) not in answers:
        schema = bodies[0] if len(bodies) == 1 else {"anyOf": bodies}
        answers[str(status)] = {
            "description": description,
            "content": {"application/json": {"schema": schema, "example": example}},
        }
        return
    own = answers[str(status)]
    own["description"] = f"{own['description']}. Or: {description}"
    content = own["content"]["application/json"]
    content["schema"] = {"anyOf": [content["schema"], *bodies]}


def generate() -> dict[str, Any]:
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

    runtime.apply_local_env()
    merge = OpenAPIMerge(
        title="Wallets API",
        version="1.0.0",
        description=(
            "Prepaid balances and credits. Amounts are integers in the currency's minor unit, each with a "
            "`*_formatted` twin. A write that takes an `Idempotency-Key` header says so. Requests are signed with "
            "AWS SigV4 (API Gateway IAM authorization), except the customer API (/me), which takes the "
            "customer's JWT (`Authorization: Bearer`)."
        ),
        on_conflict="error",
    )
    for fn in sorted(functions().values(), key=lambda f: f.logical_id):
        if not fn.routes:
            continue
        runtime.load_handler(fn)
        module = sys.modules[f"functions_{fn.code_uri.name}_{fn.module_file.stem}"]
        if not hasattr(module, "app"):
            continue  # not an API resolver (the portal's static page)
        merge.add_schema(json.loads(module.app.get_openapi_json_schema()))
    return _complete(json.loads(merge.get_openapi_json_schema()))


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path)
    group.add_argument("--check", type=Path)
    args = parser.parse_args(argv)
    text = render(generate())
    if args.write:
        args.write.write_text(text, encoding="utf-8")
        print(f"wrote {args.write}")
        return 0
    current = args.check.read_text(encoding="utf-8") if args.check.exists() else ""
    if current != text:
        print(f"{args.check} is out of date with the handlers' models: run `make openapi`", file=sys.stderr)
        return 1
    print(f"{args.check} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
