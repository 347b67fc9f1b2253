"""``cos-snapshot storyboard``: thumbnails across a whole video in sprite images and a WebVTT
file of ``#xywh=`` cues, for a player's scrub previews.

The work is :func:`cos_snapshot.tools.storyboard.make_storyboard`; this module reads the options,
checks them before anything is sent and prints the result. Pillow comes with the ``cli`` and
``emulator`` extras; it is imported when the command runs.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path, PurePosixPath
from typing import Any

from .. import CosInvalidArgumentError, SnapshotArgs
from .._shared.extras import needs_extra
from .._shared.text import plural
from ._common import (
    DEFAULT_CONCURRENCY,
    EXIT_OK,
    UsageError,
    add_connection_options,
    async_client_from_args,
    concurrency,
    output_place,
    print_json,
    subparser,
    usage_error,
    whole_number,
)

__all__ = ["register"]

EPILOG = """
examples:
  # a cue every 5 s (the default), 160 px wide tiles, 10 to a sprite row
  cos-snapshot storyboard videos/intro.mp4 -o intro-board
  # 100 cues of equal length as WebP, the VTT pointing at a CDN
  cos-snapshot storyboard videos/intro.mp4 -o board --count 100 --format webp \\
      --url-prefix https://cdn.example.com/boards/intro
  # every cue (start, end, sprite, box) as JSON
  cos-snapshot --json storyboard videos/intro.mp4 -o board --every 2
  # stored in the bucket beside the video, the VTT naming its sprites relative to itself
  cos-snapshot storyboard videos/intro.mp4 -o cos:///videos/intro.board/

writes DIR/storyboard.vtt and DIR/storyboard.jpg (.webp), or storyboard-1.jpg, storyboard-2.jpg,
... when the tiles do not fit in one sprite (JPEG 65500 and WebP 16383 pixels a side, at most
4096 x 4096 pixels in all; each sprite holds whole rows). The cues are contiguous from 0 to the
video's duration (GetMediaInfo): --every S seconds long, the last one shorter, or --count N of
equal length; by default --every 5, and a video longer than 200 cues of 5 s gets 200 of equal
length. Each tile is the exact frame at its cue's start: the frame on screen when the cue
begins. Everything is written whole or not at all. The VTT names its sprites relative to itself
(bare names), so it works wherever the files are served together; --url-prefix puts a URL in
front instead. With -o cos://..., the sprites are PUT once every snapshot has arrived, then the
VTT; a storyboard whose VTT is there already is skipped (one HEAD) unless --force.
--server-side makes the sprites with ONE snapshot job (Interval from 0 in steps of the cue
length: the same tiles), downloads them into DIR (the job writes them under
cos-snapshot-work/storyboard/ in the bucket, where they stay) or, with -o cos://..., leaves
them where the job wrote them (storyboard-0.jpg, storyboard-1.jpg, ...), and writes the VTT from
the job's geometry; jpg only.

exit codes: 0 storyboard written; 1 a snapshot or the job failed (no VTT is written) or the service,
network or file system failed; 2 bad usage or arguments (including a key that is missing or
not a video); 130 interrupted (nothing is written).

credentials: TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY and TENCENTCLOUD_SECURITY_TOKEN,
unless --anonymous; the bucket and region from COS_BUCKET and COS_REGION, or COS_ENDPOINT_URL.
"""

#: Mirrors :data:`cos_snapshot.tools.storyboard.MAX_CUES` (that module needs Pillow to import).
MAX_CUES = 200


def cmd_storyboard(args: argparse.Namespace) -> int:
    message = needs_extra("cli", "this command")
    if message:
        raise UsageError(message)
    from ..tools.destination import BucketDestination  # noqa: PLC0415
    from ..tools.storyboard import (  # noqa: PLC0415 - needs Pillow
        VTT_NAME,
        Storyboard,
        make_server_side_storyboard,
        make_storyboard,
        url_prefix_problem,
    )

    if args.server_side and args.format != "jpg":
        raise UsageError(f"--format {args.format}: a job's sprites are jpg (--server-side)")

    if args.width < 1:
        raise UsageError(f"--width: a storyboard's tiles need a width, got {args.width}")
    SnapshotArgs.check(args.key, "0", width=args.width)
    if args.url_prefix is not None:
        problem = url_prefix_problem(args.url_prefix)
        if problem is not None:
            raise UsageError(f"--url-prefix {args.url_prefix!r}: {problem}")
    place = output_place(args.output, args)
    if isinstance(place, Path) and place.exists() and not place.is_dir():
        raise UsageError(f"-o {place}: not a directory")
    client = async_client_from_args(args, args.concurrency)

    async def run() -> Storyboard | str:
        async with client:
            output: Path | BucketDestination = (
                place if isinstance(place, Path) else BucketDestination(client, place)
            )
            if (
                isinstance(output, BucketDestination)
                and not args.force
                and await output.exists(VTT_NAME)
            ):
                return output.where(VTT_NAME)  # one HEAD: its VTT is stored last
            shared: dict[str, Any] = {
                "every": args.every,
                "count": args.count,
                "width": args.width,
                "cols": args.cols,
                "url_prefix": args.url_prefix,
            }
            if args.server_side:
                return await make_server_side_storyboard(
                    client, args.key, output, timeout=args.timeout, poll=args.poll, **shared
                )
            return await make_storyboard(
                client,
                args.key,
                output,
                format=args.format,
                concurrency=args.concurrency,
                **shared,
            )

    try:
        board = asyncio.run(run())
    except CosInvalidArgumentError as error:  # every: ... is --every: ... here
        raise usage_error(error) from None
    except ValueError as error:  # the tiles cannot fit in a sprite
        raise UsageError(str(error)) from None
    if isinstance(board, str):
        if args.json:
            print_json({"key": args.key, "vtt": board, "skipped": True})
        else:
            print(f"{board}: exists, skipped (--force makes it again)")
        return EXIT_OK
    if args.json:
        print_json(board.to_dict())
    else:
        width, height = board.tile_size
        print(
            f"{board.vtt}: {plural(len(board.cues), 'cue')} over {board.duration} s of "
            f"{args.key}, {width}x{height} tiles in {plural(len(board.sprites), 'sprite')}: "
            + ", ".join(PurePosixPath(str(sprite)).name for sprite in board.sprites)
        )
    return EXIT_OK


def register(sub: Any) -> None:
    board = subparser(
        sub,
        "storyboard",
        "make a storyboard for a player's scrub previews: thumbnails across the whole video in "
        "sprite images and a WebVTT file of #xywh= cues",
        cmd_storyboard,
        epilog=EPILOG,
    )
    board.add_argument("key", metavar="KEY", help="object key of the video")
    board.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        required=True,
        help="directory to write the files in, or a prefix in the bucket to PUT them under "
        "(cos://BUCKET-APPID/boards/intro/, or cos:///boards/intro/: the bucket in use)",
    )
    board.add_argument(
        "--force",
        action="store_true",
        help="with -o cos://...: make the storyboard again when its VTT is there already",
    )
    which = board.add_mutually_exclusive_group()
    which.add_argument(
        "--every",
        metavar="S",
        help="cues S seconds long, the last one shorter (default: 5, at most 200 cues)",
    )
    which.add_argument(
        "--count",
        "-n",
        type=whole_number(1, MAX_CUES),
        help=f"N cues of equal length (1 to {MAX_CUES})",
    )
    board.add_argument(
        "--width", type=int, default=160, help="width of each tile in pixels (default: 160)"
    )
    board.add_argument(
        "--cols", type=whole_number(1, 100), default=10, help="tiles per sprite row (default: 10)"
    )
    board.add_argument(
        "--format", choices=["jpg", "webp"], default="jpg", help="sprite format (default: jpg)"
    )
    board.add_argument(
        "--url-prefix",
        metavar="URL",
        help="write each cue's sprite under this URL (joined with /) instead of its bare name",
    )
    board.add_argument(
        "--server-side",
        action="store_true",
        help="make the sprites with one snapshot job: the service decodes the video and writes "
        "the sprites into the bucket (downloaded into DIR); jpg only",
    )
    board.add_argument(
        "--timeout",
        type=float,
        default=3600.0,
        metavar="S",
        help="with --server-side: give up waiting for the job after S seconds (default: 3600)",
    )
    board.add_argument(
        "--poll",
        type=float,
        default=1.0,
        metavar="S",
        help="with --server-side: first wait between polls of the job (default: 1)",
    )
    board.add_argument(
        "--concurrency",
        "-j",
        type=concurrency,
        default=DEFAULT_CONCURRENCY,
        help=f"requests in flight at once (default: {DEFAULT_CONCURRENCY})",
    )
    add_connection_options(board)
