"""``cos-snapshot demo``: the main job on a fresh install."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from cos_snapshot.cli import main
from cos_snapshot.tools.demo import ASKS, DemoRow, render_table


def test_demo_gets_every_expected_frame_and_saves_the_images(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--json", "demo", "--output-dir", str(tmp_path)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == len(ASKS)
    for row in rows:
        assert row["ok"], row
        assert row["got_frame"] == row["expected_frame"]
        saved = Path(row["saved"])
        assert saved.parent == tmp_path
        assert saved.stat().st_size == row["bytes"]
    sizes = {row["label"]: row["size"] for row in rows}
    assert sizes["resized, width only"] == "160x120"
    assert sizes["stretched to 100x100"] == "100x100"
    assert sizes["rotated video, auto"] == "240x320"
    assert sizes["rotated video, off"] == "320x240"


@pytest.mark.slow
def test_demo_prints_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"{len(ASKS)}/{len(ASKS)} snapshots showed the expected frame" in out
    assert "presigned URL" in out


def test_the_table_columns_line_up_with_wide_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--output-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("#  "))
    table = lines[header : header + 2 + len(ASKS)]
    # Where the "time" column starts, in terminal columns, is the same on every row.
    starts = set()
    for line in table[:1] + table[2:]:
        key_end = line.index(".mp4") + len(".mp4") if ".mp4" in line else line.index("key") + 3
        prefix = line[:key_end]
        wide = sum(unicodedata.east_asian_width(c) in "WF" for c in prefix)
        rest = line[key_end:]
        starts.add(len(prefix) + wide + len(rest) - len(rest.lstrip(" ")))
    assert len(starts) == 1, table


def test_every_column_of_the_table_is_labelled_and_frame_indexes_are_called_so() -> None:
    row = DemoRow("plain", "a.mp4", "1", "-", 25, 25, "320x240", 9000, 4.5, ok=True)
    header, rule, line = render_table([row]).splitlines()
    labels = re.split(r"\s{2,}", header.strip())
    assert len(labels) == len(re.split(r"\s{2,}", line.strip())) == len(rule.split())
    assert "frame index wanted" in labels
    assert "frame index got" in labels
    assert labels[-1] == "verdict"
