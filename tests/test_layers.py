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


LAYERS = "every module of cos_snapshot has a layer, and a layer imports only the ones below it"
FACES = "above the core, only the faces of the client and the emulator"
FACE = "the package face imports only the client core and the shared pieces"
GENERATED = "only the client core imports the generated client"
LEAVES = "the signer and the generated package import nothing of ours"
COMMANDS = "the command modules are independent of each other"
ACYCLIC = "no package of ours has siblings that import each other in a cycle"


def test_every_layer_contract_holds_on_the_real_tree() -> None:
    result = _lint_imports(ROOT)
    verdicts = _verdicts(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    # The contracts the architecture page names are all there, and all kept.
    assert set(verdicts) == {LAYERS, FACES, FACE, GENERATED, LEAVES, COMMANDS, ACYCLIC}
    assert set(verdicts.values()) == {"KEPT"}, result.stdout


BREAKS = [
    pytest.param(
        {"src/cos_snapshot/emulator/verify.py": "from .._client.sync_client import SnapshotClient"},
        LAYERS,
        id="emulator-imports-the-client-core",
    ),
    pytest.param(
        {"src/cos_snapshot/emulator/app.py": "from ..testing.videos import make_fixture"},
        LAYERS,
        id="emulator-imports-a-testing-helper",
    ),
    pytest.param(
        {"src/cos_snapshot/_shared/credentials.py": "from .._client.params import format_time"},
        LAYERS,
        id="shared-imports-the-client-core",
    ),
    pytest.param(
        {"src/cos_snapshot/_client/base.py": "from ..tools import batch"},
        LAYERS,
        id="client-core-imports-a-tool",
    ),
    pytest.param(
        {"src/cos_snapshot/testing/videos/__init__.py": "from ...cli import main"},
        LAYERS,
        id="testing-imports-the-command-line",
    ),
    pytest.param(
        {"src/cos_snapshot/tools/sheet.py": "from .. import batch as _old_path"},
        LAYERS,
        id="tool-imports-an-old-path-alias",
    ),
    pytest.param(
        {"src/cos_snapshot/__init__.py": "from . import emulator"},
        FACE,
        id="package-face-imports-the-emulator",
    ),
    pytest.param(
        {"src/cos_snapshot/__init__.py": "from .tools import storyboard"},
        FACE,
        id="package-face-imports-a-tool",
    ),
    pytest.param(
        {"src/cos_snapshot/tools/sheet.py": "from .._client.snapshot import Snapshot as _Snap"},
        FACES,
        id="tool-imports-the-client-core",
    ),
    pytest.param(
        {"src/cos_snapshot/tools/demo.py": "from ..emulator.frames import SnapshotEngine"},
        FACES,
        id="tool-imports-an-emulator-submodule",
    ),
    pytest.param(
        {"src/cos_snapshot/cli/_get.py": "from .._client.sync_client import SnapshotClient as _C"},
        FACES,
        id="cli-imports-the-client-core",
    ),
    pytest.param(
        {"contract_tests/_helpers.py": "from cos_snapshot._client.params import format_time"},
        FACES,
        id="contract-suite-imports-the-client-core",
    ),
    pytest.param(
        {"contract_tests/broken.py": "from cos_snapshot.emulator.app import create_app as _c"},
        FACES,
        id="contract-suite-imports-an-emulator-submodule",
    ),
    pytest.param(
        {"src/cos_snapshot/tools/sheet.py": "import cos_snapshot_api"},
        GENERATED,
        id="tool-imports-the-generated-client",
    ),
    pytest.param(
        {"src/cos_snapshot/emulator/params.py": "import cos_snapshot_api"},
        GENERATED,
        id="emulator-imports-the-generated-client",
    ),
    pytest.param(
        {"src/cos_snapshot/signing.py": "from ._shared.errors import CosClientError"},
        LEAVES,
        id="signing-imports-the-errors",
    ),
    pytest.param(
        {"generated/cos_snapshot_api/client.py": "import cos_snapshot"},
        LEAVES,
        id="generated-imports-ours",
    ),
    pytest.param(
        {"src/cos_snapshot/cli/_sheet.py": "from ._batch import add_item_options"},
        COMMANDS,
        id="command-imports-another-command",
    ),
    pytest.param(
        {
            "src/cos_snapshot/tools/batch/names.py": "from . import failures as _f",
            "src/cos_snapshot/tools/batch/failures.py": "from . import names as _n",
        },
        ACYCLIC,
        id="two-siblings-import-each-other",
    ),
]


@pytest.mark.parametrize(("lines", "contract"), BREAKS)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, lines: dict[str, str], contract: str
) -> None:
    tree = _copy_tree(tmp_path)
    for module, line in lines.items():
        _add_line(tree / module, line)
    result = _lint_imports(tree)
    verdicts = _verdicts(result.stdout)
    assert result.returncode == 1, result.stdout + result.stderr
    assert verdicts.get(contract) == "BROKEN", result.stdout
    # The report names the offending import (the module that gained it).
    module = next(iter(lines))
    importer = module.removeprefix("src/").removeprefix("generated/").removesuffix(".py")
    importer = importer.replace("/", ".").removesuffix(".__init__")
    if contract == ACYCLIC:  # named as the package and the import to remove
        package, _, leaf = importer.rpartition(".")
        assert package in result.stdout, result.stdout
        assert f"- .{leaf} -> " in result.stdout, result.stdout
    else:
        assert importer in result.stdout, result.stdout


def test_a_module_without_a_layer_breaks_the_layers_contract(tmp_path: Path) -> None:
    tree = _copy_tree(tmp_path)
    (tree / "src/cos_snapshot/posters.py").write_text('"""Not placed in a layer yet."""\n')
    result = _lint_imports(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert _verdicts(result.stdout).get(LAYERS) == "BROKEN", result.stdout
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


def test_a_child_importing_its_package_init_back_is_caught_by_the_pair_check_only(
    tmp_path: Path,
) -> None:
    # Why the pair check above stays beside import-linter's acyclic_siblings contract: that
    # contract compares siblings, so a module importing its own package's __init__ (which
    # imports it) passes it.
    tree = _copy_tree(tmp_path)
    _add_line(tree / "src/cos_snapshot/tools/batch/names.py", "from . import BatchPlan as _plan")
    assert _verdicts(_lint_imports(tree).stdout).get(ACYCLIC) == "KEPT"
    cycles = _cycles_in(tree)
    assert ("cos_snapshot.tools.batch.names", "cos_snapshot.tools.batch") in cycles


def test_the_architecture_page_names_every_module_and_folder() -> None:
    # The page's tree is how a newcomer finds a room: a module added without a line there
    # leaves it out of date (it once still promised rooms for capabilities that had landed).
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    tree = page.split("## The tree", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    named = set(re.findall(r"[\w.]+\.py|\w+/", tree))
    package = ROOT / "src" / "cos_snapshot"
    unnamed = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*"))
        if "__pycache__" not in path.parts
        and path.name != "__init__.py"
        and (
            (path.suffix == ".py" and path.name not in named)
            or (path.is_dir() and f"{path.name}/" not in named)
        )
    ]
    assert unnamed == [], f"docs/architecture.md's tree does not name {unnamed}"
