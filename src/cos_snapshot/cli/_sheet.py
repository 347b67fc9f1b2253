"""``cos-snapshot sheet``: one video's snapshots at many times as a contact sheet.

The snapshots are taken and the grid is drawn by :mod:`cos_snapshot.tools.sheet`; this module reads
the options, checks them before anything is sent and prints the result. Pillow comes with the
``cli`` and ``emulator`` extras; it is imported when the command runs.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import warnings
from pathlib import Path, PurePosixPath
from typing import Any

import attrs

from .. import Snapshot, TimeSelection, media_info_for
from .._shared.extras import needs_extra
from .._shared.text import plural
from ..tools.batch import safe_key_path
from ..tools.destination import BucketDestination, BucketPrefix, Destination, LocalDirectory
from ._common import (
    DEFAULT_CONCURRENCY,
    EXIT_OK,
    BucketPath,
    UsageError,
    add_connection_options,
    add_snapshot_options,
    async_client_from_args,
    bucket_output,
    concurrency,
    is_bucket_url,
    options_named,
    parse_times_option,
    print_json,
    snapshot_args,
    subparser,
    whole_number,
)

__all__ = ["register"]

MAX_CELLS = 1000
#: Without --times, --count or --every: this many rows of --cols across the whole video.
DEFAULT_ROWS = 4

EPILOG = """
examples:
  # the whole video: 16 frames across it (four rows of --cols), 240 px wide cells
  cos-snapshot sheet videos/intro.mp4 -o intro-sheet.jpg
  # every 10 s of the first minute, 4 to a row
  cos-snapshot sheet videos/intro.mp4 --times 0:60:10 --cols 4 -o intro-sheet.jpg
  # a share of the video and its last frame; one frame every 30 s
  cos-snapshot sheet videos/intro.mp4 --times 10%,50%,end -o three.jpg
  cos-snapshot sheet videos/intro.mp4 --every 30 --cols 6 -o every-30s.jpg
  # chosen moments, larger cells, as PNG, no title
  cos-snapshot sheet videos/intro.mp4 --times 1,2.5,4,8 --cols 2 --width 480 \\
      --title '' -o moments.png --endpoint-url http://127.0.0.1:9000 --anonymous
  # the sheet's geometry (every cell's box) as JSON
  cos-snapshot --json sheet videos/intro.mp4 --times 0:30:5 -o sheet.jpg

times: seconds and START:END:STEP ranges as in `cos-snapshot batch` (0:60:10 includes 60),
and times relative to the video: 50% (a share of its duration, 0% to below 100%) and end (its
last frame). --count N takes the middle of N equal slices of the video, --every S the times 0,
S, 2S, ... below its duration; without --times, --count or --every the sheet covers the whole
video with --count of four rows (4 x --cols). A relative form asks GetMediaInfo once for the
video stream's duration; plain seconds send no such request. Cells take the size of the first snapshot (--width wide, the height following the video's
aspect ratio unless --height is given); each cell's time is written under it, as m:ss.

exit codes: 0 sheet written; 1 a snapshot failed (nothing is written) or the service,
network or file system failed; 2 bad usage or arguments (a relative form on a key that is
missing or not a video included); 130 interrupted.

credentials: TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY and TENCENTCLOUD_SECURITY_TOKEN,
unless --anonymous; the bucket and region from COS_BUCKET and COS_REGION, or COS_ENDPOINT_URL.
"""


def _default_name(args: argparse.Namespace) -> str:
    return f"{PurePosixPath(safe_key_path(args.key)).stem or 'sheet'}_sheet.jpg"


def _output(args: argparse.Namespace) -> Path | BucketPath:
    """-o: a local file (default: <key stem>_sheet.jpg), or an object in the bucket (a
    ``cos://`` place ending in ``/`` gets the default name under it)."""
    if not args.output:
        return Path(_default_name(args))
    if not is_bucket_url(args.output):
        return Path(args.output)
    place = bucket_output(args.output, args)
    if not place.prefix or place.prefix.endswith("/"):
        place = attrs.evolve(place, prefix=place.prefix + _default_name(args))
    return place


def cmd_sheet(args: argparse.Namespace) -> int:
    message = needs_extra("cli", "this command")
    if message:
        raise UsageError(message)
    from PIL import Image, ImageFont  # noqa: PLC0415 - optional extra

    from ..tools.sheet import (  # noqa: PLC0415 - needs Pillow
        SheetLayout,
        TitleFontWarning,
        check_sheet_size,
        compose_sheet,
        encode_sheet,
        resolve_times,
        sheet_format,
        take_snapshots,
        timecode,
    )

    times: list[str] | None = None
    count: int | None = args.count
    if args.times is not None:
        times = parse_times_option(args.times, relative=True)
        if len(times) > MAX_CELLS:
            raise UsageError(f"--times gives {len(times)} cells; a sheet holds at most {MAX_CELLS}")
    elif args.every is None and count is None:
        count = DEFAULT_ROWS * args.cols
    output = _output(args)
    name = PurePosixPath(output.prefix) if isinstance(output, BucketPath) else output
    try:
        image_format = sheet_format(name)
    except ValueError as error:
        raise UsageError(str(error)) from None

    def check_first(snapshot: Snapshot) -> None:
        # The pictures alone, without gaps and labels: the exact size is checked again below.
        cells = len(resolved)
        pictures = SheetLayout(cells, min(args.cols, cells), snapshot.size, gap=0, label_height=0)
        try:
            check_sheet_size(pictures.size, image_format)
        except ValueError as error:
            raise UsageError(str(error)) from None

    font = Path(args.font) if args.font else None
    if font is not None:
        try:
            ImageFont.truetype(str(font), 12)
        except OSError:
            raise UsageError(f"--font {font}: not a TrueType or OpenType font file") from None
    # Bad parameters are usage errors, found before anything is sent.
    cell = snapshot_args(args, args.key, "0")
    client = async_client_from_args(args, args.concurrency)
    resolved: list[str] = []

    async def selected() -> list[str]:
        if count is None or args.count is not None:
            return await resolve_times(client, args.key, times=times, count=count, every=args.every)
        # The default count is not the user's: a key that cannot be measured is named alone.
        info = await media_info_for(client, args.key, "key")
        return TimeSelection(count=count).resolve(info)

    async def run() -> tuple[Destination, int, SheetLayout] | str:
        async with client:  # one client for the GetMediaInfo, the snapshots and an upload
            destination: Destination
            if isinstance(output, BucketPath):
                folder = PurePosixPath(output.prefix).parent
                destination = BucketDestination(
                    client, BucketPrefix("" if str(folder) == "." else str(folder), output.bucket)
                )
                if not args.force and await destination.exists(name.name):
                    return destination.where(name.name)  # one HEAD, before any snapshot
            else:
                destination = LocalDirectory(output.parent)
            async with destination:
                resolved[:] = await selected()
                if len(resolved) > MAX_CELLS:
                    raise UsageError(
                        f"--every {args.every} gives {len(resolved)} cells; a sheet holds at "
                        f"most {MAX_CELLS}"
                    )
                snapshots = await take_snapshots(
                    client,
                    args.key,
                    resolved,
                    width=cell.width,
                    height=cell.height,
                    rotate=cell.rotate,
                    mode=cell.mode,
                    concurrency=args.concurrency,
                    check_first=check_first,
                )
                data, layout = compose(snapshots)
                await destination.write(name.name, data)
                return destination, len(data), layout

    def compose(snapshots: list[Snapshot]) -> tuple[bytes, SheetLayout]:
        images = [Image.open(io.BytesIO(snapshot.content)) for snapshot in snapshots]
        title = args.key if args.title is None else args.title
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always", TitleFontWarning)
            sheet, layout = compose_sheet(
                images,
                [timecode(time) for time in resolved],
                cols=args.cols,
                title=title or None,
                font=font,
            )
        for warning in warned:
            print(f"cos-snapshot: warning: {warning.message}", file=sys.stderr)
        try:
            return encode_sheet(sheet, name), layout
        except ValueError as error:  # the exact size, labels and gaps included
            raise UsageError(str(error)) from None

    with options_named():  # every: ... is --every: ... here
        made = asyncio.run(run())
    if isinstance(made, str):
        if args.json:
            print_json({"output": made, "key": args.key, "skipped": True})
        else:
            print(f"{made}: exists, skipped (--force makes it again)")
        return EXIT_OK
    destination, size, layout = made
    where = destination.where(name.name)
    times = resolved
    width, height = layout.size
    if args.json:
        result = {
            "output": where,
            "key": args.key,
            "width": width,
            "height": height,
            "cols": layout.cols,
            "rows": layout.rows,
            "cell_width": layout.cell[0],
            "cell_height": layout.cell[1],
            "cells": [
                {"time": time, "box": list(layout.image_box(index))}
                for index, time in enumerate(times)
            ],
            "bytes": size,
        }
        print_json(result)
    else:
        print(
            f"{where}: {plural(len(times), 'snapshot')} of {args.key} in "
            f"{plural(layout.rows, 'row')} of {layout.cols}, {width}x{height} pixels"
        )
    return EXIT_OK


def register(sub: Any) -> None:
    sheet = subparser(
        sub,
        "sheet",
        "make a contact sheet: one video's snapshots in a grid, each time written under it",
        cmd_sheet,
        epilog=EPILOG,
    )
    sheet.add_argument("key", metavar="KEY", help="object key of the video")
    which = sheet.add_mutually_exclusive_group()
    which.add_argument(
        "--times",
        "-t",
        help="seconds, START:END:STEP ranges, shares of the video and its last frame, e.g. "
        "0,1.5,3 or 0:60:10 or 10%%,50%%,end",
    )
    which.add_argument(
        "--count",
        "-n",
        type=whole_number(1, MAX_CELLS),
        help="N frames across the whole video, the middle of N equal slices "
        "(default without --times or --every: four rows of --cols)",
    )
    which.add_argument("--every", metavar="S", help="a frame every S seconds: 0, S, 2S, ...")
    sheet.add_argument(
        "--cols", type=whole_number(1, 100), default=4, help="cells per row (default: 4)"
    )
    sheet.add_argument(
        "-o",
        "--output",
        help="image to write, .jpg, .png or .webp (default: <key stem>_sheet.jpg), or an "
        "object to PUT: cos://BUCKET-APPID/sheets/intro.jpg or cos:///sheets/ (the bucket "
        "in use; ending in /: the default name under it)",
    )
    sheet.add_argument(
        "--force",
        action="store_true",
        help="with -o cos://...: make the sheet again when it is there already",
    )
    add_snapshot_options(sheet, what="cell", width=240, format=False)
    sheet.add_argument("--title", help="text above the grid (default: the key; '' for none)")
    sheet.add_argument(
        "--font",
        metavar="FILE",
        help="TrueType/OpenType font for the times and title (default: Pillow's built-in "
        "font, which has Latin letters only; a title it cannot draw is set in an installed "
        "font that can, found with fc-match or in the usual font directories)",
    )
    sheet.add_argument(
        "--concurrency",
        "-j",
        type=concurrency,
        default=DEFAULT_CONCURRENCY,
        help=f"requests in flight at once (default: {DEFAULT_CONCURRENCY})",
    )
    add_connection_options(sheet)
