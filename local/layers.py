"""What each function imports and which layers carry it; and how big each function is unzipped.

Imports are read from the source (ast), every one of them: module level and inside functions (the
lazy ones), from a function's code through every `wallets` module it reaches, but those that cannot
run (under `if TYPE_CHECKING:`, or in a `try:` that handles ImportError). A layer carries the
distributions its requirements.txt pins (local/requirements.py); Lambda's runtime the standard library,
boto3 and botocore, and `snapshot_restore_py` (SnapStart's hooks, imported behind an ImportError).
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from local.template import ROOT, load

LAYER_ROOT = ROOT / "layers" / "wallets"
RUNTIME_MODULES = frozenset(sys.stdlib_module_names) | {"boto3", "botocore", "snapshot_restore_py"}
LIMIT_MB = 50.0  # a function's code plus its layers, unzipped (issue 28)


def _runs(node: ast.AST) -> bool:
    if isinstance(node, ast.If):
        test = node.test
        return not (
            (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
        )
    return True


def _guarded(node: ast.Try) -> bool:
    names = set()
    for handler in node.handlers:
        for n in ast.walk(handler.type) if handler.type else []:
            if isinstance(n, ast.Name):
                names.add(n.id)
    return bool(names & {"ImportError", "ModuleNotFoundError"})


def _imports(tree: ast.AST) -> Iterator[str]:
    """Every module an import statement that can run names (`from a import b`: a, and a.b)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                yield node.module
                yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Try) and _guarded(node):
            for part in (node.orelse, node.finalbody):
                for child in part:
                    yield from _imports(ast.Module(body=[child], type_ignores=[]))
        elif _runs(node):
            yield from _imports(node)


def _module_file(name: str, roots: tuple[Path, ...]) -> Path | None:
    for root in roots:
        base = root / name.replace(".", "/")
        for path in (base.with_suffix(".py"), base / "__init__.py"):
            if path.is_file():
                return path
    return None


def imported_packages(code_dir: Path) -> dict[str, str]:
    """The top-level packages outside the function and the layer's code that a function can import,
    each with one module of ours that imports it (for the message when no layer carries it)."""
    roots = (code_dir, LAYER_ROOT)
    todo = sorted(p for p in code_dir.rglob("*.py"))
    seen = set(todo)
    found: dict[str, str] = {}
    while todo:
        path = todo.pop()
        for name in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            own = _module_file(name, roots)
            if own is not None:
                if own not in seen:
                    seen.add(own)
                    todo.append(own)
                continue
            top = name.split(".")[0]
            if _module_file(top, roots) is None and top not in RUNTIME_MODULES:
                found.setdefault(top, str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path))
    return found


@cache
def layer_packages(layer: str) -> frozenset[str]:
    """The top-level import names the distributions pinned in a layer's requirements.txt install."""
    pinned = (ROOT / "layers" / layer / "requirements.txt").read_text(encoding="utf-8").splitlines()
    names = {canonicalize_name(line.split("==")[0]) for line in pinned if line and not line.startswith("#")}
    tops: set[str] = set()
    for top, dists in metadata.packages_distributions().items():
        if any(canonicalize_name(d) in names for d in dists):
            tops.add(top)
    if layer == "wallets":
        tops.add("wallets")
    return frozenset(tops)


def layer_dirs() -> dict[str, str]:
    """Layer logical id -> its directory name under layers/ (template.yaml's ContentUri)."""
    return {
        name: Path(res["Properties"]["ContentUri"]).name
        for name, res in load()["Resources"].items()
        if res["Type"] == "AWS::Serverless::LayerVersion"
    }


def function_layers(template: dict[str, Any] | None = None) -> dict[str, list[str]]:
    """Function logical id -> the logical ids of its layers (Globals' first, then its own)."""
    template = template or load()
    glob = template.get("Globals", {}).get("Function", {}).get("Layers", [])
    out = {}
    for name, res in template["Resources"].items():
        if res["Type"] == "AWS::Serverless::Function":
            own = res["Properties"].get("Layers", [])
            out[name] = [ref["Ref"] for ref in [*glob, *own]]
    return out


def _mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return total / 1_000_000


def sizes(build_dir: Path = ROOT / ".aws-sam" / "build") -> list[tuple[str, float, float, list[str]]]:
    """Per function, from what `sam build` made: (logical id, code MB, code + layers MB, layers)."""
    layer_mb: dict[str, float] = {}
    rows = []
    for fn, layers in function_layers().items():
        code = _mb(build_dir / fn)
        for layer in layers:
            if layer not in layer_mb:
                layer_mb[layer] = _mb(build_dir / layer)
        rows.append((fn, code, code + sum(layer_mb[layer] for layer in layers), layers))
    return rows


def print_sizes(build_dir: Path = ROOT / ".aws-sam" / "build") -> bool:
    """Print each function's size unzipped (the bytes of its files, MB = 10^6 bytes, as Lambda counts
    its 250 MB; `du` shows more: it counts whole disk blocks); False when one is over LIMIT_MB."""
    rows = sorted(sizes(build_dir), key=lambda row: (-row[2], row[0]))
    print(f"{'function':<36} {'code MB':>8} {'+ layers MB':>12}  layers (limit {LIMIT_MB:.0f} MB)")
    for fn, code, total, layers in rows:
        flag = "  OVER" if total > LIMIT_MB else ""
        print(f"{fn:<36} {code:>8.2f} {total:>12.2f}  {', '.join(layers)}{flag}")
    return all(total <= LIMIT_MB for _, _, total, _ in rows)


PIP_TARGET = ["--platform", "manylinux2014_aarch64", "--implementation", "cp", "--python-version", "3.13"]


def build_like_sam(out: Path) -> Path:
    """Without sam: each layer's pinned requirements installed for the target as layers/wallets/Makefile
    does, the functions' code, all compiled as `make build` compiles (python3.13 when there is one)."""
    template = load()
    for name, directory in layer_dirs().items():
        target = out / name / "python"
        requirements = ROOT / "layers" / directory / "requirements.txt"
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile", *PIP_TARGET]
        subprocess.run(
            [*pip, "--only-binary=:all:", "--target", str(target), "-r", str(requirements)],
            check=True,
        )
        if directory == "wallets":
            shutil.copytree(
                LAYER_ROOT / "wallets", target / "wallets", ignore=shutil.ignore_patterns("__pycache__")
            )
    for name, res in template["Resources"].items():
        if res["Type"] == "AWS::Serverless::Function":
            code = ROOT / res["Properties"]["CodeUri"]
            shutil.copytree(code, out / name, ignore=shutil.ignore_patterns("__pycache__"))
    python = shutil.which("python3.13") or sys.executable
    env = {**os.environ, "PYENV_VERSION": os.environ.get("PYENV_VERSION", "3.11.7:3.13.0")}
    subprocess.run([python, "-m", "compileall", "-q", "-j", "0", str(out)], check=True, env=env)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Each function's code plus its layers, unzipped.")
    parser.add_argument(
        "--build-dir", type=Path, default=ROOT / ".aws-sam" / "build", help="what sam build made"
    )
    args = parser.parse_args()
    if not print_sizes(args.build_dir):
        sys.exit(f"a function is over {LIMIT_MB:.0f} MB unzipped with its layers")


if __name__ == "__main__":
    main()
