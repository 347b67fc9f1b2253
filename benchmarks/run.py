"""Run every benchmark and write results.md, results.json and the latency plot.

    python -m benchmarks [--out DIR] [--quick]      (BENCH_QUICK=1 also means --quick)

The emulator runs as separate processes on loopback: one with the frame engine's result
cache off (so a frame can be timed cold round after round), one as configured by default.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import imageio_ffmpeg

from cos_snapshot.emulator import SnapshotParams
from cos_snapshot.emulator.frames.encode import _encode

from . import (
    batch_stream,
    bucket,
    clients,
    concurrency,
    jobs,
    memory,
    poster,
    report,
    snapshots,
    whole,
)
from .servers import bench_emulator
from .timing import median, ms
from .videos import GOP, Video, make_video

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Plan:
    quick: bool
    seconds_360p: int
    seconds_720p: int
    positions: list[int]
    rounds: int
    warmup: int
    cache_rounds: int
    client_blocks: int
    client_per_block: int
    sign_blocks: int
    sign_per_block: int
    throughput_requests: int
    throughput_rounds: int
    concurrency: list[int]
    memory_videos: int
    memory_requests: int
    media_info_rounds: int = 11
    storyboard_tiles: int = 60
    storyboard_rounds: int = 3
    # A long batch: its memory per input row between the small and the large input, and
    # Ctrl-C on each (the middle size is the 200,000 rows issue 12 measured before)
    stream_rows: int = 1_000_000
    stream_small_rows: int = 10_000
    stream_extra_rows: tuple[int, ...] = (200_000,)
    stream_stop_after: int = 1000
    # An auto poster against one plain exactframe snapshot over a 200 ms round trip (720p)
    poster_rounds: int = 5


FULL = Plan(
    quick=False,
    seconds_360p=10,
    seconds_720p=60,
    positions=[0, 1, 2, 3, 4, 6, 8, 10, 13, 16, 19, 22, 25, 28, 31, 34, 37, 40, 43, 46, 48, 49],
    rounds=11,
    warmup=2,
    cache_rounds=8,
    client_blocks=15,
    client_per_block=40,
    sign_blocks=15,
    sign_per_block=2000,
    throughput_requests=96,
    throughput_rounds=5,
    concurrency=[1, 2, 4, 16],
    memory_videos=30,
    memory_requests=2000,
)

QUICK = Plan(
    quick=True,
    seconds_360p=4,
    seconds_720p=4,
    positions=[0, 1, 25, 49],
    rounds=2,
    warmup=1,
    cache_rounds=2,
    client_blocks=3,
    client_per_block=10,
    sign_blocks=3,
    sign_per_block=200,
    throughput_requests=16,
    throughput_rounds=1,
    concurrency=[1, 16],
    memory_videos=6,
    memory_requests=100,
    media_info_rounds=2,
    storyboard_rounds=1,
    stream_rows=20_000,
    stream_small_rows=2_000,
    stream_extra_rows=(),
    stream_stop_after=100,
    poster_rounds=1,
)

#: GOP positions named in the targets: on the keyframe, one after, mid-GOP, the last one.
NAMED_POSITIONS = (0, 1, 25, 49)


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def encode_cost(video: Video, rounds: int) -> float:
    """Median ms to turn a decoded frame into a JPEG as the emulator does (RGB, JPEG)."""
    floor = snapshots.DecodeFloor(video)
    frame = floor.decode(GOP)
    params = SnapshotParams(time=Decimal(0))
    times = [ms(lambda: _encode(frame, params, Fraction(0), True)) for _ in range(rounds + 3)][3:]
    floor.close()
    return median(times)


def whole_video(plan: Plan, video: Video, root: Path, url: str, workdir: Path) -> dict[str, Any]:
    """GetMediaInfo against a keyframe snapshot, and a storyboard against batch (benchmarks/
    whole.py), on the server whose result cache is off."""
    media = whole.media_info(video, root, url, rounds=plan.media_info_rounds)
    board = whole.storyboard_vs_batch(
        video,
        url,
        workdir / "storyboard",
        tiles=plan.storyboard_tiles,
        rounds=plan.storyboard_rounds,
        concurrency=8,  # the command line's default --concurrency, for both
    )
    _log(whole.summary(media, board))
    return {"media_info": dataclasses.asdict(media), "storyboard": dataclasses.asdict(board)}


def contract_run(plan: Plan, workdir: Path) -> dict[str, Any]:
    """Wall time of ``cos-snapshot contract`` against the embedded emulator (fixture videos
    included), from an empty directory; a quick plan runs a tenth of the examples of one
    question of the readings (a smoke run of the harness, not of the suite)."""
    empty = workdir / "contract-cwd"
    empty.mkdir()
    command = [sys.executable, "-m", "cos_snapshot.cli", "contract"]
    if plan.quick:
        command += ["--examples", "0.1", "--", "-k", "exactframe_reading"]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COS_CONTRACT_")}
    load = os.getloadavg()
    started = time.perf_counter()
    result = subprocess.run(command, cwd=empty, env=environ, capture_output=True, check=False)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "exit": result.returncode, "load_before": load}


def run(plan: Plan, workdir: Path) -> dict[str, Any]:
    started = time.time()
    load_before = os.getloadavg()
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    root = workdir / "videos"
    _log("making videos")
    videos = [
        make_video(root, "360p", (640, 360), plan.seconds_360p),
        make_video(root, "720p", (1280, 720), plan.seconds_720p),
    ]
    results: dict[str, Any] = {"plan": dataclasses.asdict(plan)}
    with bench_emulator(root, result_cache_bytes=0) as cold:
        _log(f"latency sweep ({plan.rounds} rounds after {plan.warmup} warm-up)")
        sweep = snapshots.sweep(
            videos,
            cold.url,
            positions=plan.positions,
            rounds=plan.rounds,
            warmup=plan.warmup,
            ffmpeg=ffmpeg,
            workdir=workdir,
            log=_log,
        )
        results["sweep"] = {
            label: {
                str(pos): {**sweep.times[(label, pos)], "packets": sweep.packets[(label, pos)]}
                for pos in plan.positions
            }
            for label in (v.label for v in videos)
        }
        _log("GetMediaInfo with the container open; storyboard vs batch (720p)")
        results["whole"] = whole_video(plan, videos[1], root, cold.url, workdir)
        _log(f"an auto poster over a {poster.RTT * 1000:.0f} ms round trip (720p)")
        best = poster.poster_vs_snapshot(videos[1], cold, rounds=plan.poster_rounds)
        results["poster"] = dataclasses.asdict(best)
        _log(poster.summary(best))
        _log("snapshot jobs: one job vs ffmpeg and batch (720p); batch --server-side's rate")
        job_plan = jobs.QUICK if plan.quick else jobs.FULL
        results["jobs"] = jobs.measure(job_plan, workdir / "jobs", videos[1])
        _log("throughput")
        results["throughput"] = dataclasses.asdict(
            clients.throughput(
                videos[0],
                cold.url,
                cold.port,
                requests_per_round=plan.throughput_requests,
                rounds=plan.throughput_rounds,
                concurrency=plan.concurrency,
            )
        )
    with bench_emulator(root, result_cache_bytes=64 * 2**20) as warm:
        _log("result cache")
        results["cache"] = [
            dataclasses.asdict(r)
            for r in snapshots.cache(
                videos, warm.url, positions=list(NAMED_POSITIONS), rounds=plan.cache_rounds
            )
        ]
        _log("client per request")
        results["per_request"] = dataclasses.asdict(
            clients.per_request(
                videos[0],
                warm.url,
                warm.port,
                blocks=plan.client_blocks,
                per_block=plan.client_per_block,
            )
        )
    _log("signing")
    results["signing"] = dataclasses.asdict(
        clients.signing(blocks=plan.sign_blocks, per_block=plan.sign_per_block)
    )
    results["encode_ms"] = {v.label: encode_cost(v, 15) for v in videos}
    _log(f"memory ({plan.memory_requests} requests over {plan.memory_videos} videos)")
    results["memory"] = dataclasses.asdict(
        memory.memory(
            videos,
            workdir / "memory",
            videos=plan.memory_videos,
            requests=plan.memory_requests,
        )
    )
    results["videos"] = [
        {"label": v.label, "size": v.size, "frames": v.frames, "bytes": v.path.stat().st_size}
        for v in videos
    ]
    scenario = concurrency.QUICK if plan.quick else concurrency.FULL
    _log(
        f"many in flight over a {scenario.rtt * 1000:.0f} ms round trip, C = {scenario.concurrency}"
    )
    results["concurrency"] = concurrency.run(scenario, workdir)
    _log(f"a long batch: {plan.stream_rows:,} input rows, memory and Ctrl-C")
    results["batch_stream"] = batch_stream.measure_batch_stream(
        workdir / "batch-stream",
        rows=plan.stream_rows,
        small_rows=plan.stream_small_rows,
        extra_rows=plan.stream_extra_rows,
        stop_after=plan.stream_stop_after,
    )
    _log("the whole bucket: batch --prefix over a listing, the emulator's listing of a big root")
    results["bucket"] = bucket.measure(bucket.QUICK if plan.quick else bucket.FULL, workdir)
    _log("cos-snapshot contract against the embedded emulator")
    results["contract"] = contract_run(plan, workdir)
    results["machine"] = report.machine_info(ffmpeg)
    results["load"] = {"before": load_before, "after": os.getloadavg()}
    results["duration_s"] = time.time() - started
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--out", type=Path, default=HERE, help="where results go")
    parser.add_argument("--quick", action="store_true", help="smoke run (also BENCH_QUICK=1)")
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get("BENCH_QUICK", "") not in ("", "0")
    plan = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="cos-snapshot-bench-") as tmp:
        results = run(plan, Path(tmp))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    report.write(results, args.out)
    if args.out.resolve() == HERE and not quick:
        # The README shows the latest full run (a smoke run or another --out leaves it alone).
        report.update_readme(HERE.parent / "README.md", report.readme_block(results))
    _log(f"wrote {args.out / 'results.md'} in {results['duration_s']:.0f} s")
    return 0
