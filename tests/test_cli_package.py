"""The command line as a package: its entry points and its shape."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cos_snapshot import __version__
from cos_snapshot.cli import build_parser


@pytest.mark.parametrize("module", ["cos_snapshot", "cos_snapshot.cli"])
def test_python_dash_m_runs_the_command_line(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", module, "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"cos-snapshot {__version__}"


def test_the_parser_has_every_command_in_the_documented_order() -> None:
    parser = build_parser()
    choices = next(a.choices for a in parser._actions if a.dest == "command")
    assert list(choices) == [
        "get",
        "presign",
        "info",
        "ls",
        "serve",
        "make-fixture",
        "demo",
        "batch",
        "sheet",
        "storyboard",
        "animate",
        "job",
        "contract",
    ]
