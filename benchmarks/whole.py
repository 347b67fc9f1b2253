"""Whole-video work: what GetMediaInfo costs next to a snapshot, and a storyboard next to the
same snapshots taken by ``batch``.

- GetMediaInfo with the container already open and the answer not cached yet: each round
  links the video under a new key (the emulator keys its containers and answers by path), takes
  a keyframe snapshot there (which opens the container and indexes its packets), then times
  the first GetMediaInfo of that key. It must not decode anything, so it should cost well below
  a keyframe snapshot, which decodes one frame and encodes a JPEG.
- A storyboard of ``count`` cues (``make_storyboard``: one GetMediaInfo, ``count`` snapshots,
  the sprite and the VTT written) against ``run_batch`` taking the very same snapshots (the
  cues' starts, same width and mode, same concurrency) into files, interleaved round by round.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from cos_snapshot import AsyncSnapshotClient, Credentials, SnapshotClient
from cos_snapshot.tools.batch import (
    DEFAULT_TEMPLATE,
    ItemDefaults,
    ItemResult,
    NameTemplate,
    items_from_arguments,
    plan_outputs,
    run_batch,
)
from cos_snapshot.tools.storyboard import cue_bounds, make_storyboard

from .serve import SECRET_ID, SECRET_KEY
from .timing import median, ms
from .videos import Video

CREDENTIALS = Credentials(SECRET_ID, SECRET_KEY)


@dataclass
class MediaInfoResult:
    label: str
    media_info_ms: list[float] = field(default_factory=list)  # first ask, container open
    cached_ms: list[float] = field(default_factory=list)  # the same key asked again


def media_info(video: Video, root: Path, url: str, *, rounds: int) -> MediaInfoResult:
    """GetMediaInfo with the container open and the answer not yet known (see the module)."""
    result = MediaInfoResult(video.label)
    links = root / "mediainfo"
    links.mkdir(exist_ok=True)
    with SnapshotClient(endpoint_url=url, credentials=CREDENTIALS) as client:
        for number in range(rounds + 1):
            key = f"mediainfo/{video.label}-{number}{video.path.suffix}"
            target = root / key
            try:
                os.link(video.path, target)
            except OSError:
                shutil.copyfile(video.path, target)
            client.get_snapshot(key, "0", mode="keyframe")
            first = ms(lambda k=key: client.get_media_info(k))  # type: ignore[misc]
            again = ms(lambda k=key: client.get_media_info(k))  # type: ignore[misc]
            if number:  # the first round warms the client's connection
                result.media_info_ms.append(first)
                result.cached_ms.append(again)
    return result


@dataclass
class StoryboardResult:
    label: str
    tiles: int
    concurrency: int
    width: int
    storyboard_s: list[float] = field(default_factory=list)
    batch_s: list[float] = field(default_factory=list)


async def _storyboard_once(url: str, key: str, out: Path, tiles: int, width: int, c: int) -> float:
    started = time.perf_counter()
    client = AsyncSnapshotClient(endpoint_url=url, credentials=CREDENTIALS)
    await make_storyboard(client, key, out, count=tiles, width=width, concurrency=c)
    return time.perf_counter() - started


async def _batch_once(url: str, key: str, out: Path, times: list[str], width: int, c: int) -> float:
    started = time.perf_counter()
    items = items_from_arguments([key], times, ItemDefaults(width=width))
    planned = plan_outputs(items, NameTemplate(DEFAULT_TEMPLATE), out)
    failed: list[ItemResult] = []

    def on_result(result: ItemResult) -> None:
        if result.status == "failed":
            failed.append(result)

    async with AsyncSnapshotClient(endpoint_url=url, credentials=CREDENTIALS) as client:
        await run_batch(client, planned, concurrency=c, force=True, on_result=on_result)
    if failed:
        raise RuntimeError(f"batch: {len(failed)} snapshots failed: {failed[0]}")
    return time.perf_counter() - started


def storyboard_vs_batch(
    video: Video,
    url: str,
    workdir: Path,
    *,
    tiles: int,
    rounds: int,
    concurrency: int = 8,
    width: int = 160,
) -> StoryboardResult:
    """A ``tiles``-cue storyboard against ``batch`` taking its snapshots, alternating which goes
    first; the first round of each is a warm-up."""
    result = StoryboardResult(video.label, tiles, concurrency, width)
    # The storyboard asks GetMediaInfo itself; batch is given the cues' starts.
    with SnapshotClient(endpoint_url=url, credentials=CREDENTIALS) as client:
        info_duration = client.get_media_info(video.key).video_duration
    if info_duration is None:
        raise RuntimeError(f"{video.key}: GetMediaInfo gives no duration")
    times = [str(t) for t in cue_bounds(info_duration, count=tiles)[:-1]]
    for number in range(rounds + 1):
        board_dir, batch_dir = workdir / f"board-{number}", workdir / f"batch-{number}"
        order = ("storyboard", "batch") if number % 2 else ("batch", "storyboard")
        spent: dict[str, float] = {}
        for which in order:
            if which == "storyboard":
                spent[which] = asyncio.run(
                    _storyboard_once(url, video.key, board_dir, tiles, width, concurrency)
                )
            else:
                spent[which] = asyncio.run(
                    _batch_once(url, video.key, batch_dir, times, width, concurrency)
                )
        shutil.rmtree(board_dir, ignore_errors=True)
        shutil.rmtree(batch_dir, ignore_errors=True)
        if number:
            result.storyboard_s.append(spent["storyboard"])
            result.batch_s.append(spent["batch"])
    return result


def summary(media: MediaInfoResult, board: StoryboardResult) -> str:
    """One line each, for the bench's log."""
    return (
        f"GetMediaInfo {median(media.media_info_ms):.2f} ms (cached {median(media.cached_ms):.2f}"
        f" ms); storyboard of {board.tiles} {median(board.storyboard_s):.2f} s, batch "
        f"{median(board.batch_s):.2f} s"
    )
