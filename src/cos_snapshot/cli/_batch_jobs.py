"""``cos-snapshot batch --server-side``: the batch's videos as snapshot jobs, one per video
(the work is :func:`cos_snapshot.tools.batch.run_job_batch`). A part of the ``batch`` command:
only :mod:`cos_snapshot.cli._batch` imports it."""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from .. import TimeSelection
from .._shared.text import plural
from ..tools.batch import (
    DEFAULT_MATCH,
    JOBS_FILE_NAME,
    BatchInputError,
    ItemDefaults,
    JobResult,
    ListedKeys,
    iter_items,
    run_job_batch,
)
from ..tools.destination import BucketPrefix
from ._common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    async_client_from_args,
    options_named,
    print_json,
)

__all__ = ["batch_server_side"]

#: Seconds between two polls of the jobs under way (one request for up to 50 of them).
POLL_S = 1.0


def _refuse_options(args: argparse.Namespace) -> None:
    """The options a job cannot honour, refused before anything is sent."""
    if args.times:
        raise UsageError(
            "--times: a job's shots are evenly spaced; with --server-side give --count N or "
            "--every S"
        )
    if not (args.count or args.every):
        raise UsageError("--server-side: give --count N or --every S")
    if args.count and args.every:
        raise UsageError("give one of --count and --every, not both")
    for option, value, allowed in (
        ("--format", args.format, ("jpg", None)),
        ("--mode", args.mode, ("exactframe",)),
        ("--rotate", args.rotate, ("auto",)),
    ):
        if value not in allowed:
            raise UsageError(f"{option} {value}: a job writes jpg shots, exact frames, turned")
    for option, value in (("--name-template", args.name_template), ("--failures", args.failures)):
        if value:
            raise UsageError(
                f"{option}: not with --server-side (shots are named <key>_<n>.jpg; "
                "--jobs-file keeps what a re-run needs)"
            )
    if args.skip_past_end:
        raise UsageError("--skip-past-end: a job takes no time past the end anyway")
    if args.input and args.keys:
        raise UsageError("give keys, --input or --prefix: one of them")


def _selection(args: argparse.Namespace) -> TimeSelection:
    with options_named():
        if args.count:
            count = args.count.strip()
            if not count.isascii() or not count.isdigit():
                raise UsageError(f"--count: must be a whole number, got {args.count!r}")
            return TimeSelection(count=int(count))
        return TimeSelection(every=args.every)


def _input_keys(path: Path) -> Iterator[str]:
    """The distinct keys of an input file, in order (a row's time and output are the
    client-side batch's; a job's times come from --count or --every)."""
    seen: set[str] = set()
    for item in iter_items(path, ItemDefaults()):
        key = item.args.key
        if key not in seen:
            seen.add(key)
            yield key


def _dimension(value: int | None, option: str) -> int | None:
    if not value:
        return None
    if not 128 <= value <= 4096:
        raise UsageError(f"{option}: a job's shots are 128 to 4096 pixels, got {value}")
    return value


def batch_server_side(args: argparse.Namespace) -> int:
    """Run ``batch --server-side``; the exit code."""
    _refuse_options(args)
    selection = _selection(args)
    place = args.output_place
    width = _dimension(args.width, "--width")
    height = _dimension(args.height, "--height")
    if args.jobs_file:
        jobs_file = Path(args.jobs_file)
    elif isinstance(place, BucketPrefix):
        jobs_file = Path(JOBS_FILE_NAME)
    else:
        jobs_file = place / JOBS_FILE_NAME
    prefix = args.prefix.prefix if args.prefix is not None else ""
    if args.input:
        try:
            keys_list = list(_input_keys(Path(args.input)))
        except BatchInputError as error:
            raise UsageError(str(error)) from None
    client = async_client_from_args(args, args.concurrency)
    listed = ListedKeys(prefix, selection, match=tuple(args.match) if args.match else DEFAULT_MATCH)

    async def listing() -> AsyncIterator[str]:
        async for summary in client.iter_objects(prefix):
            listed.listed += 1
            if not summary.key.endswith("/") and listed.matches(summary.key):
                listed.matched += 1
                yield summary.key

    counts = {"done": 0, "skipped": 0, "failed": 0, "not_run": 0}

    def on_result(result: JobResult) -> None:
        counts[result.status] += 1
        if args.json:
            print_json(result.to_json())
        elif not args.quiet or result.status == "failed":
            detail = result.error if result.error else plural(len(result.outputs), "shot")
            print(f"{result.key}: {result.status} ({detail})", flush=True)

    async def run() -> None:
        async with client:
            keys = (
                listing() if args.prefix is not None else (keys_list if args.input else args.keys)
            )
            await run_job_batch(
                client,
                keys,
                selection,
                place,
                jobs_file=jobs_file,
                prefix=prefix,
                width=width,
                height=height,
                force=args.force,
                concurrency=args.concurrency,
                poll=POLL_S,
                timeout=math.inf,  # Ctrl-C stops the wait; the same batch run again collects
                on_result=on_result,
            )

    asyncio.run(run())
    total = sum(counts.values())
    summary = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in counts.items())
    if args.json:
        print_json({"type": "summary", **counts, "jobs_file": str(jobs_file)})
    else:
        print(f"batch (server side): {summary} of {plural(total, 'video')}; jobs in {jobs_file}")
    if args.prefix is not None and not listed.matched:
        print(
            f"{plural(listed.listed, 'object')} under {prefix or 'the bucket root'}",
            file=sys.stderr,
        )
    return EXIT_FAILED if counts["failed"] or counts["not_run"] else EXIT_OK
