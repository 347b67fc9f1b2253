"""What the frame engine takes and gives: a snapshot request, an encoded image, and the errors
that answer a client."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ..._shared.snapshot_params import (
    CHOICES,
    DEFAULT_FORMAT,
    DEFAULT_HEIGHT,
    DEFAULT_MODE,
    DEFAULT_ROTATE,
    DEFAULT_WIDTH,
    MAX_DIMENSION,
    MIN_DIMENSION,
    Format,
    Mode,
    Rotate,
)

__all__ = ["FrameError", "Image", "NotAVideoError", "PastEndError", "SnapshotParams"]


@dataclass(frozen=True, slots=True)
class SnapshotParams:
    """A snapshot request, already parsed. Invalid values raise :class:`ValueError`.

    The emulator's own type (it may not import the client's ``SnapshotArgs``), with the same
    allowed values, defaults and limits (``cos_snapshot._shared.snapshot_params``); ``time``
    is an exact ``Decimal``."""

    time: Decimal
    width: int = DEFAULT_WIDTH
    height: int = DEFAULT_HEIGHT
    format: Format = DEFAULT_FORMAT
    rotate: Rotate = DEFAULT_ROTATE
    mode: Mode = DEFAULT_MODE

    def __post_init__(self) -> None:
        if not isinstance(self.time, Decimal) or not self.time.is_finite() or self.time < 0:
            raise ValueError(f"time must be a finite Decimal >= 0, not {self.time!r}")
        for name in ("width", "height"):
            value = getattr(self, name)
            if type(value) is not int or not MIN_DIMENSION <= value <= MAX_DIMENSION:
                raise ValueError(
                    f"{name} must be an integer in {MIN_DIMENSION}..{MAX_DIMENSION}, not {value!r}"
                )
        for name, choices in CHOICES.items():
            value = getattr(self, name)
            if value not in choices:
                allowed = " or ".join(repr(choice) for choice in choices)
                raise ValueError(f"{name} must be {allowed}, not {value!r}")


class FrameError(Exception):
    """A snapshot could not be made. ``code`` is the COS error code, ``status`` the HTTP status."""

    code: str = "InvalidArgument"
    status: int = 400

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


def _reason(exc: BaseException, path: object) -> str:
    """What went wrong reading ``path``, for an answer to a client: FFmpeg's and the OS's own
    words, without the file's path on the server (it is not the client's business where the
    emulator keeps its objects)."""
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).replace(repr(str(path)), "the object").replace(str(path), "the object")


class NotAVideoError(FrameError):
    """The object is not a decodable video (also: empty, truncated, audio-only).

    Answered as 400 ``InvalidArgument``: the request names an object the operation cannot
    apply to, and COS reports bad input that way.
    """


class PastEndError(FrameError):
    """``time`` is at or after the end of the video and the engine runs with past_end="error"."""


class _FileReplaced(Exception):
    """The file at a video's path is no longer the one its key describes (replaced by an
    upload between the ``stat`` that made the key and the ``av.open``)."""


#: Attempts at a snapshot of a file that keeps being replaced while it is opened.
_REPLACED_ATTEMPTS = 5


@dataclass(frozen=True)
class Image:
    """An encoded snapshot. ``frame_pts`` is the frame's time in seconds from the first frame."""

    data: bytes
    content_type: str
    width: int
    height: int
    frame_pts: Fraction
    keyframe: bool
