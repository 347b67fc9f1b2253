"""The whole bucket: ``cos-snapshot batch --prefix`` over a listing, and the emulator's listing
of a large root.

    python -m benchmarks.bucket [--out DIR] [--quick] [--update]

*Prefix batch*: ``objects`` keys under ``videos/`` (``per_directory`` to a directory), each a
symbolic link to one fixture video inside the root (the emulator lists a link to a file inside
its root as an object, and resolves it to that file, so one cached answer serves every key:
the answers are cached, as in :mod:`benchmarks.concurrency`). ``cos-snapshot batch --prefix
videos/ --times 0`` takes one keyframe snapshot of each key at ``--concurrency C`` through
:mod:`benchmarks.delay_proxy`; its throughput is objects ÷ the proxy's window, from the first
request byte (the first page of the listing) to the last response byte, so the listing is
inside the timed window; the limit is C ÷ RTT. The contenders write to a local directory and,
back into the bucket, and the same keys from an ``--input`` file (:data:`CONTENDERS`); they
take turns, each going first in turn.

*Listing*: ``directories`` × ``files`` empty files under another root, listed whole by
``cos-snapshot serve --anonymous`` on loopback, 1,000 keys a page, each page a bare
``http.client`` request timed until its body is read (no parsing beyond ``NextMarker``: the
server's time and one loopback round trip). The server's RSS is read from /proc before the
listing and after every page. Then the first and the last page are asked for again, in turn,
``rounds`` times each: a page must cost in proportion to the page, not to its position.

``--update`` puts the figures into ``benchmarks/results.json`` (key ``bucket``) and writes
``results.md`` again from it, leaving the other benchmarks' figures as their last run left them.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import itertools
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .concurrency import (
    Proxy,
    Run,
    _ram_dir,
    _spawn,
    _warm,
    batch_command,
    delay_proxy,
    ok,
    write_items,
)
from .serve import SECRET_ID, SECRET_KEY
from .servers import BUCKET, REPO, bench_emulator, emulator_process, rss_kib
from .timing import median, rotated
from .videos import make_video

HERE = Path(__file__).resolve().parent
PREFIX = "videos/"

#: The prefix batch's contenders, in the order tables show them: into a local directory; the
#: same keys from an ``--input`` file instead of a listing (what the listing costs, side by
#: side); into the bucket (``-o cos:///posters/RUN/``), its resume listing of the output prefix
#: inside the timed window.
CONTENDERS = ("local", "input", "cos")
NAMES = {
    "local": "`batch --prefix videos/ -o DIR`",
    "input": "`batch --input KEYS.jsonl -o DIR` (the same keys, no listing)",
    "cos": "`batch --prefix videos/ -o cos:///posters/RUN/`",
}


@dataclass(frozen=True)
class BucketPlan:
    rtt: float  # seconds
    concurrency: int
    objects: int
    per_directory: int
    rounds: int
    width: int
    video_seconds: int
    directories: int  # the listing's root: directories × files
    files: int
    listing_rounds: int


FULL = BucketPlan(
    rtt=0.2,
    concurrency=128,
    objects=10_000,
    per_directory=1000,
    rounds=3,
    width=160,
    video_seconds=2,
    directories=100,
    files=1000,
    listing_rounds=9,
)
QUICK = BucketPlan(
    rtt=0.05,
    concurrency=16,
    objects=400,
    per_directory=100,
    rounds=1,
    width=160,
    video_seconds=2,
    directories=5,
    files=500,
    listing_rounds=2,
)


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _ram_or(workdir: Path) -> tuple[Path, str]:
    """Where roots and outputs go: a RAM file system if there is one (see
    :func:`benchmarks.concurrency.run` for why), else ``workdir``."""
    ram = _ram_dir()
    return (Path(ram), "ram") if ram else (workdir, "disk")


def _env() -> dict[str, str]:
    """The client's environment: credentials, and this checkout first on the import path (an
    editable install may point at another one)."""
    path = os.pathsep.join(
        p for p in (str(REPO / "src"), str(REPO), os.environ.get("PYTHONPATH")) if p
    )
    return {
        **os.environ,
        "TENCENTCLOUD_SECRET_ID": SECRET_ID,
        "TENCENTCLOUD_SECRET_KEY": SECRET_KEY,
        "PYTHONPATH": path,
    }


# --------------------------------------------------------------------------------------------
# batch --prefix


def make_linked_root(root: Path, plan: BucketPlan) -> list[dict[str, Any]]:
    """One fixture video under ``source/`` and ``plan.objects`` keys under ``videos/`` linking
    to it (relative links, inside the root); returns their items, in key order."""
    video = make_video(root / "source", "360p", (640, 360), plan.video_seconds)
    items = []
    for i in range(plan.objects):
        directory = f"d{i // plan.per_directory:03d}"
        if i % plan.per_directory == 0:
            (root / PREFIX / directory).mkdir(parents=True)
        os.symlink(f"../../source/{video.key}", root / PREFIX / directory / f"v{i:05d}.mp4")
        key = f"{PREFIX}{directory}/v{i:05d}.mp4"
        items.append({"key": key, "time": "0", "width": plan.width, "mode": "keyframe"})
    return items


def _count_images(directory: Path) -> int:
    return sum(1 for p in directory.rglob("*.jpg")) if directory.exists() else 0


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process so far, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_batch(
    contender: str,
    plan: BucketPlan,
    proxy: Proxy,
    server: int,
    root: Path,
    outputs: Path,
    number: int,
) -> dict[str, Any]:
    """One batch run of ``contender``; its images are counted where they went. Beside the
    client's CPU, the emulator's (pid ``server``) and the proxy's over the run."""
    if contender == "cos":
        out = root / "posters" / f"run-{number}"  # the emulator keeps objects as files
        target = f"cos:///posters/run-{number}/"
    else:
        out = outputs / f"run-{number}"
        target = str(out)
    if contender == "input":
        source = ["--input", str(outputs / "keys.jsonl")]
    else:
        what = ["--times", "0", "--mode", "keyframe", "--width", str(plan.width)]
        source = ["--prefix", PREFIX, *what]
    command = [
        *batch_command(),
        "batch",
        *source,
        "-o",
        target,
        "--concurrency",
        str(plan.concurrency),
        "--quiet",
        "--endpoint-url",
        proxy.url,
        "--bucket",
        BUCKET,
    ]
    proxy.window()  # a new window for this run
    others = cpu_s(server), cpu_s(proxy.process.pid)
    started = time.monotonic()
    status, cpu, _ = _spawn(command, _env())
    first, last, connections = proxy.window()
    server_cpu, proxy_cpu = cpu_s(server) - others[0], cpu_s(proxy.process.pid) - others[1]
    run = Run(
        contender,
        plan.concurrency,
        plan.objects,
        _count_images(out),
        last - first,
        cpu,
        first - started,
        connections,
        status,
    )
    return {**asdict(run), "server_cpu_s": server_cpu, "proxy_cpu_s": proxy_cpu}


def prefix_batch(plan: BucketPlan, workdir: Path) -> dict[str, Any]:
    base, where = _ram_or(workdir)
    runs: list[dict[str, Any]] = []
    numbers = itertools.count()
    with tempfile.TemporaryDirectory(prefix="cos-snapshot-bench-", dir=base) as tmp:
        root, outputs = Path(tmp) / "root", Path(tmp) / "outputs"
        _log(f"bucket: {plan.objects:,} keys linking to one video")
        items = make_linked_root(root, plan)
        outputs.mkdir()
        write_items(outputs / "keys.jsonl", items)
        with bench_emulator(root, result_cache_bytes=64 * 2**20) as emulator:
            asyncio.run(_warm(emulator.url, items[:1], concurrency=1))  # one answer serves all
            with delay_proxy(emulator.port, plan.rtt) as proxy:
                for turn in range(plan.rounds):
                    for contender in rotated(CONTENDERS, turn):
                        _log(f"bucket: batch, {contender} (round {turn + 1})")
                        runs.append(
                            run_batch(
                                contender, plan, proxy, emulator.pid, root, outputs, next(numbers)
                            )
                        )
    return {"outputs_on": where, "runs": runs}


# --------------------------------------------------------------------------------------------
# The emulator's listing


def make_flat_root(root: Path, plan: BucketPlan) -> None:
    """``plan.directories`` × ``plan.files`` empty files (a listing never reads a file)."""
    for d in range(plan.directories):
        directory = root / f"d{d:03d}"
        directory.mkdir(parents=True)
        for f in range(plan.files):
            (directory / f"f{f:05d}.mp4").touch()


_NEXT = re.compile(rb"<NextMarker>([^<]*)</NextMarker>")


@dataclass
class Page:
    marker: str
    ms: float
    keys: int
    next_marker: str | None


def get_page(connection: http.client.HTTPConnection, marker: str) -> Page:
    """One page (1,000 keys from after ``marker``), timed from the request to its last byte."""
    query = "/?max-keys=1000" + (f"&marker={quote(marker, safe='')}" if marker else "")
    started = time.perf_counter()
    connection.request("GET", query)
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise RuntimeError(f"listing answered {response.status}: {body[:300]!r}")
    found = _NEXT.search(body)
    return Page(marker, elapsed, body.count(b"<Contents>"), found and found[1].decode())


def listing(plan: BucketPlan, workdir: Path) -> dict[str, Any]:
    base, where = _ram_or(workdir)
    with tempfile.TemporaryDirectory(prefix="cos-snapshot-bench-", dir=base) as tmp:
        root = Path(tmp) / "root"
        _log(f"listing: {plan.directories} directories × {plan.files:,} files")
        make_flat_root(root, plan)
        serve = [*batch_command(), "serve", "--root", str(root), "--port", "{port}"]
        with emulator_process([*serve, "--anonymous", "--log-level", "warning"]) as server:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            get_page(connection, "d000/f00000.mp4")  # the handler's first run, not measured
            before = rss_kib(server.pid)
            pages: list[Page] = []
            rss: list[int] = []
            marker: str | None = ""
            while marker is not None:
                page = get_page(connection, marker)
                pages.append(page)
                rss.append(rss_kib(server.pid)["VmRSS"])
                marker = page.next_marker
            after = rss_kib(server.pid)
            first_ms: list[float] = []
            last_ms: list[float] = []
            for turn in range(plan.listing_rounds):
                for which in rotated(["first", "last"], turn):
                    if which == "first":
                        first_ms.append(get_page(connection, "").ms)
                    else:
                        last_ms.append(get_page(connection, pages[-1].marker).ms)
            connection.close()
    return {
        "root_on": where,
        "objects": plan.directories * plan.files,
        "keys_listed": sum(p.keys for p in pages),
        "pages_ms": [round(p.ms, 2) for p in pages],
        "last_marker": pages[-1].marker,
        "rss_before_kib": before["VmRSS"],
        "rss_after_pages_kib": rss,
        "rss_after_kib": after["VmRSS"],
        "hwm_after_kib": after["VmHWM"],
        "first_ms": first_ms,
        "last_ms": last_ms,
    }


def run(plan: BucketPlan, workdir: Path) -> dict[str, Any]:
    """Both scenarios."""
    return {
        "plan": asdict(plan),
        "prefix_batch": prefix_batch(plan, workdir),
        "listing": listing(plan, workdir),
    }


# --------------------------------------------------------------------------------------------
# Figures


def limit(results: dict[str, Any]) -> float:
    """C ÷ RTT."""
    return float(results["plan"]["concurrency"] / results["plan"]["rtt"])


def throughput(results: dict[str, Any], contender: str) -> float:
    """Objects a second (the best round: load on a shared machine only ever slows one)."""
    runs = results["prefix_batch"]["runs"]
    rates = [r["items"] / r["window_s"] for r in runs if r["contender"] == contender and ok(r)]
    return max(rates) if rates else float("nan")


#: The processes whose CPU a run reads: the batch, the emulator, the delay proxy.
PROCESSES = {"cpu_s": "client", "server_cpu_s": "emulator", "proxy_cpu_s": "proxy"}


def cpu_ms(results: dict[str, Any], contender: str) -> dict[str, float]:
    """CPU per object of each process, ms (the least of the rounds; the client's includes its
    start-up, about 0.05 ms an object at 10,000)."""
    runs = [r for r in results["prefix_batch"]["runs"] if r["contender"] == contender and ok(r)]
    return {
        name: min((r[field] / r["items"] * 1000 for r in runs), default=float("nan"))
        for field, name in PROCESSES.items()
    }


def cpu_ceiling(results: dict[str, Any], contender: str) -> float:
    """Objects a second the machine's cores could take if the three processes had them all:
    cores ÷ their CPU per object (what the link allows aside)."""
    total = sum(cpu_ms(results, contender).values())
    return float(results.get("cores", 2)) / total * 1000


def ran(results: dict[str, Any], contender: str) -> bool:
    return any(r["contender"] == contender for r in results["prefix_batch"]["runs"])


def failures(results: dict[str, Any]) -> list[str]:
    return [
        f"{r['contender']}: exit {r['exit']}, {r['files']} of {r['items']} images"
        for r in results["prefix_batch"]["runs"]
        if not ok(r)
    ]


def page_ratio(results: dict[str, Any]) -> float:
    """The last page's cost ÷ the first's (medians of the repeated requests)."""
    lst = results["listing"]
    return median(lst["last_ms"]) / median(lst["first_ms"])


def rss_growth_mb(results: dict[str, Any]) -> float:
    """The most the server's RSS rose over the listing, from just before its first page."""
    lst = results["listing"]
    return float(max(lst["rss_after_pages_kib"]) - lst["rss_before_kib"]) / 1024


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def section(results: dict[str, Any]) -> list[str]:
    """results.md's section (nothing for runs made before it existed)."""
    bucket = results.get("bucket")
    if bucket is None:
        return []
    plan, lst = bucket["plan"], bucket["listing"]
    c, rtt_ms = plan["concurrency"], plan["rtt"] * 1000
    rows = []
    for contender in CONTENDERS:
        if not ran(bucket, contender):
            rows.append([NAMES[contender], "not run", "-", "-", "-", "-", "-"])
            continue
        rate = throughput(bucket, contender)
        local = throughput(bucket, "local")
        cpu = cpu_ms(bucket, contender)
        startups = [
            r["startup_s"] for r in bucket["prefix_batch"]["runs"] if r["contender"] == contender
        ]
        rows.append(
            [
                NAMES[contender],
                f"{rate:.1f}/s",
                f"{rate / limit(bucket):.0%}",
                f"{rate / local:.3f}×",
                " + ".join(f"{v:.2f}" for v in cpu.values()) + f" = {sum(cpu.values()):.2f} ms",
                f"{cpu_ceiling(bucket, contender):.0f}/s",
                f"{min(startups):.2f} s",
            ]
        )
    pages = lst["pages_ms"]
    mid = len(pages) // 2
    lines = [
        "## The whole bucket: batch --prefix and the emulator's listing",
        "",
        f"Measured on {bucket['date']} at {bucket['commit']}, load average before/after "
        f"{bucket['load'][0]:.2f} / {bucket['load'][1]:.2f} on {bucket['cores']} cores "
        "(`python -m benchmarks.bucket --update` runs this section alone and writes it here).",
        "",
        f"`cos-snapshot batch --prefix videos/ --times 0 --mode keyframe --width {plan['width']} "
        f"--concurrency {c}` over {plan['objects']:,} listed objects ({plan['per_directory']:,} "
        "to a directory, each a symbolic link to one fixture video inside the emulator's root, "
        "so one cached answer serves every key), through the delay proxy of the section above, "
        f"RTT {rtt_ms:.0f} ms; the best of {plan['rounds']} interleaved round(s). Throughput: "
        "objects ÷ the proxy's window from the first request byte (the listing's first page) "
        "to the last response byte, so the listing, a page at a time, is inside it (the async "
        "client asks for the next page as soon as one arrives, while its keys are being taken); "
        f"process start-up is left out and shown apart. Limit: C ÷ RTT = {limit(bucket):.0f}/s. "
        f"Roots and outputs on {'a RAM file system' if bucket['prefix_batch']['outputs_on'] == 'ram' else 'disk'}.",
        "",
        *_table(
            [
                "client",
                "throughput",
                "÷ (C ÷ RTT)",
                "÷ the first row",
                "CPU per object: client + emulator + proxy",
                f"what {bucket['cores']} cores allow",
                "start-up",
            ],
            rows,
        ),
        "",
        "Each round, objects a second (the rounds ran one after another on a shared machine: "
        "compare within a round): "
        + "; ".join(
            f"{name} "
            + ", ".join(
                f"{r['items'] / r['window_s']:.0f}"
                for r in bucket["prefix_batch"]["runs"]
                if r["contender"] == name
            )
            for name in CONTENDERS
        )
        + ".",
        "",
        *([f"Failed runs: {'; '.join(failures(bucket))}.", ""] if failures(bucket) else []),
        f"The emulator's listing (`cos-snapshot serve --anonymous`, loopback) of a root of "
        f"{lst['objects']:,} empty files ({plan['directories']} directories × "
        f"{plan['files']:,}), 1,000 keys a page, each page a bare `http.client` request timed "
        f"to its last byte: {len(pages)} pages, {lst['keys_listed']:,} keys; in that pass page "
        f"1 took {pages[0]:.1f} ms, page {mid + 1} {pages[mid]:.1f} ms, page {len(pages)} "
        f"{pages[-1]:.1f} ms (median {median(pages):.1f} ms, slowest {max(pages):.1f} ms). "
        f"Asked again {len(lst['first_ms'])} times each, in turn: the first page "
        f"{median(lst['first_ms']):.1f} ms, the last (marker `{lst['last_marker']}`) "
        f"{median(lst['last_ms']):.1f} ms. The server's RSS: {lst['rss_before_kib'] / 1024:.0f} "
        f"MB before the first page, at most {max(lst['rss_after_pages_kib']) / 1024:.0f} MB "
        f"after any page, {lst['rss_after_kib'] / 1024:.0f} MB after the last (peak since "
        f"start, VmHWM, {lst['hwm_after_kib'] / 1024:.0f} MB).",
        "",
    ]
    return lines


def _record(results: dict[str, Any], load: tuple[float, float]) -> dict[str, Any]:
    from .report import _first_line  # noqa: PLC0415 - report imports this module

    commit = _first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    return {
        **results,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "commit": commit,
        "load": load,
        "cores": len(os.sched_getaffinity(0)),
    }


def measure(plan: BucketPlan, workdir: Path) -> dict[str, Any]:
    """:func:`run`, with when, where and under what load (what run.py stores)."""
    load = os.getloadavg()[0]
    results = run(plan, workdir)
    return _record(results, (load, os.getloadavg()[0]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bucket", description=__doc__)
    parser.add_argument(
        "--out", type=Path, default=None, help="write bucket.json and bucket.md here"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run (also BENCH_QUICK=1)")
    parser.add_argument(
        "--update", action="store_true", help="into benchmarks/results.json and results.md"
    )
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get("BENCH_QUICK", "") not in ("", "0")
    with tempfile.TemporaryDirectory(prefix="cos-snapshot-bench-") as tmp:
        measured = measure(QUICK if quick else FULL, Path(tmp))
    text = "\n".join(section({"bucket": measured}))
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bucket.json").write_text(json.dumps(measured, indent=1) + "\n")
        (args.out / "bucket.md").write_text(text)
    if args.update:
        from . import report  # noqa: PLC0415

        stored = json.loads((HERE / "results.json").read_text())
        stored["bucket"] = measured
        (HERE / "results.json").write_text(json.dumps(stored, indent=1) + "\n")
        (HERE / "results.md").write_text(report.render(stored))
    return 0


if __name__ == "__main__":
    sys.exit(main())
