"""Each function ships what it imports: its layers carry every package its code can import (issue 28).

Read from the source as it is (local/layers.py follows every import, lazy ones too, from a function's
code through the `wallets` modules it reaches), so a new import of stripe or jwt in a function or a
module it reaches fails here until template.yaml gives that function the layer carrying it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from local import layers, requirements
from local.template import ROOT, functions, load

FUNCTIONS = functions()
LAYERS = layers.function_layers()
DIRS = layers.layer_dirs()
GLOBAL = [ref["Ref"] for ref in load()["Globals"]["Function"]["Layers"]]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_a_function_can_import_only_what_its_layers_carry(name: str) -> None:
    carried = set().union(*(layers.layer_packages(DIRS[layer]) for layer in LAYERS[name]))
    imported = layers.imported_packages(FUNCTIONS[name].code_uri)
    missing = {package: where for package, where in imported.items() if package not in carried}
    assert missing == {}, f"{name} imports packages none of its layers {LAYERS[name]} carries"


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_a_function_carries_no_layer_it_cannot_use(name: str) -> None:
    # the other way round: a layer given to a function ships a package its code can import (the
    # Stripe SDK only where a charge or a refund can be reached), else it only adds size and cold start
    imported = set(layers.imported_packages(FUNCTIONS[name].code_uri))
    own = [layer for layer in LAYERS[name] if layer not in GLOBAL]
    unused = [layer for layer in own if not imported & layers.layer_packages(DIRS[layer])]
    assert unused == [], f"{name} cannot import anything {unused} carries: take the layer off it"


def test_the_core_layer_is_global_and_the_others_are_given_per_function() -> None:
    assert load()["Globals"]["Function"]["Layers"] == [{"Ref": "WalletsLayer"}]
    assert DIRS == {"WalletsLayer": "wallets", "PaymentsLayer": "payments", "AuthLayer": "auth"}
    # the authorizer alone verifies customer tokens: no other function ships cryptography
    assert [name for name, names in LAYERS.items() if "AuthLayer" in names] == ["CustomerAuthorizerFunction"]


def test_the_checker_sees_lazy_imports_and_skips_what_cannot_run(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import babel\n"
        "try:\n    import snapshot_restore_py\nexcept ImportError:\n    pass\n"
        "def charge():\n    import stripe\n    from wallets import customer_auth\n",
        encoding="utf-8",
    )
    assert set(layers.imported_packages(tmp_path)) == {"stripe", "jwt"}


def test_each_layer_pins_what_local_requirements_writes() -> None:
    for layer in requirements.LAYERS:
        path = ROOT / "layers" / layer / "requirements.txt"
        assert path.read_text(encoding="utf-8") == requirements.render(layer), "run `make requirements`"


def test_no_layer_ships_the_runtime_s_boto3_or_botocore() -> None:
    for layer in requirements.LAYERS:
        assert not {"boto3", "botocore"} & layers.layer_packages(layer), layer


def test_sizes_fail_over_50_mb(tmp_path: Path) -> None:
    # GIVEN a build whose wallets layer is 51 MB (a sparse file: its size, not disk) and functions of nothing
    for name in [*DIRS, *FUNCTIONS]:
        (tmp_path / name).mkdir()
    with open(tmp_path / "WalletsLayer" / "big", "wb") as fh:
        fh.truncate(51_000_000)
    # THEN the table says so, and make build fails
    assert layers.print_sizes(tmp_path) is False
    (tmp_path / "WalletsLayer" / "big").unlink()
    assert layers.print_sizes(tmp_path) is True
