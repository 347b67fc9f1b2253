"""``cos-snapshot batch`` against the real emulator on loopback, over real fixture videos."""

from __future__ import annotations

import asyncio
import io
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path, PurePosixPath

import pytest
from cli_helpers import batch, frame, named, run, serving
from PIL import Image

from cos_snapshot._client.params import SnapshotArgs
from cos_snapshot._client.snapshot import Snapshot
from cos_snapshot.cli import _batch as _batch_cli
from cos_snapshot.cli import main
from cos_snapshot.testing import FixtureInfo, read_frame_index
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos
from cos_snapshot.tools.batch import (
    BatchInputError,
    BatchItem,
    FailuresFile,
    ItemResult,
    NameTemplate,
    PlannedItem,
    parse_times,
    run_batch,
)

A = "videos/clip one.mp4"  # 25 fps
B = "videos/b.mp4"  # 10 fps: the same time is another frame index than in A
MISSING = "videos/missing.mp4"


pytestmark = pytest.mark.cos_emulator(anonymous=True)
#: The make_fixture arguments of A (and of the videos the retake tests put late).
A_VIDEO = {"duration": 2, "fps": 25, "gop": 25, "size": (160, 120)}


@pytest.fixture(scope="module")
def videos(cos_fixture_video: FixtureVideos) -> dict[str, FixtureInfo]:
    return {
        A: cos_fixture_video.info(**A_VIDEO),
        B: cos_fixture_video.info(duration=2, fps=10, gop=10, size=(160, 120)),
    }


@pytest.fixture
def server(cos_emulator: CosEmulator, videos: dict[str, FixtureInfo]) -> str:
    """The emulator (as the test's marker sets it up) holding A and B."""
    return serving(cos_emulator, videos)


def json_lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def statuses(out: str) -> dict[str, str]:
    return {str(r["output"]): str(r["status"]) for r in json_lines(out) if r["type"] == "item"}


# -- keys × times against the emulator ------------------------------------------------------


def test_batch_writes_every_item_with_its_frame_and_lists_the_failed_ones(
    server: str, videos: dict[str, FixtureInfo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "out"
    times = ["0", "0.52", "1.5"]
    code, out, err = run(
        capsys, *batch(server, A, MISSING, B, "--times", ",".join(times), "-o", str(out_dir))
    )

    assert code == 1
    for key, stem in ((A, "clip one"), (B, "b")):
        for t in times:
            assert frame(out_dir / named(stem, t)) == videos[key].frame_at(Decimal(t))
    assert not list(out_dir.glob("missing_*"))
    failures = json_lines((out_dir / "failures.jsonl").read_text())
    assert sorted(str(row["time"]) for row in failures) == times
    assert {row["key"] for row in failures} == {MISSING}
    assert {row["code"] for row in failures} == {"NoSuchKey"}
    assert "6 done, 0 skipped, 3 failed of 9 items" in out
    assert "FAILED" in err  # plain progress lines: stderr is not a terminal here


def test_the_failures_file_is_an_input_that_takes_the_failed_items_again(
    server: str,
    cos_emulator: CosEmulator,
    cos_fixture_video: FixtureVideos,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out_dir = tmp_path / "out"
    late = "videos/late.mp4"
    code, _, _ = run(capsys, *batch(server, A, late, "--times", "0.4,1", "-o", str(out_dir)))
    assert code == 1
    failures = out_dir / "failures.jsonl"
    assert len(json_lines(failures.read_text())) == 2

    info = cos_fixture_video.info(**A_VIDEO)
    cos_emulator.put(late, info.path)
    code, out, _ = run(
        capsys, "--json", *batch(server, "--input", str(failures), "-o", str(out_dir))
    )

    assert code == 0
    assert set(statuses(out).values()) == {"done"}
    assert frame(out_dir / named("late", "0.4")) == info.frame_at(Decimal("0.4"))
    assert frame(out_dir / named("late", "1")) == info.frame_at(1)
    assert not failures.exists()  # nothing left undone


def test_a_retake_from_the_failures_file_keeps_the_first_runs_file_names(
    server: str,
    cos_emulator: CosEmulator,
    cos_fixture_video: FixtureVideos,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out_dir = tmp_path / "out"
    late = "videos/later.mp4"
    template = "{key}/{index:02d}-{time}.{format}"
    argv = batch(server, A, late, "--times", "1", "-o", str(out_dir), "--name-template", template)
    code, _, _ = run(capsys, *argv)
    assert code == 1
    failures = out_dir / "failures.jsonl"
    (row,) = json_lines(failures.read_text())
    assert row["output"] == "videos/later.mp4/01-1.jpg"

    info = cos_fixture_video.info(**A_VIDEO)
    cos_emulator.put(late, info.path)
    code, _, _ = run(capsys, *batch(server, "--input", str(failures), "-o", str(out_dir)))
    assert code == 0
    assert frame(out_dir / "videos/later.mp4/01-1.jpg") == info.frame_at(1)
    # The first command, run again, finds everything done.
    code, out, _ = run(capsys, "--json", *argv)
    assert code == 0
    assert set(statuses(out).values()) == {"skipped"}


def test_an_output_column_names_the_file_and_may_not_leave_the_output_dir(
    server: str, videos: dict[str, FixtureInfo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = tmp_path / "items.csv"
    items.write_text(f"key,time,output\n{A},0.5,posters/a.jpg\n{A},1,\n")
    out_dir = tmp_path / "out"
    code, _, _ = run(capsys, *batch(server, "--input", str(items), "-o", str(out_dir)))
    assert code == 0
    assert frame(out_dir / "posters/a.jpg") == videos[A].frame_at(Decimal("0.5"))
    assert frame(out_dir / named("clip one", "1")) == videos[A].frame_at(1)  # blank: the template

    items.write_text(f"key,time,output\n{A},0.5,../escape.jpg\n")
    code, _, err = run(capsys, *batch(server, "--input", str(items), "-o", str(out_dir)))
    assert code == 2
    assert f"{items} line 2: output '../escape.jpg' leads outside --output-dir\n" in err
    assert not (tmp_path / "escape.jpg").exists()


def test_a_template_that_leaves_the_output_dir_is_refused_without_values_nobody_gave(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = batch(server, A, "--times", "1", "-o", str(tmp_path), "--name-template", "../{key}")
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err == "cos-snapshot: error: --name-template '../{key}' leads outside --output-dir\n"


def test_a_name_whose_suffix_promises_another_format_is_refused_before_any_snapshot(
    server: str, videos: dict[str, FixtureInfo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "out"
    template = ["--name-template", "{key_stem}_{time}.jpg"]
    argv = batch(server, A, "--times", "0,1", "--format", "png", "-o", str(out_dir), *template)
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1
    assert "clip one_0.jpg is a jpg name for a png image; end --name-template with .png" in err
    assert not out_dir.exists() or not list(out_dir.rglob("*.*"))

    items = tmp_path / "items.csv"
    items.write_text(f"key,time,format,output\n{A},1,jpg,a.jpg\n{A},1,jpg,b.PNG\n")
    code, _, err = run(capsys, *batch(server, "--input", str(items), "-o", str(out_dir)))
    assert code == 2
    assert f"{items} line 3: b.PNG is a png name for a jpg image; name its output .jpg" in err
    assert not out_dir.exists() or not list(out_dir.rglob("*.*"))

    # A name that promises nothing, and one that promises the right format, are fine.
    argv = batch(server, A, "--times", "1", "--format", "png", "-o", str(out_dir))
    code, _, err = run(capsys, *argv, "--name-template", "{key_stem}.{format}")
    assert code == 0, err
    with Image.open(out_dir / "clip one.png") as image:
        assert image.format == "PNG"
        assert read_frame_index(image) == videos[A].frame_at(1)


def test_a_rerun_takes_only_the_missing_outputs_and_force_takes_all(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "out"
    argv = batch(server, A, B, "--times", "0:1:0.5", "-o", str(out_dir))
    code, first, _ = run(capsys, "--json", *argv)
    assert code == 0
    assert list(statuses(first).values()) == ["done"] * 6

    (out_dir / named("b", "0.5")).unlink()
    code, second, _ = run(capsys, "--json", *argv)
    assert code == 0
    assert [o for o, s in statuses(second).items() if s == "done"] == [
        str(out_dir / named("b", "0.5"))
    ]
    assert sorted(s for s in statuses(second).values()) == ["done"] + ["skipped"] * 5
    assert (out_dir / named("b", "0.5")).is_file()

    code, forced, _ = run(capsys, "--json", *argv, "--force")
    assert code == 0
    assert list(statuses(forced).values()) == ["done"] * 6


def test_json_prints_one_line_per_item_and_a_summary_line(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "--json", *batch(server, A, MISSING, "--times", "1", "-o", str(tmp_path))
    )
    lines = json_lines(out)
    assert code == 1
    assert [line["type"] for line in lines] == ["item", "item", "summary"]
    done = next(line for line in lines if line["status"] == "done")
    assert (done["width"], done["height"], done["key"], done["time"]) == (160, 120, A, "1")
    assert done["bytes"] == (tmp_path / named("clip one", "1")).stat().st_size
    summary = lines[-1]
    assert (summary["done"], summary["failed"], summary["skipped"]) == (1, 1, 0)
    assert summary["failures_file"] == str(tmp_path / "failures.jsonl")


def test_an_interrupted_batch_leaves_whole_files_and_the_next_run_takes_the_rest(
    server: str, tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    argv = [sys.executable, "-m", "cos_snapshot.cli", *batch(server, A, "--times", "0:1.99:0.01")]
    argv += ["-o", str(out_dir), "--concurrency", "1"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(out_dir.glob("*.jpg")) and process.poll() is None:
        assert time.monotonic() < deadline, "no snapshot was written"
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)

    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == "cos-snapshot: interrupted"
    assert "Traceback" not in err
    assert "FAILED" not in err  # the items that did not run are counted, not reported as failed
    written = sorted(out_dir.glob("*.jpg"))
    assert 0 < len(written) < 200
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".")]  # no partial files
    for path in written:  # every file whole: it decodes and shows its frame
        assert frame(path) >= 0
    not_run = json_lines((out_dir / "failures.jsonl").read_text())
    assert len(not_run) == 200 - len(written)

    rerun = subprocess.run(
        [*argv, "--concurrency", "8"], check=False, capture_output=True, text=True, timeout=120
    )
    assert rerun.returncode == 0, rerun.stderr
    assert (
        f"{200 - len(written)} done, {len(written)} skipped, 0 failed of 200 items" in rerun.stdout
    )
    assert len(list(out_dir.glob("*.jpg"))) == 200
    assert not (out_dir / "failures.jsonl").exists()


def test_interrupted_again_while_listing_what_did_not_run_leaves_the_failures_file_alone(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The input is an earlier run's failures file, taken again as the summary says: a second
    # Ctrl-C while the run lists what it did not take must not replace it with a part of that
    # list (which a third run would take for the whole).
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    failures = out_dir / "failures.jsonl"
    failures.write_text(
        "".join(json.dumps({"key": A, "time": f"{i / 100}"}) + "\n" for i in range(100))
    )
    before = failures.read_bytes()

    async def ctrl_c_before_anything_ran(*args: object) -> None:
        raise KeyboardInterrupt

    listed = 0
    add = _batch_cli.FailuresFile.add

    def ctrl_c_again_at_the_tenth_row(self: FailuresFile, result: ItemResult) -> None:
        nonlocal listed
        listed += 1
        if listed == 10:
            raise KeyboardInterrupt
        add(self, result)

    monkeypatch.setattr(_batch_cli, "_run", ctrl_c_before_anything_ran)
    monkeypatch.setattr(_batch_cli.FailuresFile, "add", ctrl_c_again_at_the_tenth_row)
    code, _, err = run(capsys, *batch(server, "--input", str(failures), "-o", str(out_dir)))

    assert code == 130
    assert err.strip().splitlines()[-1] == (
        f"cos-snapshot: interrupted again while listing what did not run: {failures} was not "
        "written; the same batch run again takes what is left (files that exist are skipped)"
    )
    assert failures.read_bytes() == before
    assert sorted(p.name for p in out_dir.iterdir()) == ["failures.jsonl"]  # no .partial left


def _json_batch_read_one_line(server: str, times: str, out_dir: Path) -> None:
    """``cos-snapshot --json batch`` whose reader closes the output after one line, as
    ``| head -1`` does: it exits 1 with one line, no traceback."""
    argv = [sys.executable, "-m", "cos_snapshot.cli", "--json"]
    argv += [*batch(server, A, "--times", times), "-o", str(out_dir)]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stderr is not None
    assert json.loads(process.stdout.readline())["type"] == "item"
    process.stdout.close()
    err = process.stderr.read()
    process.wait(timeout=60)

    assert process.returncode == 1, err
    assert "Traceback" not in err
    assert (
        err.strip().splitlines()[-1] == "cos-snapshot: error: the output was closed (broken pipe)"
    )


def test_json_output_closed_by_its_reader_is_one_line_and_exit_1(
    server: str, tmp_path: Path
) -> None:
    _json_batch_read_one_line(server, "0:1.99:0.01", tmp_path / "out")


@pytest.mark.slow
def test_after_a_broken_pipe_the_failures_file_lists_every_item_not_done(
    server: str, tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    # 400 items: their JSON lines are twice what a pipe holds, so the run cannot end before
    # the pipe is closed.
    _json_batch_read_one_line(server, "0:1.995:0.005", out_dir)
    written = {p.name for p in out_dir.glob("*.jpg")}
    assert len(written) < 400
    not_done = json_lines((out_dir / "failures.jsonl").read_text())
    listed = [str(row["output"]) for row in not_done]
    assert len(listed) == 400 - len(written)
    assert not written & set(listed)
    assert {row["error"] for row in not_done} == {"not run: interrupted"}

    retake = [sys.executable, "-m", "cos_snapshot.cli"]
    retake += [*batch(server, "--input", str(out_dir / "failures.jsonl")), "-o", str(out_dir)]
    rerun = subprocess.run(retake, check=False, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert len(list(out_dir.glob("*.jpg"))) == 400


# -- input files ----------------------------------------------------------------------------


def test_csv_rows_set_their_own_parameters(
    server: str, videos: dict[str, FixtureInfo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = tmp_path / "items.csv"
    items.write_text(
        "key,time,width,format,mode,note\n"
        f"{A},1.5,,,,defaults\n"
        f"{A},1.5,80,png,keyframe,small keyframe png\n"
        f"{B},0.35,,,,\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, *batch(server, "--input", str(items), "-o", str(tmp_path / "o")))
    assert code == 0, err
    exact = tmp_path / "o" / named("clip one", "1.5")
    keyframe = tmp_path / "o" / named("clip one", "1.5", "png")
    assert frame(exact) == videos[A].frame_at(Decimal("1.5"))
    assert frame(keyframe) == videos[A].keyframe_at(Decimal("1.5")) != frame(exact)
    with Image.open(keyframe) as image:
        assert (image.format, image.size) == ("PNG", (80, 60))
    assert frame(tmp_path / "o" / named("b", "0.35")) == videos[B].frame_at(Decimal("0.35"))


def test_jsonl_times_are_exact_decimals(
    server: str, videos: dict[str, FixtureInfo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1.16 s is frame 29 at 25 fps; through a binary float it would be one tick short.
    items = tmp_path / "items.jsonl"
    items.write_text(
        json.dumps({"key": A}).replace("}", ', "time": 1.16}')
        + "\n\n"
        + json.dumps({"key": B, "time": "0.3", "height": 60})
        + "\n",
        encoding="utf-8",
    )
    code, out, _ = run(
        capsys, "--json", *batch(server, "--input", str(items), "-o", str(tmp_path / "o"))
    )
    assert code == 0
    assert (
        frame(tmp_path / "o" / named("clip one", "1.16"))
        == videos[A].frame_at(Decimal("1.16"))
        == 29
    )
    with Image.open(tmp_path / "o" / named("b", "0.3")) as image:
        assert image.size == (80, 60)
    # Items are reported as they finish (two at once: either may be first).
    times = [line["time"] for line in json_lines(out) if line["type"] == "item"]
    assert sorted(times) == ["0.3", "1.16"]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "items.csv",
            "key,time\na.mp4,1\nb.mp4,soon\n",
            "items.csv line 3: time: 'soon' is not a time",
        ),
        ("items.csv", "key,time,width\na.mp4,1,wide\n", "items.csv line 2: width: must be a whole"),
        ("items.csv", "key,time\n,1\n", "items.csv line 2: key: missing"),
        ("items.csv", "key,when\na.mp4,1\n", "items.csv line 1: the header needs columns key"),
        ("items.csv", "key,time\na.mp4,1,2\n", "items.csv line 2: 3 values for 2 columns"),
        (
            "items.jsonl",
            '{"key": "a.mp4", "time": 1}\n{"key": "a.mp4"\n',
            "items.jsonl line 2: not JSON",
        ),
        ("items.jsonl", '{"key": "a.mp4", "time": -1}\n', "items.jsonl line 1: time: must be >= 0"),
        ("items.jsonl", '["a.mp4", 1]\n', "items.jsonl line 1: must be a JSON object"),
        (
            "items.jsonl",
            '{"key": "a.mp4", "time": 1, "mode": "fast"}\n',
            "line 1: mode: must be one",
        ),
        ("items.txt", "a.mp4 1\n", "must be a .csv or .jsonl file"),
    ],
)
def test_a_bad_row_stops_the_batch_before_anything_is_fetched_naming_its_line(
    server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str,
    message: str,
) -> None:
    items = tmp_path / name
    items.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, *batch(server, "--input", str(items), "-o", str(tmp_path / "o")))
    assert code == 2
    assert err.startswith("cos-snapshot: error: ")
    assert message in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_keys_and_input_exclude_each_other(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *batch(server, A, "--times", "1", "--input", "x.csv"))
    assert code == 2
    assert "not both" in err


# -- times ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("0,1.5,3", ["0", "1.5", "3"]),
        ("0:60:20", ["0", "20", "40", "60"]),  # END on a step is included
        ("0:50:20", ["0", "20", "40"]),  # END off the grid: the last step before it
        ("0:0.3:0.1", ["0", "0.1", "0.2", "0.3"]),  # exact, never 0.30000000000000004
        ("1.9199999999999999999:1.92:0.0000000000000000001", ["1.9199999999999999999", "1.92"]),
        ("5, 0:10:5, 1e1", ["5", "0", "10"]),  # mixed; a repeated time once, where it first is
        ("2:2:1", ["2"]),
    ],
)
def test_times_are_lists_and_inclusive_ranges_of_exact_decimals(
    text: str, times: list[str]
) -> None:
    assert parse_times(text) == times


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "give seconds"),
        ("1,,2", "give seconds"),
        ("soon", "is not a time: give seconds"),
        ("-1", "must be >= 0"),
        ("0:10", "must be START:END:STEP"),
        ("0:10:0", "STEP must be > 0"),
        ("10:0:1", "END must not be before START"),
        ("0:nan:1", "must be finite"),
        ("0:1000000:0.001", "at most 100000"),
    ],
)
def test_bad_times_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(BatchInputError, match=message):
        parse_times(text)


def test_bad_times_are_a_usage_error(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *batch(server, A, "--times", "0:10:-1", "-o", str(tmp_path)))
    assert (code, err.strip()) == (
        2,
        "cos-snapshot: error: --times: range '0:10:-1': STEP must be > 0",
    )


# -- output names ---------------------------------------------------------------------------


def item(key: str, time: str = "1.5", index: int = 0, **params: object) -> BatchItem:
    return BatchItem(index, SnapshotArgs.check(key, time, **params), "test")


@pytest.mark.parametrize(
    ("template", "key", "name"),
    [
        ("{key_stem}_{time}.{format}", "videos/clip one.mp4", "clip one_1.5.jpg"),
        ("{key}/{time}.{format}", "videos/clip one.mp4", "videos/clip one.mp4/1.5.jpg"),
        ("{key}/{time}.{format}", "/../a/./b:c.mp4", "_/a/_/b_c.mp4/1.5.jpg"),
        ("{index:04d}-{mode}-{width}x{height}.{format}", "a.mp4", "0007-exactframe-0x0.jpg"),
        ("{key_stem}.{format}", "videos/.mp4", ".mp4.jpg"),
    ],
)
def test_name_templates_fill_safe_values(template: str, key: str, name: str) -> None:
    assert str(NameTemplate(template).render(item(key, index=7))) == name


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("../{key_stem}.jpg", "outside --output-dir"),
        ("/tmp/{key_stem}.jpg", "absolute path"),
        ("{key_stem}\\x.jpg", "use / between directories"),
        ("{stem}.jpg", "unknown field {stem}"),
        ("{key.__class__}.jpg", "unknown field"),
        ("{0}.jpg", "unknown field {0}"),
        ("{key_stem!r}.jpg", "no !r conversions"),
        ("{key_stem}/", "ends without a file name"),
        ("{index:zz}.jpg", "Unknown format code"),
    ],
)
def test_name_templates_that_could_escape_or_break_are_refused(template: str, message: str) -> None:
    with pytest.raises(BatchInputError, match=re.escape(message)):
        NameTemplate(template)


def test_a_name_that_a_value_turns_into_a_parent_directory_is_refused() -> None:
    template = NameTemplate("{key_stem:.2}/x.jpg")  # fine for most keys ...
    with pytest.raises(BatchInputError, match="outside --output-dir"):
        template.render(item("..secret.mp4"))  # ... but this stem starts with ".."


def test_two_items_with_the_same_name_are_refused_before_fetching(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = batch(server, "a/clip.mp4", "b/clip.mp4", "--times", "1", "-o", str(tmp_path / "o"))
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "names both key 'a/clip.mp4' at 1 and key 'b/clip.mp4' at 1" in err
    assert not (tmp_path / "o").exists()


def test_names_may_keep_the_keys_folders(
    server: str, videos: dict[str, FixtureInfo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = batch(server, A, "--times", "0.2", "--name-template", "{key}/{index}.{format}")
    code, _, _ = run(capsys, *argv, "-o", str(tmp_path))
    assert code == 0
    assert frame(tmp_path / "videos" / "clip one.mp4" / "0.jpg") == videos[A].frame_at(
        Decimal("0.2")
    )


# -- the engine -----------------------------------------------------------------------------


class CountingClient:
    """Stands in for AsyncSnapshotClient to count requests in flight."""

    def __init__(self, image: bytes) -> None:
        self.image = image
        self.in_flight = 0
        self.most = 0

    async def get_snapshot(self, args: SnapshotArgs) -> Snapshot:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        for _ in range(3):
            await asyncio.sleep(0)
        self.in_flight -= 1
        return Snapshot.from_bytes(self.image)


@pytest.mark.parametrize("concurrency", [1, 3])
async def test_no_more_requests_are_in_flight_than_the_concurrency(
    tmp_path: Path, concurrency: int
) -> None:
    png = tmp_path / "x.png"
    Image.new("RGB", (4, 4)).save(png)
    client = CountingClient(png.read_bytes())
    planned = [
        PlannedItem(
            item("a.mp4", str(i), index=i, format="png"), tmp_path, PurePosixPath(f"{i}.png")
        )
        for i in range(10)
    ]
    results: list[str] = []
    await run_batch(
        client,  # type: ignore[arg-type]
        planned,
        concurrency=concurrency,
        force=False,
        on_result=lambda r: results.append(r.status),
    )
    assert results == ["done"] * 10
    assert client.most == concurrency


# -- credentials, help ----------------------------------------------------------------------


@pytest.mark.cos_emulator  # signed requests only
def test_credentials_come_from_the_environment(
    server: str,
    cos_emulator: CosEmulator,
    videos: dict[str, FixtureInfo],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    credentials = cos_emulator.credentials
    assert credentials is not None
    argv = ["batch", A, "--times", "1", "-o", str(tmp_path), "--endpoint-url", server]
    monkeypatch.delenv("TENCENTCLOUD_SECRET_ID", raising=False)
    code, _, err = run(capsys, *argv)
    assert code == 2  # a usage error: nothing was sent
    assert err.strip() == (
        "cos-snapshot: error: credentials: environment variable TENCENTCLOUD_SECRET_ID is "
        "not set (or pass --anonymous for unsigned requests)"
    )

    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", credentials.secret_id)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", credentials.secret_key)
    monkeypatch.delenv("TENCENTCLOUD_SECURITY_TOKEN", raising=False)
    code, _, _ = run(capsys, *argv)
    assert code == 0
    assert frame(tmp_path / named("clip one", "1")) == videos[A].frame_at(1)


def test_help_shows_examples_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["batch", "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert "cos-snapshot batch videos/a.mp4 videos/b.mp4 --times 0:60:5" in out
    assert "exit codes:" in out
    assert "130 interrupted" in out
    assert "TENCENTCLOUD_SECRET_ID" in out


def test_times_past_the_end_are_counted_once_per_key_and_skip_past_end_leaves_them_out(
    server: str, videos: dict[str, FixtureInfo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A is 2 s long: 2, 3 and 4 repeat its last frame.
    code, out, err = run(capsys, *batch(server, A, "--times", "25%,0:4:1", "-o", str(tmp_path)))
    assert code == 0
    assert "6 done" in out
    assert err.count("past its end") == 1
    assert f"{A}: 3 times at or past its end (2 s) repeat its last frame" in err

    skipped = tmp_path / "skipped"
    argv = batch(server, A, B, "--times", "0:4:1", "--skip-past-end", "-o", str(skipped))
    code, out, err = run(capsys, *argv)
    assert code == 0
    assert "4 done" in out  # 0 and 1 of each
    assert f"{A}: 3 times at or past its end (2 s) left out" in err
    assert sorted(p.name for p in skipped.glob("*.jpg")) == sorted(
        named(stem, t) for stem in ("clip one", "b") for t in ("0", "1")
    )


def test_plain_times_past_the_end_are_said_once_per_key(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The issue's own case: plain seconds, several per key, past a 2 s video's end.
    code, out, err = run(capsys, *batch(server, A, "--times", "0:4:1", "-o", str(tmp_path)))
    assert code == 0
    assert "5 done" in out
    assert err.count("past its end") == 1
    assert f"{A}: 3 times at or past its end (2 s) repeat its last frame" in err


def test_with_plain_times_a_missing_key_still_fails_item_by_item(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = batch(server, A, "videos/missing.mp4", "--times", "0,1", "-o", str(tmp_path))
    code, out, err = run(capsys, *argv)
    assert code == 1  # not a usage error: the two items of the missing key failed alone
    assert "2 done" in out
    assert "2 failed" in out
    assert "past its end" not in err


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode()), "utf-8"))


def test_input_dash_reads_json_lines_from_stdin_and_leaves_no_spool(
    server: str,
    videos: dict[str, FixtureInfo],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    tempfile.tempdir = None  # let the module see TMPDIR
    try:
        rows = [{"key": A, "time": "1"}, {"key": B, "time": "0.5"}]
        _stdin(monkeypatch, "".join(json.dumps(row) + "\n" for row in rows))
        out_dir = tmp_path / "out"
        code, out, _ = run(capsys, *batch(server, "--input", "-", "-o", str(out_dir)))
    finally:
        tempfile.tempdir = None
    assert code == 0
    assert "2 done" in out
    assert frame(out_dir / named("clip one", "1")) == videos[A].frame_at(Decimal(1))
    assert frame(out_dir / named("b", "0.5")) == videos[B].frame_at(Decimal("0.5"))
    assert list((tmp_path / "tmp").iterdir()) == []  # the spooled input is gone


def test_input_dash_takes_csv_with_input_format_and_names_stdin_in_errors(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, f"key,time\n{A},1\n")
    argv = batch(server, "--input", "-", "--input-format", "csv", "-o", str(tmp_path))
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "1 done" in out
    _stdin(monkeypatch, '{"key": "a.mp4", "time": "soon"}\n')
    code, _, err = run(capsys, *batch(server, "--input", "-", "-o", str(tmp_path)))
    assert code == 2
    assert err.startswith("cos-snapshot: error: stdin line 1: ")
    argv = batch(server, "--input-format", "csv", A, "-t", "1", "-o", str(tmp_path / "no"))
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "--input-format is for --input -" in err
    assert not (tmp_path / "no").exists()
