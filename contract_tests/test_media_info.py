"""GetMediaInfo (``ci-process=videoinfo``) against the fixture videos' known truth.

Each fixture's record (``cos_snapshot.testing.FixtureInfo``, checked by demuxing the file when
it was made) says how long its video runs, how many frames it has, its stored size, frame rate,
rotation and whether it has an audio track. The answer is read twice: by the typed client
(``get_media_info``, exact ``Decimal``/``Fraction`` values) and by the official SDK
(``qcloud_cos``'s ``get_media_info``, the strings as sent). Both must agree with the truth:

- ``Video/Duration``: the end of the last frame, to the microsecond (strict: rounded up, the
  emulator's documented choice; tolerant: either way, or the container's duration, the other
  reading of ``media_duration``); ``Format/Duration`` is not shorter;
- ``NumFrames`` the frame count; ``AvgFps`` and ``Fps`` the frame rate (25);
- ``Width``/``Height`` the stored picture (tolerant: or the displayed one, ``media_size``);
- ``Rotation`` the display matrix's quarter turns, counter-clockwise (tolerant: or clockwise,
  ``rotation_sign``); on the mirrored fixture only whether it is a quarter turn, since where a
  matrix puts the mirror decides the sign;
- one ``Audio`` element for the fixture with an audio track, none for the others;
  ``Format/Size`` the object's bytes.

Every other element ``MediaInfo`` exposes is held, through the typed client, to the fixture's
truth where it has one, and otherwise to the rest of the answer, in the vendor's units (seconds,
bytes, kbit/s, Hz); each failure names the element and the rule:

- ``Video``: ``Index`` 0, ``CodecName`` the codec (``h264``, ``hevc``), ``PixFormat``,
  ``Sar`` the pixels' aspect and ``Dar`` the stored picture's times it, ``Timebase`` the
  stream's, ``HasBFrame`` whether frames are decoded out of display order, ``StartTime`` the
  first frame's timestamp (tolerant: within a frame), ``Bitrate`` the video packets' bits over
  the duration in kbit/s (within 1%; tolerant: or empty, as ffprobe leaves it for MPEG-TS);
  ``NumFrames`` is ``Duration × AvgFps`` within one frame (``AvgFps`` is a count over a
  duration, so this holds for variable frame rates too);
- ``Audio``: ``Index`` 1, ``CodecName`` (``aac``), ``SampleRate`` in Hz, ``Channel``,
  ``ChannelLayout``, ``Duration`` the samples given to the encoder within one AAC frame (1024
  samples: encoders pad, muxers trim the priming samples each their own way), ``Language``
  empty or an ISO 639-2 code; its bit rate counts in the rule on ``Format/Size`` below;
- ``Format``: ``FormatName`` names the container, ``StartTime`` no later than the video's,
  ``NumStream`` the streams listed (and the fixture's), ``Duration`` no longer than its longest
  stream by more than a frame, ``Bitrate`` ``Size × 8 / Duration`` in kbit/s (within 1%), and
  the streams' ``Bitrate × Duration`` together no more than ``Size`` bytes;
- each stream's ``Duration`` exceeds ``Format/Duration`` by no more than a frame.

1% is the slack for a service that measures the bit rate over its own duration or rounds to
whole bit/s; it is well inside any slip of unit (bits for bytes: 8x; bit/s for kbit/s: 1000x;
KiB for kB: 1.024x).

The numbers must be written as the vendor writes them (decimals with six places, integers,
``N/D`` ratios, ``Sar``/``Dar`` as ``W:H``), never as binary floats (``2.0000000000000004``).
And the two operations agree: the snapshot at ``Video/Duration`` minus one frame (at
``AvgFps``) is the last frame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction
from typing import Any

import pytest

from cos_snapshot import CosServiceError, MediaInfo

from ._helpers import decimal_of, frame_of
from ._targets import Target
from ._videos import FPS, VIDEO_NAMES, Video

MICROSECOND = Decimal("0.000001")

#: Elements holding decimal numbers, integers and ratios, by container.
DECIMALS = {
    "Video": ("Fps", "StartTime", "Duration", "Bitrate", "Rotation"),
    "Audio": ("StartTime", "Duration", "Bitrate"),
    "Format": ("StartTime", "Duration", "Bitrate"),
}
INTEGERS = {
    "Video": ("Index", "Width", "Height", "NumFrames", "HasBFrame"),
    "Audio": ("Index", "SampleRate", "Channel"),
    "Format": ("NumStream", "Size"),
}
RATIOS = {"Video": ("AvgFps", "Timebase"), "Audio": ("Timebase",)}
#: Aspect ratios, which ffprobe (and the emulator) write ``W:H``; a tolerant target may write
#: ``W/H``.
ASPECTS = {"Video": ("Sar", "Dar")}
#: The vendor writes decimals with six places (``129.200000``); a tolerant target may write
#: fewer, never more, and never an exponent.
SIX_PLACES = re.compile(r"-?[0-9]+\.[0-9]{6}")
UP_TO_SIX_PLACES = re.compile(r"-?[0-9]+(\.[0-9]{1,6})?")
INTEGER = re.compile(r"-?[0-9]+")
RATIO = re.compile(r"[0-9]+/[0-9]+")
ASPECT = re.compile(r"[0-9]+:[0-9]+")
ANY_ASPECT = re.compile(r"[0-9]+[:/][0-9]+")
LANGUAGE = re.compile(r"[a-z]{3}")
#: How far a bit rate may be from the bytes and seconds it is measured from (see above).
RATE_SLACK = Fraction(1, 100)
#: One AAC frame at the fixture's 48 kHz: how far an audio duration may be from the samples
#: given to the encoder.
AUDIO_FRAME = Fraction(1024, 48000)


def _request(key: str) -> str:
    return f"GET /{key}?ci-process=videoinfo"


@dataclass(frozen=True)
class Seen:
    """What one answer says, as exact numbers, however it was read."""

    duration: Decimal | None
    container_duration: Decimal | None
    frames: int | None
    size: tuple[int | None, int | None]
    fps: Fraction | None
    avg_fps: Fraction | None
    rotation: Decimal | None
    audio_tracks: int
    file_size: int | None


def _from_client(info: MediaInfo) -> Seen:
    video = info.video
    assert video is not None, "the answer has no <Video> element"
    return Seen(
        duration=video.duration,
        container_duration=info.duration,
        frames=video.num_frames,
        size=(video.width, video.height),
        fps=video.fps,
        avg_fps=video.avg_fps,
        rotation=video.rotation,
        audio_tracks=len(info.audio),
        file_size=info.size,
    )


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    return value or None


def _number(fields: dict[str, Any], name: str) -> Decimal | None:
    value = _text(fields, name)
    return None if value is None else Decimal(value)


def _ratio(fields: dict[str, Any], name: str) -> Fraction | None:
    value = _text(fields, name)
    return None if value is None else Fraction(value)


def _integer(fields: dict[str, Any], name: str) -> int | None:
    value = _text(fields, name)
    return None if value is None else int(value)


def _from_sdk(answer: dict[str, Any]) -> Seen:
    """The official SDK's dictionary (``{'MediaInfo': [{'Stream': ..., 'Format': ...}]}``)."""
    (media,) = _listed(answer.get("MediaInfo"))
    stream = media.get("Stream") or {}
    videos = _listed(stream.get("Video"))
    assert videos, "the answer has no <Video> element"
    video, container = videos[0], media.get("Format") or {}
    return Seen(
        duration=_number(video, "Duration"),
        container_duration=_number(container, "Duration"),
        frames=_integer(video, "NumFrames"),
        size=(_integer(video, "Width"), _integer(video, "Height")),
        fps=_ratio(video, "Fps"),
        avg_fps=_ratio(video, "AvgFps"),
        rotation=_number(video, "Rotation"),
        audio_tracks=len(_listed(stream.get("Audio"))),
        file_size=_integer(container, "Size"),
    )


def _quarter_turns(degrees: Decimal) -> Fraction:
    """Degrees in (-180, 180]."""
    turned = Fraction(degrees) % 360
    return turned - 360 if turned > 180 else turned


def _check_truth(seen: Seen, target: Target, video: Video, via: str) -> None:
    info = video.info
    where = f"{via}: {_request(video.key)}"
    end = decimal_of(info.end)
    # Duration: the end of the last frame, to the microsecond.
    assert seen.duration is not None, f"{where}: Video/Duration is empty"
    rounded_up = end.quantize(MICROSECOND, rounding=ROUND_CEILING)
    if target.strict:
        duration_ok = seen.duration == rounded_up
        wanted = f"{rounded_up} (the end of the last frame, rounded up)"
    else:
        container = seen.container_duration
        duration_ok = abs(seen.duration - end) <= MICROSECOND or (
            container is not None and seen.duration == container
        )
        wanted = f"{end} to the microsecond, or Format/Duration ({container})"
    assert duration_ok, f"{where}: Video/Duration is {seen.duration}, expected {wanted}"
    assert seen.container_duration is not None, f"{where}: Format/Duration is empty"
    assert seen.container_duration >= end - MICROSECOND, (
        f"{where}: Format/Duration {seen.container_duration} ends before the video ({end})"
    )
    assert seen.frames == info.frame_count, (
        f"{where}: NumFrames is {seen.frames}, the video has {info.frame_count} frames"
    )
    assert seen.avg_fps == FPS, f"{where}: AvgFps is {seen.avg_fps}, the video runs at {FPS}/s"
    assert seen.fps == FPS, f"{where}: Fps is {seen.fps}, the video runs at {FPS}/s"
    stored, shown = info.stored_size, info.display_size
    sizes = {stored} if target.strict else {stored, shown}
    assert seen.size in sizes, (
        f"{where}: Width/Height are {seen.size[0]}x{seen.size[1]}, expected "
        + " or ".join(f"{w}x{h}" for w, h in sorted(sizes))
        + f" (stored {stored[0]}x{stored[1]}, shown turned {info.orientation.rotation}°)"
    )
    assert seen.rotation is not None, f"{where}: Rotation is empty"
    turned = _quarter_turns(seen.rotation)
    clockwise = info.orientation.rotation
    if info.orientation.mirrored:
        assert turned % 180 == clockwise % 180, (
            f"{where}: Rotation is {seen.rotation}, expected a turn of {clockwise % 180}° mod 180°"
        )
    else:
        counter = _quarter_turns(Decimal(-clockwise))
        readings = {counter} if target.strict else {counter, _quarter_turns(Decimal(clockwise))}
        assert turned in readings, (
            f"{where}: Rotation is {seen.rotation}, expected "
            + " or ".join(str(r) for r in sorted(readings))
            + f" (the video is shown turned {clockwise}° clockwise)"
        )
    tracks = 1 if info.has_audio else 0
    assert seen.audio_tracks == tracks, (
        f"{where}: {seen.audio_tracks} <Audio> elements, the video has {tracks} audio track(s)"
    )
    assert seen.file_size == info.path.stat().st_size, (
        f"{where}: Format/Size is {seen.file_size}, the object has {info.path.stat().st_size} bytes"
    )


def _near(value: Fraction, expected: Fraction, slack: Fraction) -> bool:
    return abs(value - expected) <= slack * abs(expected)


def _kbps(bits: Fraction) -> str:
    return f"{float(bits) / 1000:.6f} kbit/s"


class _Problems(list[str]):
    """What an answer gets wrong: the element, what it holds, and the rule it breaks."""

    def equal(self, element: str, value: object, expected: object, rule: str) -> None:
        if value != expected:
            self.append(f"{element} is {value}, expected {expected} ({rule})")

    def present(self, element: str, value: object, rule: str) -> bool:
        if value is None:
            self.append(f"{element} is empty ({rule})")
        return value is not None


def _video_problems(info: MediaInfo, target: Target, video: Video, problems: _Problems) -> None:
    truth, stream = video.info, info.video
    assert stream is not None, "the answer has no <Video> element"
    frame = video.frame_duration
    problems.equal("Video/Index", stream.index, 0, "the fixture's first stream")
    problems.equal("Video/CodecName", stream.codec, truth.codec, "the fixture's codec")
    problems.equal("Video/PixFormat", stream.pix_fmt, truth.pix_fmt, "the fixture's pixels")
    problems.equal("Video/Sar", stream.sar, truth.sample_aspect, "the pixels' aspect ratio")
    width, height = truth.stored_size
    dar = Fraction(width, height) * truth.sample_aspect
    problems.equal("Video/Dar", stream.dar, dar, f"{width}x{height} stored, times Sar")
    problems.equal("Video/Timebase", stream.time_base, truth.time_base, "the stream's")
    problems.equal(
        "Video/HasBFrame",
        stream.has_b_frames,
        truth.reordered,
        "whether frames are decoded out of display order",
    )
    if problems.present("Video/StartTime", stream.start_time, "the first frame's timestamp"):
        assert stream.start_time is not None
        slack = MICROSECOND if target.strict else decimal_of(frame)
        if abs(stream.start_time - decimal_of(truth.start)) > slack:
            problems.append(
                f"Video/StartTime is {stream.start_time} s, expected the first frame's "
                f"timestamp {decimal_of(truth.start)} s within {slack} s"
            )
    if stream.bitrate is not None or target.strict:
        measured = Fraction(truth.video_bytes * 8) / truth.end
        if problems.present("Video/Bitrate", stream.bitrate, "the video packets' bits"):
            assert stream.bitrate is not None
            if not _near(Fraction(stream.bitrate) * 1000, measured, RATE_SLACK):
                problems.append(
                    "Video/Bitrate is not the video packets' bits over the duration in kbit/s, "
                    f"within 1% ({stream.bitrate} kbit/s; {truth.video_bytes} bytes × 8 / "
                    f"{decimal_of(truth.end)} s = {_kbps(measured)})"
                )
    if stream.num_frames is not None and stream.duration is not None and stream.avg_fps:
        frames = Fraction(stream.duration) * stream.avg_fps
        if abs(stream.num_frames - frames) > 1:
            problems.append(
                "Video/NumFrames is not Duration × AvgFps within one frame "
                f"({stream.num_frames}; {stream.duration} s × {stream.avg_fps}/s = "
                f"{float(frames):g})"
            )


def _audio_problems(info: MediaInfo, video: Video, problems: _Problems) -> None:
    truth = video.info
    if not truth.has_audio or len(info.audio) != 1:
        return  # the count of <Audio> elements is the truth check's
    (track,) = info.audio
    problems.equal("Audio[0]/Index", track.index, 1, "the fixture's second stream")
    problems.equal("Audio[0]/CodecName", track.codec, truth.audio_codec, "the fixture's codec")
    problems.equal(
        "Audio[0]/SampleRate", track.sample_rate, truth.audio_sample_rate, "in Hz, the fixture's"
    )
    problems.equal("Audio[0]/Channel", track.channels, truth.audio_channels, "the fixture's")
    problems.equal(
        "Audio[0]/ChannelLayout", track.channel_layout, truth.audio_channel_layout, "the fixture's"
    )
    if track.language is not None and not LANGUAGE.fullmatch(track.language):
        problems.append(f"Audio[0]/Language is {track.language!r}, not an ISO 639-2 code")
    written = truth.audio_duration
    if problems.present("Audio[0]/Duration", track.duration, "seconds") and written is not None:
        assert track.duration is not None
        if abs(Fraction(track.duration) - written) > AUDIO_FRAME:
            problems.append(
                f"Audio[0]/Duration is {track.duration} s, expected the "
                f"{written * truth.audio_sample_rate} samples given to the encoder "
                f"({float(written):.6f} s) within one AAC frame ({float(AUDIO_FRAME):.6f} s)"
            )


def _listed_streams(info: MediaInfo) -> int:
    stream = info.raw.get("Stream") or {}
    assert isinstance(stream, dict)
    return sum(len(_listed(stream.get(kind))) for kind in ("Video", "Audio", "Subtitle"))


def _container_problems(info: MediaInfo, target: Target, video: Video, problems: _Problems) -> None:
    truth, frame = video.info, video.frame_duration
    container = info.raw.get("Format")  # NumStream: read as sent, MediaInfo has no attribute
    names = (info.format_name or "").split(",")
    if truth.container not in names:
        problems.append(
            f"Format/FormatName is {info.format_name}, which does not name "
            f"{truth.container} (the fixture's container)"
        )
    streams = 1 + truth.has_audio
    num_stream = _integer(container, "NumStream") if isinstance(container, dict) else None
    problems.equal("Format/NumStream", num_stream, _listed_streams(info), "the streams listed")
    problems.equal("Format/NumStream", num_stream, streams, "the fixture's streams")
    video_start = info.video.start_time if info.video is not None else None
    if info.start_time is not None and video_start is not None and info.start_time > video_start:
        problems.append(
            f"Format/StartTime is {info.start_time} s, later than Video/StartTime "
            f"{video_start} s (a container starts no later than its streams)"
        )
    durations = [("Video", info.video.duration if info.video else None)]
    durations += [(f"Audio[{i}]", track.duration) for i, track in enumerate(info.audio)]
    if info.duration is None or info.size is None:
        return  # the truth check names these
    for name, duration in durations:
        if duration is not None and duration > info.duration + decimal_of(frame):
            problems.append(
                f"{name}/Duration exceeds Format/Duration by more than a frame ({duration} s, "
                f"the container {info.duration} s, a frame {decimal_of(frame)} s)"
            )
    longest = max(truth.end, truth.audio_duration or 0)
    if Fraction(info.duration) > longest + frame:
        problems.append(
            "Format/Duration exceeds the fixture's longest stream by more than a frame "
            f"({info.duration} s, the longest stream {float(longest):.6f} s)"
        )
    if problems.present("Format/Bitrate", info.bitrate, "kbit/s"):
        assert info.bitrate is not None
        measured = Fraction(info.size * 8) / Fraction(info.duration) if info.duration else None
        if measured is None or not _near(Fraction(info.bitrate) * 1000, measured, RATE_SLACK):
            shown = "no rate" if measured is None else _kbps(measured)
            problems.append(
                "Format/Bitrate is not Size × 8 / Duration in kbit/s, within 1% "
                f"({info.bitrate} kbit/s; {info.size} bytes × 8 / {info.duration} s = {shown})"
            )
    streamed = Fraction(0)
    for stream in (info.video, *info.audio):
        if stream is not None and stream.bitrate is not None and stream.duration is not None:
            streamed += Fraction(stream.bitrate) * 1000 * Fraction(stream.duration) / 8
    if streamed > info.size * (1 + RATE_SLACK):
        problems.append(
            "the streams' Bitrate × Duration exceed Format/Size (kbit/s × s / 8 is kB): "
            f"{float(streamed):.0f} bytes of streams in {info.size} bytes"
        )


def _field_problems(info: MediaInfo, target: Target, video: Video) -> list[str]:
    problems = _Problems()
    _video_problems(info, target, video, problems)
    _audio_problems(info, video, problems)
    _container_problems(info, target, video, problems)
    return problems


@pytest.mark.parametrize("video_name", VIDEO_NAMES)
def test_media_info_matches_the_fixture(target: Target, video_name: str) -> None:
    video = target.video(video_name)
    with target.client() as client:
        info = client.get_media_info(video.key)
    # Every rule is checked, and every broken one named, whichever fails first.
    problems = _field_problems(info, target, video)
    try:
        _check_truth(_from_client(info), target, video, "typed client")
    except AssertionError as failed:
        problems.insert(0, str(failed).split("\nassert ", 1)[0])
    assert not problems, f"typed client: {_request(video.key)}:\n- " + "\n- ".join(problems)


@pytest.mark.parametrize("video_name", VIDEO_NAMES)
def test_media_info_through_the_official_sdk_matches_the_fixture(
    target: Target, video_name: str
) -> None:
    video = target.video(video_name)
    with target.sdk() as sdk:
        answer = sdk.get_media_info(Bucket=target.bucket, Key=video.key)
    _check_truth(_from_sdk(answer), target, video, "official SDK")


def _format_problems(kind: str, container: str, fields: Any, strict: bool) -> list[str]:
    """What in ``fields`` (the raw ``<kind>`` element, called ``container``) is not written as
    the vendor writes numbers."""
    if not isinstance(fields, dict):
        return [f"{container} is not a container of elements"]
    problems = []
    decimal = SIX_PLACES if strict else UP_TO_SIX_PLACES
    kinds = (
        (DECIMALS, decimal, "a decimal with six places" if strict else "a decimal"),
        (INTEGERS, INTEGER, "an integer"),
        (RATIOS, RATIO, "a ratio N/D"),
        (ASPECTS, ASPECT if strict else ANY_ASPECT, "an aspect W:H" if strict else "a ratio"),
    )
    for names, pattern, what in kinds:
        for name in names.get(kind, ()):
            value = fields.get(name)
            if value is not None and not pattern.fullmatch(value):
                problems.append(f"{container}/{name} {value!r} is not {what}")
    return problems


@pytest.mark.parametrize("video_name", VIDEO_NAMES)
def test_media_info_numbers_are_in_the_vendors_formats(target: Target, video_name: str) -> None:
    video = target.video(video_name)
    with target.client() as client:
        raw = client.get_media_info(video.key).raw
    stream = raw.get("Stream") or {}
    assert isinstance(stream, dict)
    problems = _format_problems("Format", "Format", raw.get("Format"), target.strict)
    for kind in ("Video", "Audio"):
        for number, fields in enumerate(_listed(stream.get(kind))):
            problems += _format_problems(kind, f"{kind}[{number}]", fields, target.strict)
    assert not problems, f"{_request(video.key)}: not in the vendor's number format: " + "; ".join(
        problems
    )


@pytest.mark.parametrize("video_name", VIDEO_NAMES)
def test_the_snapshot_one_frame_before_the_duration_is_the_last_frame(
    target: Target, video_name: str
) -> None:
    video = target.video(video_name)
    with target.client() as client:
        info = client.get_media_info(video.key)
        assert info.video is not None
        assert info.video.duration is not None, f"{_request(video.key)}: Video/Duration is empty"
        assert info.video.avg_fps, f"{_request(video.key)}: AvgFps is empty"
        exact = Fraction(info.video.duration) - 1 / info.video.avg_fps
        # Up to the nanosecond, the finest time the API takes: never before the exact instant.
        time = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
            Decimal("1e-9"), rounding=ROUND_CEILING
        )
        index = frame_of(client.get_snapshot(video.key, time))
    last = video.info.frame_count - 1
    assert index == last, (
        f"{_request(video.key)} -> Duration {info.video.duration}, AvgFps {info.video.avg_fps}; "
        f"the snapshot at time={time} (one frame before) is frame {index}, not the last "
        f"frame {last}"
    )


def test_media_info_of_an_unknown_key_is_no_such_key(target: Target) -> None:
    key = target.video("plain").key + ".missing"
    with target.client() as client, pytest.raises(CosServiceError) as refused:
        client.get_media_info(key)
    assert (refused.value.status, refused.value.code) == (404, "NoSuchKey")


def test_media_info_of_an_object_that_is_not_a_video_is_refused(target: Target) -> None:
    assert target.not_a_video_key is not None
    with target.client() as client, pytest.raises(CosServiceError) as refused:
        client.get_media_info(target.not_a_video_key)
    assert 400 <= refused.value.status < 500, f"{refused.value.status} {refused.value.code}"
