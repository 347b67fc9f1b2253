"""GetMediaInfo (``GET /<key>?ci-process=videoinfo``): what a video holds, without decoding it.

Everything comes from the container's headers and the frame engine's packet index of the
video stream (one demux pass, shared with snapshots); no frame is decoded. The answer is
``application/xml`` in the vendor's shape (doc 436/55672), every value as text::

    <Response><MediaInfo>
      <Stream>
        <Video>Index CodecName CodecLongName CodecTimeBase CodecTagString CodecTag
               ColorPrimaries ColorRange ColorTransfer Profile Width Height HasBFrame RefFrames
               Sar Dar PixFormat FieldOrder Level Fps AvgFps Timebase StartTime Duration
               Bitrate NumFrames Language Rotation</Video>
        <Audio>Index CodecName CodecLongName CodecTimeBase CodecTagString CodecTag SampleFmt
               SampleRate Channel ChannelLayout Timebase StartTime Duration Bitrate
               Language</Audio>            (one per audio stream, none without audio)
        <Subtitle>Index Language</Subtitle> (one per subtitle stream, none without)
      </Stream>
      <Format>NumStream NumProgram FormatName FormatLongName StartTime Duration Bitrate
              Size</Format>
    </MediaInfo></Response>

Every element listed is always present (in that order); one the file does not tell is empty
(``<RefFrames></RefFrames>``). (An audio stream FFmpeg has no decoder for has only ``Index``
and ``Language``.) Number formats, as the vendor's example answer writes them:

- seconds (``StartTime``, ``Duration``), ``Fps``, ``Rotation`` and ``Bitrate`` (kbps): fixed
  6 decimals (``129.200000``, ``30.500000``, ``16869.432000``), computed exactly from the
  time base (``Fraction``/``Decimal``, never a binary float). Durations are rounded *up* to
  the microsecond, so ``Duration`` is never before the end of the last frame and
  ``Duration - 1/AvgFps`` is never before the last frame's start; other values are rounded
  half to even.
- integers (``Width``, ``Height``, ``NumFrames``, ``Size`` in bytes, ``SampleRate``,
  ``Channel``, ``Level``, ``Index``, ``NumStream``) in decimal; ``HasBFrame`` ``1`` or ``0``;
  ``AvgFps``, ``Timebase``, ``CodecTimeBase`` as fractions (``30/1``, ``1/600``); ``Sar`` and
  ``Dar`` as ``W:H`` (``1:1``, ``16:9``); ``CodecTag`` in hex, at least 4 digits (``0x001b``), and
  ``CodecTagString`` its four characters (``avc1``; ``[27][0][0][0]`` where not printable).

The video stream is the one snapshots are taken from (the first that is not a cover picture).
Its ``Duration`` is the snapshot engine's: from its first decodable frame to the end of its
last frame, so a ``time`` at or after it is "past the end". ``StartTime`` is that first
frame's timestamp; ``NumFrames`` counts the decodable frames; ``AvgFps`` is ``NumFrames /
Duration``; ``Fps`` the container's base frame rate (``r_frame_rate``); ``Bitrate`` the video
packets' bits over ``Duration``; ``HasBFrame`` whether any frame is decoded out of display
order. ``CodecName`` is the codec's name as ffprobe writes it (``av1``), not the decoder's
(``libdav1d``). ``Format`` describes the container as FFmpeg reads it: its ``Duration`` covers
every stream, ``Bitrate`` is ``Size * 8 / Duration`` (FFmpeg's whole bits per second, in kbps),
``NumProgram`` is 1 for MPEG-TS and 0 otherwise, and ``NumStream`` counts every stream of the
file: the elements listed under ``Stream``, unless the file has streams not listed there (a
second video stream or a cover picture, a data or timecode track).

Where the vendor is silent the emulator chooses (``cos-snapshot serve`` flags give the
alternatives):

- ``Width``/``Height``: the stored picture (``media_size="displayed"``: after the rotation).
- The video's ``Bitrate``: measured from its packets (``stream_bitrate="empty"``: left empty,
  as ffprobe leaves it for streams that carry no bit rate of their own, MPEG-TS among them).
- ``Rotation``: counter-clockwise degrees in (-180, 180], as FFmpeg reports a display matrix
  (a phone's portrait video: ``-90.000000``; ``rotation_sign="clockwise"`` negates it). It is
  read from the headers as FFmpeg reads them: the MP4/MOV track header's matrix (times the
  movie header's), the Matroska/WebM projection pose; other containers (MPEG-TS) carry none
  and report ``0.000000``. Mirroring is not part of it (a mirrored video's rotation is that
  of its matrix, as FFmpeg reports it).
- ``Duration`` of ``Video``: the video stream's, as above (not the container's).
"""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Any, BinaryIO, Literal, Protocol

from .errors import xml_text


class PacketIndex(Protocol):
    """What the probe reads of the frame engine's packet index of the video stream."""

    time_base: Fraction
    #: The first decodable frame's timestamp; ``rel`` are the frames' times after it (ticks).
    first_pts: int
    rel: list[int]
    #: (pts, dts, keyframe) of each packet in decode order.
    order: list[tuple[int, int | None, bool]]
    #: When the last frame stops being shown, in ticks after ``first_pts``.
    end_rel: int
    video_bytes: int


__all__ = ["MediaInfo", "PacketIndex", "StreamInfo", "probe_media", "render_media_info"]

MediaSize = Literal["stored", "displayed"]
RotationSign = Literal["counter-clockwise", "clockwise"]
StreamBitrate = Literal["measured", "empty"]

_XML_PROLOG = "<?xml version='1.0' encoding='utf-8' ?>"
_MICRO = Decimal("0.000001")
#: The movie box is read whole to find the track matrices; larger ones are not read.
_MAX_MOOV_BYTES = 64 * 2**20
_ISO_BMFF = ("mov", "mp4")
_FIELD_ORDERS = {1: "progressive", 2: "tt", 3: "bb", 4: "tb", 5: "bt"}
_COLOR_RANGES = {1: "tv", 2: "pc"}
# ITU-T H.273 code points, under FFmpeg's names.
_COLOR_PRIMARIES = {
    1: "bt709",
    4: "bt470m",
    5: "bt470bg",
    6: "smpte170m",
    7: "smpte240m",
    8: "film",
    9: "bt2020",
    10: "smpte428",
    11: "smpte431",
    12: "smpte432",
    22: "jedec-p22",
}
_COLOR_TRANSFERS = {
    1: "bt709",
    4: "gamma22",
    5: "gamma28",
    6: "smpte170m",
    7: "smpte240m",
    8: "linear",
    11: "iec61966-2-4",
    13: "iec61966-2-1",
    14: "bt2020-10",
    15: "bt2020-12",
    16: "smpte2084",
    18: "arib-std-b67",
}


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """One ``<Video>``, ``<Audio>`` or ``<Subtitle>`` element: (name, text) pairs in order."""

    kind: Literal["Video", "Audio", "Subtitle"]
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What a GetMediaInfo answer holds, before the serve-time choices are applied.

    ``video`` has ``Width``/``Height`` of the stored picture and ``Rotation`` counter-clockwise;
    ``swaps_axes`` says whether the display turns the picture a quarter turn.
    """

    video: StreamInfo
    audio: tuple[StreamInfo, ...]
    subtitles: tuple[StreamInfo, ...]
    format: tuple[tuple[str, str], ...]
    rotation: Fraction
    swaps_axes: bool


# --------------------------------------------------------------------------------------------
# Number formats


def _fixed6(value: Fraction, *, up: bool = False) -> str:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(_MICRO, rounding=ROUND_CEILING if up else ROUND_HALF_EVEN))


def _seconds(ticks: int | None, time_base: Fraction, *, up: bool = False) -> str:
    return "" if ticks is None else _fixed6(ticks * time_base, up=up)


def _ratio(value: Fraction | None) -> str:
    return "" if value is None else f"{value.numerator}/{value.denominator}"


def _kbps(bits_per_second: Fraction | int | None) -> str:
    if not bits_per_second:
        return ""
    return _fixed6(Fraction(bits_per_second) / 1000)


def _codec_tag(tag: str | None) -> tuple[str, str]:
    """``(CodecTagString, CodecTag)`` as ffprobe writes them."""
    raw = (tag or "").encode("latin-1", errors="replace")[:4].ljust(4, b"\0")
    text = "".join(chr(b) if 0x20 < b < 0x7F else f"[{b}]" for b in raw)
    return text, f"0x{int.from_bytes(raw, 'little'):04x}"


def _codec_name(cc: Any) -> str:
    """The codec's name as ffprobe writes it (``av1``), not the decoder's (``libdav1d``)."""
    return str(cc.codec.canonical_name or cc.name or "")


def _fraction(value: Any) -> Fraction | None:
    if value is None:
        return None
    result = Fraction(value)
    return result if result > 0 else None


# --------------------------------------------------------------------------------------------
# Rotation from the MP4/MOV headers


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    """The ISO BMFF boxes in ``data[start:end]``: ``(type, payload start, payload end)``."""
    end = len(data) if end is None else end
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1:
            if at + 16 > end:
                return
            (size,) = struct.unpack_from(">Q", data, at + 8)
            header = 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            return
        yield kind, at + header, at + size
        at += size


def _read_moov(file: BinaryIO) -> bytes | None:
    """The payload of the file's top-level ``moov`` box, seeking past the media data."""
    file_size = os.fstat(file.fileno()).st_size
    at = 0
    while at + 8 <= file_size:
        file.seek(at)
        head = file.read(16)
        if len(head) < 8:
            return None
        size, kind = struct.unpack_from(">I4s", head)
        header = 8
        if size == 1 and len(head) == 16:
            (size,) = struct.unpack_from(">Q", head, 8)
            header = 16
        elif size == 0:
            size = file_size - at
        if size < header:
            return None
        if kind == b"moov":
            if size - header > _MAX_MOOV_BYTES:
                return None
            file.seek(at + header)
            return file.read(size - header)
        at += size
    return None


def _matrix_at(data: bytes, offset: int) -> tuple[int, ...]:
    return struct.unpack_from(">9i", data, offset)


def _track_matrices(moov: bytes) -> dict[int, tuple[float, float, float, float]]:
    """Each track's display matrix ``(a, b, c, d)`` (the 2x2 part, as floats), by track id:
    the track header's matrix times the movie header's, as FFmpeg's demuxer combines them."""
    movie = (1.0, 0.0, 0.0, 1.0)
    tracks: dict[int, tuple[float, float, float, float]] = {}
    for kind, start, end in _boxes(moov):
        if kind == b"mvhd" and end - start >= 100:
            version = moov[start]
            offset = start + (32 if version == 1 else 20) + 16  # rate, volume, reserved
            m = _matrix_at(moov, offset)
            movie = (m[0] / 65536, m[1] / 65536, m[3] / 65536, m[4] / 65536)
        elif kind == b"trak":
            for sub, sub_start, sub_end in _boxes(moov, start, end):
                if sub != b"tkhd" or sub_end - sub_start < 84:
                    continue
                version = moov[sub_start]
                track_at = sub_start + (20 if version == 1 else 12)
                (track_id,) = struct.unpack_from(">I", moov, track_at)
                m = _matrix_at(moov, sub_start + (52 if version == 1 else 40))
                a, b, c, d = (m[0] / 65536, m[1] / 65536, m[3] / 65536, m[4] / 65536)
                ma, mb, mc, md = movie
                tracks[track_id] = (
                    a * ma + b * mc,
                    a * mb + b * md,
                    c * ma + d * mc,
                    c * mb + d * md,
                )
    return tracks


def _rotation_of(matrix: tuple[float, float, float, float]) -> Fraction:
    """Counter-clockwise degrees in (-180, 180], as FFmpeg's ``av_display_rotation_get``;
    whole degrees are exact."""
    a, b, c, d = matrix
    scale_x, scale_y = math.hypot(a, c), math.hypot(b, d)
    if scale_x == 0 or scale_y == 0:
        return Fraction(0)
    degrees = -math.degrees(math.atan2(b / scale_y, a / scale_x))
    nearest = round(degrees)
    exact = Fraction(nearest) if abs(degrees - nearest) < 1e-9 else Fraction(degrees)
    return _normalised(exact)


def _normalised(degrees: Fraction) -> Fraction:
    degrees %= 360
    return degrees - 360 if degrees > 180 else degrees


# --------------------------------------------------------------------------------------------
# Rotation from the Matroska/WebM headers

_EBML_SEGMENT = 0x18538067
_EBML_CLUSTER = 0x1F43B675
_EBML_TRACKS = 0x1654AE6B
_EBML_TRACK_ENTRY = 0xAE
_EBML_VIDEO = 0xE0
_EBML_PROJECTION = 0x7670
_EBML_POSE = {0x7673: "yaw", 0x7674: "pitch", 0x7675: "roll"}
#: The Tracks element is read whole; larger ones are not read.
_MAX_TRACKS_BYTES = 1 << 20


def _vint(data: bytes, at: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at ``data[at]``: ``(value, end)``; ``-1`` for an
    unknown size."""
    if at >= len(data) or data[at] == 0:
        return None
    length = 9 - data[at].bit_length()
    if at + length > len(data):
        return None
    value = int.from_bytes(data[at : at + length], "big")
    if keep_marker:
        return value, at + length
    value &= (1 << (7 * length)) - 1
    return (-1 if value == (1 << (7 * length)) - 1 else value), at + length


def _elements(
    data: bytes, start: int = 0, end: int | None = None
) -> Iterator[tuple[int, int, int]]:
    """The EBML elements in ``data[start:end]``: ``(id, payload start, payload end)``."""
    end = len(data) if end is None else end
    at = start
    while at < end:
        element = _vint(data, at, keep_marker=True)
        size = element and _vint(data, element[1], keep_marker=False)
        if element is None or size is None:
            return
        payload = size[1]
        stop = end if size[0] < 0 else min(end, payload + size[0])
        yield element[0], payload, stop
        at = stop


def _read_tracks(file: BinaryIO) -> bytes | None:
    """The payload of the Matroska Tracks element, read by walking the segment's children
    (Tracks comes before the first Cluster)."""
    head = file.read(64)
    first = next(_elements(head), None)  # the EBML header
    if first is None or first[0] != 0x1A45DFA3:
        return None
    at = first[2]
    while True:
        file.seek(at)
        head = file.read(16)
        parsed = _vint(head, 0, keep_marker=True)
        size = parsed and _vint(head, parsed[1], keep_marker=False)
        if parsed is None or size is None:
            return None
        element, payload = parsed[0], at + size[1]
        if element == _EBML_SEGMENT:
            at = payload  # step into the segment
        elif element == _EBML_TRACKS and 0 <= size[0] <= _MAX_TRACKS_BYTES:
            file.seek(payload)
            return file.read(size[0])
        elif element == _EBML_CLUSTER or size[0] < 0:
            return None
        else:
            at = payload + size[0]


def _matroska_matrices(tracks: bytes) -> list[tuple[float, float, float, float] | None]:
    """Each track entry's display matrix, in order (``None`` without a projection pose), as
    FFmpeg's demuxer makes it: the roll (counter-clockwise), mirrored when the yaw is 180."""
    matrices: list[tuple[float, float, float, float] | None] = []
    for element, start, end in _elements(tracks):
        if element != _EBML_TRACK_ENTRY:
            continue
        pose = {"yaw": 0.0, "pitch": 0.0, "roll": 0.0}
        for child, c_start, c_end in _elements(tracks, start, end):
            if child != _EBML_VIDEO:
                continue
            for video, v_start, v_end in _elements(tracks, c_start, c_end):
                if video != _EBML_PROJECTION:
                    continue
                for field, f_start, f_end in _elements(tracks, v_start, v_end):
                    if field in _EBML_POSE and f_end - f_start in (4, 8):
                        fmt = ">f" if f_end - f_start == 4 else ">d"
                        pose[_EBML_POSE[field]] = struct.unpack(fmt, tracks[f_start:f_end])[0]
        yaw, pitch, roll = pose["yaw"], pose["pitch"], pose["roll"]
        if (yaw, pitch, roll) == (0, 0, 0) or pitch != 0 or yaw not in (0, 180, -180):
            matrices.append(None)  # none, or one FFmpeg does not apply either
            continue
        radians = math.radians(roll)
        cos, sin = math.cos(radians), math.sin(radians)
        if yaw == 0:  # a turn of ``roll`` degrees counter-clockwise
            matrices.append((cos, -sin, sin, cos))
        else:  # mirrored left-right, then turned the other way (the yaw applies first)
            matrices.append((-cos, sin, sin, cos))
    return matrices


def _file_rotation(path: str, format_name: str, stream: Any) -> Fraction:
    """The rotation the file's headers give ``stream``: 0 where they give none."""
    names = format_name.split(",")
    matrix: tuple[float, float, float, float] | None = None
    try:
        with open(path, "rb") as file:
            if any(name in names for name in _ISO_BMFF):
                moov = _read_moov(file)
                matrix = None if moov is None else _track_matrices(moov).get(stream.id)
            elif "matroska" in names or "webm" in names:
                tracks = _read_tracks(file)
                entries = [] if tracks is None else _matroska_matrices(tracks)
                matrix = entries[stream.index] if stream.index < len(entries) else None
    except (OSError, struct.error):
        return Fraction(0)
    return Fraction(0) if matrix is None else _rotation_of(matrix)


# --------------------------------------------------------------------------------------------
# Probe


def probe_media(container: Any, stream: Any, index: PacketIndex, path: str, size: int) -> MediaInfo:
    """The media info of an open file: ``stream`` is its video stream, ``index`` the frame
    engine's packet index of it, ``size`` the file's size in bytes. Decodes nothing."""
    tb = index.time_base
    cc = stream.codec_context
    frames = len(index.rel)
    duration = Fraction(index.end_rel) * tb
    rotation = _file_rotation(path, container.format.name, stream)
    swaps = rotation % 180 == 90
    tag_string, tag = _codec_tag(cc.codec_tag)
    sar = _fraction(stream.sample_aspect_ratio) or Fraction(1)
    dar = Fraction(cc.width) * sar / cc.height if cc.width and cc.height else None
    avg_fps = Fraction(frames) / duration if duration > 0 else None
    fps = _fraction(stream.base_rate) or avg_fps
    bitrate = Fraction(index.video_bytes * 8) / duration if duration > 0 else None
    shown_late = any(later[0] < earlier[0] for earlier, later in pairwise(index.order))
    level = cc.level if cc.level is not None and cc.level >= 0 else None
    video = StreamInfo(
        "Video",
        (
            ("Index", str(stream.index)),
            ("CodecName", _codec_name(cc)),
            ("CodecLongName", cc.codec.long_name or ""),
            ("CodecTimeBase", ""),
            ("CodecTagString", tag_string),
            ("CodecTag", tag),
            ("ColorPrimaries", _COLOR_PRIMARIES.get(cc.color_primaries, "")),
            ("ColorRange", _COLOR_RANGES.get(cc.color_range, "")),
            ("ColorTransfer", _COLOR_TRANSFERS.get(cc.color_trc, "")),
            ("Profile", cc.profile or ""),
            ("Width", str(cc.width)),
            ("Height", str(cc.height)),
            ("HasBFrame", "1" if shown_late else "0"),
            ("RefFrames", ""),
            ("Sar", f"{sar.numerator}:{sar.denominator}"),
            ("Dar", "" if dar is None else f"{dar.numerator}:{dar.denominator}"),
            ("PixFormat", cc.pix_fmt or ""),
            ("FieldOrder", _FIELD_ORDERS.get(cc.field_order, "")),
            ("Level", "" if level is None else str(level)),
            ("Fps", "" if fps is None else _fixed6(fps)),
            ("AvgFps", _ratio(avg_fps)),
            ("Timebase", _ratio(tb)),
            ("StartTime", _seconds(index.first_pts, tb)),
            ("Duration", _fixed6(duration, up=True)),
            ("Bitrate", _kbps(bitrate)),
            ("NumFrames", str(frames)),
            ("Language", stream.language or ""),
            ("Rotation", _fixed6(rotation)),
        ),
    )
    audio: list[StreamInfo] = []
    subtitles: list[StreamInfo] = []
    for other in container.streams:
        if other.type == "audio":
            audio.append(_audio(other))
        elif other.type == "subtitle":
            subtitles.append(
                StreamInfo(
                    "Subtitle", (("Index", str(other.index)), ("Language", other.language or ""))
                )
            )
    micro = Fraction(1, 1_000_000)
    fmt = container.format
    format_fields = (
        ("NumStream", str(len(container.streams))),
        ("NumProgram", "1" if fmt.name == "mpegts" else "0"),
        ("FormatName", fmt.name or ""),
        ("FormatLongName", fmt.long_name or ""),
        ("StartTime", _seconds(container.start_time, micro)),
        ("Duration", _seconds(container.duration, micro, up=True)),
        ("Bitrate", _kbps(container.bit_rate)),
        ("Size", str(size)),
    )
    return MediaInfo(video, tuple(audio), tuple(subtitles), format_fields, rotation, swaps)


def _audio(stream: Any) -> StreamInfo:
    cc = stream.codec_context
    if cc is None:  # a codec FFmpeg cannot decode: what the container says, and no more
        return StreamInfo(
            "Audio", (("Index", str(stream.index)), ("Language", stream.language or ""))
        )
    tb = Fraction(stream.time_base) if stream.time_base else Fraction(0)
    tag_string, tag = _codec_tag(cc.codec_tag)
    rate = cc.sample_rate or 0
    layout = cc.layout
    return StreamInfo(
        "Audio",
        (
            ("Index", str(stream.index)),
            ("CodecName", _codec_name(cc)),
            ("CodecLongName", cc.codec.long_name or ""),
            ("CodecTimeBase", f"1/{rate}" if rate else ""),
            ("CodecTagString", tag_string),
            ("CodecTag", tag),
            ("SampleFmt", cc.format.name if cc.format is not None else ""),
            ("SampleRate", str(rate) if rate else ""),
            ("Channel", str(layout.nb_channels) if layout is not None else ""),
            ("ChannelLayout", layout.name if layout is not None else ""),
            ("Timebase", _ratio(tb or None)),
            ("StartTime", _seconds(stream.start_time, tb) if tb else ""),
            ("Duration", _seconds(stream.duration, tb, up=True) if tb else ""),
            ("Bitrate", _kbps(cc.bit_rate)),
            ("Language", stream.language or ""),
        ),
    )


# --------------------------------------------------------------------------------------------
# The answer


def render_media_info(
    info: MediaInfo,
    *,
    media_size: MediaSize = "stored",
    rotation_sign: RotationSign = "counter-clockwise",
    stream_bitrate: StreamBitrate = "measured",
) -> bytes:
    """The ``<Response>`` document for ``info``, UTF-8 encoded, with the serve-time choices
    for ``Width``/``Height``, the sign of ``Rotation`` and the video's ``Bitrate`` applied."""
    video = dict(info.video.fields)
    if media_size == "displayed" and info.swaps_axes:
        video["Width"], video["Height"] = video["Height"], video["Width"]
    if rotation_sign == "clockwise":
        video["Rotation"] = _fixed6(_normalised(-info.rotation))
    if stream_bitrate == "empty":
        video["Bitrate"] = ""

    def element(name: str, fields: dict[str, str] | tuple[tuple[str, str], ...]) -> str:
        items = fields.items() if isinstance(fields, dict) else fields
        body = "".join(f"<{key}>{xml_text(value)}</{key}>" for key, value in items)
        return f"<{name}>{body}</{name}>"

    streams = element("Video", video) + "".join(
        element(s.kind, s.fields) for s in (*info.audio, *info.subtitles)
    )
    document = (
        f"{_XML_PROLOG}\n<Response><MediaInfo><Stream>{streams}</Stream>"
        f"{element('Format', info.format)}</MediaInfo></Response>"
    )
    return document.encode()
