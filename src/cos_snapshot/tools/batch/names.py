"""Output file names of a batch, from a template such as ``{key_stem}_{time}.{format}``.

Object keys are arbitrary text, so every value is made safe for a file name before it goes in,
and every rendered name must stay inside the output directory.
"""

from __future__ import annotations

import decimal
import functools
import os
import re
import string
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

import attrs

from ..._shared.snapshot_params import (
    DEFAULT_FORMAT,
    DEFAULT_HEIGHT,
    DEFAULT_MODE,
    DEFAULT_ROTATE,
    DEFAULT_WIDTH,
    FORMATS,
    MODES,
    ROTATES,
)
from .items import BatchInputError, Item

__all__ = [
    "DEFAULT_LISTED_TEMPLATE",
    "DEFAULT_TEMPLATE",
    "FIELDS",
    "KEY_LIMITS",
    "NameLimits",
    "NameTemplate",
    "format_for_name",
    "safe_key_path",
]

#: The default output name: the time with its whole seconds zero-padded to five digits and
#: three decimals (``intro_00002.500.jpg``), so that one key's names sort in time order (up to
#: 99,999.999 s, 27 hours) and a millisecond, finer than any frame interval, tells frames apart.
DEFAULT_TEMPLATE = "{key_stem}_{time:09.3f}.{format}"
#: The default output name of a batch over a listing (``--prefix``): the key's path below the
#: prefix is kept, so that ``a/intro.mp4`` and ``b/intro.mp4`` never share a name.
DEFAULT_LISTED_TEMPLATE = "{key_noext}_{time:09.3f}.{format}"
#: The fields a template may use, and what they hold.
FIELDS = {
    "key_stem": "the key's file name without its suffix ('videos/intro.mp4' -> 'intro')",
    "key_noext": "the whole key without its suffix ('videos/intro.mp4' -> 'videos/intro')",
    "key": "the whole key as a relative path ('videos/intro.mp4')",
    "time": "the time in seconds, a decimal: plain {time} is its shortest exact form ('1.5'), "
    "a format spec rounds it ({time:09.3f} -> '00001.500'); a time relative to the video "
    "('50%', 'end') is its resolved seconds",
    "format": " or ".join(FORMATS),
    "index": "the item's number, from 0, in the order given (e.g. {index:04d})",
    "width": "the requested width (0: follow the video; e.g. {width:04d})",
    "height": "the requested height (0: follow the video)",
    "mode": " or ".join(MODES),
    "rotate": " or ".join(ROTATES),
}
# Characters that no file system likes in a name, control characters included.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f\\:*?"<>|]')


class Seconds(Decimal):
    """A time in a name: a :class:`~decimal.Decimal`, so that numeric format specs work
    (``{time:08.3f}``), written plainly without a spec (``1.5``, ``0.0000001``: never
    ``1E-7``)."""

    __slots__ = ()

    def __format__(self, spec: str, context: decimal.Context | None = None, /) -> str:
        try:
            return super().__format__(spec or "f")
        except ValueError:
            raise ValueError(
                f"{{time}} is a decimal, which {spec!r} does not format (e.g. {{time:08.3f}})"
            ) from None


class _Written(str):
    """A time relative to the video as written (``50%``), in the name checked before it is
    resolved: any format spec leaves it as it is."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return str(self)


_SAMPLE: dict[str, Any] = {
    "key_stem": "intro",
    "key_noext": "videos/intro",
    "key": "videos/intro.mp4",
    "time": Seconds("1.5"),
    "format": DEFAULT_FORMAT,
    "index": 0,
    "width": DEFAULT_WIDTH,
    "height": DEFAULT_HEIGHT,
    "mode": DEFAULT_MODE,
    "rotate": DEFAULT_ROTATE,
}


#: What a file name's suffix says about the image in it (other suffixes say nothing): the
#: formats GetSnapshot gives, and other image formats, which no snapshot may be named as.
_SUFFIX_FORMATS = {
    ".jpg": "jpg",
    ".jpeg": "jpg",
    ".png": "png",
    ".gif": "gif",
    ".webp": "webp",
    ".bmp": "bmp",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".avif": "avif",
    ".heic": "heic",
    ".heif": "heic",
    ".jxl": "jxl",
}


def format_for_name(name: str | PurePosixPath) -> str | None:
    """The image format a file name promises by its suffix, in any case: ``"jpg"`` for
    ``.jpg`` and ``.jpeg``, ``"png"`` for ``.png``, and the name of another image format for
    its suffix (``"gif"``, ``"webp"``, ``"tiff"``, ...: none a snapshot can be); ``None``
    for a name that promises no image format."""
    return _SUFFIX_FORMATS.get(PurePosixPath(name).suffix.lower())


@attrs.frozen
class NameLimits:
    """What a destination accepts of an output name, in bytes of UTF-8: ``component_bytes`` in
    each ``/``-separated part (a local file system's ``NAME_MAX``), ``total_bytes`` in the
    whole name (an object key's limit); ``None``: no limit of that kind.

    :meth:`for_directory` gives a local directory's; ``KEY_LIMITS`` is for outputs that are
    object keys."""

    component_bytes: int | None = 255
    total_bytes: int | None = None

    #: ``NAME_MAX`` where the file system does not say (POSIX's usual value).
    DEFAULT_COMPONENT_BYTES = 255

    @classmethod
    def for_directory(cls, directory: Path) -> NameLimits:
        """The limits of the file system holding ``directory`` (or its nearest existing
        parent: an output directory is made by the run): its ``PC_NAME_MAX``, or 255 bytes
        where it cannot say."""
        for candidate in (directory, *directory.absolute().parents):
            try:
                limit = os.pathconf(candidate, "PC_NAME_MAX")
            except (OSError, ValueError, AttributeError):
                continue
            if limit > 0:
                return cls(component_bytes=limit)
            break
        return cls(component_bytes=cls.DEFAULT_COMPONENT_BYTES)

    def problem(self, name: PurePosixPath) -> str | None:
        """Why ``name`` cannot be written here (one line), or ``None`` when it can."""
        if self.total_bytes is not None:
            size = len(str(name).encode("utf-8", "surrogateescape"))
            if size > self.total_bytes:
                return f"a name of {size} bytes, over the {self.total_bytes}-byte limit"
        if self.component_bytes is not None:
            for part in name.parts:
                size = len(part.encode("utf-8", "surrogateescape"))
                if size > self.component_bytes:
                    shown = part if len(part) <= 24 else f"{part[:10]}...{part[-10:]}"
                    return (
                        f"a name of {size} bytes ({shown!r}), over the file system's "
                        f"{self.component_bytes}-byte limit; use a shorter --name-template "
                        "or output"
                    )
        return None


#: The limits of outputs that are object keys (850 bytes of UTF-8 in the whole key), for the
#: outputs written to a bucket.
KEY_LIMITS = NameLimits(component_bytes=None, total_bytes=850)


def _safe_segment(segment: str) -> str:
    segment = _UNSAFE.sub("_", segment)
    return "_" if segment in {"", ".", ".."} else segment


def safe_key_path(key: str) -> str:
    """``key`` as a relative path: ``/`` separates directories, empty segments are dropped and
    ``.``, ``..`` and characters unsafe in file names become ``_``."""
    segments = [_safe_segment(s) for s in key.split("/") if s]
    return "/".join(segments) or "_"


@functools.lru_cache(maxsize=1024)
def _key_fields(key: str) -> tuple[str, str, str]:
    """``{key}``, ``{key_stem}`` and ``{key_noext}`` of a key (the rows of one video share
    them)."""
    key_path = safe_key_path(key)
    path = PurePosixPath(key_path)
    stem = path.stem or "_"
    return key_path, stem, str(path.with_name(stem)) if path.suffix else key_path


@functools.lru_cache(maxsize=4096)
def _seconds(text: str) -> Seconds:
    # Many items share their times (the same moments of many videos).
    return Seconds(text)


class NameTemplate:
    """A validated output-name template; :meth:`render` gives an item's relative path.

    With ``relative_to`` (the prefix a batch listed), ``{key}`` and ``{key_noext}`` are the
    key's path below it (``videos/a/intro.mp4`` under ``videos/``: ``a/intro.mp4``)."""

    def __init__(self, text: str, *, relative_to: str = "") -> None:
        self.text = text
        self.relative_to = relative_to
        if not text.strip():
            raise BatchInputError("--name-template must not be empty")
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as error:
            raise BatchInputError(f"--name-template {text!r}: {error}") from None
        for _, field, _, conversion in parsed:
            if field is None:
                continue
            if field not in FIELDS:
                raise BatchInputError(
                    f"--name-template {text!r}: unknown field {{{field}}}; "
                    f"use {', '.join('{' + name + '}' for name in FIELDS)}"
                )
            if conversion is not None:
                raise BatchInputError(f"--name-template {text!r}: no !{conversion} conversions")
        # A template that fails for any item fails for this one: found before the run, and
        # said without the sample's values, which the user never gave.
        self._check(self._format(_SAMPLE), f"--name-template {text!r}", quote=False)

    def _format(self, values: dict[str, Any]) -> str:
        try:
            return self.text.format(**values)
        except (ValueError, TypeError) as error:
            raise BatchInputError(f"--name-template {self.text!r}: {error}") from None

    @staticmethod
    def _check(rendered: str, what: str, *, quote: bool = True) -> PurePosixPath:
        """``rendered`` as a relative file path; ``what`` names its source in errors, which
        quote ``rendered`` too unless not ``quote`` (an ``output`` that ``what`` quotes
        already, a sample item's name made of values nobody gave)."""
        if "\x00" in rendered:  # no system takes it in a name (an `output` value can hold it)
            raise BatchInputError(f"{what}: a file name cannot hold a NUL character")
        if (
            "/" not in rendered
            and "\\" not in rendered
            and rendered.strip(".")
            and ":" not in rendered
        ):
            return PurePosixPath(rendered)  # a plain file name: nothing below can apply
        if "\\" in rendered:
            raise BatchInputError(f"{what}: use / between directories, not \\")
        path = PurePosixPath(rendered)
        if path.is_absolute() or re.match(r"^[A-Za-z]:", rendered):
            raise BatchInputError(
                f"{what} gives an absolute path; names are relative to --output-dir"
            )
        gives = f" gives {rendered!r}," if quote else ""
        if ".." in path.parts:
            raise BatchInputError(f"{what}{gives} leads outside --output-dir")
        if rendered.endswith("/") or path.name in {"", "."}:
            raise BatchInputError(f"{what}{gives} ends without a file name")
        return path

    def render(self, item: Item) -> PurePosixPath:
        """The item's output path, relative to the output directory: its own ``output`` if it
        has one, else the template's. A :class:`~cos_snapshot.tools.batch.RelativeItem` fills
        ``{time}`` with its time as written (``50%``): its name once resolved is that of the
        :class:`BatchItem` it resolves to."""
        if item.output is not None:
            return self._check(item.output, f"{item.origin}: output {item.output!r}", quote=False)
        params = item.args
        key_path, stem, noext = _key_fields(params.key.removeprefix(self.relative_to))
        values = {
            "key_stem": stem,
            "key_noext": noext,
            "key": key_path,
            "time": _Written(item.time) if item.relative else _seconds(item.time),
            "format": params.format,
            "index": item.index,
            "width": params.width,
            "height": params.height,
            "mode": params.mode,
            "rotate": params.rotate,
        }
        return self._check(self._format(values), f"--name-template {self.text!r}")
