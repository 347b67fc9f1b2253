"""The result of a GetMediaInfo call, read from the service's XML answer.

The service writes every number as text (``129.200000``, ``30/1``) and leaves an element empty
when it has no value. Here each number becomes the exact type it stands for (``Decimal`` for
seconds and kbit/s, ``Fraction`` for rates and ratios, ``int`` for counts) without passing
through a binary float; an empty or missing element is ``None``, never ``0``. Text that is not
the number its element documents is a :class:`CosResponseError` naming the element.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeAlias

import attrs

from .._shared.errors import CosResponseError
from .._shared.text import plural
from .._shared.xml import UnsafeXmlError, parse_untrusted

__all__ = ["AudioStream", "MediaInfo", "RawElement", "VideoStream", "parse_media_info"]

#: An element as sent: the text of a leaf without surrounding whitespace (``None`` when empty),
#: a mapping of a container's children, or a list when a child is repeated (and always for
#: Stream/Video, Audio, Subtitle).
RawElement: TypeAlias = str | dict[str, "RawElement"] | list["RawElement"] | None

_STREAM_KINDS = ("Video", "Audio", "Subtitle")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: Each side of a ratio at most 30 digits, as an integer (``int()`` of thousands of digits is
#: slow, and from 4,301 raises ``ValueError``).
_RATIO = re.compile(r"([+-]?[0-9]{1,30})[/:]([0-9]{1,30})")
_MAX_DIGITS = 30


@attrs.frozen
class VideoStream:
    """A video stream of the file.

    ``width`` and ``height`` are the stored picture's (the service's ``Width``/``Height``, read
    as the emulator documents them); ``display_width`` and ``display_height`` are the picture as
    shown, after ``rotation`` (swapped for a quarter turn; the sample aspect ratio is not
    applied). ``rotation`` is the service's ``Rotation`` as sent, in counter-clockwise degrees
    as FFmpeg reports a display matrix and the emulator answers by default (a phone's portrait
    video, shown turned 90° clockwise, is ``-90``). ``fps`` is the service's ``Fps`` and
    ``avg_fps`` its ``AvgFps``, both exact fractions (``30.5`` is ``Fraction(61, 2)``);
    ``duration`` and ``start_time`` are seconds, ``bitrate`` kbit/s, ``time_base`` a fraction
    of a second. ``None`` means the service sent no value.
    """

    #: ``Index``: the stream's number in the file, from 0.
    index: int | None
    #: ``CodecName``, as FFmpeg names codecs (``h264``, ``hevc``, ``av1``).
    codec: str | None
    #: ``Profile`` (``High``, ``Main``).
    profile: str | None
    #: ``Width``, pixels, of the stored picture.
    width: int | None
    #: ``Height``, pixels, of the stored picture.
    height: int | None
    #: Pixels, as shown after ``rotation``.
    display_width: int | None
    #: Pixels, as shown after ``rotation``.
    display_height: int | None
    #: ``Rotation``, degrees counter-clockwise.
    rotation: Decimal | None
    #: ``Fps``, frames per second (the container's base rate).
    fps: Fraction | None
    #: ``AvgFps``, frames per second: ``num_frames / duration``.
    avg_fps: Fraction | None
    #: ``NumFrames``, a count of frames.
    num_frames: int | None
    #: ``HasBFrame``: whether frames are decoded out of display order.
    has_b_frames: bool | None
    #: ``PixFormat``, as FFmpeg names pixel formats (``yuv420p``).
    pix_fmt: str | None
    #: ``Sar``: a pixel's width over its height (1 for square pixels).
    sar: Fraction | None
    #: ``Dar``: the stored picture's width over its height, times ``sar``.
    dar: Fraction | None
    #: ``Timebase``: seconds per tick of the stream's timestamps.
    time_base: Fraction | None
    #: ``StartTime``, seconds: the first frame's timestamp.
    start_time: Decimal | None
    #: ``Duration``, seconds.
    duration: Decimal | None
    #: ``Bitrate``, kbit/s (1000 bits per second).
    bitrate: Decimal | None


@attrs.frozen
class AudioStream:
    """An audio stream of the file: codec, ``sample_rate`` (Hz), ``channels``,
    ``channel_layout``, ``duration`` (seconds), ``bitrate`` (kbit/s), ``language``; ``None``
    where the service sent no value."""

    #: ``Index``: the stream's number in the file, from 0.
    index: int | None
    #: ``CodecName``, as FFmpeg names codecs (``aac``, ``opus``).
    codec: str | None
    #: ``SampleRate``, Hz (samples per second).
    sample_rate: int | None
    #: ``Channel``, a count of channels.
    channels: int | None
    #: ``ChannelLayout`` (``mono``, ``stereo``).
    channel_layout: str | None
    #: ``Duration``, seconds.
    duration: Decimal | None
    #: ``Bitrate``, kbit/s (1000 bits per second).
    bitrate: Decimal | None
    #: ``Language``, an ISO 639-2 code (``und``: undetermined).
    language: str | None


@attrs.frozen
class MediaInfo:
    """What GetMediaInfo says about a video object.

    From the container (``Format``): ``duration`` and ``start_time`` in exact ``Decimal``
    seconds, ``size`` in bytes, ``bitrate`` in kbit/s, ``format_name`` (such as
    ``mov,mp4,m4a,3gp,3g2,mj2``). ``video`` is the first video stream (``None`` when there is
    none), ``videos`` every video stream, ``audio`` every audio track, in the order sent.
    ``raw`` holds every element of ``<MediaInfo>`` as sent (nested mappings, lists and strings), including
    the ones no attribute names; ``request_id`` is the service's ``x-cos-request-id``.
    """

    #: ``Format/Duration``, seconds.
    duration: Decimal | None
    #: ``Format/StartTime``, seconds.
    start_time: Decimal | None
    #: ``Format/Size``, bytes.
    size: int | None
    #: ``Format/Bitrate``, kbit/s (1000 bits per second): ``size * 8 / duration / 1000``.
    bitrate: Decimal | None
    #: ``Format/FormatName``, as FFmpeg names demuxers (``mov,mp4,m4a,3gp,3g2,mj2``).
    format_name: str | None
    video: VideoStream | None
    videos: tuple[VideoStream, ...] = attrs.field(repr=False)
    audio: tuple[AudioStream, ...]
    raw: dict[str, RawElement] = attrs.field(eq=False, hash=False, repr=False)
    request_id: str | None = None

    @property
    def video_duration(self) -> Decimal | None:
        """The video stream's duration, or the container's when the stream has none: the
        length that relative times (``50%``, ``end``) are measured against."""
        if self.video is not None and self.video.duration is not None:
            return self.video.duration
        return self.duration

    def describe(self) -> list[str]:
        """Lines for a person, as ``cos-snapshot info`` prints them: duration, picture size as
        stored and as displayed, frame rate, frames, codec, rotation, audio tracks and the file;
        ``unknown`` where the service sent no value."""
        return describe_media_info(self)

    def to_dict(self) -> dict[str, Any]:
        """The attributes as JSON-ready values: decimals and fractions as their exact text
        (``"129.200000"``, ``"61/2"``), ``raw`` as sent."""
        return {
            "duration": _text(self.duration),
            "start_time": _text(self.start_time),
            "size": self.size,
            "bitrate": _text(self.bitrate),
            "format_name": self.format_name,
            "video": None if self.video is None else _stream_dict(self.video),
            "videos": [_stream_dict(v) for v in self.videos],
            "audio": [_stream_dict(a) for a in self.audio],
            "request_id": self.request_id,
            "raw": self.raw,
        }


def _text(value: object) -> object:
    if isinstance(value, Decimal | Fraction):
        return str(value)
    return value


def _stream_dict(stream: VideoStream | AudioStream) -> dict[str, object]:
    return {name: _text(value) for name, value in attrs.asdict(stream).items()}


# -- parsing ---------------------------------------------------------------------------------


def _local(tag: str) -> str:
    """An element's name without its namespace (``{uri}Video`` → ``Video``)."""
    return tag.rpartition("}")[2]


def _raw(element: ET.Element, path: str) -> RawElement:
    children = list(element)
    if not children:
        text = (element.text or "").strip()
        return text or None
    if (element.text or "").strip():
        raise CosResponseError(path, "mixes text with child elements")
    grouped: dict[str, list[RawElement]] = {}
    for child in children:
        name = _local(child.tag)
        grouped.setdefault(name, []).append(_raw(child, f"{path}/{name}"))
    in_stream = path.endswith("/Stream")
    return {
        name: values if len(values) > 1 or (in_stream and name in _STREAM_KINDS) else values[0]
        for name, values in grouped.items()
    }


class _Fields:
    """The leaves of one container, read as the types their elements document."""

    def __init__(self, fields: RawElement, path: str) -> None:
        if fields is None:  # an empty container: no values
            fields = {}
        if not isinstance(fields, dict):
            raise CosResponseError(path, "must be a container of elements, sent once")
        self.fields = fields
        self._path = path

    def _leaf(self, name: str) -> str | None:
        value = self.fields.get(name)
        if value is not None and not isinstance(value, str):
            raise CosResponseError(f"{self._path}/{name}", "must be a text element, sent once")
        return value

    def _bad(self, name: str, value: str, what: str) -> CosResponseError:
        shown = repr(value) if len(value) <= 40 else f"{value[:20]!r}… ({len(value)} characters)"
        return CosResponseError(f"{self._path}/{name}", f"{shown} is not {what}")

    def text(self, name: str) -> str | None:
        return self._leaf(name)

    def integer(self, name: str) -> int | None:
        value = self._leaf(name)
        if value is None:
            return None
        if not _INTEGER.fullmatch(value) or len(value) > _MAX_DIGITS:
            raise self._bad(name, value, "an integer")
        return int(value)

    def count(self, name: str) -> int | None:
        number = self.integer(name)
        if number is not None and number < 0:
            raise CosResponseError(f"{self._path}/{name}", f"must not be negative, got {number}")
        return number

    def decimal(self, name: str) -> Decimal | None:
        value = self._leaf(name)
        if value is None:
            return None
        if not _DECIMAL.fullmatch(value) or len(value) > 60:
            raise self._bad(name, value, "a decimal number")
        number = Decimal(value)
        if abs(number.adjusted()) > 30:
            raise self._bad(name, value, "a decimal number of sensible size")
        return number

    def fraction(self, name: str) -> Fraction | None:
        """``30/1``, ``16:9`` or a decimal such as ``30.500000``; ``None`` for an unknown
        ratio (``0/0``, ``N:0``), which ffprobe writes when it has no value."""
        value = self._leaf(name)
        if value is None:
            return None
        ratio = _RATIO.fullmatch(value)
        if ratio:
            numerator, denominator = int(ratio[1]), int(ratio[2])
            return None if denominator == 0 else Fraction(numerator, denominator)
        try:
            number = self.decimal(name)
        except CosResponseError:
            raise self._bad(name, value, "a fraction (30/1) or a decimal number") from None
        return None if number is None else Fraction(number)

    def flag(self, name: str) -> bool | None:
        number = self.count(name)
        return None if number is None else number != 0


def _display_size(
    width: int | None, height: int | None, rotation: Decimal | None
) -> tuple[int | None, int | None]:
    """The picture as shown: a quarter turn either way swaps the sides."""
    if rotation is not None and abs(rotation % 180) == 90:
        return height, width
    return width, height


def _video(fields: _Fields) -> VideoStream:
    width, height = fields.count("Width"), fields.count("Height")
    rotation = fields.decimal("Rotation")
    display_width, display_height = _display_size(width, height, rotation)
    return VideoStream(
        index=fields.count("Index"),
        codec=fields.text("CodecName"),
        profile=fields.text("Profile"),
        width=width,
        height=height,
        display_width=display_width,
        display_height=display_height,
        rotation=rotation,
        fps=fields.fraction("Fps"),
        avg_fps=fields.fraction("AvgFps"),
        num_frames=fields.count("NumFrames"),
        has_b_frames=fields.flag("HasBFrame"),
        pix_fmt=fields.text("PixFormat"),
        sar=fields.fraction("Sar"),
        dar=fields.fraction("Dar"),
        time_base=fields.fraction("Timebase"),
        start_time=fields.decimal("StartTime"),
        duration=fields.decimal("Duration"),
        bitrate=fields.decimal("Bitrate"),
    )


def _audio(fields: _Fields) -> AudioStream:
    return AudioStream(
        index=fields.count("Index"),
        codec=fields.text("CodecName"),
        sample_rate=fields.count("SampleRate"),
        channels=fields.count("Channel"),
        channel_layout=fields.text("ChannelLayout"),
        duration=fields.decimal("Duration"),
        bitrate=fields.decimal("Bitrate"),
        language=fields.text("Language"),
    )


def _streams(stream: _Fields, kind: str) -> list[_Fields]:
    entries = stream.fields.get(kind)
    if entries is None:
        return []
    if not isinstance(entries, list):  # _raw makes every stream kind a list
        entries = [entries]
    return [
        _Fields(entry, f"Response/MediaInfo/Stream/{kind}[{i}]") for i, entry in enumerate(entries)
    ]


def parse_media_info(body: bytes | str, *, request_id: str | None = None) -> MediaInfo:
    """Read a GetMediaInfo answer (``<Response><MediaInfo>…``) into a :class:`MediaInfo`.

    Raises :class:`CosResponseError`, naming the element, when the text is not such a
    document or an element does not hold what the vendor documents. A document with a
    DOCTYPE is refused before parsing, so no entity is ever expanded.
    """
    data = body.encode("utf-8", "replace") if isinstance(body, str) else body
    try:
        root = parse_untrusted(data)
    except UnsafeXmlError as exc:
        raise CosResponseError(exc.element or "Response", str(exc)) from None
    except ET.ParseError as exc:
        raise CosResponseError("Response", f"the answer is not well-formed XML ({exc})") from None
    if _local(root.tag) != "Response":
        raise CosResponseError("Response", f"the root element is <{_local(root.tag)}>")
    document = _raw(root, "Response")
    if not isinstance(document, dict) or "MediaInfo" not in document:
        raise CosResponseError("Response/MediaInfo", "is missing")
    raw = _Fields(document["MediaInfo"], "Response/MediaInfo").fields
    for part in ("Stream", "Format"):
        if part not in raw:
            raise CosResponseError(f"Response/MediaInfo/{part}", "is missing")
    stream = _Fields(raw["Stream"], "Response/MediaInfo/Stream")
    container = _Fields(raw["Format"], "Response/MediaInfo/Format")
    videos = tuple(_video(fields) for fields in _streams(stream, "Video"))
    return MediaInfo(
        duration=container.decimal("Duration"),
        start_time=container.decimal("StartTime"),
        size=container.count("Size"),
        bitrate=container.decimal("Bitrate"),
        format_name=container.text("FormatName"),
        video=videos[0] if videos else None,
        videos=videos,
        audio=tuple(_audio(fields) for fields in _streams(stream, "Audio")),
        raw=raw,
        request_id=request_id,
    )


# -- for people --------------------------------------------------------------------------------


def _seconds(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _rate(value: Fraction) -> str:
    if value.denominator == 1:
        return f"{value.numerator} fps"
    return f"{value} fps (about {float(value):.3f})"


def _rotation(degrees: Decimal) -> str:
    """``-90 degrees (shown turned 90° clockwise)``: the value as sent, then which way the
    picture is turned, reading it as counter-clockwise degrees (as FFmpeg reports a display
    matrix and the emulator answers by default)."""
    turn = degrees % 360
    if turn < 0:
        turn += 360
    if turn == 0:
        way = ""
    elif turn == 180:
        way = " (shown turned 180°)"
    elif turn < 180:
        way = f" (shown turned {_seconds(turn)}° counter-clockwise)"
    else:
        way = f" (shown turned {_seconds(360 - turn)}° clockwise)"
    return f"{_seconds(degrees)} degrees{way}"


def describe_media_info(info: MediaInfo) -> list[str]:
    """Lines for a person: duration, picture size as stored and as displayed, frame rate,
    frames, codec, rotation, audio tracks and the file; ``unknown`` where the service sent no
    value."""
    video = info.video
    unknown = "unknown"
    duration = info.video_duration
    lines = [f"duration: {unknown if duration is None else _seconds(duration) + ' s'}"]
    if video is None:
        lines.append("video: none")
    else:

        def size(width: int | None, height: int | None) -> str:
            return unknown if width is None or height is None else f"{width}x{height}"

        stored = size(video.width, video.height)
        shown = size(video.display_width, video.display_height)
        lines.append(f"size: {stored}, displayed {shown}")
        rate = video.avg_fps if video.avg_fps is not None else video.fps
        lines.append(f"frame rate: {unknown if rate is None else _rate(rate)}")
        lines.append(f"frames: {unknown if video.num_frames is None else video.num_frames}")
        codec = video.codec or unknown
        details = ", ".join(part for part in (video.profile, video.pix_fmt) if part)
        lines.append(f"codec: {codec}" + (f" ({details})" if details else ""))
        rotation = unknown if video.rotation is None else _rotation(video.rotation)
        lines.append(f"rotation: {rotation}")
    tracks = []
    for track in info.audio:
        parts = [track.codec or "unknown codec"]
        if track.sample_rate is not None:
            parts.append(f"{track.sample_rate} Hz")
        if track.channel_layout:
            parts.append(track.channel_layout)
        elif track.channels is not None:
            parts.append(plural(track.channels, "channel"))
        tracks.append(" ".join(parts))
    count = plural(len(tracks), "track")
    lines.append(f"audio: {count}" + (f": {'; '.join(tracks)}" if tracks else ""))
    file_size = unknown if info.size is None else plural(info.size, "byte")
    lines.append(f"file: {file_size}" + (f", {info.format_name}" if info.format_name else ""))
    return lines
