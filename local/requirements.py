"""Print the layer's requirements.txt from pyproject.toml (the one source of dependency truth)."""

from __future__ import annotations

import tomllib

from local.template import ROOT


def main() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    print("# Generated from pyproject.toml by `make requirements`; do not edit.")
    for dep in project["dependencies"]:
        print(dep)


if __name__ == "__main__":
    main()
