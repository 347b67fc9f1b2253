"""The contract suite and its spec travel in the wheel (issue 13, item 1)."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "contract_tests"
SPEC = ROOT / "openapi" / "snapshot.yaml"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("*.whl")
    return built


def test_the_wheel_carries_every_file_of_the_suite(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = sorted(p.relative_to(SUITE).as_posix() for p in SUITE.glob("*.py"))
    assert sources, "no suite sources found"
    missing = [s for s in sources if f"cos_snapshot_contract/{s}" not in names]
    assert not missing
    assert "cos_snapshot_contract/report.schema.json" in names
    assert not any("__pycache__" in name for name in names)


def test_the_installed_spec_read_through_importlib_resources_is_the_repositorys(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    read = (
        "import sys; from importlib import resources;"
        "from cos_snapshot_contract._spec import spec_bytes;"
        "assert resources.files('cos_snapshot_contract').joinpath('snapshot.yaml').is_file();"
        "sys.stdout.buffer.write(spec_bytes())"
    )
    result = subprocess.run(
        [sys.executable, "-c", read],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
    )
    assert result.stdout == SPEC.read_bytes()


def test_the_wheel_registers_the_pytest_plugin(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        entry_points = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
        text = archive.read(entry_points).decode()
    assert "[pytest11]" in text
    assert "cos_snapshot = cos_snapshot.testing.pytest_plugin" in text


def _wheel_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if not n.endswith("/RECORD")}


def test_the_sdist_builds_the_same_wheel(wheel: Path, tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (sdist,) = tmp_path.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    (source,) = (tmp_path / "unpacked").iterdir()
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path / "out")],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (rebuilt,) = (tmp_path / "out").glob("*.whl")
    assert _wheel_files(rebuilt) == _wheel_files(wheel)
