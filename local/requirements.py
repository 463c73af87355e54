"""Write each layer's requirements.txt from pyproject.toml (the one source of dependency truth):
`make requirements`.

Each function gets only the layers its imports need (template.yaml; tests/unit/test_layers.py checks
every function's imports against its layers): the `wallets` layer (the domain package and what every
function imports), `payments` (the Stripe SDK, for the functions that may charge or refund through it)
and `auth` (PyJWT with cryptography, for the customer authorizer). A requirements file pins its
packages' whole dependency tree (the versions the tests ran with), installed without resolving again,
so that botocore and boto3 stay out: Lambda's Python runtime ships them (pynamodb uses its botocore,
as the functions that import boto3 already did), and a layer's botocore is 31 MB that would also
shadow the runtime's, leaving its boto3 on a botocore it was not released with.
"""

from __future__ import annotations

import argparse
import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from local.template import ROOT

# A layer: its directory under layers/, and the pyproject dependencies it carries (by distribution
# name); the `wallets` layer carries every dependency no other layer claims.
LAYERS: dict[str, frozenset[str]] = {
    "wallets": frozenset(),
    "payments": frozenset({"stripe"}),
    "auth": frozenset({"pyjwt"}),
}
# Distributions Lambda's Python runtime provides: never installed into a layer.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer"})
# What a layer is built for (template.yaml: python3.13, arm64), for the dependencies' markers.
TARGET = {
    "python_version": "3.13",
    "python_full_version": "3.13.0",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "platform_machine": "aarch64",
    "platform_system": "Linux",
    "sys_platform": "linux",
    "os_name": "posix",
}


def dependencies() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(dep) for dep in project["dependencies"]]


def layer_of(requirement: Requirement) -> str:
    name = canonicalize_name(requirement.name)
    return next((layer for layer, names in LAYERS.items() if name in names), "wallets")


def pinned(requirements: list[Requirement]) -> dict[str, str]:
    """Each requirement and what it depends on (for the build target), at the installed versions."""
    found: dict[str, set[str]] = {}
    todo = [(r, "") for r in requirements]
    while todo:
        requirement, extra = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in RUNTIME_PROVIDED:
            continue
        if requirement.marker and not requirement.marker.evaluate({**TARGET, "extra": extra}):
            continue
        known = found.get(name)
        if known is not None and set(requirement.extras) <= known:
            continue
        found.setdefault(name, set()).update(requirement.extras)
        for text in metadata.distribution(name).requires or []:
            for wanted in sorted(found[name]) or [""]:
                todo.append((Requirement(text), wanted))
    return {name: metadata.version(name) for name in sorted(found)}


def render(layer: str) -> str:
    own = [r for r in dependencies() if layer_of(r) == layer]
    lines = [
        "# Generated from pyproject.toml by `make requirements` (local/requirements.py); do not edit.",
        f"# The {layer} layer: {', '.join(str(r) for r in own)}, and what they depend on but boto3/botocore.",
    ]
    lines += [f"{name}=={version}" for name, version in pinned(own).items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write layers/<layer>/requirements.txt")
    args = parser.parse_args()
    for layer in LAYERS:
        text = render(layer)
        if args.write:
            (ROOT / "layers" / layer).mkdir(exist_ok=True)
            (ROOT / "layers" / layer / "requirements.txt").write_text(text, encoding="utf-8")
        else:
            print(text)


if __name__ == "__main__":
    main()
