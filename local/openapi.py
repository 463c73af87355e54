"""Generate docs/openapi.json from the functions' own routes and models, or check it has not drifted.

Each function's resolver yields its own OpenAPI document; Powertools' OpenAPIMerge joins them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from local import runtime
from local.template import functions


def generate() -> dict[str, Any]:
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

    runtime.apply_local_env()
    merge = OpenAPIMerge(
        title="Wallets API",
        version="1.0.0",
        description=(
            "Prepaid balances and credits. Amounts are integers in the currency's minor unit, each with a "
            "`*_formatted` twin. Every POST accepts an `Idempotency-Key` header. Requests are signed with "
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
    return json.loads(merge.get_openapi_json_schema())


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
