"""The best poster (``get --time auto``: :func:`cos_snapshot.tools.poster.pick_poster`) against
one plain exactframe snapshot of the same size, over a link to a distant region.

The client talks to the emulator (its result cache off, so every snapshot decodes) through
:mod:`benchmarks.delay_proxy` with a ``rtt`` round trip, on connections kept warm: a poster and
a plain snapshot are both taken once before the rounds are timed (the poster's candidates
leave a connection open each). Each round times a poster at the video's own size (``get``'s
default width) and one exactframe snapshot of the same size at the time the poster chose,
alternating which goes first. The poster costs a GetMediaInfo, 8 candidates 160 wide at once
and the poster itself: three round trips against the plain snapshot's one, and the candidates'
decoding; the target is at most 4 times the plain snapshot.

    python -m benchmarks.poster [--quick]      (one 720p bench video; prints the result)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cos_snapshot import Credentials, SnapshotClient
from cos_snapshot.tools.poster import DEFAULT_CANDIDATES, pick_poster

from .concurrency import delay_proxy
from .serve import SECRET_ID, SECRET_KEY
from .servers import Server, bench_emulator
from .timing import median
from .videos import Video, make_video

CREDENTIALS = Credentials(SECRET_ID, SECRET_KEY)
#: The round trip of the link, seconds (a distant region, as the concurrency scenario's).
RTT = 0.2
#: The poster's size: the video's own (``get``'s default).
WIDTH = 0


@dataclass
class PosterResult:
    label: str
    rtt: float
    width: int
    candidates: int
    #: Snapshots one poster asked for (the candidates, and the poster unless it was one).
    snapshots: int = 0
    chosen: list[str] = field(default_factory=list)
    poster_ms: list[float] = field(default_factory=list)
    snapshot_ms: list[float] = field(default_factory=list)


def poster_vs_snapshot(
    video: Video, server: Server, *, rounds: int, rtt: float = RTT
) -> PosterResult:
    """``rounds`` timed posters and plain snapshots of ``video`` on ``server`` (result cache
    off) behind a ``rtt`` delay proxy, after one untimed of each (see the module)."""
    result = PosterResult(video.label, rtt, WIDTH, DEFAULT_CANDIDATES)
    with delay_proxy(server.port, rtt) as proxy:
        client = SnapshotClient(endpoint_url=proxy.url, credentials=CREDENTIALS)
        with client:
            warm = pick_poster(client, video.key, width=WIDTH)  # opens the connections
            client.get_snapshot(video.key, warm.time, width=WIDTH)
            result.snapshots = warm.snapshots
            for number in range(rounds):
                spent: dict[str, float] = {}
                for which in ("poster", "snapshot") if number % 2 else ("snapshot", "poster"):
                    started = time.perf_counter()
                    if which == "poster":
                        choice = pick_poster(client, video.key, width=WIDTH)
                        result.chosen.append(choice.time)
                    else:
                        client.get_snapshot(video.key, warm.time, width=WIDTH)
                    spent[which] = (time.perf_counter() - started) * 1000
                result.poster_ms.append(spent["poster"])
                result.snapshot_ms.append(spent["snapshot"])
    return result


def summary(result: PosterResult) -> str:
    """One line for the bench's log."""
    poster, plain = median(result.poster_ms), median(result.snapshot_ms)
    return (
        f"auto poster {poster:.0f} ms vs one exactframe snapshot {plain:.0f} ms "
        f"({poster / plain:.2f}×, {result.snapshots} snapshots + 1 GetMediaInfo, "
        f"RTT {result.rtt * 1000:.0f} ms)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.poster", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a 4 s video and one round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cos-snapshot-bench-poster-") as tmp:
        root = Path(tmp) / "videos"
        video = make_video(root, "720p", (1280, 720), 4 if args.quick else 60)
        with bench_emulator(root, result_cache_bytes=0) as server:
            result = poster_vs_snapshot(video, server, rounds=1 if args.quick else args.rounds)
    print(summary(result), file=sys.stderr)
    print(json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
