"""Many snapshots in flight over a distant link: ``cos-snapshot batch``, ``AsyncSnapshotClient`` on
each transport and the official SDK with threads, side by side.

    python -m benchmarks.concurrency [--out DIR] [--quick]     (this scenario alone)

The emulator runs as its own process with a result cache big enough for every item, warmed
before anything is timed, so what is measured is the clients and the link, not decoding. Every
contender talks to it through :mod:`benchmarks.delay_proxy` (its own process), which delays every
byte by RTT/2 each way; at C requests in flight no client can do better than C ÷ RTT snapshots a
second (the *limit*). Each contender runs in a process of its own, writes every image to a file
in a fresh directory (on a RAM file system where there is one, /dev/shm: the disk's own cost of
creating files varies tenfold here, see :func:`run`), and is measured so:

- throughput: items ÷ the proxy's window, from the first request byte it received to the last
  response byte it sent back (process start-up, imports and client set-up left out; the time
  from the process's start to its first request is reported apart);
- client CPU per snapshot: the process's user+sys time. In-process contenders
  (:mod:`benchmarks.contender`) report their own rusage over the timed window. ``cos-snapshot
  batch`` is measured from outside (``os.wait4``): its whole run at N items, less a run of one
  item with the same options (its start-up: interpreter, imports, one request), ÷ (N - 1).

Contenders take turns, round by round, each going first in turn.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from cos_snapshot import AsyncSnapshotClient, Credentials

from .serve import SECRET_ID, SECRET_KEY
from .servers import BUCKET, REPO, bench_emulator
from .timing import rotated
from .videos import make_video

HERE = Path(__file__).resolve().parent

#: The contenders, in the order tables show them.
CONTENDERS = ("batch", "aiohttp", "httpx2", "sdk")
NAMES = {
    "batch": "`cos-snapshot batch`",
    "aiohttp": "AsyncSnapshotClient, aiohttp transport",
    "httpx2": "AsyncSnapshotClient, httpx2 transport",
    "sdk": "official SDK, ThreadPoolExecutor",
}


@dataclass(frozen=True)
class ScenarioPlan:
    rtt: float  # seconds
    concurrency: list[int]
    items_per_c: int  # items at concurrency C: items_per_c × C, and at least min_items
    rounds: int
    video_seconds: int
    width: int  # output width of the snapshots (small images keep the result cache small)
    # batch's CPU per snapshot is its run less a one-item run, whose CPU varies by ~0.1 s: with
    # 20·C = 160 items at C = 8 that alone moves the figure by ±0.6 ms, so small C runs longer
    min_items: int = 0

    def items(self, c: int) -> int:
        """How many snapshots the contenders take at concurrency ``c``."""
        return max(self.items_per_c * c, self.min_items)


FULL = ScenarioPlan(
    rtt=0.2,
    concurrency=[8, 32, 128],
    items_per_c=20,
    rounds=2,
    video_seconds=12,
    width=320,
    min_items=960,
)
QUICK = ScenarioPlan(
    rtt=0.05, concurrency=[8], items_per_c=20, rounds=1, video_seconds=4, width=160
)


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def make_items(key: str, count: int, seconds: int, width: int) -> list[dict[str, Any]]:
    """``count`` distinct keyframe-mode snapshots of ``key``, times spread over ``seconds``
    (keyframe mode keeps warming the cache cheap; a cached answer costs the same either way)."""
    step = seconds * 1000 // count  # milliseconds
    return [
        {"key": key, "time": f"{i * step / 1000:.3f}", "width": width, "mode": "keyframe"}
        for i in range(count)
    ]


def write_items(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items))
    return path


async def _warm(url: str, items: list[dict[str, Any]], concurrency: int = 4) -> None:
    """Request every item once, straight from the emulator, so each is in its result cache."""
    queue = list(items)
    async with AsyncSnapshotClient(
        endpoint_url=url, credentials=Credentials(SECRET_ID, SECRET_KEY)
    ) as client:

        async def worker() -> None:
            while queue:
                item = queue.pop()
                await client.get_snapshot(
                    item["key"], item["time"], width=item["width"], mode=item["mode"]
                )

        await asyncio.gather(*(worker() for _ in range(concurrency)))


# --------------------------------------------------------------------------------------------
# The proxy


class Proxy:
    """The delay proxy as a child process; :meth:`window` reads its traffic window."""

    def __init__(self, target_port: int, rtt: float) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.delay_proxy",
                "--target-port",
                str(target_port),
                "--rtt",
                str(rtt),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        line = self.stdout.readline().split()
        if len(line) != 2 or line[0] != "ready":
            raise RuntimeError(f"the delay proxy did not start: {line!r}")
        self.url = f"http://127.0.0.1:{line[1]}"

    def window(self) -> tuple[float, float, int]:
        """``(first, last, connections)`` since the previous call (which starts a new one)."""
        self.process.send_signal(signal.SIGUSR1)
        word, first, last, connections = self.stdout.readline().split()
        if word != "window":
            raise RuntimeError(f"unexpected line from the delay proxy: {word!r}")
        return float(first), float(last), int(connections)

    def close(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def delay_proxy(target_port: int, rtt: float) -> Iterator[Proxy]:
    proxy = Proxy(target_port, rtt)
    try:
        yield proxy
    finally:
        proxy.close()


# --------------------------------------------------------------------------------------------
# One run of one contender


@dataclass
class Run:
    contender: str
    concurrency: int
    items: int
    files: int  # image files found in its output directory afterwards
    window_s: float  # the proxy's window: first request byte to last response byte
    cpu_s: float  # client CPU (for batch: the whole process, start-up included)
    startup_s: float  # process start to its first request byte
    connections: int
    exit: int


def _spawn(command: list[str], env: dict[str, str]) -> tuple[int, float, str]:
    """Run ``command``; return its exit status, its user+sys CPU seconds and its stdout. Its
    stderr (batch's progress lines) goes to a file, as in a script, and is shown on failure."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            err.seek(0)
            _log(f"{command[0]} exited {process.returncode}: {err.read()[-2000:]}")
        out.seek(0)
        return process.returncode, usage.ru_utime + usage.ru_stime, out.read()


def batch_command() -> list[str]:
    """``cos-snapshot`` as installed with the cli extra (the console script beside python)."""
    exe = Path(sys.executable).with_name("cos-snapshot")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cos_snapshot.cli"]


def run_contender(
    contender: str, concurrency: int, items_file: Path, count: int, proxy: Proxy, out: Path
) -> Run:
    env = {
        **os.environ,
        "TENCENTCLOUD_SECRET_ID": SECRET_ID,
        "TENCENTCLOUD_SECRET_KEY": SECRET_KEY,
        "PYTHONPATH": str(REPO),
    }
    if contender == "batch":
        command = [
            *batch_command(),
            "batch",
            "--input",
            str(items_file),
            "--output-dir",
            str(out),
            "--concurrency",
            str(concurrency),
            "--endpoint-url",
            proxy.url,
            "--bucket",
            BUCKET,
        ]
    else:
        command = [
            sys.executable,
            "-m",
            "benchmarks.contender",
            contender,
            "--endpoint-url",
            proxy.url,
            "--items",
            str(items_file),
            "--concurrency",
            str(concurrency),
            "--out",
            str(out),
        ]
    proxy.window()  # a new window for this run
    started = time.monotonic()
    status, cpu, stdout = _spawn(command, env)
    first, last, connections = proxy.window()
    if contender != "batch" and status == 0:
        cpu = json.loads(stdout.strip().splitlines()[-1])["cpu_s"]
    files = sum(1 for p in out.rglob("*") if p.suffix in (".jpg", ".png")) if out.exists() else 0
    return Run(
        contender,
        concurrency,
        count,
        files,
        last - first,
        cpu,
        first - started,
        connections,
        status,
    )


# --------------------------------------------------------------------------------------------
# The scenario


def _ram_dir() -> str | None:
    """A RAM file system to write the images to (Linux's /dev/shm), if there is one."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def run(plan: ScenarioPlan, workdir: Path) -> dict[str, Any]:
    root = workdir / "scenario-videos"
    root.mkdir(parents=True)
    video = make_video(root, "360p", (640, 360), plan.video_seconds)
    most = max(plan.items(c) for c in plan.concurrency)
    items = make_items(video.key, most, plan.video_seconds, plan.width)
    runs: list[Run] = []
    startup: dict[int, Run] = {}
    # Images go to a RAM file system when the machine has one, a fresh directory for each run,
    # nothing deleted until the last run is over: on this machine's disk (ext4 mounted with
    # discard) creating a file costs 35 µs of CPU, or 600-800 µs for ~10 s after thousands
    # were deleted, which would land on whichever contender ran next.
    ram = _ram_dir()
    numbers = itertools.count()
    with (
        tempfile.TemporaryDirectory(prefix="cos-snapshot-bench-", dir=ram or workdir) as outputs,
        bench_emulator(root, result_cache_bytes=512 * 2**20) as emulator,
    ):

        def out() -> Path:
            return Path(outputs) / f"run-{next(numbers)}"

        _log(f"concurrency: warming the result cache with {most} snapshots")
        asyncio.run(_warm(emulator.url, items))
        with delay_proxy(emulator.port, plan.rtt) as proxy:
            for c in plan.concurrency:
                count = plan.items(c)
                items_file = write_items(workdir / f"items-{c}.jsonl", items[:count])
                one_file = write_items(workdir / f"items-{c}-one.jsonl", items[:1])
                for turn in range(plan.rounds):
                    for contender in rotated(list(CONTENDERS), turn):
                        _log(f"concurrency {c}: {contender} ({count} items, round {turn + 1})")
                        result = run_contender(contender, c, items_file, count, proxy, out())
                        runs.append(result)
                    # batch's start-up: the same command with one item
                    one = run_contender("batch", c, one_file, 1, proxy, out())
                    if c not in startup or one.cpu_s < startup[c].cpu_s:
                        startup[c] = one
    return {
        "plan": asdict(plan),
        "outputs_on": "ram" if ram else "disk",
        "runs": [asdict(r) for r in runs],
        "batch_startup": {str(c): asdict(r) for c, r in startup.items()},
    }


# --------------------------------------------------------------------------------------------
# Figures from the runs


def limit(results: dict[str, Any], c: int) -> float:
    """C ÷ RTT: snapshots per second that C requests in flight can reach at best."""
    return c / results["plan"]["rtt"]


def _runs(results: dict[str, Any], contender: str, c: int) -> list[dict[str, Any]]:
    return [r for r in results["runs"] if r["contender"] == contender and r["concurrency"] == c]


def ok(run: dict[str, Any]) -> bool:
    return bool(run["exit"] == 0 and run["files"] == run["items"])


def throughput(results: dict[str, Any], contender: str, c: int) -> float:
    """Snapshots per second (the best round: load on a shared machine only ever slows one)."""
    rates = [r["items"] / r["window_s"] for r in _runs(results, contender, c) if ok(r)]
    return max(rates) if rates else math.nan


def cpu_ms(results: dict[str, Any], contender: str, c: int) -> float:
    """Client CPU per snapshot, ms (the best round); batch less its start-up run."""
    values = []
    for r in _runs(results, contender, c):
        if not ok(r):
            continue
        if contender == "batch":
            one = results["batch_startup"][str(c)]
            if not ok(one):
                return math.nan
            values.append((r["cpu_s"] - one["cpu_s"]) / (r["items"] - 1) * 1000)
        else:
            values.append(r["cpu_s"] / r["items"] * 1000)
    return min(values) if values else math.nan


def startup_s(results: dict[str, Any], contender: str, c: int) -> float:
    values = [r["startup_s"] for r in _runs(results, contender, c) if ok(r)]
    return min(values) if values else math.nan


def failures(results: dict[str, Any]) -> list[str]:
    """What went wrong, one line per failed run."""
    return [
        f"{r['contender']} at C = {r['concurrency']}: exit {r['exit']}, "
        f"{r['files']} of {r['items']} files"
        for r in results["runs"]
        if not ok(r)
    ]


def table(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for c in results["plan"]["concurrency"]:
        for contender in CONTENDERS:
            rate = throughput(results, contender, c)
            rows.append(
                [
                    str(c),
                    NAMES[contender],
                    f"{rate:.1f}/s",  # contenders at the link's limit differ in tenths
                    f"{rate / limit(results, c):.0%}",
                    f"{cpu_ms(results, contender, c):.2f} ms",
                    f"{startup_s(results, contender, c):.2f} s",
                ]
            )
    return rows


TABLE_HEADER = [
    "C",
    "client",
    "throughput",
    "÷ (C ÷ RTT)",
    "client CPU per snapshot",
    "start-up (process start to first request)",
]


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    cs = results["plan"]["concurrency"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
    styles = {
        "batch": ("tab:blue", "o"),
        "aiohttp": ("tab:green", "^"),
        "httpx2": ("tab:gray", "."),
        "sdk": ("tab:red", "s"),
    }
    for contender, (color, marker) in styles.items():
        label = NAMES[contender].replace("`", "")
        left.plot(
            cs,
            [throughput(results, contender, c) / limit(results, c) for c in cs],
            marker=marker,
            color=color,
            label=label,
        )
        right.plot(
            cs, [cpu_ms(results, contender, c) for c in cs], marker=marker, color=color, label=label
        )
    rtt_ms = results["plan"]["rtt"] * 1000
    left.axhline(0.9, color="black", linewidth=0.8, linestyle="--")
    left.set_title(f"throughput ÷ (C ÷ RTT), RTT {rtt_ms:.0f} ms, cached answers")
    left.set_ylabel("fraction of the link's limit")
    left.set_ylim(0, 1.05)
    right.set_title("client CPU per snapshot")
    right.set_ylabel("ms (user + sys)")
    right.set_ylim(bottom=0)
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xticks(cs, [str(c) for c in cs])
        ax.set_xlabel("requests in flight (C)")
        ax.grid(alpha=0.3)
    left.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.concurrency", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="where results go")
    parser.add_argument("--quick", action="store_true", help="smoke run (also BENCH_QUICK=1)")
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get("BENCH_QUICK", "") not in ("", "0")
    with tempfile.TemporaryDirectory(prefix="cos-snapshot-bench-") as tmp:
        results = run(QUICK if quick else FULL, Path(tmp))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "concurrency.json").write_text(json.dumps(results, indent=1) + "\n")
    lines = ["| " + " | ".join(TABLE_HEADER) + " |", "|" + "---|" * len(TABLE_HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in table(results)]
    lines += [f"- failed: {line}" for line in failures(results)]
    (args.out / "concurrency.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
