"""What the emulator is told at start-up: where objects live and who may read them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

import attrs

from .._shared.credentials import Credentials
from .faults import FaultSpec

__all__ = ["EmulatorSettings"]


def _credential_tuple(value: Iterable[Credentials]) -> tuple[Credentials, ...]:
    return tuple(value)


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, not {value}")


def _not_negative(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative, not {value}")


def _positive_seconds(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 < value < float("inf"):
        raise ValueError(f"{attribute.name} must be a positive number of seconds, not {value}")


@attrs.frozen(kw_only=True)
class EmulatorSettings:
    """Configuration of one emulator (``cos-snapshot serve`` takes each as a flag).

    - ``root``: objects are the regular files under this directory; the key is the path.
    - ``bucket``: if set, a request whose Host is ``<other>.cos.<region>.myqcloud.com`` gets
      ``NoSuchBucket``. Hosts that are IP addresses or anything else are always accepted.
    - ``credentials``: the key pairs the emulator knows. A pair with a ``token`` (STS) is only
      accepted together with that ``x-cos-security-token``.
    - ``anonymous``: accept requests without a signature; signatures are then not checked at all.
      An anonymous emulator is read-only (any process on the machine could otherwise overwrite
      or delete the files under ``root``) unless ``allow_writes`` is set.
    - ``allow_writes``: let an anonymous emulator write (PUT, DELETE and every other call that
      changes the files under ``root``); ``read_only``: refuse writes in signed mode too. A
      refused write is 403 ``AccessDenied``. :attr:`writable` says which applies.
    - ``exactframe``: which frame ``mode=exactframe`` gives, ``previous`` (the frame on screen at
      ``time``) or ``next`` (the first frame at or after it); ``past_end``: what a time past the
      last frame gets, ``last`` (the last frame) or ``error`` (400 ``InvalidArgument``).
    - ``one_side_zero``: how the side computed from the aspect is rounded (``round-half-up``,
      ``floor``, ``ceil``, ``even``); ``both_sides``: what width and height both set mean
      (``stretch`` to exactly that size; ``fit`` inside it or ``fill`` it, keeping the aspect).
    - ``time_tolerance_s``: a signature whose window starts this many seconds in the future is
      still accepted (the signer's clock may be ahead). The end of the window is strict.
    - ``workers``: decode passes run at once; ``queue_limit``: snapshot requests that need a
      decode (or a first GetMediaInfo) allowed to wait beyond those; one more is answered 503
      ``SlowDown``. Answers already known and object requests never count or wait. Waiting requests
      for frames of the same GOP are served by one pass.
    - ``max_connections``: connections (and requests in flight) uvicorn accepts at once; beyond
      that it answers a plain 503 itself.
    - ``media_size``: GetMediaInfo's ``Width``/``Height`` are the ``stored`` picture's
      (default) or the ``displayed`` one's (after the rotation); ``rotation_sign``: its
      ``Rotation`` is in ``counter-clockwise`` degrees (default, as FFmpeg reports it) or
      ``clockwise`` ones; ``stream_bitrate``: the video's ``Bitrate`` is ``measured`` from
      its packets (default) or left ``empty``.
    - ``request_head_timeout_s``: a connection must deliver a whole request head (request line
      and headers) within this many seconds of opening, or of the previous answer's end, or it
      is closed; ``request_body_timeout_s``: a request body may pause this long between two
      reads before it is answered 400 ``RequestTimeout``. Idle or trickling clients so never
      hold one of ``max_connections`` for long.
    - ``job_workers``: snapshot jobs run at once (each one forward pass over its video, in a
      thread of its own); ``job_queue_limit``: submitted jobs allowed to wait beyond those (one
      more is refused with 503 ``SlowDown``); ``job_history``: finished jobs remembered for
      ``GET /jobs`` (the oldest forgotten first). Jobs live in memory for the server's life.
      ``job_rate``: submissions accepted per second, as the vendor limits them (10 by
      default there): no one-second window holds more, one more is refused with 503
      ``SlowDown``; 0 (the default) for no limit. ``job_decoders``: one-thread decoders a job's pass
      is shared between, taking alternate stretches of the file at once (2 by default; 1:
      one decoder with the engine's frame threads; see the frame engine's ``frame_pass``).
    - ``job_average_end``, ``job_keyframe_count``, ``job_sprite_spacing``: the emulator's
      readings where the vendor's documents are silent (see
      :class:`cos_snapshot.emulator.jobs.Readings`): whether ``Average`` ends a step
      before the end (``exclude``) or at it (``include``); whether ``Count`` ``bounds``
      ``KeyFrame`` mode or is ``ignored`` there; whether sprite ``Margin``/``Padding`` are
      ffmpeg ``tile``'s outer border and gap (``ffmpeg``) or a border and a per-cell padding
      (``css``).
    - ``faults``: faults to inject (see :mod:`cos_snapshot.emulator.faults`), None for none.
    - ``clock``: unix time for checking signature windows; tests pass a fake one.
    """

    root: Path = attrs.field(converter=Path)
    bucket: str | None = None
    credentials: tuple[Credentials, ...] = attrs.field(default=(), converter=_credential_tuple)
    anonymous: bool = False
    allow_writes: bool = False
    read_only: bool = False
    exactframe: Literal["previous", "next"] = attrs.field(
        default="previous", validator=attrs.validators.in_(("previous", "next"))
    )
    past_end: Literal["last", "error"] = attrs.field(
        default="last", validator=attrs.validators.in_(("last", "error"))
    )
    one_side_zero: Literal["round-half-up", "floor", "ceil", "even"] = attrs.field(
        default="round-half-up",
        validator=attrs.validators.in_(("round-half-up", "floor", "ceil", "even")),
    )
    both_sides: Literal["stretch", "fit", "fill"] = attrs.field(
        default="stretch", validator=attrs.validators.in_(("stretch", "fit", "fill"))
    )
    time_tolerance_s: int = attrs.field(default=60, validator=_not_negative)
    workers: int = attrs.field(default=2, validator=_positive)
    queue_limit: int = attrs.field(default=32, validator=_not_negative)
    max_connections: int = attrs.field(default=1000, validator=_positive)
    media_size: Literal["stored", "displayed"] = attrs.field(
        default="stored", validator=attrs.validators.in_(("stored", "displayed"))
    )
    rotation_sign: Literal["counter-clockwise", "clockwise"] = attrs.field(
        default="counter-clockwise",
        validator=attrs.validators.in_(("counter-clockwise", "clockwise")),
    )
    stream_bitrate: Literal["measured", "empty"] = attrs.field(
        default="measured", validator=attrs.validators.in_(("measured", "empty"))
    )
    request_head_timeout_s: float = attrs.field(default=10.0, validator=_positive_seconds)
    request_body_timeout_s: float = attrs.field(default=10.0, validator=_positive_seconds)
    job_workers: int = attrs.field(default=1, validator=_positive)
    job_decoders: int = attrs.field(default=2, validator=_positive)
    job_queue_limit: int = attrs.field(default=100, validator=_not_negative)
    job_history: int = attrs.field(default=1000, validator=_positive)
    job_rate: int = attrs.field(default=0, validator=_not_negative)
    job_average_end: Literal["exclude", "include"] = attrs.field(
        default="exclude", validator=attrs.validators.in_(("exclude", "include"))
    )
    job_keyframe_count: Literal["bounds", "ignored"] = attrs.field(
        default="bounds", validator=attrs.validators.in_(("bounds", "ignored"))
    )
    job_sprite_spacing: Literal["ffmpeg", "css"] = attrs.field(
        default="ffmpeg", validator=attrs.validators.in_(("ffmpeg", "css"))
    )
    faults: FaultSpec | None = None
    clock: Callable[[], float] = attrs.field(default=time.time, eq=False, repr=False)

    @credentials.validator
    def _check_credentials(
        self, attribute: attrs.Attribute[tuple[Credentials, ...]], value: tuple[Credentials, ...]
    ) -> None:
        ids = [c.secret_id for c in value]
        if len(set(ids)) != len(ids):
            raise ValueError("credentials: the same secret_id is given twice")

    def __attrs_post_init__(self) -> None:
        if not self.anonymous and not self.credentials:
            raise ValueError("give at least one credential, or anonymous=True")
        if self.allow_writes and self.read_only:
            raise ValueError("allow_writes and read_only exclude each other")

    @property
    def writable(self) -> bool:
        """Whether requests may change the files under ``root``: signed emulators unless
        ``read_only``, anonymous ones only with ``allow_writes``."""
        if self.read_only:
            return False
        return self.allow_writes or not self.anonymous

    def credential_for(self, secret_id: str) -> Credentials | None:
        """The known credential whose access key id is ``secret_id``."""
        for credential in self.credentials:
            if credential.secret_id == secret_id:
                return credential
        return None
