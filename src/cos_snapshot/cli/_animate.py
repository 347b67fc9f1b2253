"""``cos-snapshot animate``: a stretch of a video as a looping WebP or GIF (a hover preview).

The frames are fetched and encoded by :mod:`cos_snapshot.tools.animate`; this module reads the
options, checks them before anything is sent and prints the result. Pillow comes with the
``cli`` and ``emulator`` extras; it is imported when the command runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from .._shared.extras import needs_extra
from .._shared.text import plural
from ._common import (
    EXIT_OK,
    UsageError,
    add_connection_options,
    async_client_from_args,
    is_bucket_url,
    options_named,
    print_json,
    subparser,
    whole_number,
)

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

The animation holds ceil(duration x fps) frames, those on screen at start + i/fps (exactframe
snapshots, fetched at once), and loops forever, each frame shown 1/fps s (a GIF counts in
hundredths: the delays are rounded so that the loop lasts the duration). Limits as hosted
services' animated previews: --duration 0.25 to 10 s, --fps up to 30, --width up to 640.
--start takes seconds, a share of the video (50%) or end, not auto; a start too near the end
moves back so that the animation ends on the last frame, saying so on stderr. It costs one
GetMediaInfo plus one snapshot a frame. The file is written whole or not at all; -o takes
local files (not cos:// yet).

exit codes: 0 animation written; 1 a snapshot failed (nothing is written) or the service,
network or file system failed; 2 bad usage or arguments (a key that is missing or not a video
included); 130 interrupted.

credentials: TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY and TENCENTCLOUD_SECURITY_TOKEN,
unless --anonymous; the bucket and region from COS_BUCKET and COS_REGION, or COS_ENDPOINT_URL.
"""


def cmd_animate(args: argparse.Namespace) -> int:
    message = needs_extra("cli", "this command")
    if message:
        raise UsageError(message)
    from ..tools.animate import amake_animation, animation_format  # noqa: PLC0415 - Pillow

    if is_bucket_url(args.output):
        raise UsageError(f"-o {args.output}: animate writes local files; cos:// is not taken yet")
    output = Path(args.output)
    with options_named(OPTIONS):
        # The format, before anything is sent: the rest is checked by amake_animation first.
        animation_format(output, args.format)
        client = async_client_from_args(args, CONCURRENCY)

        async def run() -> Any:
            async with client:
                return await amake_animation(
                    client,
                    args.key,
                    output,
                    start=args.start,
                    duration=args.duration,
                    fps=args.fps,
                    width=args.width,
                    format=args.format,
                    concurrency=CONCURRENCY,
                )

        animation = asyncio.run(run())
    if animation.note:
        print(f"{args.key}: {animation.note}", file=sys.stderr)
    width, height = animation.size
    plan = animation.plan
    if args.json:
        print_json(
            {
                "output": str(output),
                "key": args.key,
                "format": animation.format,
                "start": str(plan.start),
                "duration": str(plan.duration),
                "fps": plan.fps,
                "frames": animation.frames,
                "times": list(animation.times),
                "delays_ms": list(animation.delays),
                "width": width,
                "height": height,
                "bytes": len(animation.content),
                "note": animation.note,
            }
        )
    else:
        print(
            f"{output}: {plural(animation.frames, 'frame')} of {args.key} from {plan.start} s, "
            f"{plan.duration} s at {plan.fps} fps, {width}x{height} {animation.format}, "
            f"looping"
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
        help="file to write, .webp or .gif (its suffix picks the format unless --format does)",
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
