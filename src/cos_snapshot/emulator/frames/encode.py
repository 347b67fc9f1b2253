"""A decoded frame made into the answer: turned as its display matrix says, scaled to the
output size (with reusable scalers) and encoded as JPEG or PNG."""

from __future__ import annotations

import io
import threading
from fractions import Fraction
from typing import Any

import av.video.reformatter
import PIL.Image

from .geometry import BothSides, OneSideZero, _display_transform, _output_size
from .lru import Lru
from .types import Image, SnapshotParams

_JPEG_QUALITY = 90
_PNG_LEVEL = 1


class _ScalerPool:
    """Reusable scalers (``SwsContext``). Setting one up costs ~2 ms, more than converting a
    720p frame, and ``VideoFrame.reformat`` builds a new one for every frame. A scaler is
    borrowed for one conversion, so no two threads share one; at most ``keep`` idle ones are
    kept, the least recently returned dropped first."""

    def __init__(self, keep: int = 8) -> None:
        self._lock = threading.Lock()
        #: Idle scalers by the order they were returned in, with what each was set up for.
        self._idle: Lru[int, tuple[tuple[Any, ...], Any]] = Lru(keep)
        self._serial = 0

    def take(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            for serial, (idle_key, scaler) in reversed(self._idle.items()):
                if idle_key == key:
                    self._idle.pop(serial)
                    return scaler
        return av.video.reformatter.VideoReformatter()

    def give(self, key: tuple[Any, ...], scaler: Any) -> None:
        with self._lock:
            self._serial += 1
            self._idle.put(self._serial, (key, scaler))


_scalers = _ScalerPool()


def _to_rgb(frame: Any, width: int, height: int, pix_fmt: str) -> Any:
    key = (frame.width, frame.height, frame.format.name, frame.color_range, width, height, pix_fmt)
    scaler = _scalers.take(key)
    try:
        return scaler.reformat(
            frame,
            width=width,
            height=height,
            format=pix_fmt,
            interpolation="BICUBIC",
            src_color_range=frame.color_range or None,
        )
    finally:
        _scalers.give(key, scaler)


def _picture(
    frame: Any,
    width: int,
    height: int,
    *,
    rotate: bool = True,
    rgb: bool = False,
    sizing: tuple[OneSideZero, BothSides] = ("round-half-up", "stretch"),
) -> PIL.Image.Image:
    """``frame`` turned upright as its display matrix says (with ``rotate``) and scaled to the
    output size GetSnapshot gives for ``width``/``height`` (0: from the aspect, or the picture's
    own), as a Pillow picture: ``RGB``, or ``RGBX`` (which JPEG takes without a copy)."""
    transpose, swaps = _display_transform(frame) if rotate else (None, False)
    stored = (frame.width, frame.height)
    display = (stored[1], stored[0]) if swaps else stored
    out_w, out_h = _output_size(display, width, height, *sizing)
    scale_w, scale_h = (out_h, out_w) if swaps else (out_w, out_h)
    # Pillow maps a 4-bytes-per-pixel buffer as it is; 3-byte RGB would be copied and
    # unpacked first. PNG cannot store RGBX, JPEG ignores the X.
    mode = "RGB" if rgb else "RGBX"
    converted = _to_rgb(frame, scale_w, scale_h, "rgb24" if mode == "RGB" else "rgb0")
    plane = converted.planes[0]
    picture = PIL.Image.frombuffer(mode, (scale_w, scale_h), plane, "raw", mode, plane.line_size, 1)
    if transpose is not None:
        picture = picture.transpose(transpose)
    return picture


def _encode(
    frame: Any,
    params: SnapshotParams,
    frame_time: Fraction,
    keyframe: bool,
    sizing: tuple[OneSideZero, BothSides] = ("round-half-up", "stretch"),
) -> Image:
    png = params.format == "png"
    picture = _picture(
        frame,
        params.width,
        params.height,
        rotate=params.rotate == "auto",
        rgb=png,
        sizing=sizing,
    )
    buffer = io.BytesIO()
    if png:
        picture.save(buffer, "PNG", compress_level=_PNG_LEVEL)
        content_type = "image/png"
    else:
        picture.save(buffer, "JPEG", quality=_JPEG_QUALITY)
        content_type = "image/jpeg"
    return Image(
        buffer.getvalue(), content_type, picture.width, picture.height, frame_time, keyframe
    )
