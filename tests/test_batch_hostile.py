"""Hostile or unlucky batch input against the real emulator: names known only at run time,
names the file system cannot hold, rows no item can come from. Each ends in a failed item
with its reason in the failures file, or in exit 2 naming the row: never a traceback, an
overwritten image or a file reported skipped that no item wrote."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from cli_helpers import batch, frame, named, run, serving

from cos_snapshot.testing import FixtureInfo
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos
from cos_snapshot.tools.batch import BatchInputError, ItemDefaults, iter_items

INTRO = "videos/intro.mp4"  # 10 fps, 12 s: 50% is 6 s, frame 60
INTRO_2024 = "videos/2024/intro.mp4"  # 5 fps: 6 s is frame 30, another image
# A valid key whose file name is 255 bytes: the default template adds "_00001.000" and ".jpg"
# to its stem, 265 bytes, over NAME_MAX.
LONG = "videos/" + "x" * 251 + ".mp4"


pytestmark = pytest.mark.cos_emulator(anonymous=True)


@pytest.fixture(scope="module")
def videos(cos_fixture_video: FixtureVideos) -> dict[str, FixtureInfo]:
    return {
        INTRO: cos_fixture_video.info(duration=12, fps=10, gop=10, size=(64, 48)),
        INTRO_2024: cos_fixture_video.info(duration=12, fps=5, gop=5, size=(64, 48)),
        LONG: cos_fixture_video.info(duration=2, fps=10, gop=10, size=(64, 48)),
    }


@pytest.fixture
def server(cos_emulator: CosEmulator, videos: dict[str, FixtureInfo]) -> str:
    return serving(cos_emulator, videos)


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
    assert frame(out_dir / named("intro", "6")) == videos[earlier].frame_at(Decimal(6))
    (failed,) = failures_of(out_dir)
    assert failed["key"] == later
    assert str(failed["error"]).startswith(
        f"{out_dir / named('intro', '6')} is the same output as "
    )
    assert f"{source} line 2" in str(failed["error"])


def test_a_name_over_the_file_systems_limit_fails_alone(
    server: str, videos: dict[str, FixtureInfo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, *batch(server, LONG, INTRO, "--times", "1", "-o", str(out_dir)))

    assert code == 1, err
    assert "1 done, 0 skipped, 1 failed of 2 items" in out
    assert frame(out_dir / named("intro", "1")) == videos[INTRO].frame_at(1)
    (failed,) = failures_of(out_dir)
    assert failed["key"] == LONG
    assert "a name of 265 bytes" in str(failed["error"])  # 251 + len("_00001.000.jpg")
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


# -- the failures file and signals ----------------------------------------------------------

MISSING = "videos/missing.mp4"
#: A previous run's failures file: plausible rows that this run must never leave looking current.
OLD_ROWS = "".join(json.dumps({"key": INTRO, "time": t, "error": "old"}) + "\n" for t in (1, 2))


def assert_not_a_current_list(failures: Path) -> None:
    """``failures`` is gone, or says it is incomplete and ``--input`` refuses it."""
    if not failures.exists():
        return
    assert failures.read_text() != OLD_ROWS
    with pytest.raises(BatchInputError, match="an incomplete list of failures"):
        list(iter_items(failures, ItemDefaults()))


@pytest.mark.parametrize("name", ["items.csv", "other.csv", "failures.txt"])
def test_failures_may_not_name_a_file_input_cannot_read_back(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    source = tmp_path / "items.csv"
    source.write_text(f"key,time\n{INTRO},1\n")
    before = source.read_bytes()
    argv = batch(server, "--input", str(source), "-o", str(tmp_path / "out"))
    code, out, err = run(capsys, *argv, "--failures", str(tmp_path / name))

    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "--failures" in err
    if name == "items.csv":
        assert "is the --input file" in err
    assert source.read_bytes() == before
    assert not (tmp_path / "out").exists()


def _batch_process(server: str, out_dir: Path, *argv: str, code: str = "") -> subprocess.Popen[str]:
    """``cos-snapshot batch`` in a child process, ``code`` run first (a patch)."""
    program = f"import sys\n{code}\nfrom cos_snapshot.cli import main\nsys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", program, *batch(server, *argv), "-o", str(out_dir)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the batch did not get there"
        time.sleep(0.01)


# A shell script's `cos-snapshot batch ... &` starts it with SIGINT ignored: asyncio's runner
# then installs no handler of its own, which SIGTERM must not depend on.
_SIGINT_IGNORED = "import signal; signal.signal(signal.SIGINT, signal.SIG_IGN)"


@pytest.mark.parametrize("sigint", ["default", "ignored"])
def test_sigterm_ends_a_batch_as_ctrl_c_does_with_exit_143(
    server: str, tmp_path: Path, sigint: str
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "failures.jsonl").write_text(OLD_ROWS)
    code = _SIGINT_IGNORED if sigint == "ignored" else ""
    process = _batch_process(server, out_dir, INTRO, "--times", "0:9.95:0.05", "-j", "1", code=code)
    _wait_for(lambda: any(out_dir.glob("*.jpg")), process)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)

    assert process.returncode == 143, err
    assert err.strip().splitlines()[-1] == "cos-snapshot: terminated"
    assert "Traceback" not in err
    written = {p.name for p in out_dir.glob("*.jpg")}
    listed = [json.loads(line) for line in (out_dir / "failures.jsonl").read_text().splitlines()]
    assert len(listed) == 200 - len(written)
    assert {row["error"] for row in listed} == {"not run: interrupted"}
    assert not written & {str(row["output"]) for row in listed}


# In the child: the first not-run row says so in a file, then the listing stalls (to be killed).
_STALL_IN_THE_LISTING = """
import pathlib, time
from cos_snapshot.tools.batch import failures as _failures
_add = _failures.FailuresFile.add
def add(self, result):
    if result.status == "not_run":
        pathlib.Path(SENTINEL).write_text("listing")
        time.sleep(60)
    _add(self, result)
_failures.FailuresFile.add = add
"""


def test_sigkill_while_listing_what_did_not_run_leaves_an_evident_incomplete_list(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    failures = out_dir / "failures.jsonl"
    failures.write_text(OLD_ROWS)
    sentinel = tmp_path / "listing"
    code = _STALL_IN_THE_LISTING.replace("SENTINEL", repr(str(sentinel)))
    process = _batch_process(server, out_dir, INTRO, "--times", "0:9.95:0.05", "-j", "1", code=code)
    _wait_for(lambda: any(out_dir.glob("*.jpg")), process)
    process.send_signal(signal.SIGTERM)
    _wait_for(sentinel.exists, process)
    process.kill()
    process.communicate(timeout=60)

    assert_not_a_current_list(failures)
    code_, _, err = run(capsys, *batch(server, "--input", str(failures), "-o", str(out_dir)))
    assert code_ == 2
    assert "an incomplete list of failures" in err
    assert "take the batch again from its original input" in err


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_a_failures_file_that_cannot_be_finished_says_so_and_leaves_no_old_list(
    server: str, tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    failures = out_dir / "failures.jsonl"
    failures.write_text(OLD_ROWS)
    # 40 failed items: about 10 KB of rows, over the 4 KB every file of the child may hold.
    argv = [sys.executable, "-m", "cos_snapshot.cli"]
    argv += [*batch(server, MISSING, "--times", "0:39:1", "-o", str(out_dir))]
    done = subprocess.run(
        argv,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_file_size,  # the child's own limit, set before exec
    )

    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("cos-snapshot: error: could not write the failures file: ")
    assert last.endswith(f"{failures} is marked incomplete")
    assert "0 done, 0 skipped, 40 failed of 40 items" in done.stdout
    assert "take them again" not in done.stdout
    assert_not_a_current_list(failures)
    assert [p.name for p in out_dir.iterdir()] == ["failures.jsonl"]  # no temporary left
