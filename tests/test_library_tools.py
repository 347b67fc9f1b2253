"""The work behind ``batch`` and ``sheet`` as a program calls it, without argparse: the public
``cos_snapshot.batch`` and ``cos_snapshot.sheet`` against the real emulator on loopback."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from cos_snapshot import AsyncSnapshotClient
from cos_snapshot.batch import (
    DEFAULT_TEMPLATE,
    FAILURES_NAME,
    BatchTally,
    ItemDefaults,
    NameTemplate,
    items_from_arguments,
    parse_times,
    plan_outputs,
    read_items,
    run_batch,
    write_failures,
)
from cos_snapshot.emulator import EmulatorSettings, running_emulator
from cos_snapshot.fixtures import FixtureInfo, make_fixture, read_frame_index
from cos_snapshot.sheet import SheetSnapshotError, compose_sheet, take_snapshots, timecode

KEY = "videos/lib clip.mp4"
MISSING = "videos/not there.mp4"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("library-root")


@pytest.fixture(scope="module")
def video(root: Path) -> FixtureInfo:
    return make_fixture(root / KEY, duration=2, fps=25, gop=25, size=(160, 120))


@pytest.fixture(scope="module")
def server(root: Path, video: FixtureInfo) -> Iterator[str]:
    with running_emulator(EmulatorSettings(root=root, anonymous=True)) as url:
        yield url


def test_take_snapshots_returns_the_frame_of_each_time_in_order(
    server: str, video: FixtureInfo
) -> None:
    times = ["1.5", "0", "0.52", "1.96"]
    client = AsyncSnapshotClient(endpoint_url=server, anonymous=True)
    snapshots = asyncio.run(take_snapshots(client, KEY, times, width=80, concurrency=2))
    assert [read_frame_index(s.content) for s in snapshots] == [
        video.frame_at(Decimal(t)) for t in times
    ]
    assert {s.size for s in snapshots} == {(80, 60)}

    images = [Image.open(io.BytesIO(s.content)) for s in snapshots]
    sheet, layout = compose_sheet(images, [timecode(t) for t in times], cols=2)
    assert sheet.size == layout.size
    assert (layout.cols, layout.rows) == (2, 2)


def test_take_snapshots_names_the_key_and_time_that_failed(server: str) -> None:
    client = AsyncSnapshotClient(endpoint_url=server, anonymous=True)
    with pytest.raises(SheetSnapshotError, match=r"not there\.mp4 at 0\.5 s: HTTP 404 NoSuchKey"):
        asyncio.run(take_snapshots(client, MISSING, ["0.5", "1"]))


def test_a_batch_run_from_code_writes_files_and_a_failures_file_that_reads_back(
    server: str, video: FixtureInfo, tmp_path: Path
) -> None:
    items = items_from_arguments([KEY, MISSING], parse_times("0:1:0.5"), ItemDefaults())
    planned = plan_outputs(items, NameTemplate(DEFAULT_TEMPLATE), tmp_path)
    tally = BatchTally(planned)

    async def run() -> None:
        async with AsyncSnapshotClient(endpoint_url=server, anonymous=True) as client:
            await run_batch(client, planned, concurrency=3, force=False, on_result=tally.add)

    asyncio.run(run())
    assert (tally.done, tally.skipped, len(tally.failed)) == (3, 0, 3)
    for time in ("0", "0.5", "1"):
        image = (tmp_path / f"lib clip_{time}.jpg").read_bytes()
        assert read_frame_index(image) == video.frame_at(Decimal(time))

    failures = tmp_path / FAILURES_NAME
    assert write_failures(failures, tally) is True
    again = read_items(failures, ItemDefaults())
    assert sorted((i.args.key, i.args.time) for i in again) == [
        (MISSING, "0"),
        (MISSING, "0.5"),
        (MISSING, "1"),
    ]
    # Taken again, they land where the first run would have put them.
    replanned = plan_outputs(again, NameTemplate("{index}.png"), tmp_path)
    assert sorted(p.path.name for p in replanned) == [
        "not there_0.5.jpg",
        "not there_0.jpg",
        "not there_1.jpg",
    ]

    # Nothing left undone: the failures file goes away.
    assert write_failures(failures, BatchTally(planned[:0])) is False
    assert not failures.exists()
