"""The layers of docs/architecture.md hold, and the checks that hold them can fail.

``lint-imports`` (import-linter, configured in pyproject.toml) checks the layer contracts; these
tests run it on the real tree and on copies of it with one forbidden import added, and check
that no module of cos_snapshot imports one that imports it back.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy_tree(destination: Path) -> Path:
    """The parts of the repository lint-imports reads: the packages and pyproject.toml."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("src", "generated", "contract_tests"):
        shutil.copytree(ROOT / name, destination / name, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", destination / "pyproject.toml")
    return destination


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports run from ``tree``'s root on ``tree``'s own packages (PYTHONPATH puts them
    before the installed project)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(tree / name) for name in ("src", "generated", ".")),
        "COLUMNS": "400",  # one line per contract in the report
    }
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _verdicts(output: str) -> dict[str, str]:
    """Contract name -> KEPT or BROKEN, from lint-imports' report."""
    return dict(re.findall(r"^(.+?) (KEPT|BROKEN)$", output, flags=re.MULTILINE))


def _add_line(path: Path, line: str) -> None:
    """Add an import after the module's ``from __future__`` line (or at the top)."""
    text = path.read_text(encoding="utf-8")
    head, future, rest = text.partition("from __future__ import annotations\n")
    path.write_text(head + future + line + "\n" + rest if future else line + "\n" + text)


def test_every_layer_contract_holds_on_the_real_tree() -> None:
    result = _lint_imports(ROOT)
    verdicts = _verdicts(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    # The contracts the architecture page names are all there, and all kept.
    assert len(verdicts) >= 10, result.stdout
    assert set(verdicts.values()) == {"KEPT"}, result.stdout


BREAKS = [
    pytest.param(
        "src/cos_snapshot/emulator/verify.py",
        "from .. import SnapshotClient",
        "the emulator imports no client, tool or command-line module (only the shared pieces)",
        id="emulator-imports-the-client",
    ),
    pytest.param(
        "src/cos_snapshot/emulator/app.py",
        "from ..fixtures import make_fixture",
        "the emulator imports no client, tool or command-line module (only the shared pieces)",
        id="emulator-imports-a-tool",
    ),
    pytest.param(
        "src/cos_snapshot/signing.py",
        "from ._errors import CosClientError",
        "cos_snapshot.signing imports nothing of ours",
        id="signing-imports-the-errors",
    ),
    pytest.param(
        "generated/cos_snapshot_api/client.py",
        "import cos_snapshot",
        "cos_snapshot_api (generated) imports nothing of ours",
        id="generated-imports-ours",
    ),
    pytest.param(
        "src/cos_snapshot/_credentials.py",
        "from ._params import format_time",
        "the shared pieces (signer, credentials, errors, HTTP dates, files) import only each other",
        id="shared-imports-the-client",
    ),
    pytest.param(
        "src/cos_snapshot/_client.py",
        "from . import batch",
        "the client core imports neither the tools, the command line nor the emulator",
        id="client-imports-a-tool",
    ),
    pytest.param(
        "src/cos_snapshot/__init__.py",
        "from . import emulator",
        "the client core imports neither the tools, the command line nor the emulator",
        id="package-init-imports-the-emulator",
    ),
    pytest.param(
        "src/cos_snapshot/sheet.py",
        "from ._snapshot import Snapshot as _Snapshot",
        "the tools import the client's and the emulator's public APIs, not their private modules",
        id="tool-imports-a-private-client-module",
    ),
    pytest.param(
        "src/cos_snapshot/demo.py",
        "from .emulator.frames import SnapshotEngine",
        "the tools import the client's and the emulator's public APIs, not their private modules",
        id="tool-imports-an-emulator-submodule",
    ),
    pytest.param(
        "src/cos_snapshot/cli/_get.py",
        "from .._client import SnapshotClient as _Client",
        "the command line imports the public APIs of the client, the tools and the emulator",
        id="cli-imports-a-private-client-module",
    ),
    pytest.param(
        "src/cos_snapshot/cli/_sheet.py",
        "from ._batch import add_item_options",
        "the command modules are independent of each other",
        id="command-imports-another-command",
    ),
    pytest.param(
        "contract_tests/_helpers.py",
        "from cos_snapshot._params import PlainTime",
        "the contract suite imports only what is documented as public",
        id="contract-suite-imports-a-private-module",
    ),
    pytest.param(
        "contract_tests/broken.py",
        "from cos_snapshot.emulator.app import create_app as _create_app",
        "the contract suite imports only what is documented as public",
        id="contract-suite-imports-an-emulator-submodule",
    ),
    pytest.param(
        "src/cos_snapshot/fixtures.py",
        "from .cli import main",
        "every module of cos_snapshot has a layer, and a layer imports only the ones below it",
        id="tool-imports-the-command-line",
    ),
]


@pytest.mark.parametrize(("module", "line", "contract"), BREAKS)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    tree = _copy_tree(tmp_path)
    _add_line(tree / module, line)
    result = _lint_imports(tree)
    verdicts = _verdicts(result.stdout)
    assert result.returncode == 1, result.stdout + result.stderr
    assert verdicts.get(contract) == "BROKEN", result.stdout
    # The report names the offending import (the module that gained it, and where to).
    importer = module.removeprefix("src/").removeprefix("generated/").removesuffix(".py")
    assert importer.replace("/", ".").removesuffix(".__init__") in result.stdout


def test_a_module_without_a_layer_breaks_the_layers_contract(tmp_path: Path) -> None:
    tree = _copy_tree(tmp_path)
    (tree / "src/cos_snapshot/posters.py").write_text('"""Not placed in a layer yet."""\n')
    result = _lint_imports(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    layers = "every module of cos_snapshot has a layer, and a layer imports only the ones below it"
    assert _verdicts(result.stdout).get(layers) == "BROKEN", result.stdout
    assert "cos_snapshot.posters" in result.stdout


# -- cycles ----------------------------------------------------------------------------------


def _cycles(graph: grimp.ImportGraph, package: str) -> list[tuple[str, str]]:
    """Each direct import ``a -> b`` inside ``package`` for which ``b`` leads back to ``a``."""
    modules = graph.find_descendants(package) | {package}
    found = []
    for importer in sorted(modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & modules):
            if graph.chain_exists(importer=imported, imported=importer):
                found.append((importer, imported))
    return found


def _cycles_in(tree: Path) -> list[tuple[str, str]]:
    """The cycles of the cos_snapshot in ``tree``. grimp finds a package through the import
    system, where this process already has the real one: a subprocess with ``tree`` first."""
    script = (
        "import json, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "import grimp\n"
        "from tests.test_layers import _cycles\n"
        "graph = grimp.build_graph('cos_snapshot', cache_dir=None)\n"
        "print(json.dumps(_cycles(graph, 'cos_snapshot')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tree / "src")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [(importer, imported) for importer, imported in json.loads(result.stdout)]


def test_no_module_of_cos_snapshot_imports_one_that_imports_it_back() -> None:
    graph = grimp.build_graph("cos_snapshot", cache_dir=None)
    assert _cycles(graph, "cos_snapshot") == []


def test_the_cycle_check_finds_a_command_importing_the_shared_module_back(
    tmp_path: Path,
) -> None:
    # The circle the command line had before it was a package: the shared options importing a
    # command module that imports them.
    tree = _copy_tree(tmp_path)
    _add_line(tree / "src/cos_snapshot/cli/_common.py", "from . import _batch as _command")
    cycles = _cycles_in(tree)
    assert ("cos_snapshot.cli._common", "cos_snapshot.cli._batch") in cycles
    assert ("cos_snapshot.cli._batch", "cos_snapshot.cli._common") in cycles
