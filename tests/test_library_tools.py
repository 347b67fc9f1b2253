"""The work behind ``batch`` and ``sheet`` as a program calls it, without argparse: the public
``cos_snapshot.tools.batch`` and ``cos_snapshot.tools.sheet`` against the real emulator on loopback."""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal
from pathlib import Path

import pytest
from cli_helpers import named
from PIL import Image

from cos_snapshot import AsyncSnapshotClient, Snapshot
from cos_snapshot.testing import FixtureInfo, read_frame_index
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos
from cos_snapshot.tools.batch import (
    DEFAULT_TEMPLATE,
    FAILURES_NAME,
    BatchPlan,
    BatchTally,
    FailuresFile,
    ItemDefaults,
    ItemResult,
    NameTemplate,
    items_from_arguments,
    parse_times,
    plan_outputs,
    read_items,
    run_batch,
)
from cos_snapshot.tools.sheet import SheetSnapshotError, compose_sheet, take_snapshots, timecode

KEY = "videos/lib clip.mp4"
MISSING = "videos/not there.mp4"


@pytest.fixture(scope="module")
def video(cos_fixture_video: FixtureVideos) -> FixtureInfo:
    return cos_fixture_video.info(duration=2, fps=25, gop=25, size=(160, 120))


# The shipped ``cos_emulator``, serving anonymous reads (the tools' clients are anonymous).
pytestmark = pytest.mark.cos_emulator(anonymous=True)


@pytest.fixture
def server(cos_emulator: CosEmulator, video: FixtureInfo) -> str:
    cos_emulator.put(KEY, video.path)
    return cos_emulator.endpoint_url


def test_take_snapshots_returns_the_frame_of_each_time_in_order(
    server: str, video: FixtureInfo
) -> None:
    times = ["1.5", "0", "0.52", "1.96"]

    async def take() -> list[Snapshot]:
        async with AsyncSnapshotClient(endpoint_url=server, anonymous=True) as client:
            snapshots = await take_snapshots(client, KEY, times, width=80, concurrency=2)
            # The client it was handed stays open: the caller closes it.
            assert (await client.get_snapshot(KEY, 0)).format == "jpg"
            return snapshots

    snapshots = asyncio.run(take())
    assert [read_frame_index(s.content) for s in snapshots] == [
        video.frame_at(Decimal(t)) for t in times
    ]
    assert {s.size for s in snapshots} == {(80, 60)}

    images = [Image.open(io.BytesIO(s.content)) for s in snapshots]
    sheet, layout = compose_sheet(images, [timecode(t) for t in times], cols=2)
    assert sheet.size == layout.size
    assert (layout.cols, layout.rows) == (2, 2)


def test_take_snapshots_names_the_key_and_time_that_failed(server: str) -> None:

    async def take() -> None:
        async with AsyncSnapshotClient(endpoint_url=server, anonymous=True) as client:
            await take_snapshots(client, MISSING, ["0.5", "1"])

    with pytest.raises(SheetSnapshotError, match=r"not there\.mp4 at 0\.5 s: HTTP 404 NoSuchKey"):
        asyncio.run(take())


def test_a_batch_run_from_code_writes_files_and_a_failures_file_that_reads_back(
    server: str, video: FixtureInfo, tmp_path: Path
) -> None:
    plan = BatchPlan(
        lambda: items_from_arguments([KEY, MISSING], parse_times("0:1:0.5"), ItemDefaults()),
        NameTemplate(DEFAULT_TEMPLATE),
        tmp_path,
    )
    tally = BatchTally(plan.check())
    failures_path = tmp_path / FAILURES_NAME

    async def run(failures: FailuresFile) -> None:
        def on_result(result: ItemResult) -> None:
            tally.add(result)
            failures.add(result)

        async with AsyncSnapshotClient(endpoint_url=server, anonymous=True) as client:
            await run_batch(client, plan, concurrency=3, force=False, on_result=on_result)

    with FailuresFile(failures_path) as failures:
        asyncio.run(run(failures))
    assert (tally.total, tally.done, tally.skipped, tally.failed) == (6, 3, 0, 3)
    for time in ("0", "0.5", "1"):
        image = (tmp_path / named("lib clip", time)).read_bytes()
        assert read_frame_index(image) == video.frame_at(Decimal(time))

    assert failures.rows == 3
    again = read_items(failures_path, ItemDefaults())
    assert sorted((i.args.key, i.args.time) for i in again) == [  # type: ignore[union-attr]
        (MISSING, "0"),
        (MISSING, "0.5"),
        (MISSING, "1"),
    ]
    # Taken again, they land where the first run would have put them.
    replanned = plan_outputs(again, NameTemplate("{index}.png"), tmp_path)
    assert sorted(p.path.name for p in replanned) == [
        named("not there", "0"),
        named("not there", "0.5"),
        named("not there", "1"),
    ]

    # Nothing left undone: the failures file goes away.
    with FailuresFile(failures_path) as failures:
        pass
    assert not failures_path.exists()
