"""Storyboards for video players: thumbnails across a whole video tiled into sprite images, and
a WebVTT file whose cues point into them (``#xywh=`` fragments), as video.js, JW Player and
Plyr read them for scrub previews. The work behind ``cos-snapshot storyboard``.

The cues are contiguous from 0 to the video stream's duration (from GetMediaInfo), written to
the millisecond as WebVTT writes times: ``every`` seconds long (the last one shorter) or
``count`` of equal length. Each cue's tile is the snapshot in ``exactframe`` mode at the cue's
start, as written in the file: the frame a player has on screen when the cue begins, so what
the preview shows is what playing from that point shows first (``keyframe`` mode would show a
frame up to a GOP earlier).

Sprites: one, ``storyboard.jpg`` (``.webp``), unless the tiles do not fit in one; then
``storyboard-1.jpg``, ``storyboard-2.jpg``, … each as many whole rows as fit. A sprite holds
at most :data:`MAX_SPRITE_SIDE` pixels a side for its format (JPEG 65,500, WebP 16,383) and at
most :data:`MAX_SPRITE_PIXELS` pixels in all (a sane size for a browser to decode: 4096 × 4096).
The VTT names its sprites by their bare names, relative to itself, so it works wherever the
files are served together (a directory, a prefix in a bucket); ``url_prefix`` puts an absolute
place in front instead.

The files go to a :class:`~cos_snapshot.tools.destination.Destination`: a local directory or a
prefix in a bucket. Everything is written whole or not at all, the VTT last: in a directory,
the sprites and the VTT go to temporary files renamed when all of them are complete; in a
bucket, the sprites are PUT once every snapshot has arrived, then the VTT, so a VTT in the
bucket always names sprites that are there.

Example::

    async with AsyncSnapshotClient(bucket=..., region=...) as client:
        board = await make_storyboard(client, "videos/a.mp4", Path("board"), every=5)
    print(board.vtt, len(board.cues))
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import math
import os
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import attrs
from PIL import Image

from .. import (
    AsyncSnapshotClient,
    CosError,
    CosInvalidArgumentError,
    JobState,
    Snapshot,
    SnapshotJob,
    SnapshotJobSpec,
    SpriteSpec,
    TimeSelection,
    format_time,
    media_info_for,
)
from .._shared.text import plural
from .destination import BucketDestination, Destination, LocalDirectory
from .sheet import BACKGROUND, SheetLayout, paste_cell, take_snapshots

__all__ = [
    "DEFAULT_COLS",
    "DEFAULT_EVERY",
    "DEFAULT_WIDTH",
    "JOB_WORK_PREFIX",
    "MAX_CUES",
    "MAX_SPRITE_PIXELS",
    "MAX_SPRITE_SIDE",
    "STORYBOARD_FORMATS",
    "VTT_NAME",
    "Cue",
    "ServerSideJobError",
    "Storyboard",
    "cue_bounds",
    "make_server_side_storyboard",
    "make_storyboard",
    "plan_sprites",
    "render_vtt",
    "sprite_names",
    "url_prefix_problem",
    "vtt_timestamp",
]

#: Cue length when neither ``every`` nor ``count`` is given.
DEFAULT_EVERY = Decimal(5)
#: The most cues a storyboard has; by default a longer video gets this many of equal length.
MAX_CUES = 200
#: Thumbnail width in pixels (the height follows the video's aspect ratio).
DEFAULT_WIDTH = 160
#: Thumbnails per sprite row.
DEFAULT_COLS = 10
#: Pillow format names by ``format``.
STORYBOARD_FORMATS = {"jpg": "JPEG", "webp": "WEBP"}
#: The longest side each format can store (libjpeg's and libwebp's limits).
MAX_SPRITE_SIDE = {"JPEG": 65500, "WEBP": 16383}
#: At most this many pixels in one sprite (4096 × 4096).
MAX_SPRITE_PIXELS = 4096 * 4096
#: File names: ``storyboard.vtt`` and ``storyboard.<format>`` or ``storyboard-<n>.<format>``.
STEM = "storyboard"
#: The VTT's name.
VTT_NAME = f"{STEM}.vtt"

_MILLISECOND = Decimal("0.001")
Box = tuple[int, int, int, int]


@attrs.frozen
class Cue:
    """One cue: from ``start`` to ``end`` seconds (exact, to the millisecond) the player shows
    the ``box`` (x, y, width, height) of the sprite ``sprite`` (its file name), which holds the
    frame at ``start``."""

    start: Decimal
    end: Decimal
    sprite: str
    box: Box

    def payload(self, url_prefix: str | None = None) -> str:
        """The cue's text: ``storyboard.jpg#xywh=x,y,w,h``, the sprite under ``url_prefix``
        (joined with one ``/``) when given."""
        x, y, w, h = self.box
        name = self.sprite if not url_prefix else f"{url_prefix.rstrip('/')}/{self.sprite}"
        return f"{name}#xywh={x},{y},{w},{h}"

    def to_dict(self, url_prefix: str | None = None) -> dict[str, Any]:
        """JSON-ready: times as exact decimal text, the box, the payload."""
        return {
            "start": str(self.start),
            "end": str(self.end),
            "sprite": self.sprite,
            "box": list(self.box),
            "payload": self.payload(url_prefix),
        }


@attrs.frozen
class Storyboard:
    """What :func:`make_storyboard` wrote: the ``vtt`` file, the ``sprites`` (in order), the
    ``cues``, the tile size, columns per sprite row, the duration the cues cover and the
    ``url_prefix`` the payloads carry. ``vtt`` and ``sprites`` are paths in a local directory,
    ``cos://`` URLs (strings) in a bucket."""

    key: str
    vtt: Path | str
    sprites: tuple[Path | str, ...]
    cues: tuple[Cue, ...]
    tile_size: tuple[int, int]
    cols: int
    duration: Decimal
    url_prefix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as ``cos-snapshot --json storyboard`` prints it."""
        return {
            "key": self.key,
            "vtt": str(self.vtt),
            "sprites": [str(path) for path in self.sprites],
            "duration": str(self.duration),
            "tile_width": self.tile_size[0],
            "tile_height": self.tile_size[1],
            "cols": self.cols,
            "cues": [cue.to_dict(self.url_prefix) for cue in self.cues],
        }


def _ms(value: Decimal) -> Decimal:
    """``value`` rounded to the millisecond, without trailing zeros (``12.000`` is ``12``)."""
    return Decimal(format_time(value.quantize(_MILLISECOND, rounding=ROUND_HALF_EVEN)))


def cue_bounds(
    duration: Decimal,
    *,
    every: str | Decimal | None = None,
    count: int | None = None,
    max_cues: int = MAX_CUES,
) -> list[Decimal]:
    """The cue boundaries, ``0`` to ``duration`` (rounded to the millisecond): one more than
    the cues. ``count`` cues of equal length (each boundary rounded to the millisecond), or
    cues ``every`` seconds long with a shorter last one; neither: ``every`` 5 s, or
    ``max_cues`` of equal length when that would give more.

    Raises :class:`~cos_snapshot.CosInvalidArgumentError` naming ``count`` or ``every`` when
    they give more than ``max_cues`` cues, a cue shorter than a millisecond, or a step that is
    not a whole number of milliseconds.
    """
    total = _ms(duration)
    if total <= 0:
        raise CosInvalidArgumentError("duration", f"must be at least 1 ms, got {duration}")
    selection = _selection(every, count, max_cues)
    if selection.every is not None:
        step = selection.every
        cues = math.ceil(total / step)
        if cues <= max_cues:
            return [*(_ms(i * step) for i in range(cues)), total]
        if every is not None:
            raise CosInvalidArgumentError(
                "every",
                f"{step} s gives {cues} cues over {total} s; a storyboard has at most "
                f"{max_cues} (use a longer step, or a count)",
            )
        selection = TimeSelection(count=max_cues)  # the default step on a long video
    assert selection.count is not None  # noqa: S101 - one of the two is set
    count = selection.count
    bounds = [_ms(total * i / count) for i in range(count + 1)]
    if any(a >= b for a, b in itertools.pairwise(bounds)):
        raise CosInvalidArgumentError(
            "count", f"{plural(count, 'cue')} over {total} s would be shorter than a millisecond"
        )
    return bounds


def _selection(every: str | Decimal | None, count: int | None, max_cues: int) -> TimeSelection:
    """The cues' :class:`~cos_snapshot.TimeSelection`, checked without the video: ``count``
    from 1 to ``max_cues``, or a step ``every`` (by default :data:`DEFAULT_EVERY`) that is a
    whole number of milliseconds."""
    if count is not None and every is not None:
        raise ValueError("give count or every, not both")
    if count is not None:
        try:
            selection: TimeSelection | None = TimeSelection(count=count)
        except CosInvalidArgumentError:
            selection = None
        if selection is None or count > max_cues:  # refused in the storyboard's own range
            raise CosInvalidArgumentError(
                "count", f"must be a whole number from 1 to {max_cues}, got {count!r}"
            )
        return selection
    selection = TimeSelection(every=DEFAULT_EVERY if every is None else every)
    step = selection.every
    if step is not None and _ms(step) != step:
        raise CosInvalidArgumentError(
            "every", f"cue times are written to the millisecond; {step} s is not"
        )
    return selection


def vtt_timestamp(seconds: Decimal) -> str:
    """``HH:MM:SS.mmm`` (seconds rounded to the millisecond): ``75.5`` -> ``00:01:15.500``."""
    millis = int(_ms(seconds) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def render_vtt(cues: Sequence[Cue], url_prefix: str | None = None) -> str:
    """The WebVTT file: ``WEBVTT``, a blank line, then each cue's timing line and payload,
    cues separated by a blank line."""
    blocks = [
        f"{vtt_timestamp(cue.start)} --> {vtt_timestamp(cue.end)}\n{cue.payload(url_prefix)}\n"
        for cue in cues
    ]
    return "WEBVTT\n\n" + "\n".join(blocks)


def url_prefix_problem(url_prefix: str) -> str | None:
    """Why ``url_prefix`` cannot go into the cues' payloads, or ``None``: a control character
    (a newline ends the cue and lets what follows write cues of its own) or a space."""
    for character in url_prefix:
        if ord(character) < 0x20 or 0x7F <= ord(character) < 0xA0 or character.isspace():
            return (
                f"holds {character!r}, which would break the WebVTT cues; percent-encode it "
                f"({''.join(f'%{b:02X}' for b in character.encode())})"
            )
    return None


def plan_sprites(
    count: int, cols: int, tile_size: tuple[int, int], image_format: str
) -> list[SheetLayout]:
    """The layouts of the sprites that hold ``count`` tiles of ``tile_size``, ``cols`` to a
    row, packed without gaps: as many whole rows in each as fit in ``image_format``'s longest
    side and in :data:`MAX_SPRITE_PIXELS`. ``ValueError`` (saying what to change) when not even
    one row fits."""
    if count < 1 or cols < 1:
        raise ValueError("a storyboard needs at least one tile and one column")
    cols = min(cols, count)
    width, height = tile_size
    row_width = cols * width
    side = MAX_SPRITE_SIDE.get(image_format, 65500)
    rows = min(side // height, MAX_SPRITE_PIXELS // (row_width * height))
    if row_width > side or rows < 1:
        raise ValueError(
            f"a row of {plural(cols, 'tile')} of {width}x{height} pixels does not fit in a "
            f"{image_format} sprite ({side} pixels a side, {MAX_SPRITE_PIXELS:,} in all): use "
            "fewer --cols or a smaller --width"
        )
    per_sprite = rows * cols
    sizes = [min(per_sprite, count - start) for start in range(0, count, per_sprite)]
    return [SheetLayout(n, cols, tile_size, gap=0, label_height=0) for n in sizes]


def sprite_names(sprites: int, format: Literal["jpg", "webp"]) -> list[str]:
    """``storyboard.jpg`` for one sprite, ``storyboard-1.jpg``, ``storyboard-2.jpg``, … for
    more."""
    if sprites == 1:
        return [f"{STEM}.{format}"]
    return [f"{STEM}-{number}.{format}" for number in range(1, sprites + 1)]


async def make_storyboard(
    client: AsyncSnapshotClient,
    key: str,
    output_dir: Path | Destination,
    *,
    every: str | Decimal | None = None,
    count: int | None = None,
    width: int = DEFAULT_WIDTH,
    cols: int = DEFAULT_COLS,
    format: Literal["jpg", "webp"] = "jpg",
    url_prefix: str | None = None,
    concurrency: int = 8,
    quality: int = 85,
) -> Storyboard:
    """Make the storyboard of video ``key`` in ``output_dir`` (a local directory, or any
    :class:`~cos_snapshot.tools.destination.Destination`, such as a prefix in a bucket):
    ``storyboard.vtt`` and its sprite(s) (see the module's text for the cues, the tiles and
    the sprite rule).

    One GetMediaInfo gives the duration; the snapshots (``exactframe`` at each cue's start,
    ``width`` pixels wide) are taken at most ``concurrency`` at once through ``client``, which
    stays open (whoever made it closes it). Nothing is written unless every snapshot arrived and every file is
    complete.

    Raises :class:`~cos_snapshot.CosInvalidArgumentError` for bad ``every``/``count``/
    ``width`` or an object that is not a video, ``ValueError`` for tiles that cannot fit in
    a sprite, and the client's errors (:class:`~cos_snapshot.tools.sheet.SheetSnapshotError` naming
    the time of a snapshot that failed).
    """
    if url_prefix is not None:
        problem = url_prefix_problem(url_prefix)
        if problem is not None:
            raise ValueError(f"url_prefix {url_prefix!r}: {problem}")
    if format not in STORYBOARD_FORMATS:
        raise ValueError(f"format must be one of {sorted(STORYBOARD_FORMATS)}, not {format!r}")
    if cols < 1:
        raise ValueError(f"cols must be at least 1, not {cols}")
    if width < 1:
        raise CosInvalidArgumentError("width", f"a storyboard's tiles need a width, got {width}")
    # The options alone, before anything is sent; without any, the key is what must serve.
    given = every is not None or count is not None
    option = _selection(every, count, MAX_CUES).option if given else "key"
    info = await media_info_for(client, key, option)
    assert info.video_duration is not None  # noqa: S101 - media_info_for checked it
    bounds = cue_bounds(info.video_duration, every=every, count=count)
    starts = [str(start) for start in bounds[:-1]]
    layouts: list[SheetLayout] = []
    setup = _Setup(width, cols, format, quality, concurrency, url_prefix)
    if isinstance(output_dir, Destination):
        return await _make(client, key, output_dir, bounds, starts, layouts, setup)
    async with LocalDirectory(output_dir) as directory:
        existed = output_dir.exists()
        try:
            board = await _make(client, key, directory, bounds, starts, layouts, setup)
        except BaseException:
            if not existed:  # made for the sprites' temporaries, now removed: not left behind
                with contextlib.suppress(OSError):
                    output_dir.rmdir()
            raise
        _remove_stale_sprites(output_dir, [PurePosixPath(s).name for s in board.sprites])
        return attrs.evolve(
            board, vtt=Path(board.vtt), sprites=tuple(Path(s) for s in board.sprites)
        )


@attrs.frozen
class _Setup:
    width: int
    cols: int
    format: Literal["jpg", "webp"]
    quality: int
    concurrency: int
    url_prefix: str | None


async def _make(
    client: AsyncSnapshotClient,
    key: str,
    destination: Destination,
    bounds: list[Decimal],
    starts: list[str],
    layouts: list[SheetLayout],
    setup: _Setup,
) -> Storyboard:
    """Take the tiles, fill the sprites and store them, then the VTT, in ``destination``."""
    image_format = STORYBOARD_FORMATS[setup.format]

    def check_first(snapshot: Snapshot) -> None:
        layouts.extend(plan_sprites(len(starts), setup.cols, snapshot.size, image_format))

    tile_size: list[tuple[int, int]] = []
    async with destination.together() as staged:
        sprites = _SpriteWriter(layouts, setup.format, setup.quality, staged)

        def on_snapshot(index: int, snapshot: Snapshot) -> None:
            with Image.open(io.BytesIO(snapshot.content)) as image:
                if not tile_size:
                    tile_size.append(image.size)
                sprites.paste(index, image)

        # Each tile goes into its sprite as it arrives, and each sprite is encoded once whole:
        # memory holds the sprites being filled and the encoded ones, never every tile.
        await take_snapshots(
            client,
            key,
            starts,
            width=setup.width,
            concurrency=setup.concurrency,
            check_first=check_first,
            on_snapshot=on_snapshot,
        )
        cues = _cues(bounds, sprites.names, layouts)
        # Staged last, so stored last: a VTT never names sprites not yet in place.
        staged.append((PurePosixPath(VTT_NAME), render_vtt(cues, setup.url_prefix).encode("utf-8")))
    return Storyboard(
        key=key,
        vtt=destination.where(VTT_NAME),
        sprites=tuple(destination.where(name) for name in sprites.names),
        cues=tuple(cues),
        tile_size=tile_size[0],
        cols=layouts[0].cols,
        duration=bounds[-1],
        url_prefix=setup.url_prefix,
    )


class _SpriteWriter:
    """The sprites, filled tile by tile as the snapshots arrive (in any order) and each
    encoded and staged (``staged``: the destination's
    :meth:`~cos_snapshot.tools.destination.Destination.together` list) the moment its last
    tile is in, then dropped."""

    def __init__(
        self,
        layouts: list[SheetLayout],
        format: Literal["jpg", "webp"],
        quality: int,
        staged: list[tuple[PurePosixPath, bytes]],
    ) -> None:
        self.layouts = layouts
        self.format = format
        self.quality = quality
        self.staged = staged
        self._canvases: dict[int, Image.Image] = {}
        self._missing: dict[int, int] = {}

    @property
    def names(self) -> list[str]:
        """The sprites' file names, in order (known once the first tile sets the layouts)."""
        return sprite_names(len(self.layouts), self.format)

    def paste(self, index: int, image: Image.Image) -> None:
        """Put tile ``index`` into its sprite; encode the sprite if that was its last tile."""
        sprite, first = 0, 0
        while index >= first + self.layouts[sprite].count:
            first += self.layouts[sprite].count
            sprite += 1
        layout = self.layouts[sprite]
        canvas = self._canvases.get(sprite)
        if canvas is None:
            canvas = self._canvases[sprite] = Image.new("RGB", layout.size, BACKGROUND)
            self._missing[sprite] = layout.count
        paste_cell(canvas, image, layout, index - first)
        self._missing[sprite] -= 1
        if self._missing[sprite] == 0:
            encoded = io.BytesIO()
            canvas.save(encoded, format=STORYBOARD_FORMATS[self.format], quality=self.quality)
            self.staged.append((PurePosixPath(self.names[sprite]), encoded.getvalue()))
            del self._canvases[sprite]


def _cues(
    bounds: Sequence[Decimal], names: Sequence[str], layouts: Sequence[SheetLayout]
) -> list[Cue]:
    cues: list[Cue] = []
    first = 0
    for name, layout in zip(names, layouts, strict=True):
        for index in range(layout.count):
            left, top, right, bottom = layout.image_box(index)
            cue = first + index
            cues.append(
                Cue(bounds[cue], bounds[cue + 1], name, (left, top, right - left, bottom - top))
            )
        first += layout.count
    return cues


#: The names :func:`sprite_names` gives, in any format: only such files are a storyboard's own.
_SPRITE_NAME = re.compile(rf"^{re.escape(STEM)}(?:-[1-9][0-9]*)?\.(?:jpg|webp)$")


def _remove_stale_sprites(output_dir: Path, names: Sequence[str]) -> None:
    """Remove the sprites of an earlier storyboard in ``output_dir`` that the new VTT does not
    name (a rerun with fewer sprites, or another format): only regular files named as this
    module names sprites."""
    kept = set(names)
    with contextlib.suppress(OSError), os.scandir(output_dir) as entries:
        for entry in entries:
            if entry.name in kept or not _SPRITE_NAME.match(entry.name):
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)


# -- server side: the sprites made by one snapshot job ---------------------------------------

#: Where a server-side storyboard whose files go to a local directory has its job write the
#: sprites in the bucket (one place per video, reused by a re-run); they stay there.
JOB_WORK_PREFIX = "cos-snapshot-work/storyboard/"


class ServerSideJobError(CosError):
    """The snapshot job of a server-side storyboard ended without its sprites (``Failed``,
    ``Cancel``) or reported sprites that do not fit its plan; ``job`` is its last report."""

    def __init__(self, message: str, job: SnapshotJob) -> None:
        self.job = job
        super().__init__(message)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (str(self), self.job))


def _tile_size(width: int, display: tuple[int | None, int | None], key: str) -> tuple[int, int]:
    """A tile ``width`` pixels wide, its height from the picture as shown, rounded as
    GetSnapshot rounds a height it works out (half up)."""
    shown_width, shown_height = display
    if not shown_width or not shown_height:
        raise CosInvalidArgumentError("key", f"GetMediaInfo of {key!r} gives no picture size")
    return width, max(1, (2 * width * shown_height + shown_width) // (2 * shown_width))


def _cue_step(bounds: Sequence[Decimal]) -> Decimal:
    """The step of the job's shots: the cue length when the cues start at its multiples
    (``every``), else the duration over the cues (``count``, each start rounded to the
    millisecond from that)."""
    first = bounds[1]
    cues = len(bounds) - 1
    if all(bounds[i] == i * first for i in range(cues)):
        return first
    return bounds[-1] / cues


def _job_cues(
    bounds: Sequence[Decimal], names: Sequence[str], sprite: SpriteSpec, tile: tuple[int, int]
) -> list[Cue]:
    """The cues of the tiles as the job laid them out: row by row, ``columns`` x ``lines``
    cells a sprite, ``padding`` between cells and ``margin`` around them."""
    width = sprite.cell_width or tile[0]
    height = sprite.cell_height or tile[1]
    gap, margin = sprite.padding or 0, sprite.margin or 0
    per_sprite = sprite.columns * sprite.lines
    cues = []
    for index in range(len(bounds) - 1):
        sheet, slot = divmod(index, per_sprite)
        row, column = divmod(slot, sprite.columns)
        box = (margin + column * (width + gap), margin + row * (height + gap), width, height)
        cues.append(Cue(bounds[index], bounds[index + 1], names[sheet], box))
    return cues


async def make_server_side_storyboard(
    client: AsyncSnapshotClient,
    key: str,
    output_dir: Path | BucketDestination,
    *,
    every: str | Decimal | None = None,
    count: int | None = None,
    width: int = DEFAULT_WIDTH,
    cols: int = DEFAULT_COLS,
    url_prefix: str | None = None,
    timeout: float = 3600.0,
    poll: float = 1.0,
) -> Storyboard:
    """The storyboard of video ``key`` made by the service: its sprites by ONE snapshot job
    (``Interval`` from 0 in steps of the cue length, so each tile is the frame at its cue's
    start, as :func:`make_storyboard` takes them; ``OnlySprite``, cells of the tile size, no
    padding or margin), the VTT written from the job's geometry. No frame crosses the link.

    Cues, tiles, sprite rows and ``cols`` are as :func:`make_storyboard` plans them; sprites are
    JPEG (the only format of a job's sprites). ``output_dir``: a local directory, into which
    the sprites are downloaded (the job writes them under :data:`JOB_WORK_PREFIX` in the
    bucket first, where they stay) with :func:`make_storyboard`'s names, the VTT written last,
    all renamed into place together; or a :class:`~cos_snapshot.tools.destination.BucketDestination`,
    where the job writes the sprites itself, named ``storyboard-0.jpg``, ``storyboard-1.jpg``,
    … (the job's ``${Number}``), and the VTT is PUT once the job has ended ``Success``. The job
    is waited for (polled every ``poll`` seconds, backing off) at most ``timeout`` seconds.

    Raises what :func:`make_storyboard` raises for bad options or a key that is not a video,
    :class:`ServerSideJobError` when the job ends ``Failed`` or ``Cancel`` or reports sprites
    other than planned, :class:`~cos_snapshot.CosJobTimeoutError` at the deadline, and the
    client's errors.
    """
    if url_prefix is not None:
        problem = url_prefix_problem(url_prefix)
        if problem is not None:
            raise ValueError(f"url_prefix {url_prefix!r}: {problem}")
    if cols < 1:
        raise ValueError(f"cols must be at least 1, not {cols}")
    if not 8 <= width <= 4096:
        raise CosInvalidArgumentError("width", f"a job's sprite cells are 8 to 4096 wide: {width}")
    given = every is not None or count is not None
    option = _selection(every, count, MAX_CUES).option if given else "key"
    info = await media_info_for(client, key, option)
    assert info.video_duration is not None  # noqa: S101 - media_info_for checked it
    video = info.video
    display = (None, None) if video is None else (video.display_width, video.display_height)
    tile = _tile_size(width, display, key)
    bounds = cue_bounds(info.video_duration, every=every, count=count)
    cues = len(bounds) - 1
    layouts = plan_sprites(cues, cols, tile, "JPEG")
    columns = layouts[0].cols
    sprite = SpriteSpec(
        columns=columns,
        lines=math.ceil(layouts[0].count / columns),
        color="black",
        cell_width=tile[0],
        cell_height=tile[1],
        padding=0,
        margin=0,
        scale_method="DirectScale",
    )
    if isinstance(output_dir, BucketDestination):
        pattern = output_dir.place.key(f"{STEM}-${{Number}}.jpg")
    else:
        place = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
        pattern = f"{JOB_WORK_PREFIX}{place}/{STEM}-${{Number}}.jpg"
    spec = SnapshotJobSpec(
        mode="Interval",
        start=0.0,
        time_interval=float(_cue_step(bounds)),
        count=cues,
        snapshot_out_mode="OnlySprite",
        sprite=sprite,
        sprite_output=pattern,
    )
    submitted = await client.submit_snapshot_job(key, spec)
    job = await client.wait_for_job(submitted.job_id, timeout=timeout, poll=poll)
    if job.state is not JobState.SUCCESS:
        reason = f"{job.code or ''} {job.message or ''}".strip()
        raise ServerSideJobError(
            f"the storyboard's job {job.job_id} ended {job.state.value}"
            + (f": {reason}" if reason else ""),
            job,
        )
    laid_out = job.spec.sprite if job.spec is not None and job.spec.sprite else sprite
    per_sprite = laid_out.columns * laid_out.lines
    expected = math.ceil(cues / per_sprite) if per_sprite > 0 else -1
    if len(job.sprites) != expected:
        raise ServerSideJobError(
            f"the storyboard's job {job.job_id} reported {plural(len(job.sprites), 'sprite')} "
            f"for {plural(cues, 'cue')} of {laid_out.columns} x {laid_out.lines}: "
            f"{expected} expected",
            job,
        )
    board = Storyboard(
        key=key,
        vtt="",
        sprites=(),
        cues=(),
        tile_size=tile,
        cols=laid_out.columns,
        duration=bounds[-1],
        url_prefix=url_prefix,
    )
    if isinstance(output_dir, BucketDestination):
        prefix = output_dir.place.prefix
        strays = [sprite_key for sprite_key in job.sprites if not sprite_key.startswith(prefix)]
        if strays:  # the VTT names its sprites relative to itself: they must be beside it
            raise ServerSideJobError(
                f"the storyboard's job {job.job_id} reported a sprite outside {prefix!r}: "
                f"{strays[0]!r}",
                job,
            )
        names = [sprite_key.removeprefix(prefix) for sprite_key in job.sprites]
        cue_list = _job_cues(bounds, names, laid_out, tile)
        await output_dir.write(VTT_NAME, render_vtt(cue_list, url_prefix).encode("utf-8"))
        return attrs.evolve(
            board,
            vtt=output_dir.where(VTT_NAME),
            sprites=tuple(output_dir.where(name) for name in names),
            cues=tuple(cue_list),
        )
    names = sprite_names(len(job.sprites), "jpg")
    cue_list = _job_cues(bounds, names, laid_out, tile)
    async with LocalDirectory(output_dir) as directory, directory.together() as staged:
        for name, sprite_key in zip(names, job.sprites, strict=True):
            staged.append((PurePosixPath(name), await client.get_object(sprite_key)))
        staged.append((PurePosixPath(VTT_NAME), render_vtt(cue_list, url_prefix).encode("utf-8")))
    _remove_stale_sprites(output_dir, names)
    return attrs.evolve(
        board,
        vtt=output_dir / VTT_NAME,
        sprites=tuple(output_dir / name for name in names),
        cues=tuple(cue_list),
    )
