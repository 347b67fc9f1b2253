"""Hostile or unlucky batch input against the real emulator: names known only at run time,
names the file system cannot hold, rows no item can come from. Each ends in a failed item
with its reason in the failures file, or in exit 2 naming the row: never a traceback, an
overwritten image or a file reported skipped that no item wrote."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from cli_helpers import batch, frame, run

from cos_snapshot.emulator import EmulatorSettings, running_emulator
from cos_snapshot.testing import FixtureInfo, make_fixture

INTRO = "videos/intro.mp4"  # 10 fps, 12 s: 50% is 6 s, frame 60
INTRO_2024 = "videos/2024/intro.mp4"  # 5 fps: 6 s is frame 30, another image
# A valid key whose file name is 255 bytes: the default template adds "_1" and ".jpg" to its
# stem, 257 bytes, over NAME_MAX.
LONG = "videos/" + "x" * 251 + ".mp4"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile-root")


@pytest.fixture(scope="module")
def videos(root: Path) -> dict[str, FixtureInfo]:
    return {
        INTRO: make_fixture(root / INTRO, duration=12, fps=10, gop=10, size=(64, 48)),
        INTRO_2024: make_fixture(root / INTRO_2024, duration=12, fps=5, gop=5, size=(64, 48)),
        LONG: make_fixture(root / LONG, duration=2, fps=10, gop=10, size=(64, 48)),
    }


@pytest.fixture(scope="module")
def server(root: Path, videos: dict[str, FixtureInfo]) -> Iterator[str]:
    with running_emulator(EmulatorSettings(root=root, anonymous=True)) as url:
        yield url


def failures_of(out_dir: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out_dir / "failures.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("relative_first", [True, False], ids=["50%-first", "seconds-first"])
def test_a_name_known_at_run_time_is_checked_and_the_later_item_fails(
    server: str,
    videos: dict[str, FixtureInfo],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    relative_first: bool,
) -> None:
    rows = [f"{INTRO},50%", f"{INTRO_2024},6"]
    if not relative_first:
        rows.reverse()
    source = tmp_path / "items.csv"
    source.write_text("key,time\n" + "\n".join(rows) + "\n")
    out_dir = tmp_path / "out"

    code, out, _ = run(capsys, *batch(server, "--input", str(source), "-o", str(out_dir)))

    assert code == 1
    assert "1 done, 0 skipped, 1 failed of 2 items" in out
    earlier = INTRO if relative_first else INTRO_2024
    later = INTRO_2024 if relative_first else INTRO
    # The image is the earlier row's, whichever video answered first.
    assert frame(out_dir / "intro_6.jpg") == videos[earlier].frame_at(Decimal(6))
    (failed,) = failures_of(out_dir)
    assert failed["key"] == later
    assert str(failed["error"]).startswith(f"{out_dir / 'intro_6.jpg'} is the same output as ")
    assert f"{source} line 2" in str(failed["error"])


def test_a_name_over_the_file_systems_limit_fails_alone(
    server: str, videos: dict[str, FixtureInfo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, *batch(server, LONG, INTRO, "--times", "1", "-o", str(out_dir)))

    assert code == 1, err
    assert "1 done, 0 skipped, 1 failed of 2 items" in out
    assert frame(out_dir / "intro_1.jpg") == videos[INTRO].frame_at(1)
    (failed,) = failures_of(out_dir)
    assert failed["key"] == LONG
    assert "a name of 257 bytes" in str(failed["error"])
    assert "255-byte limit" in str(failed["error"])


def _usage_error(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str
) -> str:
    source = tmp_path / name
    source.write_text(text)
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, *batch(server, "--input", str(source), "-o", str(out_dir)))
    assert code == 2, err
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert not out_dir.exists()  # nothing fetched
    return err.strip()


def test_a_nul_in_an_output_value_is_refused_naming_its_line(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    row = {"key": INTRO, "time": 1, "output": "a\u0000b.jpg"}
    err = _usage_error(server, tmp_path, capsys, "items.jsonl", json.dumps(row) + "\n")
    assert "items.jsonl line 1: output 'a\\x00b.jpg': a file name cannot hold a NUL" in err


def test_a_deeply_nested_json_line_is_refused_naming_its_line(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = json.dumps({"key": INTRO, "time": 1}) + "\n"
    err = _usage_error(
        server, tmp_path, capsys, "items.jsonl", first + "[" * 100_000 + "]" * 100_000 + "\n"
    )
    assert err.endswith("items.jsonl line 2: JSON nested too deeply for an item")


def test_a_repeated_csv_column_is_refused_naming_it(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _usage_error(server, tmp_path, capsys, "items.csv", f"key,time,Time\n{INTRO},1,2\n")
    assert err.endswith("items.csv line 1: column time appears more than once in the header")


def test_two_rows_with_one_output_value_blame_the_output_values(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _usage_error(
        server,
        tmp_path,
        capsys,
        "items.csv",
        f"key,time,output\n{INTRO},1,a.jpg\n{INTRO},2,a.jpg\n",
    )
    assert "--name-template" not in err
    assert "items.csv line 3 (output 'a.jpg') names the same file as " in err
    assert "items.csv line 2 (output 'a.jpg')" in err
