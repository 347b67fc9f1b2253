"""``cos-snapshot job``: snapshot jobs, the service's asynchronous mode.

``job snapshot`` submits one (the vendor's modes by their own names: ``--every`` is Interval,
``--average`` Average, ``--keyframes`` KeyFrame), ``job status``, ``job list``, ``job wait`` and
``job cancel`` follow it. The shots are written by the service into the bucket; nothing but the
job's documents crosses the link.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from .. import (
    NO_AUTO_FOR_A_START,
    CosJobTimeoutError,
    JobState,
    MediaInfo,
    SnapshotClient,
    SnapshotJob,
    SnapshotJobSpec,
    SpriteSpec,
    format_time,
    is_relative_time,
    parse_time,
    resolve_time,
)
from .._shared.text import plural
from ._common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_connection_options,
    bucket_path,
    client_from_args,
    is_bucket_url,
    options_named,
    print_json,
    subparser,
    whole_number,
)

__all__ = ["register"]

#: How many shots a job takes at most (the vendor's bound on ``Count``).
MAX_COUNT = 10000
#: The command-line option of each field of a job's spec, for its errors.
SPEC_OPTIONS = {
    "output": "--output",
    "sprite_output": "--sprite-output",
    "start": "--start",
    "time_interval": "--every",
    "count": "--count",
    "width": "--width",
    "height": "--height",
    "sprite.color": "--color",
    "sprite.columns": "--sprite",
    "sprite.lines": "--sprite",
    "sprite.cell_width": "--cell",
    "sprite.cell_height": "--cell",
    "output_bucket": "--output",
}

SNAPSHOT_EPILOG = """
examples:
  # a shot every 2 s from the start (Count: as many as the video holds, at most 10,000)
  cos-snapshot job snapshot videos/a.mp4 --every 2 --output 'thumbs/a/${Number}.jpg'
  # 12 shots spread over the video, 320 wide, and wait for them
  cos-snapshot job snapshot videos/a.mp4 --average 12 --width 320 \\
      --output 'thumbs/a/${Number}.jpg' --wait
  # 10 x 6 sprite sheets of 160 x 90 cells beside the shots (thumbs/a/sprite-${Number}.jpg)
  cos-snapshot job snapshot videos/a.mp4 --every 1 --count 60 --sprite 10x6 --cell 160x90 \\
      --output 'thumbs/a/${Number}.jpg'
  # into another bucket of the region
  cos-snapshot job snapshot videos/a.mp4 --keyframes \\
      --output 'cos://other-1250000000/a/${Number}.jpg'

NAME is a key pattern holding ${Number} (or ${number}), each shot's number from 0, in the
bucket in use, or cos://<name>-<appid>/PATTERN for another bucket of the region. Quote it in
the shell. The job's id is printed (--json: the whole job).

exit codes: 0 submitted (with --wait: ended Success); 1 the service refused or failed, or with
--wait the job ended Failed or Cancel or --timeout passed; 2 bad usage
"""

STATUS_EPILOG = """
Each job is one line: id, state, progress, the video, and the code and message of a failed
job; --json gives every job whole, with its outputs and sprites.

exit codes: 0 every job found, whatever its state; 1 a job the service does not know, or the
service failed; 2 bad usage
"""

WAIT_EPILOG = """
Waits for every job to end (polling with backoff), then prints each as `job status` does.

exit codes: 0 every job ended Success; 1 a job ended Failed or Cancel, is unknown, or
--timeout passed first (the jobs are shown as last seen); 2 bad usage
"""


def _seconds(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0, got {text!r}")
    return value


def _pair(what: str) -> Any:
    """An argparse type: ``AxB``, two whole numbers (``10x6``)."""

    def parse(text: str) -> tuple[int, int]:
        first, sep, second = text.lower().partition("x")
        if not sep or not first.isdigit() or not second.isdigit():
            raise argparse.ArgumentTypeError(f"must be {what}, e.g. 10x6; got {text!r}")
        return int(first), int(second)

    return parse


def _sprite_name_beside(output: str) -> str:
    """The default sprite name: ``sprite-${Number}.jpg`` in the directory of ``output``."""
    directory, slash, _ = output.rpartition("/")
    return f"{directory}{slash}sprite-${{Number}}.jpg"


def _name_in_bucket(text: str, args: argparse.Namespace, option: str) -> tuple[str | None, str]:
    """``(bucket or None for the one in use, key pattern)`` of an output name."""
    if not is_bucket_url(text):
        return None, text
    saved = args.bucket
    where = bucket_path(text, args, option=option)
    args.bucket = saved  # the output's bucket is not the one the video is in
    return (where.bucket if where.bucket != saved else None), where.prefix


def _count_for_every(info: MediaInfo, key: str, start: Decimal, every: Decimal) -> int:
    """``ceil((duration - start) / every)`` from the video's GetMediaInfo, within 1..10000."""
    duration = info.video_duration
    if duration is None:
        raise UsageError(f"--every: the service gives no duration for {key}; give --count")
    if duration <= start:
        raise UsageError(f"--start {start}: the video {key} is only {duration} s long")
    wanted = math.ceil((duration - start) / every)
    if wanted > MAX_COUNT:
        # Said, not silent: the shots would stop part way and leave the rest of the video out.
        print(
            f"{key}: --every {every} from {format_time(start)} s would take {wanted:,} shots of "
            f"its {format_time(duration)} s, and a job takes at most {MAX_COUNT:,}: they cover "
            f"{format_time(start)} to {format_time(start + MAX_COUNT * every)} s of it "
            "(a larger --every covers it all)",
            file=sys.stderr,
        )
    return max(1, min(MAX_COUNT, wanted))


def _start_and_info(
    args: argparse.Namespace, client: SnapshotClient
) -> tuple[Decimal, MediaInfo | None]:
    """``--start`` in seconds, read with the one time grammar (``50%`` and ``end`` resolved
    against the video), and the video's GetMediaInfo when the start or ``--every``'s count
    needs it (asked once)."""
    with options_named({"time": "--start"}):
        start = parse_time(args.start, no_auto=NO_AUTO_FOR_A_START)
        relative = is_relative_time(start)
        wanted = relative or (args.every is not None and args.count is None)
        info = client.get_media_info(args.key) if wanted else None
        if info is not None and relative:
            return resolve_time(start, info), info
    return Decimal(start), info


def _spec(args: argparse.Namespace, client: SnapshotClient) -> SnapshotJobSpec:
    out_bucket, output = _name_in_bucket(args.output, args, "--output")
    sprite = sprite_output = None
    if args.sprite is not None:
        columns, lines = args.sprite
        cell_width, cell_height = args.cell if args.cell is not None else (None, None)
        with options_named(SPEC_OPTIONS):
            sprite = SpriteSpec(
                columns=columns,
                lines=lines,
                color=args.color or "black",
                cell_width=cell_width,
                cell_height=cell_height,
            )
        sprite_bucket, sprite_output = (
            (out_bucket, _sprite_name_beside(output))
            if args.sprite_output is None
            else _name_in_bucket(args.sprite_output, args, "--sprite-output")
        )
        if sprite_bucket != out_bucket:
            raise UsageError("--sprite-output: must be in the bucket of --output (one Output)")
    elif args.cell is not None or args.sprite_output is not None or args.color is not None:
        raise UsageError("--cell, --color and --sprite-output go with --sprite COLSxROWS")
    start, info = _start_and_info(args, client)
    fields: dict[str, Any] = {"start": float(start)}
    if args.every is not None:
        if args.every <= 0:
            raise UsageError("--every: must be a number of seconds above 0")
        fields["mode"] = "Interval"
        fields["time_interval"] = float(args.every)
        fields["count"] = args.count or _count_for_every(
            info or client.get_media_info(args.key), args.key, start, args.every
        )
    elif args.average is not None:
        if args.count is not None:
            raise UsageError("--count goes with --every or --keyframes (--average N is the count)")
        fields.update(mode="Average", count=args.average)
    else:
        fields.update(mode="KeyFrame", count=args.count)
    with options_named(SPEC_OPTIONS):
        return SnapshotJobSpec(
            output=output,
            width=args.width,
            height=args.height,
            snapshot_out_mode="SnapshotAndSprite" if sprite is not None else "OnlySnapshot",
            sprite=sprite,
            sprite_output=sprite_output,
            output_bucket=out_bucket,
            output_region=args.region if out_bucket else None,
            **fields,
        )


def _when(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _job_json(job: SnapshotJob) -> dict[str, Any]:
    return {
        "type": "job",
        "id": job.job_id,
        "state": job.state.value,
        "code": job.code,
        "message": job.message,
        "progress": job.progress,
        "created": _when(job.created),
        "started": _when(job.started),
        "ended": _when(job.ended),
        "input": job.input_key,
        "output_bucket": job.output_bucket,
        "outputs": list(job.outputs),
        "sprites": list(job.sprites),
    }


def _show(job: SnapshotJob, args: argparse.Namespace) -> None:
    if args.json:
        print_json(_job_json(job))
        return
    progress = "" if job.progress is None else f"{job.progress}%"
    line = f"{job.job_id}  {job.state.value:<9}  {progress:>4}  {job.input_key or ''}"
    if job.state is JobState.FAILED:
        line += f"  {job.code or ''}: {job.message or ''}"
    elif job.state is JobState.SUCCESS:
        line += f"  ({plural(len(job.outputs), 'shot')}, {plural(len(job.sprites), 'sprite')})"
    print(line, flush=True)


def _show_unknown(ids: Iterable[str], args: argparse.Namespace) -> None:
    for job_id in ids:
        if args.json:
            print_json({"type": "unknown", "id": job_id})
        else:
            print(f"cos-snapshot: the service knows no job {job_id}", file=sys.stderr)


def _wait(client: SnapshotClient, ids: list[str], args: argparse.Namespace) -> int:
    """Wait for every job of ``ids`` within one deadline; show each; the exit code."""
    deadline = time.monotonic() + args.timeout
    code = EXIT_OK
    for job_id in ids:
        left = max(deadline - time.monotonic(), 1e-3)
        try:
            job = client.wait_for_job(job_id, timeout=left, poll=args.poll)
        except CosJobTimeoutError as error:
            _show(error.job, args)
            print(
                f"cos-snapshot: job {job_id} had not ended after {args.timeout:g} s",
                file=sys.stderr,
            )
            code = EXIT_FAILED
            continue
        _show(job, args)
        if job.state is not JobState.SUCCESS:
            code = EXIT_FAILED
    return code


def cmd_snapshot(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        spec = _spec(args, client)
        job = client.submit_snapshot_job(args.key, spec)
        if not args.wait:
            if args.json:
                print_json(_job_json(job))
            else:
                print(job.job_id, flush=True)
            return EXIT_OK
        return _wait(client, [job.job_id], args)


def cmd_status(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        found = client.get_jobs(args.ids)
    for job in found.jobs:
        _show(job, args)
    _show_unknown(found.unknown_ids, args)
    return EXIT_FAILED if found.unknown_ids else EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    states = None if not args.state else [s for group in args.state for s in group.split(",")]
    shown = 0
    with client_from_args(args) as client, options_named({"states": "--state"}):
        for job in client.iter_jobs(states=states, input_key=args.input):
            _show(job, args)
            shown += 1
            if args.limit is not None and shown >= args.limit:
                break
    print(plural(shown, "job"), file=sys.stderr)
    return EXIT_OK


def cmd_wait(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        found = client.get_jobs(args.ids)
        _show_unknown(found.unknown_ids, args)
        code = _wait(client, [job.job_id for job in found.jobs], args)
    return EXIT_FAILED if found.unknown_ids else code


def cmd_cancel(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        for job_id in args.ids:
            client.cancel_job(job_id)
            if args.json:
                print_json({"type": "cancelled", "id": job_id})
            else:
                print(f"{job_id}  cancel asked", flush=True)
    return EXIT_OK


def _add_wait_options(parser: argparse.ArgumentParser, *, default_timeout: float) -> None:
    parser.add_argument(
        "--timeout",
        type=float,
        default=default_timeout,
        metavar="S",
        help=f"give up waiting after S seconds in all (default {default_timeout:g})",
    )
    parser.add_argument(
        "--poll",
        type=float,
        default=1.0,
        metavar="S",
        help="first wait between polls, growing ×1.5 up to 10 s (default 1)",
    )


def register(sub: Any) -> None:
    job = sub.add_parser(
        "job",
        help="snapshot jobs: the service takes many shots of a video and writes them into "
        "the bucket (snapshot, status, list, wait, cancel)",
        description="Snapshot jobs, the service's asynchronous mode.",
    )
    actions = job.add_subparsers(dest="job_command", metavar="ACTION", required=True)

    snapshot = subparser(
        actions,
        "snapshot",
        "submit a snapshot job of a video: its shots (and sprite sheets) go into the bucket",
        cmd_snapshot,
        epilog=SNAPSHOT_EPILOG,
    )
    snapshot.add_argument("key", metavar="KEY", help="the video's key in the bucket")
    mode = snapshot.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--every",
        type=_seconds,
        metavar="S",
        help="Interval: a shot every S seconds from --start; --count N at most (default: as "
        "many as the video holds, from its GetMediaInfo, at most 10,000)",
    )
    mode.add_argument(
        "--average",
        type=whole_number(1, MAX_COUNT),
        metavar="N",
        help="Average: N shots spread from --start to the end",
    )
    mode.add_argument(
        "--keyframes", action="store_true", help="KeyFrame: the keyframes (--count N at most)"
    )
    snapshot.add_argument(
        "--count",
        type=whole_number(1, MAX_COUNT),
        metavar="N",
        help=f"at most N shots (1 to {MAX_COUNT:,}) with --every or --keyframes",
    )
    snapshot.add_argument(
        "--start",
        default="0",
        metavar="T",
        help="the first shot: seconds, a share of the video (50%%) or end, not auto "
        "(default: %(default)s); a share or end costs one GetMediaInfo",
    )
    snapshot.add_argument("--width", type=int, metavar="W", help="128..4096")
    snapshot.add_argument(
        "--height", type=int, metavar="H", help="128..4096 (one alone: aspect kept)"
    )
    snapshot.add_argument(
        "--sprite",
        type=_pair("COLSxROWS"),
        metavar="COLSxROWS",
        help="also tile the shots into sprite sheets of COLS x ROWS cells (JPEG)",
    )
    snapshot.add_argument(
        "--cell", type=_pair("WxH"), metavar="WxH", help="a sprite cell's size (8..4096)"
    )
    snapshot.add_argument(
        "--color", metavar="C", help="sprite background: a colour name, #RRGGBB or 0xRRGGBB (black)"
    )
    snapshot.add_argument(
        "--sprite-output",
        metavar="NAME",
        help="the sprites' key pattern with ${Number} (default: sprite-${Number}.jpg beside "
        "--output)",
    )
    snapshot.add_argument(
        "--output",
        required=True,
        metavar="NAME",
        help="the shots' key pattern with ${Number}, or cos://<name>-<appid>/PATTERN",
    )
    snapshot.add_argument("--wait", action="store_true", help="wait for the job to end")
    _add_wait_options(snapshot, default_timeout=3600)
    add_connection_options(snapshot)

    status = subparser(actions, "status", "show jobs by id", cmd_status, epilog=STATUS_EPILOG)
    status.add_argument("ids", nargs="+", metavar="ID", help="the ids job snapshot printed")
    add_connection_options(status)

    listing = subparser(actions, "list", "list the bucket's snapshot jobs, newest first", cmd_list)
    listing.add_argument(
        "--state",
        action="append",
        metavar="S",
        help="only jobs in state S (Submitted, Running, Success, Failed, Pause, Cancel); "
        "repeat or comma-separate for several",
    )
    listing.add_argument("--input", metavar="KEY", help="only the jobs of the video KEY")
    listing.add_argument("--limit", type=whole_number(1, 10**9), metavar="N", help="at most N")
    add_connection_options(listing)

    wait = subparser(actions, "wait", "wait for jobs to end", cmd_wait, epilog=WAIT_EPILOG)
    wait.add_argument("ids", nargs="+", metavar="ID", help="the ids of the jobs to wait for")
    _add_wait_options(wait, default_timeout=3600)
    add_connection_options(wait)

    cancel = subparser(actions, "cancel", "cancel jobs", cmd_cancel)
    cancel.add_argument("ids", nargs="+", metavar="ID", help="the ids of the jobs to cancel")
    add_connection_options(cancel)
