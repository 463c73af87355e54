"""Write src/wallets_client/async_resources.py (AsyncWalletsClient's resources) from resources.py.

    .venv/bin/python clients/python/tools/generate_async.py [OUT]

The resources are written once, for the sync client; their async twins are the same text with:
every class `Async<Name>`, every method `async def` whose sends are awaited (its `@overload`s
`async def` too, so an awaited call is typed as the sync one), and a method that returns a paged
list's iterator a plain `def` answering an `AsyncIterator` (`async for` over it, no await). The
result keeps the source's signatures, docstrings and comments, so the async client is typed exactly
as the sync one. tests/client/test_surface.py runs this into a temporary file and fails
when the result differs from the committed module. Standard library only.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent / "src" / "wallets_client"
SOURCE = PACKAGE / "resources.py"
OUT = PACKAGE / "async_resources.py"
HEADER = '''# Generated from resources.py by clients/python/tools/generate_async.py: do not edit.
"""AsyncWalletsClient's resources: resources.py's methods, `async def` and awaited; `list()` of a
paged list answers an AsyncIterator (`async for`). Every docstring below is resources.py's."""
'''
SEND = re.compile(r"\bself\._client\.(_call|_list)\(")  # what an async method awaits
ITERATE = "self._client._iterate("  # a paged list: an async iterator, not awaited


def asyncify(source: str) -> str:
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    docstring = tree.body[0]
    assert isinstance(docstring, ast.Expr) and isinstance(docstring.value, ast.Constant), "module docstring"
    for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
        assert [ast.unparse(base) for base in cls.bases] == ["Resource"], f"{cls.name} is not a Resource"
        lines[cls.lineno - 1] = lines[cls.lineno - 1].replace(
            f"class {cls.name}(", f"class Async{cls.name}(", 1
        )
        for fn in (node for node in cls.body if isinstance(node, ast.FunctionDef)):
            body = "".join(lines[fn.lineno - 1 : fn.end_lineno])
            if ITERATE in body:
                continue
            # An @overload only types its method: it sends nothing, and becomes `async def` with it.
            overload = any(ast.unparse(d) == "overload" for d in fn.decorator_list)
            assert overload or SEND.search(body), f"{cls.name}.{fn.name} sends nothing"
            lines[fn.lineno - 1] = lines[fn.lineno - 1].replace("def ", "async def ", 1)
            for n in range(fn.lineno - 1, fn.end_lineno or fn.lineno):
                lines[n] = SEND.sub(r"await self._client.\1(", lines[n])
    rest = "".join(lines[docstring.end_lineno or 0 :])
    return HEADER + re.sub(r"\bIterator\b", "AsyncIterator", rest)


def generate(out: Path = OUT) -> None:
    out.write_text(asyncify(SOURCE.read_text()))


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
