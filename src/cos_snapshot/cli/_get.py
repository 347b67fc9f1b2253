"""``cos-snapshot get`` and ``cos-snapshot presign``: one snapshot, or a URL for one."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._common import (
    EXIT_OK,
    add_connection_options,
    client_from_args,
    print_json,
    subparser,
)

__all__ = ["register"]

GET_EPILOG = """
    examples:
      cos-snapshot get videos/intro.mp4 --time 1.5 -o poster.jpg \\
          --bucket examplebucket-1250000000 --region ap-guangzhou
      COS_ENDPOINT_URL=http://127.0.0.1:9000 cos-snapshot get a.mp4 -t 0 --width 320 --format png -o a.png
    """
PRESIGN_EPILOG = """
    examples:
      cos-snapshot presign videos/intro.mp4 --time 3 --expires 600
      curl -o frame.jpg "$(cos-snapshot presign a.mp4 -t 1 --endpoint-url http://127.0.0.1:9000)"
    """


def _add_snapshot_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key", help="object key of the video, e.g. videos/intro.mp4")
    parser.add_argument("--time", "-t", required=True, help="seconds from the start, e.g. 1.5")
    parser.add_argument("--width", type=int, default=0, help="output width (0: follow the video)")
    parser.add_argument("--height", type=int, default=0, help="output height (0: follow the video)")
    parser.add_argument("--format", choices=["jpg", "png"], default="jpg")
    parser.add_argument("--rotate", choices=["auto", "off"], default="auto")
    parser.add_argument("--mode", choices=["keyframe", "exactframe"], default="exactframe")


def _snapshot_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "width": args.width,
        "height": args.height,
        "format": args.format,
        "rotate": args.rotate,
        "mode": args.mode,
    }


def cmd_get(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        snapshot = client.get_snapshot(args.key, args.time, **_snapshot_kwargs(args))
    output = (
        Path(args.output)
        if args.output
        else Path(f"{Path(args.key).stem}_{args.time}.{snapshot.format}")
    )
    snapshot.save(output)
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
        print_json(result)
    else:
        print(
            f"{output}: {snapshot.width}x{snapshot.height} {snapshot.content_type}, {len(snapshot.content)} bytes"
        )
    return EXIT_OK


def cmd_presign(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        url = client.presign_snapshot_url(
            args.key, args.time, expires=args.expires, **_snapshot_kwargs(args)
        )
    if args.json:
        print_json({"url": url, "expires": args.expires})
    else:
        print(url)
    return EXIT_OK


def register(sub: Any) -> None:
    get = subparser(
        sub, "get", "save one snapshot of a video to a file", cmd_get, epilog=GET_EPILOG
    )
    _add_snapshot_options(get)
    get.add_argument("-o", "--output", help="file to write (default: <key stem>_<time>.<format>)")
    add_connection_options(get)

    presign = subparser(
        sub, "presign", "print a presigned snapshot URL", cmd_presign, epilog=PRESIGN_EPILOG
    )
    _add_snapshot_options(presign)
    presign.add_argument(
        "--expires", type=int, default=3600, help="seconds the URL stays valid (default 3600)"
    )
    add_connection_options(presign)
