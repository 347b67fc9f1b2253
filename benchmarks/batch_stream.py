"""The memory of a long `cos-snapshot batch`, and how fast Ctrl-C stops it.

    python -m benchmarks.batch_stream [--rows 1000000] [--small-rows 10000] [--stop-after 1000]

For each input size it writes a JSON Lines input of that many rows (a few fixture videos, a
few distinct times, so the emulator answers from its result cache), runs `cos-snapshot batch
--input` as a user would, against `cos-snapshot serve --anonymous` on loopback, waits until
``stop_after`` images are written, reads the batch process's RSS (VmRSS, VmHWM) from /proc,
then sends SIGINT and times how long the command takes to stop and write every not-run row
to the failures file. The bytes held per input row are the difference in peak RSS between the
large and the small input, divided by the difference in rows: what the process's own imports
and buffers cost is the same for both and drops out.

:func:`measure_batch_stream` is what `nox -s bench` calls; `main` prints its JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cos_snapshot.testing import make_fixture

from .servers import emulator_process, rss_kib

KEYS = ("videos/stream-a.mp4", "videos/stream-b.mp4", "videos/stream-c.mp4")
TIMES = tuple(f"{i * 0.12:.2f}" for i in range(16))  # 16 distinct frames per video


@dataclass
class BatchRun:
    rows: int
    input_bytes: int
    first_image_s: float  # start to the first image: start-up, imports and the checking pass
    rss_kib: int  # when stop_after images are written
    hwm_kib: int  # the peak up to then
    images_at_sigint: int
    sigint_s: float  # SIGINT to exit, the failures file written
    exit_code: int
    not_run_rows: int


def write_input(path: Path, rows: int) -> int:
    """A JSON Lines input of ``rows`` items; returns its size in bytes."""
    with path.open("w", encoding="utf-8") as stream:
        for i in range(rows):
            key = KEYS[i % len(KEYS)]
            stream.write(f'{{"key": "{key}", "time": "{TIMES[(i // len(KEYS)) % len(TIMES)]}"}}\n')
    return path.stat().st_size


def _count_images(directory: Path) -> int:
    try:
        return sum(1 for entry in os.scandir(directory) if entry.name.endswith(".jpg"))
    except FileNotFoundError:
        return 0


def _command() -> list[str]:
    exe = Path(sys.executable).with_name("cos-snapshot")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cos_snapshot.cli"]


def run_one(url: str, workdir: Path, rows: int, *, stop_after: int, concurrency: int) -> BatchRun:
    """One batch over a ``rows``-row input, interrupted once ``stop_after`` images exist."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Started in the background (SIGINT ignored, which children inherit): the batch would
        # ignore the Ctrl-C this measures, as a background job should, and run to the end.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    workdir.mkdir(parents=True, exist_ok=True)
    source = workdir / f"items-{rows}.jsonl"
    size = write_input(source, rows)
    out = workdir / f"out-{rows}"
    argv = [
        *_command(),
        "batch",
        "--input",
        str(source),
        "-o",
        str(out),
        "--name-template",
        "{index:07d}.jpg",
        "--concurrency",
        str(concurrency),
        "--quiet",
        "--endpoint-url",
        url,
        "--anonymous",
    ]
    started = time.monotonic()
    with (workdir / f"batch-{rows}.log").open("w") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        try:
            first_image = None
            while (count := _count_images(out)) < stop_after:
                if process.poll() is not None:
                    raise RuntimeError(f"batch exited with {process.returncode} after {count}")
                if count and first_image is None:
                    first_image = time.monotonic() - started
                time.sleep(0.02)
            memory = rss_kib(process.pid)
            images = _count_images(out)
            sent = time.monotonic()
            process.send_signal(signal.SIGINT)
            code = process.wait(300)
            stopped = time.monotonic() - sent
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    failures = out / "failures.jsonl"
    with failures.open("rb") as stream:
        not_run = sum(1 for _ in stream)
    return BatchRun(
        rows=rows,
        input_bytes=size,
        first_image_s=round(first_image if first_image is not None else 0.0, 2),
        rss_kib=memory["VmRSS"],
        hwm_kib=memory["VmHWM"],
        images_at_sigint=images,
        sigint_s=round(stopped, 2),
        exit_code=code,
        not_run_rows=not_run,
    )


def measure_batch_stream(
    workdir: Path,
    *,
    rows: int = 1_000_000,
    small_rows: int = 10_000,
    stop_after: int = 1000,
    concurrency: int = 8,
    extra_rows: tuple[int, ...] = (),
) -> dict[str, Any]:
    """Batches over inputs of ``small_rows``, ``rows`` and ``extra_rows`` rows; the peak RSS of
    each and the bytes per row between the small and the large one."""
    root = workdir / "root"
    for key in KEYS:
        make_fixture(root / key, duration=2, fps=25, gop=25, size=(160, 120))
    serve = [*_command(), "serve", "--root", str(root), "--port", "{port}", "--anonymous"]
    runs = []
    with emulator_process([*serve, "--log-level", "warning"]) as server:
        for n in dict.fromkeys((small_rows, *extra_rows, rows)):  # each size once
            one = run_one(server.url, workdir, n, stop_after=stop_after, concurrency=concurrency)
            print(json.dumps(asdict(one)), file=sys.stderr, flush=True)
            runs.append(one)
    small, large = runs[0], runs[-1]
    per_row = (large.hwm_kib - small.hwm_kib) * 1024 / (large.rows - small.rows)
    return {
        "runs": [asdict(r) for r in runs],
        "bytes_per_row": round(per_row, 1),
        "stop_after": stop_after,
        "concurrency": concurrency,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small-rows", type=int, default=10_000)
    parser.add_argument("--extra-rows", type=int, nargs="*", default=[200_000])
    parser.add_argument("--stop-after", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/cos-snapshot-batch-stream"))
    args = parser.parse_args(argv)
    result = measure_batch_stream(
        args.workdir,
        rows=args.rows,
        small_rows=args.small_rows,
        stop_after=args.stop_after,
        concurrency=args.concurrency,
        extra_rows=tuple(args.extra_rows),
    )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
