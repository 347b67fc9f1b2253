"""Helpers the batch command's tests share: run the real command line, build its arguments
against an anonymous emulator, read the frame index a fixture image shows."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from cos_snapshot.cli import main
from cos_snapshot.testing import read_frame_index


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``cos-snapshot ARGV`` in this process: its exit code, stdout and stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def batch(server: str, *argv: str) -> list[str]:
    """``batch ARGV`` against the anonymous emulator at ``server``."""
    return ["batch", *argv, "--endpoint-url", server, "--anonymous"]


def frame(path: Path) -> int:
    """The frame index the fixture image at ``path`` shows."""
    with Image.open(path) as image:
        return read_frame_index(image)


def named(stem: str, time: str, format: str = "jpg") -> str:
    """The default output name (``{key_stem}_{time:09.3f}.{format}``) of ``stem`` at ``time``."""
    return f"{stem}_{Decimal(time):09.3f}.{format}"
