"""Which error types each API route's code can answer, read from the source (no AWS, nothing runs).

From a route's handler, every function it can reach is followed through the layer: a call or a
reference to a function (`ledger.debit`, `_replay`, `from_record`, a callback passed by name) and a
method call (to every method of that name in the layer, as the receiver's class is not known). A
function can answer every `errors.<Class>` it names, except in an `except` clause or an `isinstance`
test; `errors.field_error` is `validation_error`. The result errs on the side of "can": a type this
finds may in fact be caught on the way, a type it does not find cannot be raised (Replayed, which
repeats an error this same route gave first, is not a type of its own).

Every route also answers what the resolver's request gate answers (http.py): invalid_json and
validation_error, and not_found for a path parameter it refuses.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from wallets import errors

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "wallets" / "wallets"
ERROR_TYPES: dict[str, str] = {
    name: cls.type
    for name, cls in vars(errors).items()
    if isinstance(cls, type)
    and issubclass(cls, errors.WalletError)
    and cls is not errors.WalletError
    and "type" in vars(cls)
}
FACTORIES = {"field_error": "validation_error"}
# Types raised only about something the request sent, so only where the handler passes it on (the
# layer takes None for "not sent"): a stored answer under an Idempotency-Key, a reference.
SENT = {"idempotency_key_reused": "idempotency(app)", "reference_reused": "request.reference"}
GATE = {"invalid_json", "validation_error"}
# Receivers whose class is known by their name (a method call on one is followed to those modules'
# classes only): the payment gateway's `refund` is not the wallet's.
RECEIVERS = {"gateway": ("gateway", "stripe_gateway")}


@dataclass
class Code:
    """One function: the error types it names and what it calls."""

    types: set[str] = field(default_factory=set)
    calls: set[tuple[str, str]] = field(default_factory=set)  # (module, function) or ("*", method)


def _names_in_tests(node: ast.AST) -> Iterator[ast.AST]:
    """Nodes that only test for an error type: `except X`, `isinstance(x, X)`."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.ExceptHandler) and sub.type is not None:
            yield from ast.walk(sub.type)
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "isinstance":
            for arg in sub.args[1:]:
                yield from ast.walk(arg)


def _read(
    fn: ast.AST, module: str, local: set[str], imported: dict[str, tuple[str, str]], modules: set[str]
) -> Code:
    code = Code()
    tested = {id(n) for n in _names_in_tests(fn)}
    body = fn.body if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) else [fn]
    for node in (sub for part in body for sub in ast.walk(part)):  # not its decorators: they declare
        if id(node) in tested:
            continue
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner = node.value.id
            if owner == "errors":
                if node.attr in ERROR_TYPES:
                    code.types.add(ERROR_TYPES[node.attr])
                elif node.attr in FACTORIES:
                    code.types.add(FACTORIES[node.attr])
            elif owner in RECEIVERS:  # that module's function, or a method of its classes
                code.calls.update({(owner, node.attr), *((f"@{m}", node.attr) for m in RECEIVERS[owner])})
            elif owner in modules:  # a module's function, or a method of a variable named like one
                code.calls.update({(owner, node.attr), ("*", node.attr)})
            else:
                code.calls.add(("*", node.attr))
        elif isinstance(node, ast.Attribute):
            code.calls.add(("*", node.attr))
        elif isinstance(node, ast.Name):
            if node.id in local:
                code.calls.add((module, node.id))
            elif node.id in imported:
                code.calls.add(imported[node.id])
    return code


@cache
def layer() -> dict[tuple[str, str], Code]:
    """Every function and method of the layer, by (module, name); methods also by ("*", name)."""
    modules = {p.stem for p in LAYER.glob("*.py")}
    out: dict[tuple[str, str], Code] = {}
    for path in sorted(LAYER.glob("*.py")):
        module = path.stem
        tree = ast.parse(path.read_text(encoding="utf-8"))
        local, imported = _scope(tree, modules)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out[(module, node.name)] = _read(node, module, local, imported, modules)
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        code = _read(item, module, local, imported, modules)
                        for key in (("*", item.name), (f"@{module}", item.name)):
                            merged = out.setdefault(key, Code())
                            merged.types |= code.types
                            merged.calls |= code.calls
    return out


def _scope(tree: ast.Module, modules: set[str]) -> tuple[set[str], dict[str, tuple[str, str]]]:
    local = {
        n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }
    imported: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("wallets."):
            source = node.module.removeprefix("wallets.")
            if source in modules:
                for alias in node.names:
                    imported[alias.asname or alias.name] = (source, alias.name)
    return local, imported


def reachable(start: Code, more: dict[tuple[str, str], Code] | None = None) -> set[str]:
    functions = {**layer(), **(more or {})}
    seen: set[tuple[str, str]] = set()
    types = set(start.types)
    todo = list(start.calls)
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        code = functions.get(key)
        if code is None:
            continue
        types |= code.types
        todo.extend(code.calls)
    return types


def handler_types(app_py: Path, method: str) -> set[str]:
    """The error types the route `method` of this function file can answer (the gate's included)."""
    modules = {p.stem for p in LAYER.glob("*.py")}
    source = app_py.read_text(encoding="utf-8")
    tree = ast.parse(source)
    unsent = {type_ for type_, passed in SENT.items() if passed not in source}
    local, imported = _scope(tree, modules)
    own = {  # the file's own functions (a DELETE that answers as the POST does)
        ("app", n.name): _read(n, "app", local, imported, modules)
        for n in tree.body
        if isinstance(n, ast.FunctionDef)
    }
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for deco in node.decorator_list:
            if (
                isinstance(deco, ast.Call)
                and isinstance(deco.func, ast.Attribute)
                and deco.func.attr == method.lower()
                and isinstance(deco.func.value, ast.Name)
                and deco.func.value.id == "app"
            ):
                path = deco.args[0].value if deco.args and isinstance(deco.args[0], ast.Constant) else ""
                found = GATE | reachable(own[("app", node.name)], own) - unsent
                return found | {"not_found"} if "<" in str(path) else found
    raise LookupError(f"no @app.{method.lower()} route in {app_py}")
