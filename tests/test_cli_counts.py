"""Counts in what the commands print agree with their nouns: ``1 row``, ``2 rows``.

The commands run for real (``make-fixture`` writes a video, ``sheet``, ``storyboard`` and
``batch`` ask the emulator on loopback) with inputs that make each count exactly one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cos_snapshot._client.media_info import parse_media_info
from cos_snapshot._shared.text import plural
from cos_snapshot.cli import main
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos

KEY = "videos/clip.mp4"


@pytest.mark.parametrize(
    ("count", "noun", "plural_noun", "text"),
    [
        (1, "row", None, "1 row"),
        (0, "row", None, "0 rows"),
        (2, "row", None, "2 rows"),
        (-1, "degree", None, "-1 degrees"),
        (1, "entry", "entries", "1 entry"),
        (3, "entry", "entries", "3 entries"),
    ],
)
def test_plural_is_the_singular_for_exactly_one(
    count: int, noun: str, plural_noun: str | None, text: str
) -> None:
    assert plural(count, noun, plural_noun) == text


# The shipped ``cos_emulator``, serving anonymous reads (the commands run --anonymous).
pytestmark = pytest.mark.cos_emulator(anonymous=True)


@pytest.fixture
def server(cos_emulator: CosEmulator, cos_fixture_video: FixtureVideos) -> str:
    cos_emulator.put(KEY, cos_fixture_video(duration=2, fps=10, gop=10, size=(160, 120)))
    return cos_emulator.endpoint_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_make_fixture_says_1_keyframe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "make-fixture", str(tmp_path / "a.mp4"), "--duration", "1", "--gop", "50")
    assert "25 frames" in out
    assert "1 keyframe," in out


def test_a_one_cell_sheet_says_1_snapshot_in_1_row(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "sheet.jpg"
    argv = ["sheet", KEY, "--times", "1", "-o", str(output), "--endpoint-url", server]
    out = run(capsys, *argv, "--anonymous")
    assert f"{output}: 1 snapshot of {KEY} in 1 row of 1," in out


def test_a_one_cue_storyboard_says_1_cue_in_1_sprite(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["storyboard", KEY, "--count", "1", "-o", str(tmp_path), "--endpoint-url", server]
    out = run(capsys, *argv, "--anonymous")
    assert ": 1 cue over 2 s of " in out
    assert " tiles in 1 sprite: " in out


def test_a_one_item_batch_says_of_1_item_and_its_rerun_skipped_1_item(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["batch", KEY, "--times", "1", "-o", str(tmp_path), "--endpoint-url", server]
    out = run(capsys, *argv, "--anonymous")
    assert "batch: 1 done, 0 skipped, 0 failed of 1 item;" in out
    assert main([*argv, "--anonymous"]) == 0
    err = capsys.readouterr().err
    assert "skipped 1 item whose file exists (--force takes it again)" in err


def test_info_lines_say_1_channel_and_1_track() -> None:
    # `cos-snapshot info` prints MediaInfo.describe(); a mono track without a channel layout
    # is the one the emulator never sends (it always names the layout).
    body = (
        "<Response><MediaInfo><Stream><Audio><CodecName>aac</CodecName>"
        "<SampleRate>8000</SampleRate><Channel>1</Channel><ChannelLayout></ChannelLayout>"
        "</Audio></Stream><Format><Size>1</Size></Format></MediaInfo></Response>"
    )
    lines = parse_media_info(body).describe()
    assert "audio: 1 track: aac 8000 Hz 1 channel" in lines
    assert "file: 1 byte" in lines
