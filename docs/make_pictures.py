"""Regenerate the documentation's pictures: ``docs/contact-sheet.jpg`` and
``docs/storyboard.jpg`` (with ``docs/storyboard.vtt``, its cues).

Run ``nox -s pictures`` (or ``python docs/make_pictures.py`` with the ``emulator`` extra
installed). It writes a clock-style fixture video (each frame shows its time), serves it with
the emulator on a free loopback port and runs the very commands the README shows, so the
pictures are what a user gets.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from cos_snapshot.cli import main
from cos_snapshot.emulator import EmulatorSettings, running_emulator
from cos_snapshot.testing import make_fixture

DOCS = Path(__file__).resolve().parent
KEY = "videos/intro.mp4"


def make_pictures(docs: Path = DOCS) -> None:
    """Write the pictures into ``docs``."""
    with tempfile.TemporaryDirectory(prefix="cos-snapshot-pictures-") as tmp:
        root = Path(tmp)
        # verify=False: decoding all 600 frames back costs most of the run, and the pictures'
        # own frames are read back by tests/test_docs_pictures.py.
        make_fixture(
            root / KEY, duration=24, fps=25, gop=50, size=(640, 360), style="clock", verify=False
        )
        with running_emulator(EmulatorSettings(root=root, anonymous=True)) as url:
            where = ["--endpoint-url", url, "--anonymous"]
            sheet = ["sheet", KEY, "--cols", "4", "--width", "240"]
            if main([*sheet, "-o", str(docs / "contact-sheet.jpg"), *where]):
                sys.exit("cos-snapshot sheet failed")
            board = root / "board"
            if main(["storyboard", KEY, "-o", str(board), "--every", "2", "--cols", "6", *where]):
                sys.exit("cos-snapshot storyboard failed")
            shutil.copyfile(board / "storyboard.jpg", docs / "storyboard.jpg")
            shutil.copyfile(board / "storyboard.vtt", docs / "storyboard.vtt")


if __name__ == "__main__":
    make_pictures()
