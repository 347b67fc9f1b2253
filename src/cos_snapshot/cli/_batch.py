"""``cos-snapshot batch``: snapshots of many keys × times into a directory.

The work is done by :mod:`cos_snapshot.tools.batch`; this module reads the options, has the
plan ask for the GetMediaInfo of keys whose times are relative to the video (with the one
client of the command, on its one event loop), checks the whole input (a first pass), shows
progress (a rich bar on a terminal, redrawn at most ten times a second; plain lines
otherwise), prints results and the summary, and keeps the failures file. Nothing is held per
item: the input is read again (or keys × times generated again) as the items are taken.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .. import AsyncSnapshotClient, check_auto_mode, format_time
from .._shared.files import plan_write
from .._shared.text import one_line, plural
from ..tools.batch import (
    DEFAULT_LISTED_TEMPLATE,
    DEFAULT_MATCH,
    DEFAULT_TEMPLATE,
    FAILURES_NAME,
    FIELDS,
    JOBS_FILE_NAME,
    JSONL_SUFFIXES,
    MAX_RANGE_TIMES,
    VIDEO_SUFFIXES,
    BatchInputError,
    BatchPlan,
    BatchTally,
    FailuresFile,
    Item,
    ItemDefaults,
    ItemResult,
    KeyTimes,
    ListedKeys,
    NameTemplate,
    OutputNames,
    PlannedItem,
    TimeSelection,
    check_suffix,
    folder_of,
    item_of_row,
    iter_items,
    run_batch,
)
from ..tools.destination import BucketPrefix, OutputPlace
from ._common import (
    DEFAULT_CONCURRENCY,
    EXIT_FAILED,
    EXIT_OK,
    SNAPSHOT_OPTIONS,
    UsageError,
    add_connection_options,
    add_snapshot_options,
    async_client_from_args,
    bucket_path,
    concurrency,
    local_path,
    only_broken_pipes,
    options_named,
    output_place,
    parse_times_option,
    print_json,
    subparser,
)
from ._progress import progress_for, size_text

__all__ = ["register"]

EPILOG = f"""
examples:
  # posters every 5 s of the first minute of two videos (0, 5, ..., 60) into posters/
  cos-snapshot batch videos/a.mp4 videos/b.mp4 --times 0:60:5 -o posters
  # twelve frames across each video; a frame at 10% of it and its last frame
  cos-snapshot batch videos/a.mp4 videos/b.mp4 --count 12 -o strips
  cos-snapshot batch videos/a.mp4 --times 10%,end -o posters
  # items from a CSV file (a header row: key,time[,width,...]) or a JSON Lines file
  cos-snapshot batch --input items.csv -o posters
  # a poster at 50% of every video under videos/, PUT under posters/ in the bucket in use
  cos-snapshot batch --prefix videos/ --times 50% -o cos:///posters/   # or --times auto

A re-run takes what is missing; what failed or did not run is in OUTPUT_DIR/{FAILURES_NAME}
(--input reads it). Uploads, times (auto too), inputs, names, --server-side: docs/batch.md.

exit codes: 0 every item done or skipped; 1 some item failed; 2 bad usage, times or input
(nothing fetched); 130 interrupted (Ctrl-C); 143 terminated (SIGTERM)
"""


def add_item_options(parser: argparse.ArgumentParser) -> None:
    """--width, --height, --format, --rotate, --mode: the snapshot parameters."""
    group = parser.add_argument_group("snapshot parameters (an input row may set its own)")
    add_snapshot_options(group)


def item_defaults(args: argparse.Namespace) -> ItemDefaults:
    return ItemDefaults(args.width, args.height, args.format, args.rotate, args.mode)


def _selection(args: argparse.Namespace) -> TimeSelection | None:
    """The keys' times (--times, --count or --every), or None for --input."""
    chosen = [f"--{name}" for name in ("times", "count", "every") if getattr(args, name)]
    if args.prefix is not None and (args.keys or args.input):
        raise UsageError("give keys, --input or --prefix: one of them")
    if args.match and args.prefix is None:
        raise UsageError("--match picks keys of a listing: give --prefix too")
    if args.prefix is not None and args.skip_past_end:
        raise UsageError("--skip-past-end takes keys on the command line, not --prefix")
    if args.input and (args.keys or chosen):
        raise UsageError(
            f"give keys with {chosen[0] if chosen else '--times'}, or --input, not both"
        )
    if args.input and args.skip_past_end:
        raise UsageError("--skip-past-end takes keys on the command line, not --input")
    if args.input:
        return None
    if not (args.keys or args.prefix is not None) or not chosen:
        raise UsageError(
            "give keys (or --prefix) and --times, --count or --every (e.g. a.mp4 --times "
            "0:60:5), or --input FILE"
        )
    if len(chosen) > 1:
        raise UsageError(f"give one of --times, --count and --every, not {' and '.join(chosen)}")
    with options_named():
        if args.times:
            times = TimeSelection(tuple(parse_times_option(args.times, relative=True, auto=True)))
            if times.auto:
                with options_named(SNAPSHOT_OPTIONS):
                    check_auto_mode(args.mode)
            return times
        if args.count:
            count = args.count.strip()
            if not count.isascii() or not count.isdigit():
                raise UsageError(
                    f"--count: must be a whole number from 1 to {MAX_RANGE_TIMES}, "
                    f"got {args.count!r}"
                )
            return TimeSelection(count=int(count))
        return TimeSelection(every=args.every)


def _template(args: argparse.Namespace) -> NameTemplate:
    """--name-template, or the default (which keeps a listed key's path below --prefix)."""
    listed = args.prefix is not None
    text = args.name_template or (DEFAULT_LISTED_TEMPLATE if listed else DEFAULT_TEMPLATE)
    try:
        return NameTemplate(text, relative_to=folder_of(args.prefix.prefix) if listed else "")
    except BatchInputError as error:
        raise UsageError(str(error)) from None


def _plan(args: argparse.Namespace) -> BatchPlan:
    """The batch's plan: keys × times (whose GetMediaInfo, when the times are relative to the
    video, :meth:`BatchPlan.fetch_media_infos` asks for) or the rows of --input."""
    selection = _selection(args)
    template = _template(args)
    defaults = item_defaults(args)
    items: Callable[[], Iterable[Item]]
    if selection is None:
        path = Path(args.input)
        name = "stdin" if getattr(args, "input_spooled", False) else None
        items = lambda: iter_items(path, defaults, name=name)  # noqa: E731 - read each pass
    else:
        items = KeyTimes(args.keys, selection, defaults, skip_past_end=args.skip_past_end)
    return BatchPlan(items, template, args.output_place)


# -- results -------------------------------------------------------------------------------


def _summary_text(tally: BatchTally) -> str:
    counts = f"{tally.done} done, {tally.skipped} skipped, {tally.failed} failed"
    if tally.not_run:
        counts += f", {tally.not_run} not run"
    head = "batch interrupted" if tally.interrupted else "batch"
    return (
        f"{head}: {counts} of {plural(tally.total, 'item')}; "
        f"{size_text(tally.bytes)} in {tally.seconds:.1f} s"
    )


async def _run(
    client: AsyncSnapshotClient,
    planned: Iterator[PlannedItem] | AsyncIterator[PlannedItem],
    args: argparse.Namespace,
    on_result: Callable[[ItemResult], None],
    names: OutputNames | None = None,
) -> None:
    await run_batch(
        client,
        planned,
        concurrency=args.concurrency,
        force=args.force,
        on_result=on_result,
        names=names,
    )


def _not_run(
    rest: Iterator[PlannedItem], record: Callable[[ItemResult], None], failures: FailuresFile
) -> None:
    """What an interruption left: read on from where the run stopped (the input is streamed,
    not held). Files are not looked for: a re-take skips any that exist. Interrupted again
    while it lists them, it writes no failures file (a part of the list would pass for all of
    it) and says so."""
    try:
        for planned in rest:
            record(ItemResult(planned, "not_run"))
    except KeyboardInterrupt:
        failures.abandon()
        raise KeyboardInterrupt(
            f"interrupted again while listing what did not run: {failures.state}; the same "
            "batch run again takes what is left (files that exist are skipped)"
        ) from None


def cmd_batch(args: argparse.Namespace) -> int:
    if args.input == "-":
        with _spooled_stdin(args.input_format) as path:
            args.input, args.input_spooled = str(path), True
            return _cmd_batch(args)
    if args.input_format is not None:
        raise UsageError("--input-format is for --input - (a file's suffix says its format)")
    return _cmd_batch(args)


@contextlib.contextmanager
def _spooled_stdin(input_format: str | None) -> Iterator[Path]:
    """Standard input copied to a temporary file (a batch reads its input twice: once to
    check it, once to run it), removed when the command ends; its suffix says the format
    (JSON Lines unless ``--input-format csv``)."""
    directory = Path(tempfile.mkdtemp(prefix=".cos-snapshot-stdin."))
    path = directory / f"stdin.{input_format or 'jsonl'}"
    try:
        with path.open("wb") as spool:
            shutil.copyfileobj(sys.stdin.buffer, spool)
        yield path
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _cmd_batch(args: argparse.Namespace) -> int:
    if args.prefix is not None:
        args.prefix = bucket_path(args.prefix, args, option="--prefix")
    args.output_place = output_place(args.output_dir, args)
    if args.server_side:
        from ._batch_jobs import batch_server_side  # noqa: PLC0415 - only with --server-side

        return batch_server_side(args)
    if args.jobs_file:
        raise UsageError("--jobs-file goes with --server-side")
    if args.prefix is not None:
        return _batch_listed(args)
    plan = _plan(args)
    # One client and one event loop for the whole command: the GetMediaInfo of the keys, then
    # (after the check, which runs outside the loop so that Ctrl-C stops it at once) the run.
    client = _client(args)
    with asyncio.Runner() as runner:
        try:
            return _batch(runner, client, plan, args)
        finally:
            runner.run(client.aclose())


def _client(args: argparse.Namespace) -> AsyncSnapshotClient:
    """The command's client: a connection for each request in flight, and with outputs going
    to a bucket, one for each upload in flight (as many: see ``run_batch``) and one for the
    listing that tells which exist."""
    uploads = args.concurrency if isinstance(args.output_place, BucketPrefix) else 0
    return async_client_from_args(args, args.concurrency + uploads + (1 if uploads else 0))


def _batch(
    runner: asyncio.Runner, client: AsyncSnapshotClient, plan: BatchPlan, args: argparse.Namespace
) -> int:
    failures_path = _failures_path(args, args.output_place)
    with options_named():  # a key that is no video: exit 2, naming it and the option
        runner.run(plan.fetch_media_infos(client, concurrency=args.concurrency))
    if isinstance(plan.items, KeyTimes):
        _say_past_end(plan.items)
    reserved = {failures_path: "the failures file"}
    try:
        total = plan.check(reserved=reserved)
    except BatchInputError as error:
        raise UsageError(str(error)) from None
    planned = iter(plan)
    names = plan.names(reserved=reserved)
    input_path = Path(args.input) if args.input else None
    return _run_and_report(
        runner, client, args, BatchTally(total), planned, names, failures_path, input_path
    )


def _run_and_report(
    runner: asyncio.Runner,
    client: AsyncSnapshotClient,
    args: argparse.Namespace,
    tally: BatchTally,
    planned: Iterator[PlannedItem] | AsyncIterator[PlannedItem],
    names: OutputNames,
    failures_path: Path,
    input_path: Path | None,
) -> int:
    """Run the planned items, show progress, keep the failures file and print the summary.
    After an interruption, what an iterator (a file's items, keys × times) did not reach is
    listed as not run; a listing (an async iterator) is not listed again: the same command
    run again takes what is left."""
    with (
        FailuresFile(failures_path, input=input_path) as failures,
        progress_for(tally.total, quiet=args.quiet) as progress,
    ):

        def record(result: ItemResult) -> None:
            tally.add(result)
            failures.add(result)

        def on_result(result: ItemResult) -> None:
            record(result)
            progress.update(result)
            if args.json:
                print_json(result.to_json())

        output_closed: BaseException | None = None
        try:
            runner.run(_run(client, planned, args, on_result, names))
        except KeyboardInterrupt:
            tally.interrupted = True
            if isinstance(planned, Iterator):
                _not_run(planned, record, failures)
        except BaseException as error:
            if not only_broken_pipes(error):
                raise
            # The reader of stdout went away (`--json batch ... | head -1`), which stopped the
            # run: what it left is listed as after Ctrl-C, and main() says so in one line.
            output_closed = error
            if isinstance(planned, Iterator):
                _not_run(planned, record, failures)
    if not tally.total:  # a listing, whose size was not known: as many as were taken
        tally.total = tally.done + tally.skipped + tally.failed + tally.not_run
    if output_closed is not None:
        raise output_closed
    has_failures = failures.rows > 0 and failures.error is None
    if args.json:
        print_json(
            {**tally.summary(), "failures_file": str(failures_path) if has_failures else None}
        )
    else:
        print(_summary_text(tally))
        if has_failures:
            print(f"not done: {failures_path} (take them again with --input {failures_path})")
    if failures.error is not None:
        print(
            f"cos-snapshot: error: could not write the failures file: {one_line(failures.error)};"
            f" {failures.state}",
            file=sys.stderr,
        )
    if tally.interrupted:
        raise KeyboardInterrupt
    return EXIT_FAILED if tally.failed or failures.error is not None else EXIT_OK


def _batch_listed(args: argparse.Namespace) -> int:
    """``batch --prefix``: the matching keys of one listing × the times, in one pass (see
    :class:`~cos_snapshot.tools.batch.ListedKeys`). Checked up front: the options, the name
    template and its suffix (on a sample item); each name is claimed as its item runs."""
    selection = _selection(args)
    if selection is None:  # --prefix excludes --input: never
        raise UsageError("give --prefix or --input, not both")
    template = _template(args)
    prefix = args.prefix.prefix
    match: tuple[str, ...] = tuple(args.match) if args.match else DEFAULT_MATCH
    listed = ListedKeys(prefix, selection, item_defaults(args), match)
    output_dir = args.output_place
    sample = item_of_row(prefix + "intro.mp4", item_defaults(args))
    try:
        check_suffix(PlannedItem(sample, output_dir, template.render(sample), template))
    except BatchInputError as error:
        raise UsageError(str(error)) from None
    failures_path = _failures_path(args, output_dir)
    names = OutputNames(output_dir, reserved={failures_path: "the failures file"})
    client = _client(args)

    async def planned() -> AsyncIterator[PlannedItem]:
        async for item in listed.items(client, lookahead=args.concurrency):
            yield PlannedItem(item, output_dir, template.render(item), template)

    with asyncio.Runner() as runner:
        try:
            code = _run_and_report(
                runner, client, args, BatchTally(0), planned(), names, failures_path, None
            )
        finally:
            runner.run(client.aclose())
    under = f"{prefix or 'the bucket root'}"
    if not listed.matched:
        print(
            f"{plural(listed.listed, 'object')} under {under}"
            + (f", none matching {' '.join(listed.match)}" if listed.listed else ""),
            file=sys.stderr,
        )
    return code


def _say_past_end(key_times: KeyTimes) -> None:
    """Once per key whose duration is known (its GetMediaInfo, asked once per key, answered):
    how many of its times repeat its last frame, or (--skip-past-end) were left out."""
    for key, count in key_times.past_end().items():
        info = key_times.infos[key]
        end = f"its end ({format_time(info.video_duration or 0)} s)"
        if key_times.skip_past_end:
            print(f"{key}: {plural(count, 'time')} at or past {end} left out", file=sys.stderr)
        else:
            print(
                f"{key}: {plural(count, 'time')} at or past {end} repeat its last frame "
                "(--skip-past-end leaves them out)",
                file=sys.stderr,
            )


def _failures_path(args: argparse.Namespace, output_dir: OutputPlace) -> Path:
    """--failures, or its default (in the output directory; with outputs in a bucket, in the
    current directory: the list is written as the run goes, and --input reads a file); refused
    when it would not be a file --input reads back (a CSV input overwritten with JSON Lines,
    say)."""
    if not args.failures:
        if isinstance(output_dir, BucketPrefix):
            return Path(FAILURES_NAME)
        return output_dir / FAILURES_NAME
    path = local_path(args.failures, "--failures", " (--input reads it back from here)")
    if path.suffix.lower() in JSONL_SUFFIXES:
        return path
    with contextlib.suppress(OSError):
        if plan_write(path)[0] == "through":  # /dev/null, a pipe: nothing is kept to take again
            return path
    if args.input and os.path.abspath(args.input) == os.path.abspath(path):
        raise UsageError(
            f"--failures {path} is the --input file: only a .jsonl input (a failures file taken "
            "again) may be replaced by the list of what failed"
        )
    raise UsageError(
        f"--failures {path}: name a .jsonl file (the list is JSON Lines, which --input reads back)"
    )


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
        "--times",
        "-t",
        help="seconds, START:END:STEP ranges, times relative to each video (50%%, end) and "
        "auto (the best poster), e.g. 0,1.5,3 or 0:60:5 or 10%%,end or auto",
    )
    batch.add_argument(
        "--count",
        metavar="N",
        help="N frames across each video: the middle of N equal slices of its duration",
    )
    batch.add_argument(
        "--every",
        metavar="S",
        help="a frame every S seconds of each video (0, S, 2S, ... before its end)",
    )
    batch.add_argument(
        "--input",
        "-i",
        metavar="FILE",
        help="items from a .csv or .jsonl file instead of KEYs (-: from stdin)",
    )
    batch.add_argument(
        "--input-format",
        choices=["jsonl", "csv"],
        metavar="FMT",
        help="jsonl or csv: the format of --input - (default: jsonl)",
    )
    batch.add_argument(
        "--prefix",
        metavar="PREFIX",
        help="the videos whose keys start with PREFIX (videos/ or cos:///videos/)",
    )
    batch.add_argument(
        "--match",
        action="append",
        metavar="GLOB",
        help="keys whose path below PREFIX's last / matches GLOB (any case, repeatable; "
        "default: the suffixes " + " ".join(VIDEO_SUFFIXES) + ")",
    )
    batch.add_argument(
        "-o",
        "--output-dir",
        default=".",
        metavar="DIR",
        help="directory, or a bucket prefix to PUT into (cos:///posters/) (default: .)",
    )
    batch.add_argument(
        "--name-template",
        metavar="T",
        help=f"file name of each image (default: {DEFAULT_TEMPLATE}, with --prefix "
        f"{DEFAULT_LISTED_TEMPLATE}; fields: "
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
    batch.add_argument(
        "--force",
        action="store_true",
        help="take items whose outputs exist again",
    )
    batch.add_argument(
        "--skip-past-end",
        action="store_true",
        help="leave out times past each video's end (asks its GetMediaInfo once)",
    )
    batch.add_argument(
        "--failures",
        metavar="FILE",
        help=f"not done, for --input (default: OUTPUT_DIR/{FAILURES_NAME}; cos://: ./)",
    )
    batch.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress on stderr (the summary still tells)",
    )
    batch.add_argument(
        "--server-side",
        action="store_true",
        help="one snapshot job per video (--count/--every); shots written by the service",
    )
    batch.add_argument(
        "--jobs-file",
        metavar="FILE",
        help=f"--server-side's jobs (default: OUTPUT_DIR/{JOBS_FILE_NAME})",
    )
    add_item_options(batch)
    add_connection_options(batch)
