"""``cos-snapshot batch``: snapshots of many keys × times into a directory.

The work is done by :mod:`cos_snapshot.batch`; this module reads the options, shows progress
(a rich bar on a terminal, plain lines otherwise), prints results and the summary, and keeps the
failures file.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from .. import AsyncSnapshotClient
from ..batch import (
    DEFAULT_TEMPLATE,
    FAILURES_NAME,
    FIELDS,
    BatchInputError,
    BatchItem,
    BatchTally,
    ItemDefaults,
    ItemResult,
    NameTemplate,
    PlannedItem,
    items_from_arguments,
    plan_outputs,
    read_items,
    run_batch,
    write_failures,
)
from ._common import (
    DEFAULT_CONCURRENCY,
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_connection_options,
    async_client_from_args,
    concurrency,
    parse_times_option,
    print_json,
    subparser,
)

__all__ = ["register"]

EPILOG = f"""
examples:
  # posters every 5 s for the first minute of two videos: 0, 5, ..., 60
  cos-snapshot batch videos/a.mp4 videos/b.mp4 --times 0:60:5 -o posters \\
      --bucket examplebucket-1250000000 --region ap-guangzhou
  # a few times, 320 px wide PNGs, names that keep the keys' folders
  cos-snapshot batch videos/a.mp4 --times 0,1.5,3 --width 320 --format png \\
      --name-template '{{key}}/{{time}}.{{format}}' -o thumbs
  # items from a file: CSV with a header row, or JSON Lines
  cos-snapshot batch --input items.csv -o posters --concurrency 16
  # take again what failed: the failures file is an input file
  cos-snapshot batch --input posters/{FAILURES_NAME} -o posters
  # for scripts: one JSON line per item, then one summary line
  cos-snapshot --json batch --input items.jsonl -o posters > results.jsonl

times:
  seconds and START:END:STEP ranges, separated by commas (0,0.5,10:20:5). A range includes
  END when END falls on a step: 0:60:5 is 0, 5, ..., 60 (13 times). Decimals are exact:
  0:1:0.1 gives 0.3, never 0.30000000000000004. A repeated time is taken once.

input files (--input):
  columns key and time, optional width, height, format, rotate, mode (empty or missing: the
  options below), index (for {{index}}) and output (a file name relative to --output-dir, in
  place of --name-template's); other columns are ignored. CSV needs a header
  row; JSON Lines has one object a line, times as numbers or strings. A bad row stops the
  command before anything is fetched, naming its file and line.

output names (--name-template, relative to --output-dir, which they may not leave):
  {{key_stem}} {{key}} {{time}} {{format}} {{index}} {{width}} {{height}} {{mode}} {{rotate}};
  format specs work: {{index:04d}}. Two items that would get the same name are refused.

resuming:
  an item whose file exists is skipped (--force takes it again), so running the same command
  after an interruption takes only what is missing. Files are written whole or not at all.

failures:
  items that failed, or did not run because of Ctrl-C, are written to --failures (default
  OUTPUT_DIR/{FAILURES_NAME}) as JSON Lines that --input reads back, with the reason in an
  "error" column and each item's file name in "output", so a re-take writes the same files
  whatever --name-template the first run had. The file is removed when a run leaves nothing
  undone.

exit codes:
  0 every item done or skipped; 1 some item failed; 2 bad usage, times, input file or
  connection settings (nothing fetched); 130 interrupted (Ctrl-C).

credentials:
  TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY and TENCENTCLOUD_SECURITY_TOKEN, unless
  --anonymous; the bucket and region from COS_BUCKET and COS_REGION, or COS_ENDPOINT_URL.
"""


def add_item_options(parser: argparse.ArgumentParser) -> None:
    """--width, --height, --format, --rotate, --mode: the snapshot parameters."""
    group = parser.add_argument_group("snapshot parameters (an input row may set its own)")
    group.add_argument("--width", type=int, default=0, help="output width (0: follow the video)")
    group.add_argument("--height", type=int, default=0, help="output height (0: follow the video)")
    group.add_argument("--format", choices=["jpg", "png"], default="jpg")
    group.add_argument("--rotate", choices=["auto", "off"], default="auto")
    group.add_argument("--mode", choices=["keyframe", "exactframe"], default="exactframe")


def item_defaults(args: argparse.Namespace) -> ItemDefaults:
    return ItemDefaults(args.width, args.height, args.format, args.rotate, args.mode)


def _items(args: argparse.Namespace) -> list[BatchItem]:
    if args.input and (args.keys or args.times):
        raise UsageError("give keys with --times, or --input, not both")
    try:
        if args.input:
            return read_items(Path(args.input), item_defaults(args))
        if not args.keys or not args.times:
            raise UsageError("give keys and --times (e.g. a.mp4 --times 0:60:5), or --input FILE")
        return items_from_arguments(args.keys, parse_times_option(args.times), item_defaults(args))
    except BatchInputError as error:
        raise UsageError(str(error)) from None


def _plan(args: argparse.Namespace, items: list[BatchItem], failures: Path) -> list[PlannedItem]:
    try:
        planned = plan_outputs(items, NameTemplate(args.name_template), Path(args.output_dir))
    except BatchInputError as error:
        raise UsageError(str(error)) from None
    clash = next((p for p in planned if p.path.resolve() == failures.resolve()), None)
    if clash is not None:
        raise UsageError(f"{clash.item.origin} would overwrite the failures file {failures}")
    return planned


# -- progress ------------------------------------------------------------------------------


def _size_text(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def _describe(result: ItemResult) -> str:
    args = result.planned.item.args
    what = f"{args.key} @ {args.time} s"
    if result.status == "failed":
        return f"{what}: {result.error}"
    return f"{what} -> {result.planned.path} ({result.width}x{result.height}, {_size_text(result.bytes)})"


class PlainProgress:
    """One line per taken item on a stream (stderr); skipped items as one count."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream = stream
        self.total = total
        self.finished = 0
        self._skipped = 0

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._flush_skipped()

    def _flush_skipped(self) -> None:
        if self._skipped:
            print(
                f"skipped {self._skipped} items whose files exist (--force takes them again)",
                file=self.stream,
                flush=True,
            )
            self._skipped = 0

    def update(self, result: ItemResult) -> None:
        self.finished += 1
        if result.status == "skipped":
            self._skipped += 1
            return
        self._flush_skipped()
        label = "done" if result.status == "done" else "FAILED"
        print(
            f"[{self.finished}/{self.total}] {label:6} {_describe(result)}",
            file=self.stream,
            flush=True,
        )


class QuietProgress(PlainProgress):
    def update(self, result: ItemResult) -> None:
        pass


class RichProgress:
    """A progress bar on the terminal; failures are printed above it as they happen."""

    def __init__(self, total: int) -> None:
        from rich.console import Console  # noqa: PLC0415 - optional extra
        from rich.progress import (  # noqa: PLC0415 - optional extra
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "[green]{task.fields[done]} done[/] · {task.fields[skipped]} skipped · "
                "[red]{task.fields[failed]} failed[/]"
            ),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self._task = self._progress.add_task("batch", total=total, done=0, skipped=0, failed=0)
        self._counts = {"done": 0, "skipped": 0, "failed": 0}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def update(self, result: ItemResult) -> None:
        from rich.text import Text  # noqa: PLC0415 - optional extra

        self._counts[result.status] += 1
        self._progress.update(
            self._task,
            advance=1,
            done=self._counts["done"],
            skipped=self._counts["skipped"],
            failed=self._counts["failed"],
        )
        if result.status == "failed":
            self._progress.console.print(Text.assemble(("failed ", "bold red"), _describe(result)))


Progress = PlainProgress | RichProgress


def _progress(args: argparse.Namespace, total: int) -> Progress:
    if args.quiet:
        return QuietProgress(sys.stderr, total)
    if sys.stderr.isatty():
        try:
            return RichProgress(total)
        except ImportError:  # rich is the cli extra; without it, plain lines
            pass
    return PlainProgress(sys.stderr, total)


# -- results -------------------------------------------------------------------------------


def _summary_text(tally: BatchTally) -> str:
    counts = f"{tally.done} done, {tally.skipped} skipped, {len(tally.failed)} failed"
    not_run = len(tally.unfinished())
    if not_run:
        counts += f", {not_run} not run"
    head = "batch interrupted" if tally.interrupted else "batch"
    return (
        f"{head}: {counts} of {tally.total} items; "
        f"{_size_text(tally.bytes)} in {tally.seconds:.1f} s"
    )


async def _run(
    client: AsyncSnapshotClient,
    planned: list[PlannedItem],
    args: argparse.Namespace,
    tally: BatchTally,
    progress: Progress,
) -> None:
    def on_result(result: ItemResult) -> None:
        tally.add(result)
        progress.update(result)
        if args.json:
            print_json(result.to_json())

    async with client:
        await run_batch(
            client, planned, concurrency=args.concurrency, force=args.force, on_result=on_result
        )


def cmd_batch(args: argparse.Namespace) -> int:
    output_dir = Path(args.output_dir)
    failures = Path(args.failures) if args.failures else output_dir / FAILURES_NAME
    planned = _plan(args, _items(args), failures)
    client = async_client_from_args(args, args.concurrency)
    tally = BatchTally(planned)
    try:
        with _progress(args, len(planned)) as progress:
            asyncio.run(_run(client, planned, args, tally, progress))
    except KeyboardInterrupt:
        tally.interrupted = True
    has_failures = write_failures(failures, tally)
    if args.json:
        print_json({**tally.summary(), "failures_file": str(failures) if has_failures else None})
    else:
        print(_summary_text(tally))
        if has_failures:
            print(f"not done: {failures} (take them again with --input {failures})")
    if tally.interrupted:
        raise KeyboardInterrupt
    return EXIT_FAILED if tally.failed else EXIT_OK


def register(sub: Any) -> None:
    batch = subparser(
        sub,
        "batch",
        "save snapshots of many videos at many times into a directory (resumable)",
        cmd_batch,
        epilog=EPILOG,
    )
    batch.add_argument("keys", nargs="*", metavar="KEY", help="object keys of the videos")
    batch.add_argument(
        "--times", "-t", help="seconds and START:END:STEP ranges, e.g. 0,1.5,3 or 0:60:5"
    )
    batch.add_argument(
        "--input", "-i", metavar="FILE", help="items from a .csv or .jsonl file instead of KEYs"
    )
    batch.add_argument(
        "-o", "--output-dir", default=".", help="directory for the images (default: .)"
    )
    batch.add_argument(
        "--name-template",
        default=DEFAULT_TEMPLATE,
        help=f"file name of each image (default: {DEFAULT_TEMPLATE}; fields: "
        + " ".join("{" + name + "}" for name in FIELDS).replace("%", "%%")
        + ")",
    )
    batch.add_argument(
        "--concurrency",
        "-j",
        type=concurrency,
        default=DEFAULT_CONCURRENCY,
        help=f"requests in flight at once (default: {DEFAULT_CONCURRENCY})",
    )
    batch.add_argument("--force", action="store_true", help="take items whose files exist again")
    batch.add_argument(
        "--failures",
        metavar="FILE",
        help=f"where items that did not get done are listed (default: OUTPUT_DIR/{FAILURES_NAME})",
    )
    batch.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress on stderr (the summary and the failures file still tell)",
    )
    add_item_options(batch)
    add_connection_options(batch)
