"""The documentation's pictures come from a script the repository keeps (docs/make_pictures.py,
``nox -s pictures``); what it writes is what the commands write, and the frames it shows can
be checked by a program as well as read by a person (the clock style's corner index)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from PIL import Image

from cos_snapshot.testing import read_frame_index

SCRIPT = Path(__file__).resolve().parent.parent / "docs" / "make_pictures.py"


@pytest.mark.slow
def test_the_pictures_script_writes_a_sheet_and_a_storyboard_whose_frames_read_back(
    tmp_path: Path,
) -> None:
    spec = importlib.util.spec_from_file_location("make_pictures", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make_pictures(tmp_path)

    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "contact-sheet.jpg",
        "storyboard.jpg",
        "storyboard.vtt",
    ]
    cues = (tmp_path / "storyboard.vtt").read_text().split("\n\n")[1:]
    assert len(cues) == 12  # a cue every 2 s of the 24 s video
    with Image.open(tmp_path / "storyboard.jpg") as sprite:
        picture = sprite.convert("RGB")
    for number, cue in enumerate(cues):
        fragment = cue.strip().split("\n")[1].partition("#xywh=")[2]
        x, y, w, h = (int(v) for v in fragment.split(","))
        # The cue starts at 2·number s; at 25 fps that is frame 50·number.
        assert read_frame_index(picture.crop((x, y, x + w, y + h)), style="clock") == 50 * number
    with Image.open(tmp_path / "contact-sheet.jpg") as sheet:
        assert sheet.size[0] > 4 * 240  # four cells of 240 px to a row
