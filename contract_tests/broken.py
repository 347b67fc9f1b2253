"""Deliberately broken servers: the real emulator with one fault injected each.

They exist to prove the suite catches bugs (``test_catches_bugs.py``): run the suite against one
with ``COS_CONTRACT_BROKEN=<name>`` and it must fail. Wire-level faults are ASGI middleware around
the emulator app; faults in frame choice or scaling wrap its frame engine, the way a stand-in
that decodes video badly would behave.

To add one: write a middleware (``(app) -> app``) or an engine fault (``(engine, path, params)
-> Image``) or a GetMediaInfo fault (``(MediaInfo) -> MediaInfo``, rewriting the real engine's
answer before it is written out) or a snapshot job runner with one step changed (a subclass of
``SnapshotJobRunner``), register it in :data:`BUGS` with a description, and name in
``test_catches_bugs.py`` the tests that must catch it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, MutableMapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, unquote_to_bytes, urlencode

from cos_snapshot import Credentials
from cos_snapshot.emulator import (
    EmulatorSettings,
    Image,
    SnapshotEngine,
    SnapshotJobRunner,
    SnapshotParams,
    create_app,
)
from cos_snapshot.signing import AUTH_FIELDS, build_authorization

__all__ = ["BUGS", "Bug", "build_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
EngineFault = Callable[[SnapshotEngine, Path, SnapshotParams], Image]
#: Rewrites the engine's GetMediaInfo answer (a ``cos_snapshot.emulator.mediainfo.MediaInfo``,
#: a frozen dataclass; the suite changes it with ``dataclasses.replace`` only, so it imports
#: nothing of the emulator's own modules).
MediaInfo = Any
MediaFault = Callable[[MediaInfo], MediaInfo]


@dataclasses.dataclass(frozen=True)
class Bug:
    description: str
    middleware: Callable[[ASGIApp, EmulatorSettings], ASGIApp] | None = None
    engine_fault: EngineFault | None = None
    media_fault: MediaFault | None = None
    job_runner: type[SnapshotJobRunner] | None = None


# --------------------------------------------------------------------------------------------
# Engine faults


class _FaultyEngine:
    """A frame engine that answers snapshots through ``fault`` and GetMediaInfo through
    ``media_fault`` (each, when given) instead of as the real engine does."""

    def __init__(
        self,
        engine: SnapshotEngine,
        fault: EngineFault | None = None,
        media_fault: MediaFault | None = None,
    ) -> None:
        self._engine = engine
        self._fault = fault
        self._media_fault = media_fault

    def snapshot(self, path: Path, params: SnapshotParams) -> Image:
        if self._fault is None:
            return self._engine.snapshot(path, params)
        return self._fault(self._engine, path, params)

    def known_snapshot(self, path: Path, params: SnapshotParams) -> Image | None:
        if self._fault is None:
            return self._engine.known_snapshot(path, params)
        return None  # every answer goes through the fault, cached or not

    def media_info(self, path: Path) -> MediaInfo:
        info = self._engine.media_info(path)
        return info if self._media_fault is None else self._media_fault(info)

    def frame_pass(self, path: Path, **options: Any) -> Any:
        # Snapshot jobs decode as the real engine does: these faults are GetSnapshot's.
        return self._engine.frame_pass(path, **options)

    def close(self) -> None:
        self._engine.close()


def _ignores_zero_rule(engine: SnapshotEngine, path: Path, params: SnapshotParams) -> Image:
    # One side 0: use the other for both, instead of keeping the aspect ratio.
    if bool(params.width) != bool(params.height):
        side = params.width or params.height
        params = dataclasses.replace(params, width=side, height=side)
    return engine.snapshot(path, params)


def _exact_for_keyframe(engine: SnapshotEngine, path: Path, params: SnapshotParams) -> Image:
    return engine.snapshot(path, dataclasses.replace(params, mode="exactframe"))


def _png_ignores_size(engine: SnapshotEngine, path: Path, params: SnapshotParams) -> Image:
    # The PNG encoding path forgets to scale.
    if params.format == "png":
        params = dataclasses.replace(params, width=0, height=0)
    return engine.snapshot(path, params)


def _png_keyframe_only(engine: SnapshotEngine, path: Path, params: SnapshotParams) -> Image:
    # The PNG encoding path takes the keyframe fast path whatever the mode says.
    if params.format == "png":
        params = dataclasses.replace(params, mode="keyframe")
    return engine.snapshot(path, params)


def _off_by_one_frame(engine: SnapshotEngine, path: Path, params: SnapshotParams) -> Image:
    # The frame before the right one (a classic `<` for `<=`), whenever there is one.
    image = engine.snapshot(path, params)
    if image.frame_pts <= 0 or params.mode == "keyframe":
        return image
    nanos = image.frame_pts * 10**9
    earlier = Decimal(int(nanos) - 1 if nanos == int(nanos) else int(nanos)) / 10**9
    return engine.snapshot(path, dataclasses.replace(params, time=earlier))


def _ignores_rotate(engine: SnapshotEngine, path: Path, params: SnapshotParams) -> Image:
    return engine.snapshot(path, dataclasses.replace(params, rotate="off"))


# --------------------------------------------------------------------------------------------
# GetMediaInfo faults: the real engine's answer, rewritten


def _with_video(info: MediaInfo, change: Callable[[dict[str, str]], None]) -> MediaInfo:
    fields = dict(info.video.fields)
    change(fields)
    return dataclasses.replace(
        info, video=dataclasses.replace(info.video, fields=tuple(fields.items()))
    )


def _duration_one_frame_short(info: MediaInfo) -> MediaInfo:
    # The last frame's start taken for the end of the video.
    def change(fields: dict[str, str]) -> None:
        fields["Duration"] = _six_places(
            Fraction(fields["Duration"]) - 1 / Fraction(fields["AvgFps"])
        )

    return _with_video(info, change)


def _swaps_width_and_height(info: MediaInfo) -> MediaInfo:
    def change(fields: dict[str, str]) -> None:
        fields["Width"], fields["Height"] = fields["Height"], fields["Width"]

    return _with_video(info, change)


Fields = dict[str, str]


def _rewritten(
    info: MediaInfo,
    *,
    video: Callable[[Fields], None] | None = None,
    audio: Callable[[Fields], None] | None = None,
    container: Callable[[Fields, MediaInfo], None] | None = None,
) -> MediaInfo:
    """``info`` with its ``<Video>``, each ``<Audio>`` and its ``<Format>`` changed in place by
    the functions given (``container`` also sees the whole answer)."""

    def changed(fields: tuple[tuple[str, str], ...], change: Callable[[Fields], None]) -> Any:
        values = dict(fields)
        change(values)
        return tuple(values.items())

    if video is not None:
        info = dataclasses.replace(
            info, video=dataclasses.replace(info.video, fields=changed(info.video.fields, video))
        )
    if audio is not None:
        tracks = tuple(
            dataclasses.replace(track, fields=changed(track.fields, audio)) for track in info.audio
        )
        info = dataclasses.replace(info, audio=tracks)
    if container is not None:
        rewrite = container
        info = dataclasses.replace(info, format=changed(info.format, lambda f: rewrite(f, info)))
    return info


def _six_places(value: Fraction) -> str:
    return str((Decimal(value.numerator) / value.denominator).quantize(Decimal("0.000001")))


def _scaled(text: str, factor: Fraction) -> str:
    """A six-decimal number times ``factor``, still written with six decimals."""
    return text and _six_places(Fraction(Decimal(text)) * factor)


def _bitrate_in_bits(info: MediaInfo) -> MediaInfo:
    # The container's bits per second written where kbit/s belong.
    def change(fields: Fields, _: MediaInfo) -> None:
        fields["Bitrate"] = _scaled(fields["Bitrate"], Fraction(1000))

    return _rewritten(info, container=change)


def _stream_bitrate_in_bytes(info: MediaInfo) -> MediaInfo:
    # The streams' kilobytes per second written where kbit/s belong.
    def change(fields: Fields) -> None:
        fields["Bitrate"] = _scaled(fields.get("Bitrate", ""), Fraction(1, 8))

    return _rewritten(info, video=change, audio=change)


def _audio_duration_in_milliseconds(info: MediaInfo) -> MediaInfo:
    def change(fields: Fields) -> None:
        fields["Duration"] = _scaled(fields.get("Duration", ""), Fraction(1000))

    return _rewritten(info, audio=change)


def _avg_fps_is_the_time_base(info: MediaInfo) -> MediaInfo:
    # The stream's ticks per second taken for its frames per second.
    def change(fields: Fields) -> None:
        fields["AvgFps"] = str(1 / Fraction(fields["Timebase"])) + "/1"

    return _rewritten(info, video=change)


def _num_stream_counts_video(info: MediaInfo) -> MediaInfo:
    def change(fields: Fields, _: MediaInfo) -> None:
        fields["NumStream"] = "1"

    return _rewritten(info, container=change)


def _aspects_as_decimals(info: MediaInfo) -> MediaInfo:
    # Sar and Dar written as decimal numbers (1.333333) instead of W:H.
    def change(fields: Fields) -> None:
        for name in ("Sar", "Dar"):
            fields[name] = _six_places(Fraction(fields[name].replace(":", "/")))

    return _rewritten(info, video=change)


def _sample_rate_in_khz(info: MediaInfo) -> MediaInfo:
    def change(fields: Fields) -> None:
        if fields.get("SampleRate"):
            fields["SampleRate"] = str(int(fields["SampleRate"]) // 1000)

    return _rewritten(info, audio=change)


def _codec_name_is_the_tag(info: MediaInfo) -> MediaInfo:
    # The container's four-character code (avc1, mp4a) taken for the codec's name.
    def change(fields: Fields) -> None:
        fields["CodecName"] = fields.get("CodecTagString", "")

    return _rewritten(info, video=change, audio=change)


def _sar_and_dar_swapped(info: MediaInfo) -> MediaInfo:
    def change(fields: Fields) -> None:
        fields["Sar"], fields["Dar"] = fields["Dar"], fields["Sar"]

    return _rewritten(info, video=change)


def _start_time_in_ticks(info: MediaInfo) -> MediaInfo:
    # The first timestamp in the stream's time base, written as if it were seconds.
    ticks = 1 / Fraction(dict(info.video.fields)["Timebase"])

    def change(fields: Fields) -> None:
        fields["StartTime"] = _scaled(fields["StartTime"], ticks)

    return _rewritten(info, video=change, container=lambda fields, _: change(fields))


#: The elements that hold decimal numbers.
_DECIMAL_ELEMENTS = {"Fps", "StartTime", "Duration", "Bitrate", "Rotation"}


def _noisy(text: str) -> str:
    """A decimal as arithmetic in binary floating point leaves it: one unit in the last place
    off, written with ``repr`` (``2.0`` -> ``2.0000000000000004``)."""
    if not text:
        return text
    number = float(text)
    return repr(math.nextafter(number, math.inf) if number else number)


def _float_noise(info: MediaInfo) -> MediaInfo:
    def noisy(fields: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return tuple((k, _noisy(v) if k in _DECIMAL_ELEMENTS else v) for k, v in fields)

    return dataclasses.replace(
        info,
        video=dataclasses.replace(info.video, fields=noisy(info.video.fields)),
        audio=tuple(dataclasses.replace(a, fields=noisy(a.fields)) for a in info.audio),
        format=noisy(info.format),
    )


# --------------------------------------------------------------------------------------------
# Middleware


def _map_response(
    app: ASGIApp,
    *,
    headers: Callable[[list[tuple[bytes, bytes]]], list[tuple[bytes, bytes]]] | None = None,
    body: Callable[[bytes, dict[bytes, bytes]], bytes] | None = None,
    status: Callable[[int], int] | None = None,
) -> ASGIApp:
    """Middleware that rewrites the response's status, headers and (buffered) body."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                raw_headers = [(bytes(k), bytes(v)) for k, v in start.get("headers", [])]
                content = b"".join(chunks)
                if body is not None:
                    content = body(content, {k.lower(): v for k, v in raw_headers})
                if headers is not None:
                    raw_headers = headers(raw_headers)
                if scope.get("method") != "HEAD":  # a HEAD answer's length is the object's
                    raw_headers = [(k, v) for k, v in raw_headers if k.lower() != b"content-length"]
                    raw_headers.append((b"content-length", str(len(content)).encode()))
                code = start["status"] if status is None else status(start["status"])
                await send({"type": "http.response.start", "status": code, "headers": raw_headers})
                await send({"type": "http.response.body", "body": content})
                return
            await send(message)

        await app(scope, receive, capture)

    return wrapped


def _mislabels_content_type(app: ASGIApp, settings: EmulatorSettings) -> ASGIApp:
    swap = {b"image/jpeg": b"image/png", b"image/png": b"image/jpeg"}
    return _map_response(
        app,
        headers=lambda hs: [
            (k, swap.get(v, v) if k.lower() == b"content-type" else v) for k, v in hs
        ],
    )


def _drops_error_code(app: ASGIApp, settings: EmulatorSettings) -> ASGIApp:
    def strip(content: bytes, headers: dict[bytes, bytes]) -> bytes:
        if headers.get(b"content-type", b"").startswith(b"application/xml"):
            return re.sub(rb"<Code>.*?</Code>", b"", content, flags=re.DOTALL)
        return content

    return _map_response(app, body=strip)


def _media_drops_format(app: ASGIApp, settings: EmulatorSettings) -> ASGIApp:
    def strip(content: bytes, headers: dict[bytes, bytes]) -> bytes:
        if content.lstrip().startswith(b"<?xml") and b"<Response>" in content:
            return re.sub(rb"<Format>.*?</Format>", b"", content, flags=re.DOTALL)
        return content

    return _map_response(app, body=strip)


def _drops_request_id(app: ASGIApp, settings: EmulatorSettings) -> ASGIApp:
    return _map_response(
        app, headers=lambda hs: [(k, v) for k, v in hs if k.lower() != b"x-cos-request-id"]
    )


def _server_error_on_bad_input(app: ASGIApp, settings: EmulatorSettings) -> ASGIApp:
    return _map_response(app, status=lambda code: 500 if code == 400 else code)


def _job_server_error_on_bad_body(app: ASGIApp, settings: EmulatorSettings) -> ASGIApp:
    """A job submission it refuses is answered 500 (the refusal's document kept)."""
    inner = _map_response(app, status=lambda code: 500 if code == 400 else code)

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        is_submit = scope.get("method") == "POST" and scope.get("path") == "/jobs"
        await (inner if is_submit else app)(scope, receive, send)

    return wrapped


def _rewrites_listing(
    change: Callable[[ET.Element], None],
) -> Callable[[ASGIApp, EmulatorSettings], ASGIApp]:
    """Middleware that passes every GetBucket answer (a ``<ListBucketResult>``) through
    ``change`` (which edits the parsed document in place) before it is sent."""

    def rewrite(content: bytes, headers: dict[bytes, bytes]) -> bytes:
        if b"<ListBucketResult>" not in content[:200]:
            return content
        root = ET.fromstring(content)  # the emulator's own answer: no DOCTYPE, no entities
        change(root)
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)

    def middleware(app: ASGIApp, settings: EmulatorSettings) -> ASGIApp:
        return _map_response(app, body=rewrite)

    return middleware


def _drop_last_key(root: ET.Element) -> None:
    # The page's last object is never sent, though NextMarker moves past it.
    entries = root.findall("Contents")
    if entries:
        root.remove(entries[-1])


def _directory_walk_order(key: str) -> tuple[tuple[int, str], ...]:
    """Where a walk that lists each directory's files before its subdirectories puts ``key``:
    ``a-b``, ``a.b``, ``a0``, then ``a/b``."""
    *directories, name = key.split("/")
    return (*((1, part) for part in directories), (0, name))


def _sort_per_directory(root: ET.Element) -> None:
    entries = root.findall("Contents")
    for entry in entries:
        root.remove(entry)
    entries.sort(key=lambda entry: _directory_walk_order(unquote(entry.findtext("Key") or "")))
    root.extend(entries)


#: The elements that ``encoding-type=url`` percent-encodes.
_ENCODED_ELEMENTS = ("Prefix", "Marker", "NextMarker", "Delimiter", "Contents/Key")


def _ignore_encoding_type(root: ET.Element) -> None:
    # The texts as they are, and no word of an encoding: as if encoding-type were not asked for.
    for name in ("Encoding-Type", "EncodingType"):
        for element in root.findall(name):
            root.remove(element)
    for path in (*_ENCODED_ELEMENTS, "CommonPrefixes/Prefix"):
        for element in root.iterfind(path):
            element.text = unquote(element.text or "")


def _query_of(scope: Scope) -> list[tuple[str, str]] | None:
    """An HTTP request's query parameters; None for other scopes and undecodable queries (the
    emulator answers those itself)."""
    if scope["type"] != "http":
        return None
    try:
        return parse_qsl(
            scope.get("query_string", b"").decode("utf-8"), keep_blank_values=True, errors="strict"
        )
    except UnicodeDecodeError:
        return None


def _query_default(name: str, value: str) -> Callable[[ASGIApp, EmulatorSettings], ASGIApp]:
    """A GetSnapshot whose ``name`` is left out is served as if it were ``value``.

    The added parameter is not covered by the signature, which COS (and the emulator) allow.
    """

    def middleware(app: ASGIApp, settings: EmulatorSettings) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            query = _query_of(scope)
            if query is not None:
                names = {k for k, _ in query}
                if "ci-process" in names and name not in names:
                    query.append((name, value))
                    scope = {**scope, "query_string": urlencode(query).encode()}
            await app(scope, receive, send)

        return wrapped

    return middleware


def _accepts_any_signature(app: ASGIApp, settings: EmulatorSettings) -> ASGIApp:
    """Throws away whatever signature came (or none) and signs the request itself."""
    credential: Credentials = settings.credentials[0]

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        received = _query_of(scope)
        if received is not None:
            query = [(k, v) for k, v in received if k not in AUTH_FIELDS]
            raw_path = scope.get("raw_path") or scope["path"].encode()
            path = unquote_to_bytes(raw_path.split(b"?", 1)[0]).decode("utf-8", "replace")
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"authorization"]
            host = next((v.decode("latin-1") for k, v in headers if k.lower() == b"host"), "")
            authorization = build_authorization(
                secret_id=credential.secret_id,
                secret_key=credential.secret_key,
                method=scope["method"],
                path=path,
                params=dict(query),
                headers={"host": host},
                start=int(time.time()) - 60,
                end=int(time.time()) + 3600,
            )
            if credential.token:
                headers = [(k, v) for k, v in headers if k.lower() != b"x-cos-security-token"]
                headers.append((b"x-cos-security-token", credential.token.encode()))
            headers.append((b"authorization", authorization.encode()))
            scope = {**scope, "headers": headers, "query_string": urlencode(query).encode()}
        await app(scope, receive, send)

    return wrapped


# --------------------------------------------------------------------------------------------
# Snapshot job faults: the real job runner with one step changed


class _NumbersFromOne(SnapshotJobRunner):
    def output_key(self, pattern: str, number: int) -> str:
        return super().output_key(pattern, number + 1)


class _AverageOverFirstHalf(SnapshotJobRunner):
    def shot_times(self, spec: Any, timeline: Any) -> list[Fraction]:
        if spec.snapshot.mode == "Average":
            timeline = dataclasses.replace(timeline, duration=timeline.duration / 2)
        return super().shot_times(spec, timeline)


class _SpriteGridSwapped(SnapshotJobRunner):
    def sprite_grid(self, sprite: Any) -> tuple[int, int]:
        columns, lines = super().sprite_grid(sprite)
        return lines, columns


class _LosesAnOutput(SnapshotJobRunner):
    """Reports every output written, but never writes the second one (number 1)."""

    def store(self, key: str, data: bytes) -> str:
        if re.search(r"(?<![0-9])1\.jpg$", key):
            return hashlib.md5(data, usedforsecurity=False).hexdigest()
        return super().store(key, data)


BUGS: dict[str, Bug] = {
    "ignores-zero-rule": Bug(
        "one of width/height 0 gives a square instead of keeping the aspect ratio",
        engine_fault=_ignores_zero_rule,
    ),
    "mislabels-content-type": Bug(
        "JPEG answered as image/png and PNG as image/jpeg", middleware=_mislabels_content_type
    ),
    "exact-frame-for-keyframe": Bug(
        "mode=keyframe returns the exact frame", engine_fault=_exact_for_keyframe
    ),
    "off-by-one-frame": Bug(
        "exactframe returns the frame before the one on screen", engine_fault=_off_by_one_frame
    ),
    "png-ignores-size": Bug("format=png ignores width and height", engine_fault=_png_ignores_size),
    "png-keyframe-only": Bug(
        "format=png gives the keyframe whatever the mode", engine_fault=_png_keyframe_only
    ),
    "drops-error-code": Bug("error documents lack <Code>", middleware=_drops_error_code),
    "accepts-any-signature": Bug(
        "any signature, or none, is accepted", middleware=_accepts_any_signature
    ),
    "default-format-png": Bug(
        "format left out gives PNG instead of JPEG", middleware=_query_default("format", "png")
    ),
    "default-mode-keyframe": Bug(
        "mode left out gives the keyframe instead of the exact frame",
        middleware=_query_default("mode", "keyframe"),
    ),
    "ignores-rotate": Bug(
        "rotate=auto does not apply the display matrix", engine_fault=_ignores_rotate
    ),
    "drops-request-id": Bug("responses lack x-cos-request-id", middleware=_drops_request_id),
    "server-error-on-bad-input": Bug(
        "invalid parameters give 500 instead of 400", middleware=_server_error_on_bad_input
    ),
    "media-duration-one-frame-short": Bug(
        "GetMediaInfo's Video/Duration is the last frame's start, one frame short of its end",
        media_fault=_duration_one_frame_short,
    ),
    "media-swaps-width-and-height": Bug(
        "GetMediaInfo's Width and Height are swapped", media_fault=_swaps_width_and_height
    ),
    "media-drops-format": Bug(
        "GetMediaInfo's answer lacks its <Format> element", middleware=_media_drops_format
    ),
    "media-bitrate-in-bits": Bug(
        "GetMediaInfo's Format/Bitrate in bit/s instead of kbit/s", media_fault=_bitrate_in_bits
    ),
    "media-stream-bitrate-in-bytes": Bug(
        "GetMediaInfo's Video and Audio Bitrate in kB/s instead of kbit/s",
        media_fault=_stream_bitrate_in_bytes,
    ),
    "media-audio-duration-in-milliseconds": Bug(
        "GetMediaInfo's Audio/Duration in milliseconds", media_fault=_audio_duration_in_milliseconds
    ),
    "media-avg-fps-is-the-time-base": Bug(
        "GetMediaInfo's AvgFps is the stream's ticks per second (12800/1)",
        media_fault=_avg_fps_is_the_time_base,
    ),
    "media-num-stream-counts-video": Bug(
        "GetMediaInfo's NumStream is 1 whatever the streams", media_fault=_num_stream_counts_video
    ),
    "media-aspects-as-decimals": Bug(
        "GetMediaInfo's Sar and Dar written as decimals (1.333333), not W:H",
        media_fault=_aspects_as_decimals,
    ),
    "media-sample-rate-in-khz": Bug(
        "GetMediaInfo's Audio/SampleRate in kHz (48)", media_fault=_sample_rate_in_khz
    ),
    "media-codec-name-is-the-tag": Bug(
        "GetMediaInfo's CodecName is the container's tag (avc1, mp4a)",
        media_fault=_codec_name_is_the_tag,
    ),
    "media-sar-and-dar-swapped": Bug(
        "GetMediaInfo's Sar and Dar are swapped", media_fault=_sar_and_dar_swapped
    ),
    "media-start-time-in-ticks": Bug(
        "GetMediaInfo's StartTime in time-base ticks, written as seconds",
        media_fault=_start_time_in_ticks,
    ),
    "media-float-noise": Bug(
        "GetMediaInfo's decimals written as binary floats (2.0000000000000004, 25.000000000000004)",
        media_fault=_float_noise,
    ),
    "listing-drops-last-key": Bug(
        "GetBucket leaves out the last object of every page (NextMarker still moves past it)",
        middleware=_rewrites_listing(_drop_last_key),
    ),
    "listing-sorts-per-directory": Bug(
        "GetBucket lists each directory's objects before its subdirectories' (a-b, a.b, a0, a/b)"
        " instead of in UTF-8 byte order",
        middleware=_rewrites_listing(_sort_per_directory),
    ),
    "listing-ignores-encoding-type": Bug(
        "GetBucket answers encoding-type=url with keys, prefixes and markers as they are, and"
        " no Encoding-Type",
        middleware=_rewrites_listing(_ignore_encoding_type),
    ),
    "jobs-server-error-on-bad-body": Bug(
        "a job submission with a body it refuses is answered 500 instead of 400",
        middleware=_job_server_error_on_bad_body,
    ),
    "jobs-number-from-1": Bug(
        "snapshot jobs number their outputs and sprites from 1, not 0",
        job_runner=_NumbersFromOne,
    ),
    "jobs-average-first-half": Bug(
        "Average jobs spread their shots over the first half of the video only",
        job_runner=_AverageOverFirstHalf,
    ),
    "jobs-sprite-grid-swapped": Bug(
        "sprite sheets have Lines columns and Columns lines", job_runner=_SpriteGridSwapped
    ),
    "jobs-success-missing-output": Bug(
        "a job ends Success and lists an output it never wrote", job_runner=_LosesAnOutput
    ),
}


def build_app(settings: EmulatorSettings, engine: SnapshotEngine, bug: str | None = None) -> Any:
    """The emulator app for ``settings`` on ``engine``, with the fault ``bug`` (a key of
    :data:`BUGS`) injected, or the real thing for ``None``."""
    if bug is None:
        return create_app(settings, engine=engine)
    if bug not in BUGS:
        raise ValueError(f"unknown broken server {bug!r}; known: {', '.join(BUGS)}")
    fault = BUGS[bug]
    faulty: Any = engine
    if fault.engine_fault is not None or fault.media_fault is not None:
        faulty = _FaultyEngine(engine, fault.engine_fault, fault.media_fault)
    if fault.job_runner is not None:
        app: Any = create_app(settings, engine=faulty, job_runner=fault.job_runner)
    else:
        app = create_app(settings, engine=faulty)
    if fault.middleware is not None:
        app = fault.middleware(app, settings)
    return app
