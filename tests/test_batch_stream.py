"""``cos-snapshot batch`` with times relative to the video (``50%``, ``end``, ``--count``,
``--every``) against the real emulator, and a batch that streams its input instead of
holding it."""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from cli_helpers import batch, frame, named, run, serving
from PIL import Image

from cos_snapshot import (
    AsyncSnapshotClient,
    MediaInfo,
    Snapshot,
    SnapshotArgs,
    SnapshotClient,
    format_time,
    resolve_time,
)
from cos_snapshot.cli._progress import PlainProgress, RichProgress
from cos_snapshot.testing import FixtureInfo
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos
from cos_snapshot.tools import destination as batch_destination
from cos_snapshot.tools.batch import (
    BatchInputError,
    BatchItem,
    BatchPlan,
    ItemDefaults,
    ItemResult,
    NameTemplate,
    PlannedItem,
    items_from_arguments,
    iter_items,
    parse_times,
    run_batch,
)

A = "videos/clip one.mp4"  # 25 fps, 2 s
B = "videos/b.mp4"  # 10 fps, 2 s
NOTES = "videos/notes.txt"  # an object that is not a video
MISSING = "videos/missing.mp4"


pytestmark = pytest.mark.cos_emulator(anonymous=True)


@pytest.fixture(scope="module")
def videos(cos_fixture_video: FixtureVideos) -> dict[str, FixtureInfo]:
    return {
        A: cos_fixture_video.info(duration=2, fps=25, gop=25, size=(160, 120)),
        B: cos_fixture_video.info(duration=2, fps=10, gop=10, size=(160, 120)),
    }


@pytest.fixture
def server(cos_emulator: CosEmulator, videos: dict[str, FixtureInfo]) -> str:
    """The emulator holding A, B and a text file."""
    cos_emulator.put(NOTES, b"not a video\n")
    return serving(cos_emulator, videos)


def items_of(out: str) -> list[dict[str, Any]]:
    return [r for r in map(json.loads, out.splitlines()) if r["type"] == "item"]


def seconds(value: Fraction) -> str:
    """A Fraction with a finite decimal form as the plain decimal the batch names files by."""
    return format_time(Decimal(value.numerator) / Decimal(value.denominator))


# -- relative times from the command line ----------------------------------------------------


def test_count_takes_the_middle_of_n_equal_slices_of_each_video(
    server: str, videos: dict[str, FixtureInfo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "--json", *batch(server, A, B, "--count", "4", "-o", str(tmp_path))
    )
    assert code == 0, err
    assert len(items_of(out)) == 8
    for key, stem in ((A, "clip one"), (B, "b")):
        duration = videos[key].end
        for i in range(4):
            t = seconds((2 * i + 1) * duration / 8)  # 0.25, 0.75, 1.25, 1.75
            assert frame(tmp_path / named(stem, t)) == videos[key].frame_at(Decimal(t))


def test_every_steps_from_zero_while_below_the_duration_and_a_rerun_skips_them(
    server: str, videos: dict[str, FixtureInfo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = batch(server, B, "--every", "0.6", "-o", str(tmp_path))
    code, _, _ = run(capsys, *argv)
    assert code == 0
    assert sorted(p.name for p in tmp_path.glob("*.jpg")) == [
        named("b", "0"),
        named("b", "0.6"),
        named("b", "1.2"),
        named("b", "1.8"),  # 2.4 is past the 2 s video
    ]
    for t in ("0", "0.6", "1.2", "1.8"):
        assert frame(tmp_path / named("b", t)) == videos[B].frame_at(Decimal(t))

    code, again, _ = run(capsys, "--json", *argv)
    assert code == 0
    assert {r["status"] for r in items_of(again)} == {"skipped"}  # names are resolved seconds


def test_a_share_and_end_resolve_per_video_end_being_its_last_frame(
    server: str, videos: dict[str, FixtureInfo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "--json", *batch(server, A, "--times", "50%,end", "-o", str(tmp_path))
    )
    assert code == 0
    info = videos[A]
    end = seconds(info.end - Fraction(1, 25))  # the duration minus one frame at 25 fps
    assert sorted(r["time"] for r in items_of(out)) == sorted([seconds(info.end / 2), end])
    assert frame(tmp_path / named("clip one", end)) == len(info.times) - 1
    assert frame(tmp_path / named("clip one", "1")) == info.frame_at(1)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--times", "150%"], "'150%': a share of the video must be from 0% to below 100%"),
        (["--times", "0,-5%"], "'-5%': a share of the video must be from 0% to below 100%"),
        (["--times", "half%"], "'half%' is not a share of the video"),
        (["--count", "0"], "--count: must be a whole number from 1 to 100000, got 0"),
        (["--count", "100001"], "--count: must be a whole number from 1 to 100000, got 100001"),
        (["--count", "two"], "--count: must be a whole number from 1 to 100000, got 'two'"),
        (["--every", "0"], "--every: must be more than 0 seconds, got '0'"),
        (["--every", "soon"], "--every: is not a number in decimal notation: 'soon'"),
        (["--every", "nan"], "--every: is not a number in decimal notation: 'nan'"),
        (["--count", "3", "--every", "1"], "give one of --times, --count and --every"),
    ],
)
def test_bad_relative_times_exit_2_with_one_line_and_fetch_nothing(
    server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    code, _, err = run(capsys, *batch(server, A, *argv, "-o", str(tmp_path / "o")))
    assert code == 2
    assert err.startswith("cos-snapshot: error: ")
    assert message in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("argv", "named"),
    [(["--count", "3"], "--count"), (["--every", "1"], "--every"), (["-t", "0,50%"], "--times")],
)
@pytest.mark.parametrize(
    ("key", "message"),
    [
        (NOTES, "the object is not a decodable video"),
        (MISSING, "HTTP 404 NoSuchKey"),
    ],
)
def test_relative_times_of_a_key_that_is_no_video_exit_2_before_any_snapshot(
    server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    named: str,
    key: str,
    message: str,
) -> None:
    code, _, err = run(capsys, *batch(server, A, key, *argv, "-o", str(tmp_path / "o")))
    assert code == 2
    assert err.startswith(
        f"cos-snapshot: error: {named}: needs the video's duration, but GetMediaInfo of {key!r} "
        "says: HTTP 4"
    )
    assert message in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()  # not even A's snapshots


# -- relative times in an input file ---------------------------------------------------------


def test_input_rows_resolve_relative_times_per_video_and_a_non_video_fails_alone(
    server: str, videos: dict[str, FixtureInfo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {"key": A, "time": "25%"},
        {"key": B, "time": "end"},
        {"key": NOTES, "time": "50%"},
        {"key": A, "time": "0.4"},
        {"key": A, "time": "end", "width": 80},
    ]
    source = tmp_path / "items.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out_dir = tmp_path / "out"
    argv = batch(server, "--input", str(source), "-o", str(out_dir))
    code, out, _ = run(capsys, "--json", *argv)

    assert code == 1
    a_end = seconds(videos[A].end - Fraction(1, 25))
    b_end = seconds(videos[B].end - Fraction(1, 10))
    assert frame(out_dir / named("clip one", "0.5")) == videos[A].frame_at(Decimal("0.5"))
    assert frame(out_dir / named("b", b_end)) == len(videos[B].times) - 1
    assert frame(out_dir / named("clip one", "0.4")) == videos[A].frame_at(Decimal("0.4"))
    with Image.open(out_dir / named("clip one", a_end)) as image:
        assert image.size == (80, 60)
    (failed,) = [r for r in items_of(out) if r["status"] == "failed"]
    assert failed["key"] == NOTES
    assert failed["code"] == "InvalidArgument"
    assert "not a decodable video" in failed["error"]
    # The failures file keeps the time as written, so a re-take resolves it again.
    (row,) = [json.loads(line) for line in (out_dir / "failures.jsonl").read_text().splitlines()]
    assert (row["key"], row["time"]) == (NOTES, "50%")

    code, again, _ = run(capsys, "--json", *argv)
    assert code == 1
    assert sorted(r["status"] for r in items_of(again)) == ["failed"] + ["skipped"] * 4


def test_a_bad_relative_time_in_a_file_stops_the_batch_naming_its_line(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "items.csv"
    source.write_text(f"key,time\n{A},10%\n{A},150%\n")
    code, _, err = run(capsys, *batch(server, "--input", str(source), "-o", str(tmp_path / "o")))
    assert code == 2
    assert f"{source} line 3: time: '150%': a share of the video must be from 0% to below" in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "text",
    ["0%", "50%", " 12.5 % ", "99.9999%", ".5%", "+5%", "end", "END", "100%", "150%", "-5%", "-0%"],
)
def test_the_syntax_check_up_front_accepts_what_resolve_time_accepts(
    server: str, text: str
) -> None:
    with SnapshotClient(endpoint_url=server, anonymous=True) as client:
        info = client.get_media_info(A)
    try:
        expected: Decimal | None = resolve_time(text, info)
    except ValueError:
        expected = None
    try:
        (written,) = parse_times(text, relative=True)
    except BatchInputError:
        assert expected is None
    else:
        assert resolve_time(written, info) == expected


# -- one GetMediaInfo per video, and streaming -------------------------------------------------


class FakeClient:
    """Stands in for AsyncSnapshotClient: counts GetMediaInfo calls and what was asked when."""

    def __init__(self, info: MediaInfo, image: bytes, pulled: list[int]) -> None:
        self.info = info
        self.image = image
        self.pulled = pulled
        self.media_info_calls: list[str] = []
        self.pulled_at_first_snapshot: int | None = None

    async def get_media_info(self, key: str) -> MediaInfo:
        self.media_info_calls.append(key)
        await asyncio.sleep(0)
        return self.info

    async def get_snapshot(self, args: SnapshotArgs) -> Snapshot:
        if self.pulled_at_first_snapshot is None:
            self.pulled_at_first_snapshot = len(self.pulled)
        await asyncio.sleep(0)
        return Snapshot.from_bytes(self.image)


async def test_items_of_one_video_share_one_media_info_and_the_input_is_pulled_as_needed(
    server: str, tmp_path: Path
) -> None:
    with SnapshotClient(endpoint_url=server, anonymous=True) as real:
        info = real.get_media_info(A)
    source = tmp_path / "items.jsonl"
    rows = 2000
    source.write_text(
        "".join(json.dumps({"key": A, "time": f"{i % 99}%"}) + "\n" for i in range(rows))
    )
    png = tmp_path / "x.png"
    Image.new("RGB", (4, 4)).save(png)
    pulled: list[int] = []
    plan = BatchPlan(
        lambda: iter_items(source, ItemDefaults(format="png")),
        NameTemplate("{index}.png"),
        tmp_path / "out",
    )

    def counted() -> Iterator[PlannedItem]:
        for planned in plan:
            pulled.append(1)
            yield planned

    client = FakeClient(info, png.read_bytes(), pulled)
    statuses: list[str] = []
    await run_batch(
        client,  # type: ignore[arg-type]
        counted(),
        concurrency=4,
        force=False,
        on_result=lambda r: statuses.append(r.status),
    )
    assert statuses == ["done"] * rows
    assert client.media_info_calls == [A]  # once for the 2000 items of the video
    assert client.pulled_at_first_snapshot is not None
    assert client.pulled_at_first_snapshot <= 4  # one item per worker, not the whole input


@pytest.mark.slow
def test_checking_a_large_input_holds_little_memory_per_row(tmp_path: Path) -> None:
    rows = 50_000
    source = tmp_path / "items.jsonl"
    with source.open("w") as stream:
        for i in range(rows):
            stream.write(json.dumps({"key": f"videos/v{i % 50}.mp4", "time": str(i // 50)}) + "\n")
    plan = BatchPlan(
        lambda: iter_items(source, ItemDefaults()), NameTemplate("{key}/{time}.jpg"), tmp_path
    )
    tracemalloc.start()
    try:
        assert plan.check() == rows
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A 16-byte digest per name in a set: about 100 bytes a row. Holding the items would be
    # well over a kilobyte a row.
    assert peak / rows < 250


def test_two_items_with_the_same_name_are_found_by_the_checking_pass(tmp_path: Path) -> None:
    source = tmp_path / "items.jsonl"
    source.write_text(
        "".join(json.dumps({"key": f"{d}/clip.mp4", "time": "1"}) + "\n" for d in "abcab")
    )
    plan = BatchPlan(
        lambda: iter_items(source, ItemDefaults()), NameTemplate("{key_stem}.jpg"), tmp_path
    )
    with pytest.raises(BatchInputError, match=r"names both .*line 1 and .*line 2 clip\.jpg"):
        plan.check()


# -- progress -------------------------------------------------------------------------------


def test_the_progress_bar_is_redrawn_at_most_ten_times_a_second(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Throttled by the item count's clock, not by time passing in the test: no timing."""
    now = [100.0]
    progress = RichProgress(1000, clock=lambda: now[0])
    updates: list[dict[str, Any]] = []
    monkeypatch.setattr(progress._progress, "update", lambda task, **fields: updates.append(fields))
    item = BatchItem(0, SnapshotArgs.check(A, 1), "test")
    result = ItemResult(PlannedItem(item, tmp_path, PurePosixPath("x.jpg")), "done")

    for i in range(1000):
        progress.update(result)
        if i == 499:
            now[0] += 0.1
    assert len(updates) == 2  # the first item, and the first after a tenth of a second
    progress.__exit__(None, None, None)  # the last counts are shown when it stops
    assert sum(u["advance"] for u in updates) == 1000
    assert updates[-1]["done"] == 1000


def test_plain_progress_writes_its_lines_a_few_times_a_second_not_one_write_each(
    tmp_path: Path,
) -> None:
    class Counted(io.StringIO):
        writes = 0

        def write(self, text: str) -> int:
            self.writes += 1
            return super().write(text)

    item = BatchItem(0, SnapshotArgs.check(A, 1), "test")
    result = ItemResult(PlannedItem(item, tmp_path, PurePosixPath("x.jpg")), "done")
    stream = Counted()

    async def updates() -> int:
        progress = PlainProgress(stream, 1001)
        for _ in range(1000):
            progress.update(result)
        during = stream.writes
        await asyncio.sleep(0.3)  # a line held back is written soon, with no further item
        progress.update(result)
        return during

    during = asyncio.run(updates())
    # 1000 updates take milliseconds: all written in a few writes (not 1000), and the rest
    # arrived while the loop waited, before the last item
    assert during <= 20
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1001
    assert lines[999].startswith("[1000/1001] done")


# -- writing files --------------------------------------------------------------------------


def _saves_seen(monkeypatch: pytest.MonkeyPatch, delay: float) -> list[str]:
    """The thread each image is written in; each write made to take ``delay`` seconds (slept
    when it is long, so that writes really wait, and so long on the writer's clock whatever
    the machine is doing)."""
    threads: list[str] = []
    save = batch_destination.write_whole
    clock = [0.0]
    lock = threading.Lock()

    def slow_save(path: Path, data: bytes) -> None:
        threads.append(threading.current_thread().name)
        with lock:
            clock[0] += delay
        if delay:
            time.sleep(delay)
        save(path, data)

    monkeypatch.setattr(batch_destination, "write_whole", slow_save)
    monkeypatch.setattr(batch_destination, "_write_clock", lambda: clock[0])
    return threads


@pytest.mark.parametrize("slow", [False, True], ids=["quick-disk", "slow-disk"])
async def test_images_are_written_on_the_loop_while_writes_are_quick_and_in_threads_while_slow(
    server: str,
    videos: dict[str, FixtureInfo],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slow: bool,
) -> None:
    threads = _saves_seen(monkeypatch, 0.01 if slow else 0.0001)
    plan = BatchPlan(
        lambda: items_from_arguments([B], parse_times("0:1.9:0.1"), ItemDefaults()),
        NameTemplate("{time}.jpg"),
        tmp_path,
    )
    results: list[ItemResult] = []
    async with AsyncSnapshotClient(endpoint_url=server, anonymous=True) as client:
        await run_batch(client, plan, concurrency=4, force=False, on_result=results.append)
    assert [r.status for r in results] == ["done"] * 20
    for r in results:
        assert isinstance(r.planned.item, BatchItem)
        assert frame(r.planned.path) == videos[B].frame_at(Decimal(r.planned.item.args.time))
    loop = threading.current_thread().name
    on_loop = threads.count(loop)
    if slow:  # the first write shows the disk is slow; the others go to the writer threads
        assert threads[0] == loop
        assert on_loop <= 2
        assert all(t == loop or t.startswith("cos-snapshot-write") for t in threads)
    else:
        assert on_loop == 20
