"""What the repository's text may say: no file cites the design notes the project was written
from (they are not in the repository; what they said lives in docs/emulator.md, the docstrings and
contract_tests/README.md)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Spelled in two pieces so that this file does not cite it either.
NOTES = "PRODUCT" + ".md"


def _tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files are unknown")
    return [ROOT / name for name in listed.split("\0") if name]


def test_no_tracked_file_cites_the_design_notes() -> None:
    files = _tracked_files()
    assert any(path.name == "emulator.md" for path in files)  # the listing is the repository
    citing = [
        str(path.relative_to(ROOT))
        for path in files
        if path.is_file() and NOTES.encode() in path.read_bytes()
    ]
    assert citing == []


def test_no_tracked_file_holds_a_merge_conflict_marker() -> None:
    # A merge resolved in a hurry once left its markers in the changelog.
    markers = ("<" * 7 + " ", ">" * 7 + " ")
    marked = [
        path.name
        for path in _tracked_files()
        if path.is_file()
        and any(
            line.startswith(markers)
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        )
    ]
    assert marked == []
