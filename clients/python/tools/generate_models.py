"""Write src/wallets_client/models.py from docs/openapi.json with datamodel-code-generator.

    make client-models        (or: <codegen venv>/bin/python clients/python/tools/generate_models.py [OUT])

tests/client/test_drift.py runs this into a temporary file and fails when the result differs from
the committed models: the models can never drift from the API document.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
OUT = HERE.parent / "src" / "wallets_client" / "models.py"
OPTIONS = [
    "--input-file-type",
    "openapi",
    "--output-model-type",
    "pydantic_v2.BaseModel",
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
    "--allow-extra-fields",  # answers may gain fields: old clients keep working
    "--formatters",
    "black",
    "isort",
    "--custom-file-header",
    "# Generated from docs/openapi.json by clients/python/tools/generate_models.py: do not edit.",
]


def generate(out: Path = OUT) -> None:
    codegen = Path(sys.executable).parent / "datamodel-codegen"
    subprocess.run(
        [str(codegen), "--input", str(ROOT / "docs" / "openapi.json"), "--output", str(out), *OPTIONS],
        check=True,
        capture_output=True,
    )


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
