"""``cos-snapshot info KEY``: what GetMediaInfo says about a video, a line per fact or as JSON.

The argparse glue only; the request is :meth:`cos_snapshot.SnapshotClient.get_media_info` and
the lines are :meth:`cos_snapshot.MediaInfo.describe`.
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import EXIT_OK, add_connection_options, client_from_args, print_json, subparser

__all__ = ["register"]

EPILOG = """
examples:
  cos-snapshot info videos/intro.mp4 --bucket examplebucket-1250000000 --region ap-guangzhou
  cos-snapshot info a.mp4 --endpoint-url http://127.0.0.1:9000 --anonymous
  # every value, decimals exact, and every element as the service sent it
  cos-snapshot --json info videos/intro.mp4

rotation: the service's Rotation as sent, read as counter-clockwise degrees (as FFmpeg
reports a display matrix and the emulator answers unless serve --rotation-sign clockwise),
then which way the picture is shown turned: "-90 degrees (shown turned 90° clockwise)" is a
phone's portrait video, or make-fixture --rotate 90. --json keeps the number as sent.

exit codes: 0 ok; 1 the service or the network failed, or its answer was malformed;
2 bad usage (e.g. an empty key)
"""


def cmd_info(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        info = client.get_media_info(args.key)
    if args.json:
        print_json({"key": args.key, **info.to_dict()})
    else:
        for line in info.describe():
            print(line)
    return EXIT_OK


def register(sub: Any) -> None:
    info = subparser(
        sub,
        "info",
        "print a video's duration, size, frame rate, frames, codec, rotation and audio tracks "
        "(GetMediaInfo)",
        cmd_info,
        epilog=EPILOG,
    )
    info.add_argument("key", metavar="KEY", help="object key of the video, e.g. videos/intro.mp4")
    add_connection_options(info)
