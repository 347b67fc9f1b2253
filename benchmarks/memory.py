"""The emulator's memory: `cos-snapshot serve` as a user runs it, many requests over many
videos, RSS read from /proc after each half."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from pathlib import Path

from cos_snapshot import AsyncSnapshotClient, Credentials

from .serve import SECRET_ID, SECRET_KEY
from .servers import cli_emulator, rss_kib
from .videos import Video, copy_video


@dataclass
class Memory:
    videos: int
    requests: int
    rss_start_kib: int
    rss_half_kib: int
    rss_end_kib: int
    peak_half_kib: int  # VmHWM after the first half
    peak_kib: int  # VmHWM at the end
    errors: int


def _requests(videos: list[Video], count: int, seed: int) -> list[dict[str, object]]:
    """A varied load: any video, any time, either mode, sometimes scaled, sometimes PNG."""
    rng = random.Random(seed)
    load = []
    for _ in range(count):
        video = rng.choice(videos)
        load.append(
            {
                "key": video.key,
                "time": video.time_of(rng.randrange(video.frames)),
                "mode": "keyframe" if rng.random() < 0.3 else "exactframe",
                "format": "png" if rng.random() < 0.1 else "jpg",
                "width": rng.choice((0, 0, 0, 320, 480)),
            }
        )
    return load


async def _send(url: str, load: list[dict[str, object]], concurrency: int) -> int:
    limit = asyncio.Semaphore(concurrency)
    errors = 0
    async with AsyncSnapshotClient(
        endpoint_url=url, credentials=Credentials(SECRET_ID, SECRET_KEY)
    ) as client:

        async def one(item: dict[str, object]) -> None:
            nonlocal errors
            async with limit:
                try:
                    await client.get_snapshot(**item)  # type: ignore[arg-type]
                except Exception:
                    errors += 1

        await asyncio.gather(*(one(item) for item in load))
    return errors


def memory(
    sources: list[Video], root: Path, *, videos: int, requests: int, concurrency: int = 8
) -> Memory:
    """Copy the sources to ``videos`` distinct files under ``root`` (more than the engine keeps
    open, so files are closed and reopened), then send ``requests`` requests in two halves."""
    root.mkdir(parents=True, exist_ok=True)
    copies = [
        copy_video(sources[i % len(sources)], root, f"v{i:02d}-{sources[i % len(sources)].key}")
        for i in range(videos)
    ]
    load = _requests(copies, requests, seed=2000)
    half = requests // 2
    with cli_emulator(root) as server:
        start = rss_kib(server.pid)["VmRSS"]
        errors = asyncio.run(_send(server.url, load[:half], concurrency))
        at_half = rss_kib(server.pid)
        errors += asyncio.run(_send(server.url, load[half:], concurrency))
        end = rss_kib(server.pid)
    return Memory(
        videos,
        requests,
        start,
        at_half["VmRSS"],
        end["VmRSS"],
        at_half["VmHWM"],
        end["VmHWM"],
        errors,
    )
