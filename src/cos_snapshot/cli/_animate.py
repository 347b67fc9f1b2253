"""``cos-snapshot animate``: a stretch of a video as a looping WebP or GIF (a hover preview).

The frames are fetched and encoded by :mod:`cos_snapshot.tools.animate`; this module reads the
options, checks them before anything is sent and prints the result. Pillow comes with the
``cli`` and ``emulator`` extras; it is imported when the command runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from .._shared.extras import needs_extra
from .._shared.text import plural
from ..tools.batch import safe_key_path
from ..tools.destination import BucketDestination, BucketPrefix, Destination, LocalDirectory
from ._common import (
    EXIT_OK,
    BucketPath,
    UsageError,
    add_connection_options,
    async_client_from_args,
    options_named,
    output_file,
    print_json,
    subparser,
    whole_number,
)

if TYPE_CHECKING:
    from ..tools.animate import Animation

__all__ = ["register"]

#: The option of each parameter the library names in its errors.
OPTIONS = {
    "start": "--start",
    "duration": "--duration",
    "fps": "--fps",
    "width": "--width",
    "format": "--format",
    "key": "KEY",
}
#: Frames fetched at once (an animation has at most 10 s x 30 fps = 300).
CONCURRENCY = 8

EPILOG = """
examples:
  # 3 s from the middle of the video (less 1.5 s), 8 frames a second, 320 px wide
  cos-snapshot animate videos/intro.mp4 -o intro.webp
  # 2 s from 10 s in, 12 frames a second, as a GIF 480 px wide
  cos-snapshot animate videos/intro.mp4 --start 10 --duration 2 --fps 12 --width 480 -o intro.gif
  # from a quarter of the way in; the frames' times and delays as JSON
  cos-snapshot --json animate videos/intro.mp4 --start 25% -o preview.webp
  # into the bucket, under previews/: previews/intro_preview.webp
  cos-snapshot animate videos/intro.mp4 -o cos:///previews/

The animation holds ceil(duration x fps) frames, those on screen at start + i/fps (exactframe
snapshots, fetched at once), and loops forever, each frame shown 1/fps s (a GIF counts in
hundredths: the delays are rounded so that the loop lasts the duration). Limits as hosted
services' animated previews: --duration 0.25 to 10 s, --fps up to 30, --width up to 640.
--start takes seconds, a share of the video (50%) or end, not auto; a start too near the end
moves back so that the animation ends on the last frame, saying so on stderr. It costs one
GetMediaInfo plus one snapshot a frame. The file is written whole or not at all; -o
cos://... PUTs it into the bucket instead (one HEAD first: an object that is there is skipped
unless --force).

exit codes: 0 animation written; 1 a snapshot failed (nothing is written) or the service,
network or file system failed; 2 bad usage or arguments (a key that is missing or not a video
included); 130 interrupted.

credentials: TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY and TENCENTCLOUD_SECURITY_TOKEN,
unless --anonymous; the bucket and region from COS_BUCKET and COS_REGION, or COS_ENDPOINT_URL.
"""


def _default_name(args: argparse.Namespace) -> str:
    stem = PurePosixPath(safe_key_path(args.key)).stem or "preview"
    return f"{stem}_preview.{args.format or 'webp'}"


def cmd_animate(args: argparse.Namespace) -> int:
    message = needs_extra("cli", "this command")
    if message:
        raise UsageError(message)
    from ..tools.animate import amake_animation, animation_format  # noqa: PLC0415 - Pillow

    output = output_file(args.output, args, _default_name(args))
    name = PurePosixPath(output.prefix) if isinstance(output, BucketPath) else output
    with options_named(OPTIONS):
        # The format, before anything is sent: the rest is checked by amake_animation first.
        image_format = animation_format(name.name, args.format)
        client = async_client_from_args(args, CONCURRENCY)

        async def run() -> tuple[str, Animation | None]:
            async with client:  # one client for the GetMediaInfo, the frames and an upload
                destination: Destination
                if isinstance(output, BucketPath):
                    folder = str(PurePosixPath(output.prefix).parent)
                    place = BucketPrefix("" if folder == "." else folder, output.bucket)
                    destination = BucketDestination(client, place)
                    if not args.force and await destination.exists(name.name):
                        return destination.where(name.name), None  # one HEAD, before the rest
                else:
                    destination = LocalDirectory(output.parent)
                async with destination:
                    animation = await amake_animation(
                        client,
                        args.key,
                        start=args.start,
                        duration=args.duration,
                        fps=args.fps,
                        width=args.width,
                        format=image_format,
                        concurrency=CONCURRENCY,
                    )
                    await destination.write(name.name, animation.content)
                    return destination.where(name.name), animation

        where, made = asyncio.run(run())
    if made is None:
        if args.json:
            print_json({"output": where, "key": args.key, "skipped": True})
        else:
            print(f"{where}: exists, skipped (--force makes it again)")
        return EXIT_OK
    if made.note:
        print(f"{args.key}: {made.note}", file=sys.stderr)
    width, height = made.size
    plan = made.plan
    if args.json:
        print_json(
            {
                "output": where,
                "key": args.key,
                "format": made.format,
                "start": str(plan.start),
                "duration": str(plan.duration),
                "fps": plan.fps,
                "frames": made.frames,
                "times": list(made.times),
                "delays_ms": list(made.delays),
                "width": width,
                "height": height,
                "bytes": len(made.content),
                "note": made.note,
            }
        )
    else:
        print(
            f"{where}: {plural(made.frames, 'frame')} of {args.key} from {plan.start} s, "
            f"{plan.duration} s at {plan.fps} fps, {width}x{height} {made.format}, looping"
        )
    return EXIT_OK


def register(sub: Any) -> None:
    animate = subparser(
        sub,
        "animate",
        "make an animated preview: a stretch of a video as a looping WebP or GIF",
        cmd_animate,
        epilog=EPILOG,
    )
    animate.add_argument("key", metavar="KEY", help="object key of the video")
    animate.add_argument(
        "-o",
        "--output",
        required=True,
        help="file to write, .webp or .gif (its suffix picks the format unless --format "
        "does), or an object to PUT: cos://BUCKET-APPID/previews/intro.webp or "
        "cos:///previews/ (the bucket in use; ending in /: <key stem>_preview.webp under it)",
    )
    animate.add_argument(
        "--force",
        action="store_true",
        help="with -o cos://...: make the animation again when it is there already",
    )
    animate.add_argument(
        "--start",
        "-t",
        help="where the animation starts: seconds, a share of the video (25%%) or end "
        "(default: the middle of the video less half the duration)",
    )
    animate.add_argument(
        "--duration", "-d", default="3", help="seconds, 0.25 to 10 (default: %(default)s)"
    )
    animate.add_argument(
        "--fps",
        type=whole_number(1, 30),
        default=8,
        help="frames per second, 1 to 30 (default: %(default)s)",
    )
    animate.add_argument(
        "--width",
        type=whole_number(1, 640),
        default=320,
        help="width in pixels, 1 to 640; the height follows the video (default: %(default)s)",
    )
    animate.add_argument(
        "--format",
        choices=["webp", "gif"],
        help="webp (smaller, full colour) or gif (plays everywhere; default: from -o's suffix)",
    )
    add_connection_options(animate)
