"""A snapshot job's ``<Request>``: read, checked against the documented ranges, and echoed.

Every refusal is 400 ``InvalidArgument`` naming the element (``Request/Operation/Snapshot/
Count``), so a spec the client would refuse is refused here too, before a job exists.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation
from typing import Literal
from urllib.parse import quote, urlsplit

import attrs
import PIL.ImageColor

from ..._shared.blackframe import DEFAULT_BLACK_LEVEL, DEFAULT_PIXEL_BLACK_THRESHOLD
from ..._shared.xml import UnsafeXmlError, parse_untrusted
from ..errors import EmulatorError, invalid_argument
from ..storage import decode_key

__all__ = [
    "MAX_REQUEST_BYTES",
    "JobSpec",
    "SnapshotConfig",
    "SpriteConfig",
    "parse_color",
    "parse_request",
]

#: The largest ``<Request>`` accepted (a full one is about 2 KB).
MAX_REQUEST_BYTES = 64 * 1024
#: The most shots a job takes (``Count``'s bound): output numbers run below it.
MAX_SHOTS = 10000
#: The most characters of ``UserData`` kept (the vendor's limit).
MAX_USER_DATA = 1024
_NUMBER = re.compile(r"\$\{[Nn]umber\}")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)
_INTEGER = re.compile(r"[0-9]{1,9}", re.ASCII)
_HEX = re.compile(r"(?:#|0x|0X)([0-9A-Fa-f]{6})", re.ASCII)

Mode = Literal["Interval", "Average", "KeyFrame"]
OutMode = Literal["OnlySnapshot", "OnlySprite", "SnapshotAndSprite"]
ScaleMethod = Literal["DirectScale", "MaxWHScaleAndPad", "MaxWHScale"]


def parse_color(text: str) -> tuple[int, int, int]:
    """An ffmpeg colour: a name (case-insensitive; ffmpeg's names are the CSS/X11 ones),
    ``#RRGGBB`` or ``0xRRGGBB``. Raises ``ValueError``."""
    match = _HEX.fullmatch(text)
    if match:
        value = int(match[1], 16)
        return value >> 16, (value >> 8) & 0xFF, value & 0xFF
    name = text.lower()
    if name in PIL.ImageColor.colormap:
        rgb = PIL.ImageColor.getrgb(name)
        return rgb[0], rgb[1], rgb[2]
    raise ValueError(f"{text[:40]!r} is not a colour name, #RRGGBB or 0xRRGGBB")


@attrs.frozen
class SpriteConfig:
    """``SpriteSnapshotConfig``."""

    color: str
    rgb: tuple[int, int, int]
    columns: int
    lines: int
    cell_width: int | None = None
    cell_height: int | None = None
    padding: int = 0
    margin: int = 0
    scale_method: ScaleMethod = "DirectScale"


@attrs.frozen
class SnapshotConfig:
    """``Operation/Snapshot``, with the defaults filled in."""

    mode: Mode = "Interval"
    start: Decimal = Decimal(0)
    time_interval: Decimal | None = None
    count: int | None = None
    width: int | None = None
    height: int | None = None
    is_check_count: bool = False
    is_check_black: bool = False
    black_level: int = DEFAULT_BLACK_LEVEL
    pixel_black_threshold: int = DEFAULT_PIXEL_BLACK_THRESHOLD
    out_mode: OutMode = "OnlySnapshot"
    sprite: SpriteConfig | None = None

    @property
    def snapshots(self) -> bool:
        return self.out_mode != "OnlySprite"

    @property
    def sprites(self) -> bool:
        return self.out_mode != "OnlySnapshot"


@attrs.frozen
class JobSpec:
    """A whole ``<Request>`` of ``Tag`` ``Snapshot``."""

    input_object: str
    snapshot: SnapshotConfig
    output_object: str | None
    sprite_object: str | None
    output_bucket: str = ""
    output_region: str = ""
    queue_id: str = ""
    user_data: str = ""
    job_level: int = 0
    callback: str = ""
    callback_format: Literal["XML", "JSON"] = "XML"
    callback_type: str = "Url"


class _Reader:
    """Values of one element's children, each refusal naming the child's path."""

    def __init__(self, element: ET.Element | None, path: str) -> None:
        self.element = element
        self.path = path

    def child(self, name: str) -> _Reader:
        found = None if self.element is None else self.element.find(name)
        return _Reader(found, f"{self.path}/{name}")

    @property
    def present(self) -> bool:
        return self.element is not None

    def text(self, name: str) -> str | None:
        """The child's text, stripped; ``None`` when it is missing or empty (the vendor's own
        demo sends ``<TimeInterval></TimeInterval>`` for 'not set')."""
        found = None if self.element is None else self.element.find(name)
        if found is None:
            return None
        text = (found.text or "").strip()
        return text or None

    def fail(self, name: str, why: str) -> Exception:
        return invalid_argument(f"{self.path}/{name}: {why}")

    def integer(self, name: str, low: int, high: int, *, low_open: bool = False) -> int | None:
        text = self.text(name)
        if text is None:
            return None
        if not _INTEGER.fullmatch(text):
            raise self.fail(name, f"{text[:20]!r} is not a whole number")
        value = int(text)
        if value < low or value > high or (low_open and value == low):
            bounds = f"({low}, {high}]" if low_open else f"[{low}, {high}]"
            raise self.fail(name, f"{value} is outside {bounds}")
        return value

    def decimal(self, name: str, low: Decimal, high: Decimal, *, low_open: bool) -> Decimal | None:
        text = self.text(name)
        if text is None:
            return None
        if not _DECIMAL.fullmatch(text) or len(text) > 24:
            raise self.fail(name, f"{text[:20]!r} is not a number of seconds")
        try:
            value = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise self.fail(name, f"{text[:20]!r} is not a number") from None
        if value > high or value < low or (low_open and value == low):
            bounds = f"({low}, {high}]" if low_open else f"[{low}, {high}]"
            raise self.fail(name, f"{value} is outside {bounds}")
        return value

    def boolean(self, name: str) -> bool:
        text = self.text(name)
        if text is None:
            return False
        if text.lower() not in ("true", "false"):
            raise self.fail(name, f"{text[:20]!r} is not true or false")
        return text.lower() == "true"

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        text = self.text(name)
        if text is None:
            return default
        if text not in choices:
            raise self.fail(name, f"{text[:40]!r} is not one of {', '.join(choices)}")
        return text


def _sprite(reader: _Reader) -> SpriteConfig:
    color = reader.text("Color")
    if color is None:
        raise reader.fail("Color", "is required")
    try:
        rgb = parse_color(color)
    except ValueError as exc:
        raise reader.fail("Color", str(exc)) from None
    columns = reader.integer("Columns", 1, 10000)
    lines = reader.integer("Lines", 1, 10000)
    if columns is None:
        raise reader.fail("Columns", "is required")
    if lines is None:
        raise reader.fail("Lines", "is required")
    method = reader.choice(
        "ScaleMethod", ("DirectScale", "MaxWHScaleAndPad", "MaxWHScale"), "DirectScale"
    )
    return SpriteConfig(
        color=color,
        rgb=rgb,
        columns=columns,
        lines=lines,
        cell_width=reader.integer("CellWidth", 8, 4096),
        cell_height=reader.integer("CellHeight", 8, 4096),
        padding=reader.integer("Padding", 0, 1024) or 0,
        margin=reader.integer("Margin", 0, 1024) or 0,
        scale_method=method,  # type: ignore[arg-type]
    )


def _snapshot(reader: _Reader) -> SnapshotConfig:
    mode = reader.choice("Mode", ("Interval", "Average", "KeyFrame"), "Interval")
    out_mode = reader.choice(
        "SnapshotOutMode", ("OnlySnapshot", "OnlySprite", "SnapshotAndSprite"), "OnlySnapshot"
    )
    start = reader.decimal("Start", Decimal(0), Decimal(10_000_000), low_open=False) or Decimal(0)
    count = reader.integer("Count", 0, 10000, low_open=True)
    if mode == "Average" and count is None:
        raise reader.fail("Count", "is required in Average mode")
    is_check_black = reader.boolean("IsCheckBlack")
    if is_check_black and start != 0:
        raise reader.fail("IsCheckBlack", "applies only when Start is 0")
    sprite_reader = reader.child("SpriteSnapshotConfig")
    sprite = _sprite(sprite_reader) if sprite_reader.present else None
    if out_mode != "OnlySnapshot" and sprite is None:
        raise reader.fail("SpriteSnapshotConfig", f"is required with SnapshotOutMode {out_mode}")
    return SnapshotConfig(
        mode=mode,  # type: ignore[arg-type]
        start=start,
        time_interval=reader.decimal("TimeInterval", Decimal(0), Decimal(3600), low_open=True),
        count=count,
        width=reader.integer("Width", 128, 4096),
        height=reader.integer("Height", 128, 4096),
        is_check_count=reader.boolean("IsCheckCount"),
        is_check_black=is_check_black,
        black_level=_or(reader.integer("BlackLevel", 30, 100), DEFAULT_BLACK_LEVEL),
        pixel_black_threshold=_or(
            reader.integer("PixelBlackThreshold", 0, 255), DEFAULT_PIXEL_BLACK_THRESHOLD
        ),
        out_mode=out_mode,  # type: ignore[arg-type]
        sprite=sprite,
    )


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _output_name(reader: _Reader, name: str, needed: bool) -> str | None:
    text = reader.text(name)
    if not needed:
        return text
    if text is None:
        raise reader.fail(name, "is required")
    if not _NUMBER.search(text):
        raise reader.fail(name, "must contain ${Number}")
    if text == "jobs" or text.startswith("jobs/"):
        raise reader.fail(name, "keys jobs and jobs/… are reserved on the emulator")
    # The longest name it makes, held to the rules of a key a PUT may write.
    longest = expand(text, MAX_SHOTS - 1)
    try:
        key = decode_key(b"/" + quote(longest.encode(), safe="/").encode())
    except EmulatorError as error:
        raise reader.fail(name, f"is not a key the emulator can store ({error.message})") from None
    if not key or key.endswith("/"):
        raise reader.fail(name, "is not an object key")
    return text


def _is_loopback(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return parts.scheme in ("http", "https") and (
        host in ("localhost", "::1") or host.startswith("127.")
    )


def parse_request(body: bytes) -> JobSpec:
    """The job ``body`` asks for; 400 ``InvalidArgument`` naming the element if it is not
    one the emulator runs."""
    try:
        root = parse_untrusted(body)
    except (ET.ParseError, UnsafeXmlError) as exc:
        raise EmulatorError(
            400, "MalformedXML", f"The job request is not an XML document we read: {exc}"
        ) from None
    if root.tag != "Request":
        raise invalid_argument(f"The document's root is {root.tag[:40]!r}, not Request.")
    request = _Reader(root, "Request")
    tag = request.text("Tag")
    if tag != "Snapshot":
        raise request.fail("Tag", f"{(tag or '')[:40]!r}: the emulator runs Snapshot jobs only")
    source = request.child("Input")
    input_object = source.text("Object")
    if input_object is None:
        raise source.fail("Object", "is required")
    operation = request.child("Operation")
    if operation.text("TemplateId") is not None:
        raise operation.fail("TemplateId", "the emulator has no templates; give a Snapshot")
    snapshot_reader = operation.child("Snapshot")
    if not snapshot_reader.present:
        raise operation.fail("Snapshot", "is required")
    snapshot = _snapshot(snapshot_reader)
    output = operation.child("Output")
    user_data = operation.text("UserData") or ""
    if len(user_data) > MAX_USER_DATA:
        raise operation.fail("UserData", f"is longer than {MAX_USER_DATA} characters")
    callback = request.text("CallBack") or ""
    if callback and not _is_loopback(callback):
        raise request.fail("CallBack", "the emulator calls back loopback URLs only")
    callback_type = request.text("CallBackType") or "Url"
    if callback_type != "Url":
        raise request.fail("CallBackType", "the emulator calls back by Url only")
    return JobSpec(
        input_object=input_object,
        snapshot=snapshot,
        output_object=_output_name(output, "Object", snapshot.snapshots),
        sprite_object=_output_name(output, "SpriteObject", snapshot.sprites),
        output_bucket=output.text("Bucket") or "",
        output_region=output.text("Region") or "",
        queue_id=request.text("QueueId") or "",
        user_data=user_data,
        job_level=operation.integer("JobLevel", 0, 2) or 0,
        callback=callback,
        callback_format=request.choice("CallBackFormat", ("XML", "JSON"), "XML"),  # type: ignore[arg-type]
        callback_type=callback_type,
    )


def expand(pattern: str, number: int) -> str:
    """``pattern`` with ``${Number}`` (or ``${number}``) replaced by ``number``."""
    return _NUMBER.sub(str(number), pattern)
