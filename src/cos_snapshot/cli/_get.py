"""``cos-snapshot get`` and ``cos-snapshot presign``: one snapshot, or a URL for one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .._shared.snapshot_params import FORMATS
from ..tools.batch import format_for_name
from ._common import (
    EXIT_OK,
    SNAPSHOT_OPTIONS,
    UsageError,
    add_connection_options,
    add_snapshot_options,
    client_from_args,
    options_named,
    print_json,
    snapshot_args,
    subparser,
)

__all__ = ["register"]

GET_EPILOG = """
    examples:
      cos-snapshot get videos/intro.mp4 --time 1.5 -o poster.jpg \\
          --bucket examplebucket-1250000000 --region ap-guangzhou
      COS_ENDPOINT_URL=http://127.0.0.1:9000 cos-snapshot get a.mp4 -t 0 --width 320 -o a.png
      cos-snapshot get a.mp4 -t 0 --format png -o - | display   # the image on stdout

    format: --format, or else the name's suffix (-o a.png is a PNG, -o a.jpg or a.jpeg a
    JPEG), or else jpg. A --format that contradicts the suffix (--format png -o a.jpg) is
    refused (exit 2). With -o -, the image goes to stdout and the report line (--json too)
    to stderr.
    """
PRESIGN_EPILOG = """
    examples:
      cos-snapshot presign videos/intro.mp4 --time 3 --expires 600
      curl -o frame.jpg "$(cos-snapshot presign a.mp4 -t 1 --endpoint-url http://127.0.0.1:9000)"
    """


def _add_snapshot_options(parser: argparse.ArgumentParser, *, format_help: str) -> None:
    parser.add_argument("key", help="object key of the video, e.g. videos/intro.mp4")
    parser.add_argument("--time", "-t", required=True, help="seconds from the start, e.g. 1.5")
    add_snapshot_options(parser, format_default=None, format_help=format_help)


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
    named = _output_format(args)
    args.format = args.format or named
    with options_named(SNAPSHOT_OPTIONS):
        checked = snapshot_args(args, args.key, args.time)
    with client_from_args(args) as client:
        snapshot = client.get_snapshot(checked)
    to_stdout = args.output == "-"
    output = (
        Path(args.output)
        if args.output
        else Path(f"{Path(args.key).stem}_{args.time}.{snapshot.format}")
    )
    if to_stdout:
        sys.stdout.buffer.write(snapshot.content)
        sys.stdout.buffer.flush()
    else:
        snapshot.save(output)
    report = sys.stderr if to_stdout else sys.stdout
    result = {
        "key": args.key,
        "time": args.time,
        "output": str(output),
        "content_type": snapshot.content_type,
        "width": snapshot.width,
        "height": snapshot.height,
        "bytes": len(snapshot.content),
        "request_id": snapshot.request_id,
    }
    if args.json:
        print_json(result, file=report)
    else:
        print(
            f"{output}: {snapshot.width}x{snapshot.height} {snapshot.content_type}, "
            f"{len(snapshot.content)} bytes",
            file=report,
        )
    return EXIT_OK


def cmd_presign(args: argparse.Namespace) -> int:
    with options_named(SNAPSHOT_OPTIONS):
        checked = snapshot_args(args, args.key, args.time)
    with client_from_args(args) as client:
        url = client.presign_snapshot_url(checked, expires=args.expires)
    if args.json:
        print_json({"url": url, "expires": args.expires})
    else:
        print(url)
    return EXIT_OK


def register(sub: Any) -> None:
    get = subparser(
        sub, "get", "save one snapshot of a video to a file", cmd_get, epilog=GET_EPILOG
    )
    _add_snapshot_options(
        get,
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
