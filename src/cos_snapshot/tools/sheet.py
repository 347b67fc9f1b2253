"""Contact sheets: snapshots in a grid, each with its time written under it (Pillow), as a
library: the work behind ``cos-snapshot sheet``, usable without the command line.

:func:`resolve_times` turns times relative to the video (``50%``, ``end``, ``count`` across it,
``every`` so many seconds) into seconds with at most one GetMediaInfo;
:func:`take_snapshots` fetches one video's snapshots at many times through an
:class:`~cos_snapshot.AsyncSnapshotClient`; :func:`compose_sheet` lays them out and draws the
sheet; :func:`save_sheet` writes it whole or not at all. Every cell has the size of the first
snapshot; a snapshot of another shape is scaled to fit its cell and centred.
:class:`SheetLayout` says where each picture and label is, so a caller can find the cells again
(an image map, a test); :func:`tile` pastes pictures into a layout (the storyboard's sprites
are the same grid without gaps or labels).

Needs Pillow (the ``cli`` or ``emulator`` extra).

Example::

    async with AsyncSnapshotClient(bucket=..., region=...) as client:
        snapshots = await take_snapshots(client, "videos/a.mp4", times, width=240)
    images = [Image.open(io.BytesIO(s.content)) for s in snapshots]
    sheet, layout = compose_sheet(images, timecodes(times), cols=4)
    save_sheet(sheet, Path("sheet.jpg"))
"""

from __future__ import annotations

import asyncio
import io
import math
import shutil
import subprocess
import warnings
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path, PurePath

import attrs
from PIL import Image, ImageDraw, ImageFont, ImageOps

from .. import (
    NO_AUTO_IN_A_SHEET,
    AsyncSnapshotClient,
    CosError,
    CosInvalidArgumentError,
    Snapshot,
    SnapshotArgs,
    TimeSelection,
    media_info_for,
    parse_time,
)
from .._shared.files import write_whole
from .._shared.snapshot_params import (
    DEFAULT_HEIGHT,
    DEFAULT_MODE,
    DEFAULT_ROTATE,
    DEFAULT_WIDTH,
    Mode,
    Rotate,
)
from .._shared.text import plural

__all__ = [
    "MAX_LABEL_DECIMALS",
    "SHEET_FORMATS",
    "SheetLayout",
    "SheetSnapshotError",
    "TimeSelection",
    "TitleFontWarning",
    "check_every",
    "check_sheet_size",
    "compose_sheet",
    "encode_sheet",
    "find_font_for",
    "lacking_glyphs",
    "media_info_for",
    "paste_cell",
    "resolve_times",
    "save_sheet",
    "sheet_format",
    "take_snapshots",
    "tile",
    "timecode",
    "timecodes",
]

BACKGROUND = (24, 24, 24)
TEXT = (235, 235, 235)
#: Pillow format names by output suffix.
SHEET_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
#: The longest side each format can store (libjpeg's and libwebp's limits).
MAX_SIDE = {"JPEG": 65500, "WEBP": 16383}
#: At most this many pixels (≈ 800 MB of RGB while it is drawn).
MAX_SHEET_PIXELS = 2**28

Box = tuple[int, int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@attrs.frozen
class SheetLayout:
    """Geometry of a sheet of ``count`` cells in ``cols`` columns, row by row: ``gap`` pixels
    around every cell, each cell a ``cell``-sized picture over a ``label_height`` strip, and a
    ``header_height`` strip for the title at the top (0: no title)."""

    count: int
    cols: int
    cell: tuple[int, int]
    gap: int
    label_height: int
    header_height: int = 0

    @property
    def rows(self) -> int:
        """Rows of cells."""
        return math.ceil(self.count / self.cols)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the whole sheet in pixels."""
        cell_width, cell_height = self.cell
        width = self.cols * cell_width + (self.cols + 1) * self.gap
        height = (
            self.header_height
            + self.rows * (cell_height + self.label_height)
            + (self.rows + 1) * self.gap
        )
        return width, height

    def image_box(self, index: int) -> Box:
        """(left, top, right, bottom) of the picture of cell ``index``."""
        if not 0 <= index < self.count:
            raise IndexError(f"cell {index} of {self.count}")
        row, col = divmod(index, self.cols)
        cell_width, cell_height = self.cell
        left = self.gap + col * (cell_width + self.gap)
        top = self.header_height + self.gap + row * (cell_height + self.label_height + self.gap)
        return left, top, left + cell_width, top + cell_height

    def label_box(self, index: int) -> Box:
        """(left, top, right, bottom) of the strip under the picture of cell ``index``."""
        left, _, right, bottom = self.image_box(index)
        return left, bottom, right, bottom + self.label_height


#: The most decimals a sheet's label shows (a millisecond).
MAX_LABEL_DECIMALS = 3


def timecode(seconds: str | Decimal, decimals: int | None = None) -> str:
    """Seconds as a clock reading, ``m:ss`` or ``h:mm:ss``: with every given decimal by default
    (``75.5`` -> ``1:15.5``, ``3725`` -> ``1:02:05``, ``0.04`` -> ``0:00.04``), or rounded to
    ``decimals`` places (half to even; ``timecode("59.9996", 3)`` -> ``1:00.000``)."""
    value = Decimal(seconds)
    if decimals is not None:
        value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)
    whole = int(value)
    fraction = format(value - whole, "f").lstrip("0")
    if decimals is None:
        fraction = fraction.rstrip("0").rstrip(".")
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return clock + fraction


def timecodes(times: Sequence[str | Decimal]) -> list[str]:
    """The labels of a sheet's ``times``: clock readings (:func:`timecode`) with the fewest
    decimals, at most three (:data:`MAX_LABEL_DECIMALS`), that keep the labels of different times
    different (``2.083333``, ``4.166667`` -> ``0:02``, ``0:04``; ``1``, ``1.5`` -> ``0:01.0``,
    ``0:01.5``); every label has the same number of decimals."""
    distinct = len({Decimal(time) for time in times})
    for decimals in range(MAX_LABEL_DECIMALS + 1):
        labels = [timecode(time, decimals) for time in times]
        if len(set(labels)) == distinct:
            return labels
    return labels


class TitleFontWarning(UserWarning):
    """The sheet's title has characters that no font at hand can draw: they show as boxes."""


#: Where fonts are looked for when fontconfig's ``fc-match`` is not installed.
FONT_DIRECTORIES = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path.home() / ".fonts",
    Path("/System/Library/Fonts"),
    Path("/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)
#: Font files tried at most when scanning ``FONT_DIRECTORIES``.
MAX_FONTS_TRIED = 400
_NO_GLYPH = "\U0010fffd"  # a private-use code point: every font draws its "missing" box


def _glyph(font: Font, char: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(char)
    return mask.size, bytes(mask)


def lacking_glyphs(font: Font, text: str) -> str:
    """The characters of ``text`` (each once, spaces left out) that ``font`` draws as its
    missing-glyph box."""
    box = _glyph(font, _NO_GLYPH)
    wanted = dict.fromkeys(char for char in text if not char.isspace())
    return "".join(char for char in wanted if _glyph(font, char) == box)


def _has_all(path: Path, chars: str) -> bool:
    try:
        font = ImageFont.truetype(str(path), 16)
    except OSError:
        return False
    return not lacking_glyphs(font, chars)


def _fc_match(chars: str) -> Path | None:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    charset = " ".join(f"{ord(char):x}" for char in chars)
    try:
        found = subprocess.run(  # noqa: S603 - fc-match from PATH, hex code points only
            [fc_match, "--format=%{file}", f":charset={charset}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(found) if found else None


def find_font_for(chars: str) -> Path | None:
    """A font file on this machine that draws every one of ``chars``: fontconfig's best match
    (``fc-match``) when it has them all, else the first of the TrueType/OpenType files under
    ``FONT_DIRECTORIES`` (at most ``MAX_FONTS_TRIED``) that does; ``None`` if none."""
    matched = _fc_match(chars)
    if matched is not None and _has_all(matched, chars):
        return matched
    tried = 0
    for directory in FONT_DIRECTORIES:
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*")):
            if path.suffix.lower() not in (".ttf", ".otf", ".ttc"):
                continue
            tried += 1
            if _has_all(path, chars):
                return path
            if tried >= MAX_FONTS_TRIED:
                return None
    return None


def _title_font(title: str, typeface: Font, size: int, chosen: Path | None) -> Font:
    """The font to set ``title`` in: ``typeface`` when it has every character, else one found
    on the machine that does (only when no font was chosen: a chosen font is what the user
    asked for); if none, ``typeface`` and one :class:`TitleFontWarning` naming ``--font``."""
    missing = lacking_glyphs(typeface, title)
    if not missing:
        return typeface
    if chosen is None:
        found = find_font_for(missing)
        if found is not None:
            return ImageFont.truetype(str(found), size)
    where = f"the font {chosen}" if chosen is not None else "the built-in font"
    warnings.warn(
        TitleFontWarning(
            f"the title's characters {missing!r} are not in {where} and no installed font has "
            "them all: they show as boxes; give a font that has them (--font FILE, or font=)"
        ),
        stacklevel=3,
    )
    return typeface


def _font(size: int, path: Path | None) -> Font:
    if path is not None:
        return ImageFont.truetype(str(path), size)
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError):  # Pillow < 10.1 or no FreeType: the bitmap font
        return ImageFont.load_default()


def _draw_text(draw: ImageDraw.ImageDraw, box: Box, text: str, font: Font, *, centre: bool) -> None:
    left, top, right, bottom = box
    text_left, text_top, text_right, text_bottom = draw.textbbox((0, 0), text, font=font)
    width, height = text_right - text_left, text_bottom - text_top
    x = left + (right - left - width) // 2 if centre else left
    y = top + (bottom - top - height) // 2
    draw.text((x - text_left, y - text_top), text, font=font, fill=TEXT)


def _fit_text(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "...", font=font) > width:
        text = text[:-1]
    return text + "..."


def tile(
    images: Sequence[Image.Image],
    layout: SheetLayout,
    *,
    background: tuple[int, int, int] = BACKGROUND,
) -> Image.Image:
    """A new image of ``layout.size`` with ``images`` pasted into the layout's cells in order;
    a picture of another size than the cell is scaled to fit it and centred."""
    if len(images) != layout.count:
        raise ValueError(
            f"{plural(len(images), 'image')} for a layout of {plural(layout.count, 'cell')}"
        )
    canvas = Image.new("RGB", layout.size, background)
    for index, image in enumerate(images):
        paste_cell(canvas, image, layout, index, background=background)
    return canvas


def paste_cell(
    canvas: Image.Image,
    image: Image.Image,
    layout: SheetLayout,
    index: int,
    *,
    background: tuple[int, int, int] = BACKGROUND,
) -> None:
    """Paste ``image`` into cell ``index`` of ``layout`` on ``canvas`` (as :func:`tile` does:
    scaled to fit the cell and centred when of another size), one image at a time."""
    picture = image.convert("RGB")
    if picture.size != layout.cell:
        picture = ImageOps.pad(picture, layout.cell, color=background)
    canvas.paste(picture, layout.image_box(index)[:2])


def compose_sheet(
    images: Sequence[Image.Image],
    labels: Sequence[str],
    *,
    cols: int,
    title: str | None = None,
    font: Path | None = None,
) -> tuple[Image.Image, SheetLayout]:
    """The sheet of ``images`` with ``labels`` under them, ``cols`` to a row (fewer when there
    are fewer images), and ``title`` above them if given. Text is set in the TrueType or
    OpenType ``font`` file, or in Pillow's built-in font (Latin letters only); a title with
    characters the built-in font lacks (a Chinese key, say) is set in a font of the machine
    that has them (:func:`find_font_for`), or, when there is none, drawn as it can be with a
    :class:`TitleFontWarning`."""
    if not images:
        raise ValueError("a contact sheet needs at least one image")
    if len(labels) != len(images):
        raise ValueError(f"{plural(len(images), 'image')} but {plural(len(labels), 'label')}")
    if cols < 1:
        raise ValueError(f"cols must be at least 1, not {cols}")
    cell = images[0].size
    font_size = min(28, max(11, round(cell[0] / 14)))
    typeface = _font(font_size, font)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    _, text_top, _, text_bottom = probe.textbbox((0, 0), "0:00.5Ag", font=typeface)
    label_height = math.ceil(text_bottom - text_top) + 2 * max(3, font_size // 3)
    layout = SheetLayout(
        count=len(images),
        cols=min(cols, len(images)),
        cell=cell,
        gap=max(4, cell[0] // 40),
        label_height=label_height,
        header_height=label_height if title else 0,
    )
    sheet = tile(images, layout)
    draw = ImageDraw.Draw(sheet)
    if title:
        width = layout.size[0] - 2 * layout.gap
        header = (layout.gap, 0, layout.gap + width, layout.header_height + layout.gap)
        face = _title_font(title, typeface, font_size, font)
        _draw_text(draw, header, _fit_text(draw, title, face, width), face, centre=False)
    for index, label in enumerate(labels):
        _draw_text(draw, layout.label_box(index), label, typeface, centre=True)
    return sheet, layout


def sheet_format(path: PurePath) -> str:
    """The Pillow format for ``path``'s suffix; ``ValueError`` for one we do not write."""
    try:
        return SHEET_FORMATS[path.suffix.lower()]
    except KeyError:
        raise ValueError(
            f"{path}: the sheet's file name must end in {', '.join(SHEET_FORMATS)}"
        ) from None


def check_sheet_size(size: tuple[int, int], image_format: str) -> None:
    """``ValueError`` saying why a sheet of ``size`` cannot be written as ``image_format``."""
    width, height = size
    longest = MAX_SIDE.get(image_format)
    if longest is not None and max(width, height) > longest:
        raise ValueError(
            f"the sheet would be {width}x{height} pixels; {image_format} holds at most {longest} "
            "per side: use fewer --cols or times, a smaller --width, or a .png file"
        )
    if width * height > MAX_SHEET_PIXELS:
        raise ValueError(
            f"the sheet would be {width}x{height} pixels, more than {MAX_SHEET_PIXELS:,}: use "
            "fewer times or a smaller --width"
        )


def encode_sheet(sheet: Image.Image, name: str | PurePath) -> bytes:
    """``sheet`` encoded as the format of ``name``'s suffix (:func:`sheet_format`): the bytes
    :func:`save_sheet` writes, and an upload stores. ``ValueError`` for a suffix we do not
    write or a sheet too large for its format."""
    image_format = sheet_format(PurePath(name))
    check_sheet_size(sheet.size, image_format)
    encoded = io.BytesIO()
    sheet.save(encoded, format=image_format, quality=90)
    return encoded.getvalue()


def save_sheet(sheet: Image.Image, path: Path) -> Path:
    """Write ``sheet`` to ``path`` whole or not at all (a temporary file, then a rename)."""
    write_whole(path, encode_sheet(sheet, path))
    return path


def check_every(every: str | Decimal | None) -> Decimal:
    """``every`` as exact seconds; :class:`~cos_snapshot.CosInvalidArgumentError`
    (``parameter == "every"``) unless it is a positive finite number of seconds (the check of
    :class:`~cos_snapshot.TimeSelection`)."""
    if every is None:
        raise CosInvalidArgumentError("every", "must be a number of seconds, got None")
    step = TimeSelection(every=every).every
    assert step is not None  # noqa: S101 - given, so kept
    return step


async def resolve_times(
    client: AsyncSnapshotClient,
    key: str,
    *,
    times: Sequence[str] | None = None,
    count: int | None = None,
    every: str | Decimal | None = None,
) -> list[str]:
    """The seconds of one of ``times`` (each seconds, ``50%`` or ``end``), ``count`` (the middle
    of ``count`` equal slices of the video) or ``every`` (``0, every, 2·every, …`` below the
    duration), as plain decimal strings in order, a time given twice kept once: the
    :class:`~cos_snapshot.TimeSelection` of the one given, resolved.

    GetMediaInfo is asked once (:func:`~cos_snapshot.media_info_for`), and only when a
    relative form is used: plain seconds send nothing. Every time is checked before it is
    asked.
    Raises :class:`~cos_snapshot.CosInvalidArgumentError` for bad input (naming ``time``,
    ``count`` or ``every``; ``auto`` among them: a sheet's times are spread evenly on purpose)
    and for a relative form on a key that is missing or not a video;
    ``ValueError`` unless exactly one of the three is given.
    """
    given = [
        name
        for name, value in (("times", times), ("count", count), ("every", every))
        if value is not None
    ]
    if len(given) != 1:
        raise ValueError(f"give exactly one of times, count and every, not {given or 'none'}")
    if times is not None and not times:
        return []
    listed = tuple(parse_time(time, no_auto=NO_AUTO_IN_A_SHEET) for time in times or ())
    selection = TimeSelection(listed, count=count, every=every)
    info = await media_info_for(client, key, selection.option) if selection.relative else None
    return selection.resolve(info)


class SheetSnapshotError(CosError):
    """A snapshot the sheet needs could not be taken; says which one and why."""


async def take_snapshots(
    client: AsyncSnapshotClient,
    key: str,
    times: Sequence[str],
    *,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    rotate: Rotate = DEFAULT_ROTATE,
    mode: Mode = DEFAULT_MODE,
    concurrency: int = 8,
    check_first: Callable[[Snapshot], None] | None = None,
    on_snapshot: Callable[[int, Snapshot], None] | None = None,
) -> list[Snapshot]:
    """The JPEG snapshots of ``key`` at ``times``, in that order, at most ``concurrency`` in
    flight. The first is taken alone, so a missing key or a bad endpoint fails once, not once
    per cell; ``check_first`` sees it before the rest are asked for (its size sets every
    cell's: refuse an impossible sheet there). The arguments are checked once
    (:class:`~cos_snapshot.SnapshotArgs`), each cell's at its time. The client stays open:
    whoever made it closes it.

    With ``on_snapshot``, each snapshot is handed to it with its index as it arrives (the
    first first) and not kept: the list returned is empty, and memory holds only the
    snapshots in flight.

    Raises :class:`SheetSnapshotError` (a :class:`~cos_snapshot.CosError`) naming the time of
    the first snapshot that failed, :class:`~cos_snapshot.CosInvalidArgumentError` for bad
    arguments (before anything is sent).
    """
    if not times:
        raise ValueError("a contact sheet needs at least one time")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    first_cell = SnapshotArgs.check(
        key, times[0], width=width, height=height, rotate=rotate, mode=mode
    )
    cells = [first_cell, *(first_cell.at(time) for time in times[1:])]
    limit = asyncio.Semaphore(concurrency)

    async def take(args: SnapshotArgs) -> Snapshot:
        async with limit:
            try:
                return await client.get_snapshot(args)
            except CosError as error:
                reason = " ".join(str(error).split())
                raise SheetSnapshotError(f"{key} at {args.time} s: {reason}") from error

    async def hand_over(index: int, args: SnapshotArgs) -> Snapshot | None:
        snapshot = await take(args)
        if on_snapshot is None:
            return snapshot
        on_snapshot(index, snapshot)
        return None

    first = await take(cells[0])
    if check_first is not None:
        check_first(first)
    if on_snapshot is not None:
        on_snapshot(0, first)
    try:
        async with asyncio.TaskGroup() as group:
            rest = [
                group.create_task(hand_over(index, args))
                for index, args in enumerate(cells[1:], start=1)
            ]
    except ExceptionGroup as errors:
        failed = [e for e in errors.exceptions if isinstance(e, SheetSnapshotError)]
        if len(failed) != len(errors.exceptions):
            raise
        raise failed[0] from None
    if on_snapshot is not None:
        return []
    return [first, *(snapshot for task in rest if (snapshot := task.result()) is not None)]
