"""Helpers the batch command's tests share: put their videos in the emulator, run the real
command line, build its arguments against an anonymous emulator, read the frame index a
fixture image shows."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from cos_snapshot.cli import main
from cos_snapshot.testing import FixtureInfo, read_frame_index
from cos_snapshot.testing.pytest_plugin import CosEmulator


def serving(emulator: CosEmulator, videos: Mapping[str, FixtureInfo]) -> str:
    """Put each video in ``emulator`` at its key; the emulator's URL."""
    for key, info in videos.items():
        emulator.put(key, info.path)
    return emulator.endpoint_url


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
