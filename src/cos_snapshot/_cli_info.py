"""``cos-snapshot info KEY``: what GetMediaInfo says about a video, a line per fact or as JSON.

The argparse glue only; the request is :meth:`SnapshotClient.get_media_info` and the lines come
from :func:`._mediainfo.describe_media_info`.
"""

from __future__ import annotations

import argparse
from typing import Any

from ._mediainfo import describe_media_info
from .cli import (
    EXIT_OK,
    _add_connection_options,
    _print_json,
    _subparser,
    client_from_args,
)

__all__ = ["register"]

EPILOG = """
examples:
  cos-snapshot info videos/intro.mp4 --bucket examplebucket-1250000000 --region ap-guangzhou
  cos-snapshot info a.mp4 --endpoint-url http://127.0.0.1:9000 --anonymous
  # every value, decimals exact, and every element as the service sent it
  cos-snapshot --json info videos/intro.mp4

exit codes: 0 ok; 1 the service or the network failed, or its answer was malformed;
2 bad usage (e.g. an empty key)
"""


def cmd_info(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        info = client.get_media_info(args.key)
    if args.json:
        _print_json({"key": args.key, **info.to_dict()})
    else:
        for line in describe_media_info(info):
            print(line)
    return EXIT_OK


def register(sub: Any) -> None:
    info = _subparser(
        sub,
        "info",
        "print a video's duration, size, frame rate, frames, codec, rotation and audio tracks "
        "(GetMediaInfo)",
        cmd_info,
        epilog=EPILOG,
    )
    info.add_argument("key", metavar="KEY", help="object key of the video, e.g. videos/intro.mp4")
    _add_connection_options(info)
