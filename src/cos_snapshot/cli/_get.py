"""``cos-snapshot get`` and ``cos-snapshot presign``: one snapshot, or a URL for one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import (
    NO_AUTO_IN_A_URL,
    SnapshotArgs,
    SnapshotClient,
    check_auto_mode,
    is_auto_time,
    is_relative_time,
    parse_time,
    resolve_time,
)
from .._shared.extras import needs_extra
from .._shared.snapshot_params import FORMATS
from ..tools.batch import format_for_name
from ._common import (
    EXIT_OK,
    SNAPSHOT_OPTIONS,
    UsageError,
    add_connection_options,
    add_snapshot_options,
    client_from_args,
    local_path,
    options_named,
    print_json,
    snapshot_args,
    subparser,
)

if TYPE_CHECKING:
    from ..tools.poster import PosterChoice

__all__ = ["register"]

GET_EPILOG = """
    examples:
      cos-snapshot get videos/intro.mp4 --time 1.5 -o poster.jpg \\
          --bucket examplebucket-1250000000 --region ap-guangzhou
      COS_ENDPOINT_URL=http://127.0.0.1:9000 cos-snapshot get a.mp4 -t 0 --width 320 -o a.png
      cos-snapshot get a.mp4 -t 0 --format png -o - | display   # the image on stdout
      cos-snapshot get a.mp4 --time 50% -o middle.jpg          # asks GetMediaInfo first
      cos-snapshot get a.mp4 --time auto --width 640 -o poster.jpg

    auto: the best poster. GetMediaInfo, then 8 candidates (the middle of 8 equal slices of
    the video's first 60 %) fetched at once as exactframe snapshots 160 wide; black,
    over-exposed and blank frames (a near-uniform one, or one whose only detail is a logo or a
    caption) are left out, then the sharp ones are kept and the most typical (its colours
    nearest the candidates' mean) wins; it is fetched at the size asked. At most 1
    GetMediaInfo + 9 snapshots. If every candidate fails, the least bad one is taken, saying
    so on stderr; --json shows every candidate's scores. It avoids black, blank and blurred
    posters: it cannot promise a video has another. --mode keyframe is refused with it.

    format: --format, or else the name's suffix (-o a.png is a PNG, -o a.jpg or a.jpeg a
    JPEG), or else jpg. A --format that contradicts the suffix (--format png -o a.jpg) is
    refused (exit 2). With -o -, the image goes to stdout and the report line (--json too)
    to stderr.
    """
PRESIGN_EPILOG = """
    examples:
      cos-snapshot presign videos/intro.mp4 --time 3 --expires 600
      cos-snapshot presign videos/intro.mp4 --time 50%   # asks GetMediaInfo first
      curl -o frame.jpg "$(cos-snapshot presign a.mp4 -t 1 --endpoint-url http://127.0.0.1:9000)"

    time: seconds, or relative to the video: 50% (a share of its duration) or end (its last
    frame). A URL names seconds: a relative time costs one signed GetMediaInfo of the key,
    sent now, to turn it into them. auto is refused: a URL cannot choose a frame.
    """


def _time_help(auto: bool) -> str:
    """--time's help (argparse formats it: a per cent sign is doubled)."""
    also = ", or auto (the best poster: see below)" if auto else ""
    return (
        f"seconds from the start (1.5), a share of the video (50%%), end (its last frame){also}"
        "; a relative time asks the video's GetMediaInfo first"
    )


def _add_snapshot_options(
    parser: argparse.ArgumentParser, *, format_help: str, auto: bool = False
) -> None:
    parser.add_argument("key", help="object key of the video, e.g. videos/intro.mp4")
    parser.add_argument(
        "--time",
        "-t",
        required=True,
        help=_time_help(auto),
    )
    add_snapshot_options(parser, format_default=None, format_help=format_help)


def _resolved(client: SnapshotClient, checked: SnapshotArgs, time: str) -> SnapshotArgs:
    """``checked`` at ``time`` (parsed by :func:`~cos_snapshot.parse_time`): seconds as they
    are, a time relative to the video resolved with the key's GetMediaInfo (one request)."""
    if not is_relative_time(time):
        return checked
    with options_named(SNAPSHOT_OPTIONS):
        return checked.at(resolve_time(time, client.get_media_info(checked.key)))


def _checked(args: argparse.Namespace, **grammar: Any) -> tuple[SnapshotArgs, str]:
    """The snapshot options checked before anything is sent, and --time as the one grammar
    reads it: the arguments hold the time when it is seconds, 0 until it is resolved."""
    with options_named(SNAPSHOT_OPTIONS):
        time = parse_time(args.time, **grammar)
        seconds = "0" if is_relative_time(time) or is_auto_time(time) else time
        return snapshot_args(args, args.key, seconds), time


def _output_format(args: argparse.Namespace) -> str | None:
    """The format -o's suffix asks for, checked against --format: a usage error when they
    disagree (a PNG in a file named .jpg misleads every program that opens it)."""
    if not args.output or args.output == "-":
        return None
    named = format_for_name(args.output)
    if named is not None and named not in FORMATS:
        raise UsageError(
            f"-o {args.output} is a {named} name, and a snapshot is {' or '.join(FORMATS)}: "
            "name it .jpg or .png"
        )
    if named and args.format and named != args.format:
        raise UsageError(
            f"--format {args.format} contradicts -o {args.output} (a {named} name): "
            "rename the output or leave out --format to take the format from the name"
        )
    return named


def cmd_get(args: argparse.Namespace) -> int:
    if args.output and args.output != "-":
        local_path(
            args.output,
            "-o",
            "; batch KEY --times T -o cos:///PREFIX/ puts snapshots into the bucket",
        )
    named = _output_format(args)
    args.format = args.format or named
    checked, time = _checked(args, allow_auto=True)
    poster: PosterChoice | None = None
    if is_auto_time(time):
        with options_named(SNAPSHOT_OPTIONS):
            check_auto_mode(checked.mode)
    with client_from_args(args) as client:
        if is_auto_time(time):
            poster = _pick_poster(client, checked)
            snapshot = poster.snapshot
            checked = checked.at(poster.time)
        else:
            checked = _resolved(client, checked, time)
            snapshot = client.get_snapshot(checked)
    to_stdout = args.output == "-"
    output = (
        Path(args.output)
        if args.output
        else Path(f"{Path(args.key).stem}_{time}.{snapshot.format}")
    )
    if to_stdout:
        sys.stdout.buffer.write(snapshot.content)
        sys.stdout.buffer.flush()
    else:
        snapshot.save(output)
    report = sys.stderr if to_stdout else sys.stdout
    result: dict[str, Any] = {
        "key": args.key,
        "time": checked.time,
        "output": str(output),
        "content_type": snapshot.content_type,
        "width": snapshot.width,
        "height": snapshot.height,
        "bytes": len(snapshot.content),
        "request_id": snapshot.request_id,
    }
    if time != checked.time:
        result["time_asked"] = time
    if poster is not None:
        result["poster"] = poster.to_json()
    if args.json:
        print_json(result, file=report)
    else:
        at = f" at {checked.time} s" if time != checked.time else ""
        print(
            f"{output}: {snapshot.width}x{snapshot.height} {snapshot.content_type}, "
            f"{len(snapshot.content)} bytes{at}",
            file=report,
        )
        if poster is not None and poster.fallback:
            print(f"{args.key}: {poster.note}", file=sys.stderr)
    return EXIT_OK


def _pick_poster(client: SnapshotClient, checked: SnapshotArgs) -> PosterChoice:
    """``get --time auto``: the best poster at the size asked (Pillow scores the candidates)."""
    message = needs_extra("cli", "get --time auto")
    if message:
        raise UsageError(message)
    from ..tools.poster import pick_poster  # noqa: PLC0415 - needs Pillow

    with options_named(SNAPSHOT_OPTIONS):
        return pick_poster(
            client,
            checked.key,
            width=checked.width,
            height=checked.height,
            format=checked.format,
            rotate=checked.rotate,
        )


def cmd_presign(args: argparse.Namespace) -> int:
    checked, time = _checked(args, no_auto=NO_AUTO_IN_A_URL)
    with client_from_args(args) as client:
        checked = _resolved(client, checked, time)
        url = client.presign_snapshot_url(checked, expires=args.expires)
    if args.json:
        payload: dict[str, Any] = {"url": url, "expires": args.expires, "time": checked.time}
        if time != checked.time:
            payload["time_asked"] = time
        print_json(payload)
    else:
        print(url)
    return EXIT_OK


def register(sub: Any) -> None:
    get = subparser(
        sub, "get", "save one snapshot of a video to a file", cmd_get, epilog=GET_EPILOG
    )
    _add_snapshot_options(
        get,
        auto=True,
        format_help="image format (default: the suffix of -o if .jpg, .jpeg or .png, else jpg)",
    )
    get.add_argument(
        "-o",
        "--output",
        help="file to write, - for stdout (default: <key stem>_<time>.<format>)",
    )
    add_connection_options(get)

    presign = subparser(
        sub, "presign", "print a presigned snapshot URL", cmd_presign, epilog=PRESIGN_EPILOG
    )
    _add_snapshot_options(presign, format_help="image format (default: jpg)")
    presign.add_argument(
        "--expires", type=int, default=3600, help="seconds the URL stays valid (default 3600)"
    )
    add_connection_options(presign)
