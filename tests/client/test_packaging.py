"""Installing the client as its README says leaves the tree as it was, and `make lint` ignores what
a build of it leaves anyway."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

CLIENT = ROOT / "clients" / "python"

UNFORMATTED = "x  =  1\n"


def test_lint_ignores_what_a_build_of_the_client_leaves() -> None:
    # A build of the client (pip install ./clients/python with an older backend, `python -m build`)
    # leaves copies of the sources, generated models included, under build/ and dist/.
    for left in ("clients/python/build/lib/wallets_client/models.py", "clients/python/dist/x.py"):
        for command in (["check"], ["format", "--check"]):
            run = subprocess.run(
                [
                    str(ROOT / ".venv" / "bin" / "ruff"),
                    *command,
                    "--force-exclude",
                    "--stdin-filename",
                    left,
                    "-",
                ],
                cwd=ROOT,
                input=UNFORMATTED + "import os\n",
                capture_output=True,
                text=True,
            )
            assert run.returncode == 0, (left, command, run.stdout + run.stderr)


def test_installing_the_client_leaves_its_tree_as_it_was(tmp_path: Path) -> None:
    # GIVEN a clean copy of the client, as in a fresh clone
    source = tmp_path / "python"
    shutil.copytree(
        CLIENT, source, ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__")
    )
    before = sorted(p.relative_to(source) for p in source.rglob("*"))
    # WHEN it is installed as its README says (into a throwaway target, without its dependencies)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(tmp_path / "site"),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0 and "No matching distribution found" in run.stderr:
        pytest.skip(f"the build backend could not be fetched: {run.stderr[-300:]}")
    assert run.returncode == 0, run.stderr
    # THEN the tree gained nothing (no build/, no egg-info) and the package is complete
    assert sorted(p.relative_to(source) for p in source.rglob("*")) == before
    installed = tmp_path / "site" / "wallets_client"
    assert (installed / "py.typed").exists() and (installed / "models.py").exists()
