"""Writing fixture videos: :func:`make_fixture` (every frame shows its index) and
:func:`make_audio_fixture`."""

from __future__ import annotations

import dataclasses
import os
import random
from collections.abc import Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from PIL import Image

from ..._shared.files import install, replacing, temporary_for
from .effects import Effect, apply_effect, plan_effects
from .pattern import (
    MAX_FRAMES,
    Orientation,
    Style,
    _bands,
    clock_image,
    pattern_image,
)
from .truth import (
    FixtureInfo,
    _check_back,
)

#: Container formats by file suffix.
CONTAINERS: dict[str, str] = {
    ".mp4": "mp4",
    ".mov": "mov",
    ".mkv": "matroska",
    ".webm": "webm",
    ".ts": "mpegts",
}

Codec = Literal["h264", "hevc", "vp9", "av1"]
#: Seconds as fixture parameters take them.
Seconds = Fraction | Decimal | int | float
#: A span of seconds, FROM to TO.
Span = tuple[Seconds, Seconds]

#: Containers that store times in a fixed unit (1/N s) whatever the stream's rate.
_CONTAINER_TIMESCALE = {"matroska": 1000, "webm": 1000, "mpegts": 90000}
_ENCODERS: dict[str, str] = {
    "h264": "libx264",
    "hevc": "libx265",
    "vp9": "libvpx-vp9",
    "av1": "libsvtav1",
}


def _as_fraction(value: Fraction | Decimal | int | float | str) -> Fraction:
    if isinstance(value, float):
        # Fixture parameters are written by people: 4.0, 1.4, 0.5 mean their decimal value.
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


def _spans(value: Span | Sequence[Span] | None, name: str) -> list[tuple[Fraction, Fraction]]:
    """One span or several, as exact seconds."""
    if value is None:
        return []
    many: Sequence[Any] = [value] if _is_span(value) else value
    if not all(_is_span(span) for span in many):
        raise ValueError(f"{name} takes a (FROM, TO) pair of seconds or a sequence of them")
    return [(_as_fraction(a), _as_fraction(b)) for a, b in many]


def _is_span(value: Any) -> bool:
    return (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(v, Fraction | Decimal | int | float) for v in value)
    )


def _instants(value: Seconds | Sequence[Seconds] | None) -> list[Fraction]:
    if value is None:
        return []
    if isinstance(value, Fraction | Decimal | int | float):
        return [_as_fraction(value)]
    return [_as_fraction(v) for v in value]


def _vfr_intervals(fps: Fraction, count: int) -> Iterator[int]:
    """Irregular frame intervals in milliseconds, averaging about 1/fps."""
    base = Fraction(1000) / fps
    factors = [Fraction(n, 4) for n in (4, 2, 6, 4, 8, 3, 5, 4, 1, 7)]
    for i in range(count):
        yield max(1, round(base * factors[i % len(factors)]))


def _encoder_options(
    codec: str, gop: int, bframes: int, open_gop: bool, threads: int
) -> tuple[dict[str, str], str | None]:
    if codec == "h264":
        params = (
            f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}"
            f":open-gop={int(open_gop)}:sliced-threads=0:threads={threads}"
        )
        return {"preset": "veryfast", "x264-params": params}, None
    if codec == "hevc":
        params = (
            f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}"
            f":open-gop={int(open_gop)}:log-level=error:frame-threads={threads}:pools={threads}"
        )
        return {"preset": "ultrafast", "x265-params": params}, None
    if codec == "vp9":
        return {
            "deadline": "good",
            "cpu-used": "8",
            "crf": "24",
            "b": "0",
            "g": str(gop),
            "keyint_min": str(gop),
            "threads": str(threads),
        }, None
    if codec == "av1":
        return {
            # Faster presets (10+) smear the pattern on some frames.
            "preset": "8",
            "crf": "20",
            "g": str(gop),
            "svtav1-params": f"keyint={gop}:lp={threads}",
        }, "SVT_LOG"
    raise ValueError(f"codec must be one of {sorted(_ENCODERS)}, not {codec!r}")


def _texture(size: tuple[int, int], seed: int) -> Image.Image:
    """A deterministic texture a little larger than ``size``, to be cropped per frame: smooth
    blobs (noise upscaled 8x) plus light grain, so it costs about what natural video costs."""
    w, h = size[0] + 64, size[1] + 64
    rng = random.Random(seed)  # noqa: S311 - texture, not secrets
    cw, ch = w // 8 + 2, h // 8 + 2
    blobs = Image.frombytes("L", (cw, ch), rng.randbytes(cw * ch)).resize(
        (cw * 8, ch * 8), Image.Resampling.BICUBIC
    )
    grain = Image.frombytes("L", (w, h), bytes(96 + b % 64 for b in rng.randbytes(w * h)))
    return Image.blend(blobs.crop((0, 0, w, h)), grain, 0.25).convert("RGB")


def make_fixture(
    out: Path | str,
    *,
    duration: Fraction | Decimal | float | int = 4,
    fps: Fraction | int = 25,
    gop: int = 25,
    size: tuple[int, int] = (320, 240),
    codec: Codec = "h264",
    rotate: int = 0,
    flip: bool = False,
    bframes: int = 2,
    open_gop: bool | None = None,
    vfr: bool = False,
    start_offset: Fraction | Decimal | float | int | None = None,
    pix_fmt: str | None = None,
    texture: bool = False,
    audio: bool = False,
    threads: int = 2,
    verify: bool = True,
    style: Style = "pattern",
    sample_aspect: Fraction | int = 1,
    intro_black: Seconds | None = None,
    fade_in: Seconds | None = None,
    blur: Span | Sequence[Span] | None = None,
    flash: Seconds | Sequence[Seconds] | None = None,
    flat: Span | Sequence[Span] | None = None,
) -> FixtureInfo:
    """Write a test video to ``out`` and return what it holds.

    - ``duration`` seconds at ``fps`` frames per second (``round(duration * fps)`` frames, at
      most 65536), a keyframe every ``gop`` frames, ``bframes`` B-frames (H.264/HEVC).
    - ``codec``: ``h264`` (libx264), ``hevc`` (libx265, open GOP by default), ``vp9``
      (libvpx-vp9), ``av1`` (libsvtav1). The container comes from the suffix of ``out``:
      .mp4, .mov, .mkv, .webm (VP9/AV1 only), .ts.
    - ``rotate`` (0/90/180/270) and ``flip``: display-matrix metadata telling players to
      mirror the stored picture left-right (``flip``) and then turn it ``rotate`` degrees
      clockwise, as phones record portrait video. The pixels are not changed.
    - ``vfr``: irregular frame intervals (millisecond time base) instead of a constant rate.
    - ``start_offset``: the first frame's timestamp in seconds (rounded to the time base);
      by default 1.4 s for MPEG-TS, as ffmpeg writes it, and 0 elsewhere.
    - ``pix_fmt``: defaults to yuv420p, or yuv444p for odd sizes with H.264/HEVC (which cannot
      code odd 4:2:0 pictures; VP9 and AV1 can).
    - ``texture``: overlay moving noise so the encoder and decoder do realistic work
      (benchmarks); the pattern still reads. ``audio``: add a silent AAC (Opus in WebM)
      track.
    - ``sample_aspect``: the pixel aspect ratio to declare (e.g. ``Fraction(4, 3)``: a player
      shows 320x240 stored pixels 427 wide); the pixels and the pattern are not changed.
    - ``verify``: decode the whole file once, front to back, and check every frame shows its
      index at the expected time (so the returned info can be trusted as a test oracle).
    - ``style``: ``pattern`` (the default) fills the frame with the index pattern; ``clock``
      shows the frame's time and number for people, the pattern in a corner (read it with
      ``read_frame_index(image, style="clock")``; at least 24x24 pixels).
    - Effects, the pictures automatic posters must avoid (seconds from the first frame; a span
      ``(FROM, TO)`` covers the frames that appear from FROM until before TO; effects must not share a
      frame): ``intro_black`` seconds of black; ``fade_in`` seconds from black to the full
      picture (after the intro); ``blur`` a span or a sequence of spans blurred; ``flash``
      a time or a sequence of times whose frames are white (the frame on screen then and
      the next); ``flat`` a span or spans of one uniform colour. Frames under an effect do
      not show their index: ``verify`` skips them and the returned info's ``effects`` says
      where they are (:meth:`FixtureInfo.effect_at`).
    """
    import av  # noqa: PLC0415  (the emulator extra)

    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in CONTAINERS:
        raise ValueError(f"unknown container suffix {out.suffix!r}; use one of {list(CONTAINERS)}")
    container_format = CONTAINERS[suffix]
    if codec not in _ENCODERS:
        raise ValueError(f"codec must be one of {sorted(_ENCODERS)}, not {codec!r}")
    if container_format == "webm" and codec not in ("vp9", "av1"):
        raise ValueError("WebM holds only VP9 or AV1")
    if style not in ("pattern", "clock"):
        raise ValueError(f"style must be 'pattern' or 'clock', not {style!r}")
    if rotate % 90 or rotate not in (0, 90, 180, 270, -90, -180, -270):
        raise ValueError("rotate must be a multiple of 90 degrees")
    if (rotate or flip) and container_format == "mpegts":
        raise ValueError("MPEG-TS cannot carry a display matrix (rotate/flip)")
    rotate %= 360
    fps = Fraction(fps)
    sample_aspect = Fraction(sample_aspect)
    if sample_aspect <= 0:
        raise ValueError("sample_aspect must be > 0")
    if fps <= 0 or gop < 1 or bframes < 0:
        raise ValueError("fps and gop must be positive, bframes >= 0")
    count = round(_as_fraction(duration) * fps)
    if not 1 <= count <= MAX_FRAMES:
        raise ValueError(f"duration x fps must give 1..{MAX_FRAMES} frames, not {count}")
    scale = _CONTAINER_TIMESCALE.get(container_format)
    if scale is not None and not vfr and (scale / fps).denominator != 1:
        raise ValueError(
            f"{suffix} stores times in 1/{scale} s, which cannot hold every frame time at "
            f"{fps} fps; use .mp4 or .mov, or a rate that divides {scale} (e.g. 25 or 50)"
        )
    width, height = size
    if pix_fmt is None:
        odd = width % 2 or height % 2
        pix_fmt = "yuv444p" if odd and codec in ("h264", "hevc") else "yuv420p"
    if open_gop is None:
        open_gop = codec == "hevc"
    if start_offset is None:
        start_offset = Fraction(7, 5) if container_format == "mpegts" else 0
    offset_s = _as_fraction(start_offset)
    if offset_s < 0:
        raise ValueError("start_offset must be >= 0")

    time_base = Fraction(1, 1000) if vfr else 1 / fps
    offset_ticks = round(offset_s / time_base)
    if vfr:
        pts_list, t = [], offset_ticks
        for step in _vfr_intervals(fps, count):
            pts_list.append(t)
            t += step
        end_ticks = t
    else:
        pts_list = [offset_ticks + i for i in range(count)]
        end_ticks = offset_ticks + count

    times = tuple((p - offset_ticks) * time_base for p in pts_list)
    end = (end_ticks - offset_ticks) * time_base
    effects = plan_effects(
        times,
        end,
        intro_black=None if intro_black is None else _as_fraction(intro_black),
        fade_in=None if fade_in is None else _as_fraction(fade_in),
        blur=_spans(blur, "blur"),
        flash=_instants(flash),
        flat=_spans(flat, "flat"),
    )
    effect_of: dict[int, Effect] = {i: e for e in effects for i in e.frames}

    options, env_var = _encoder_options(codec, gop, bframes, open_gop, threads)
    if env_var is not None:
        os.environ.setdefault(env_var, "1")  # SVT-AV1 logs its banner to stderr otherwise
    # Written beside ``out`` and put in its place once checked: a failed or interrupted write
    # leaves whatever ``out`` was before.
    final, out = out, temporary_for(out)
    texture_image = _texture(size, seed=count) if texture else None
    bands = _bands(size) if style == "clock" else None

    try:
        with av.open(str(out), "w", format=container_format) as container:
            stream: Any = container.add_stream(_ENCODERS[codec], rate=fps, options=options)
            stream.width, stream.height = width, height
            stream.pix_fmt = pix_fmt
            stream.codec_context.time_base = time_base
            stream.codec_context.gop_size = gop
            if sample_aspect != 1:
                stream.codec_context.sample_aspect_ratio = sample_aspect
            if codec in ("h264", "hevc"):
                stream.codec_context.max_b_frames = bframes
            if rotate or flip:
                # Checked against ffmpeg's autorotate in the tests.
                stream.set_display_matrix(list(Orientation(rotate, flip).display_matrix()))
            audio_track = _SilentTrack(container) if audio else None
            video_frame: Any = av.VideoFrame
            for index, pts in enumerate(pts_list):
                if bands is not None:
                    seconds = (pts - offset_ticks) * time_base
                    picture = clock_image(index, seconds, size, bands)
                else:
                    picture = pattern_image(index, size)
                if texture_image is not None:
                    dx, dy = (index * 3) % 64, (index * 2) % 64
                    noise = texture_image.crop((dx, dy, dx + width, dy + height))
                    picture = Image.blend(picture, noise, 0.25)
                if index in effect_of:
                    picture = apply_effect(picture, effect_of[index], index)
                frame = video_frame.from_image(picture).reformat(format=pix_fmt)
                frame.pts = pts
                frame.time_base = time_base
                for packet in stream.encode(frame):
                    container.mux(packet)
                if audio_track is not None:
                    audio_track.mux_until((pts - offset_ticks) * time_base)
            for packet in stream.encode(None):
                container.mux(packet)
            if audio_track is not None:
                audio_track.mux_until((end_ticks - offset_ticks) * time_base)
                audio_track.finish()

        info = _check_back(
            out,
            codec=codec,
            container_format=container_format,
            pix_fmt=pix_fmt,
            times=times,
            end=end,
            size=size,
            orientation=Orientation(rotate, flip),
            has_audio=audio,
            verify=verify,
            style=style,
            sample_aspect=sample_aspect,
            effects=effects,
        )
        install(out, final)
    except BaseException:
        out.unlink(missing_ok=True)  # no half-written or unverified fixture is left behind
        raise
    if audio_track is None:
        return dataclasses.replace(info, path=final)
    return dataclasses.replace(
        info,
        path=final,
        audio_codec=audio_track.codec,
        audio_sample_rate=audio_track.RATE,
        audio_channels=1,
        audio_channel_layout="mono",
        audio_duration=Fraction(audio_track.pts, audio_track.RATE),
    )


class _SilentTrack:
    """A silent mono audio track: AAC, or Opus in WebM."""

    RATE = 48000

    def __init__(self, container: Any) -> None:
        self.container = container
        encoder = "libopus" if container.format.name == "webm" else "aac"
        #: The codec as FFmpeg names it (the encoder's name is not the codec's).
        self.codec = "opus" if encoder == "libopus" else "aac"
        self.stream: Any = container.add_stream(encoder, rate=self.RATE)
        self.stream.layout = "mono"
        self.samples = 960 if encoder == "libopus" else 1024
        self.pts = 0

    def mux_until(self, seconds: Fraction) -> None:
        import av  # noqa: PLC0415

        while Fraction(self.pts, self.RATE) < seconds:
            frame = av.AudioFrame(
                format=self.stream.format.name, layout="mono", samples=self.samples
            )
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            frame.sample_rate = self.RATE
            frame.pts = self.pts
            frame.time_base = Fraction(1, self.RATE)
            self.pts += self.samples
            for packet in self.stream.encode(frame):
                self.container.mux(packet)

    def finish(self) -> None:
        for packet in self.stream.encode(None):
            self.container.mux(packet)


def make_audio_fixture(out: Path | str, *, duration: float = 1.0) -> Path:
    """Write an audio-only file (AAC, Opus in WebM; container by suffix, .m4a too): not a
    video."""
    import av  # noqa: PLC0415

    out = Path(out)
    fmt = {".m4a": "mp4", **CONTAINERS}.get(out.suffix.lower())
    with replacing(out) as temporary, av.open(str(temporary), "w", format=fmt) as container:
        track = _SilentTrack(container)
        track.mux_until(_as_fraction(duration))
        track.finish()
    return out
