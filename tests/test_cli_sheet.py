"""``cos-snapshot sheet`` against the real emulator on loopback, over a real fixture video."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from cos_snapshot import AsyncSnapshotClient, CosConnectionError, RetryPolicy
from cos_snapshot.cli import main
from cos_snapshot.testing import FixtureInfo, read_frame_index
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos
from cos_snapshot.tools.sheet import (
    SheetLayout,
    compose_sheet,
    resolve_times,
    save_sheet,
    timecode,
    timecodes,
)

KEY = "videos/clip one.mp4"


@pytest.fixture(scope="module")
def video(cos_fixture_video: FixtureVideos) -> FixtureInfo:
    return cos_fixture_video.info(duration=2, fps=25, gop=25, size=(160, 120))


# The shipped ``cos_emulator``, serving anonymous reads (the commands run --anonymous).
pytestmark = pytest.mark.cos_emulator(anonymous=True)


@pytest.fixture
def server(cos_emulator: CosEmulator, video: FixtureInfo) -> str:
    cos_emulator.put(KEY, video.path)
    return cos_emulator.endpoint_url


def sheet(
    capsys: pytest.CaptureFixture[str], server: str, *argv: str, as_json: bool = False
) -> tuple[int, str, str]:
    options = ["--json"] if as_json else []
    code = main([*options, "sheet", *argv, "--endpoint-url", server, "--anonymous"])
    out, err = capsys.readouterr()
    return code, out, err


def test_each_cell_shows_the_frame_of_its_time_in_a_grid_of_fixed_cells(
    server: str, video: FixtureInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "sheet.jpg"
    times = ["0", "0.28", "0.52", "1", "1.16", "1.5", "1.96"]
    argv = (KEY, "--times", ",".join(times), "--cols", "3", "--width", "120", "-o", str(output))
    code, out, _ = sheet(capsys, server, *argv, as_json=True)
    assert code == 0
    result = json.loads(out)

    with Image.open(output) as image:
        assert image.format == "JPEG"
        assert image.size == (result["width"], result["height"])
        sheet_image = image.convert("RGB")
    assert (result["cols"], result["rows"]) == (3, 3)
    assert (result["cell_width"], result["cell_height"]) == (120, 90)  # the video's 4:3
    boxes = [cell["box"] for cell in result["cells"]]
    assert [cell["time"] for cell in result["cells"]] == times
    for index, (left, top, right, bottom) in enumerate(boxes):
        assert (right - left, bottom - top) == (120, 90)
        row, col = divmod(index, 3)
        assert left == boxes[col][0]  # columns line up
        assert top == boxes[row * 3][1]  # rows line up
        assert right <= result["width"]
        assert bottom <= result["height"]
    gap = boxes[0][0]
    assert gap > 0
    assert result["width"] == 3 * 120 + 4 * gap  # three cells, a gap around each
    assert boxes[1][0] == boxes[0][2] + gap
    assert boxes[3][1] > boxes[0][3] + gap  # room for the time under each row
    for box, time in zip(boxes, times, strict=True):
        assert read_frame_index(sheet_image.crop(box)) == video.frame_at(Decimal(time))


def test_the_time_is_written_under_each_cell(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "sheet.png"
    code, out, _ = sheet(
        capsys, server, KEY, "-t", "0,1", "--title", "", "-o", str(output), as_json=True
    )
    assert code == 0
    result = json.loads(out)
    with Image.open(output) as image:
        picture = image.convert("L")
    left, _, right, bottom = result["cells"][0]["box"]
    under = picture.crop((left, bottom, right, result["height"]))
    above_nothing = picture.crop((left, 0, right, result["cells"][0]["box"][1]))
    assert ImageStat.Stat(under).extrema[0][1] > 200  # light text on the dark strip
    assert ImageStat.Stat(above_nothing).extrema[0][1] < 60  # no title: only background


def test_fewer_times_than_columns_make_one_narrower_row(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "two.jpg"
    code, out, _ = sheet(
        capsys, server, KEY, "-t", "0,1", "--cols", "6", "-o", str(output), as_json=True
    )
    result = json.loads(out)
    assert code == 0
    assert (result["cols"], result["rows"]) == (2, 1)
    assert result["width"] < 3 * 240


def test_a_failed_snapshot_fails_the_sheet_in_one_line_and_writes_nothing(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "sheet.jpg"
    code, _, err = sheet(capsys, server, "videos/missing.mp4", "-t", "0,1", "-o", str(output))
    assert code == 1
    assert err.startswith("cos-snapshot: error: videos/missing.mp4 at 0 s: HTTP 404 NoSuchKey")
    assert len(err.splitlines()) == 1
    assert not output.exists()
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("name", "cols", "width", "limit"),
    [("sheet.webp", "5", "4096", "WEBP holds at most 16383"), ("sheet.jpg", "17", "4096", "JPEG")],
)
def test_a_sheet_too_large_for_its_format_is_refused_after_the_first_snapshot(
    server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    cols: str,
    width: str,
    limit: str,
) -> None:
    output = tmp_path / name
    times = ",".join(str(t / 10) for t in range(int(cols)))
    argv = (KEY, "--times", times, "--cols", cols, "--width", width, "-o", str(output))
    code, _, err = sheet(capsys, server, *argv)
    assert code == 2
    assert err.startswith("cos-snapshot: error: the sheet would be ")
    assert limit in err
    assert len(err.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_the_exact_sheet_size_is_checked_before_saving(tmp_path: Path) -> None:
    image = Image.new("RGB", (16383, 8))  # fits alone; with gaps around it, it does not
    sheet_image, _ = compose_sheet([image], ["0:00"], cols=1)
    with pytest.raises(ValueError, match="WEBP holds at most 16383 per side"):
        save_sheet(sheet_image, tmp_path / "s.webp")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("-t", "1", "-o", "sheet.gif"), "must end in .jpg, .jpeg, .png, .webp"),
        (("-t", "1", "--width", "5000"), "width: must be between 0 and 4096"),
        (("-t", "0:10", "-o", "s.jpg"), "--times: range '0:10' must be START:END:STEP"),
        (("-t", "0:10000:1", "-o", "s.jpg"), "a sheet holds at most 1000"),
    ],
)
def test_bad_arguments_are_usage_errors(
    server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: tuple[str, ...],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = sheet(capsys, server, KEY, *argv)
    assert code == 2
    assert message in err
    assert len(err.splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_a_font_that_is_not_a_font_is_a_usage_error(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_font = tmp_path / "font.ttf"
    not_a_font.write_text("hello")
    output = tmp_path / "s.jpg"
    code, _, err = sheet(
        capsys, server, KEY, "-t", "1", "--font", str(not_a_font), "-o", str(output)
    )
    assert code == 2
    assert "not a TrueType or OpenType font file" in err
    assert not output.exists()


def test_a_font_file_sets_the_text(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fonts = (
        sorted(Path("/usr/share/fonts").rglob("*.ttf")) if Path("/usr/share/fonts").is_dir() else []
    )
    if not fonts:
        pytest.skip("no TrueType font installed")
    outputs = []
    for font in (None, fonts[0]):
        output = tmp_path / f"{'default' if font is None else 'font'}.png"
        argv = (KEY, "-t", "1", "--title", "videos/旋转.mp4", "-o", str(output))
        code, _, _ = sheet(capsys, server, *argv, *(("--font", str(font)) if font else ()))
        assert code == 0
        outputs.append(output.read_bytes())
    assert outputs[0] != outputs[1]


def test_help_shows_examples_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["sheet", "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert "cos-snapshot sheet videos/intro.mp4 --times 0:60:10 --cols 4" in out
    assert "exit codes:" in out
    assert "TENCENTCLOUD_SECRET_ID" in out


@pytest.mark.parametrize(
    ("seconds", "text"),
    [("0", "0:00"), ("0.04", "0:00.04"), ("75.5", "1:15.5"), ("3725", "1:02:05"), ("60", "1:00")],
)
def test_times_are_written_as_clock_readings(seconds: str, text: str) -> None:
    assert timecode(seconds) == text


@pytest.mark.parametrize(
    ("times", "labels"),
    [
        # A count's thirds of a second need no decimals to be told apart.
        (["2.083333", "6.25", "10.416667"], ["0:02", "0:06", "0:10"]),
        (["1", "1.5", "2"], ["0:01.0", "0:01.5", "0:02.0"]),
        (["0.04", "0.08", "0.12"], ["0:00.04", "0:00.08", "0:00.12"]),
        # At most three decimals, even when they cannot tell every time apart.
        (["1.0001", "1.0002"], ["0:01.000", "0:01.000"]),
        # Rounding carries into the minutes and hours.
        (["59.6", "3599.7"], ["1:00", "1:00:00"]),
        (["3725", "3725.25"], ["1:02:05.0", "1:02:05.2"]),  # half to even
        (["7", "7"], ["0:07", "0:07"]),
    ],
)
def test_labels_have_the_fewest_decimals_that_keep_them_distinct(
    times: list[str], labels: list[str]
) -> None:
    assert timecodes(times) == labels


def test_cells_of_another_shape_are_fitted_into_the_first_ones_size() -> None:
    images = [Image.new("RGB", (40, 30), "white"), Image.new("RGB", (30, 40), "white")]
    composed, layout = compose_sheet(images, ["a", "b"], cols=2)
    assert composed.size == layout.size
    assert layout.cell == (40, 30)
    left, top, right, bottom = layout.image_box(1)
    second = composed.crop((left, top, right, bottom))
    assert second.getpixel((0, 0)) != (255, 255, 255)  # padded at the sides
    assert second.getpixel((20, 15)) == (255, 255, 255)


def test_layout_puts_cells_row_by_row_inside_the_sheet() -> None:
    layout = SheetLayout(count=5, cols=2, cell=(100, 50), gap=4, label_height=20, header_height=20)
    assert layout.rows == 3
    assert layout.size == (2 * 100 + 3 * 4, 20 + 3 * (50 + 20) + 4 * 4)
    assert layout.image_box(0) == (4, 24, 104, 74)
    assert layout.image_box(3) == (108, 24 + 74, 208, 24 + 74 + 50)
    assert layout.label_box(3) == (108, 148, 208, 168)
    with pytest.raises(IndexError):
        layout.image_box(5)


# -- times relative to the video (the fixture: 50 frames, 2 s) -----------------------------


def cell_frames(output: Path, result: dict[str, object]) -> list[int]:
    with Image.open(output) as image:
        picture = image.convert("RGB")
    cells = result["cells"]
    assert isinstance(cells, list)
    return [read_frame_index(picture.crop(tuple(cell["box"]))) for cell in cells]


def test_without_times_the_sheet_covers_the_whole_video_in_four_rows(
    server: str, video: FixtureInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "whole.jpg"
    code, out, _ = sheet(capsys, server, KEY, "--width", "80", "-o", str(output), as_json=True)
    assert code == 0
    result = json.loads(out)
    assert (result["cols"], result["rows"]) == (4, 4)  # --cols 4 by default: 16 cells
    wanted = [Fraction(2 * (2 * i + 1), 32) for i in range(16)]  # middles of 16 slices of 2 s
    assert [Fraction(cell["time"]) for cell in result["cells"]] == wanted
    assert cell_frames(output, result) == [video.frame_at(t) for t in wanted]


def test_the_default_count_follows_cols(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "whole.jpg"
    argv = (KEY, "--cols", "3", "--width", "60", "-o", str(output))
    code, out, _ = sheet(capsys, server, *argv, as_json=True)
    assert code == 0
    assert (json.loads(out)["cols"], json.loads(out)["rows"]) == (3, 4)


def test_shares_and_end_resolve_against_the_video(
    server: str, video: FixtureInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "rel.jpg"
    argv = (KEY, "-t", "0,50%,end,12.5%", "--width", "80", "-o", str(output))
    code, out, _ = sheet(capsys, server, *argv, as_json=True)
    assert code == 0
    result = json.loads(out)
    assert [cell["time"] for cell in result["cells"]] == ["0", "1", "1.96", "0.25"]
    assert cell_frames(output, result) == [0, 25, video.frame_count - 1, 6]


@pytest.mark.parametrize(
    ("option", "times"),
    [
        (("--count", "4"), ["0.25", "0.75", "1.25", "1.75"]),
        (("--every", "0.5"), ["0", "0.5", "1", "1.5"]),
    ],
)
def test_count_and_every_give_the_documented_times(
    server: str,
    video: FixtureInfo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: tuple[str, str],
    times: list[str],
) -> None:
    output = tmp_path / "sheet.jpg"
    code, out, _ = sheet(
        capsys, server, KEY, *option, "--width", "80", "-o", str(output), as_json=True
    )
    assert code == 0
    result = json.loads(out)
    assert [cell["time"] for cell in result["cells"]] == times
    assert cell_frames(output, result) == [video.frame_at(Decimal(t)) for t in times]


def test_plain_seconds_ask_no_media_info_and_relative_times_ask_it(tmp_path: Path) -> None:
    # Nothing listens on port 9 of loopback: any request fails at once.
    client = AsyncSnapshotClient(
        endpoint_url="http://127.0.0.1:9", anonymous=True, retry=RetryPolicy(max_attempts=1)
    )
    times = asyncio.run(resolve_times(client, KEY, times=["1", "0.5", "1"]))
    assert times == ["1", "0.5"]
    with pytest.raises(CosConnectionError):
        asyncio.run(resolve_times(client, KEY, times=["1", "50%"]))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("-t", "150%"), "'150%': a share of the video must be from 0% to below 100%"),
        (("--times=-5%",), "'-5%': a share of the video must be from 0% to below 100%"),
        (("-t", "1,x%"), "'x%' is not a share of the video"),
        (("--count", "0"), "--count/-n: must be a whole number from 1 to 1000, got '0'"),
        (("--every", "0"), "error: --every: must be more than 0 seconds, got '0'"),
        (("--every", "inf"), "error: --every: is not a number in decimal notation: 'inf'"),
        (("--every", "0.001"), "--every 0.001 gives 2000 cells; a sheet holds at most 1000"),
    ],
)
def test_bad_relative_times_are_usage_errors_and_write_nothing(
    server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    message: str,
) -> None:
    output = tmp_path / "s.jpg"
    try:
        code, _, err = sheet(capsys, server, KEY, *argv, "-o", str(output))
    except SystemExit as exit_info:  # argparse: its usage, then one error line
        code, err = exit_info.code, capsys.readouterr().err.splitlines()[-1] + "\n"
    assert code == 2
    assert message in err
    assert len(err.splitlines()) == 1
    assert not output.exists()


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        ((), "key"),  # the default count is not the user's: no option is named
        (("--count", "4"), "--count"),
        (("--every", "1"), "--every"),
        (("-t", "0,50%"), "--times"),
    ],
)
@pytest.mark.parametrize(
    ("key", "problem"),
    [("videos/missing.mp4", "HTTP 404 NoSuchKey"), ("sounds/tone.m4a", "no video stream")],
)
def test_a_relative_form_on_a_key_that_is_missing_or_no_video_is_a_usage_error(
    cos_emulator: CosEmulator,
    server: str,
    audio_only: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    named: str,
    key: str,
    problem: str,
) -> None:
    cos_emulator.put("sounds/tone.m4a", audio_only)
    output = tmp_path / "s.jpg"
    code, _, err = sheet(capsys, server, key, *argv, "-o", str(output))
    assert code == 2
    assert err.startswith(
        f"cos-snapshot: error: {named}: needs the video's duration, but GetMediaInfo of {key!r}"
    )
    assert problem in err
    assert len(err.splitlines()) == 1
    assert not output.exists()
