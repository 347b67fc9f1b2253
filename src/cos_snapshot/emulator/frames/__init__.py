"""The emulator's frame engine: the exact frame of a video file at a time point, as JPEG or PNG.

Semantics (the table in docs/emulator.md, "Semantics", says the same for users):

- ``time`` counts from the first decodable frame of the video stream (MPEG-TS files start at a
  non-zero timestamp; frames before the first keyframe cannot be decoded and do not count).
  All arithmetic is exact: ``Decimal`` time against ``Fraction`` time bases.
- ``exactframe``: the last frame whose presentation time is <= ``time`` (engine option
  ``exactframe="next"``: the first frame at or after ``time``, as ``ffmpeg -ss`` does).
- ``keyframe``: the last keyframe whose presentation time is <= ``time``.
- Past the end (``time`` >= end of the last frame, i.e. its timestamp plus its duration):
  the last frame / the last keyframe, or :class:`PastEndError` with ``past_end="error"``.
  With ``exactframe="next"`` a time inside the last frame's interval gives the last frame.
- ``rotate=auto`` applies the full display matrix (rotations and mirrorings; other angles are
  snapped to the nearest of these eight) before scaling; ``width``/``height`` refer to the
  displayed picture. ``rotate=off`` ignores it. Sample aspect ratio is not applied.
- One of width/height 0: the other is ``round_half_up(given * displayed aspect)``, at least 1
  (engine option ``one_side_zero``: ``floor``, ``ceil`` or ``even``, round half to even);
  both 0: the displayed size; both set: exactly that size, stretched (engine option
  ``both_sides``: ``fit``, the picture scaled to fit inside width x height, or ``fill``, scaled
  to cover it, keeping the aspect). A computed side larger than 16384 pixels is refused
  (``InvalidArgument``).

How it is fast: open containers are kept in a bounded LRU cache keyed by file identity (path,
size, mtime, inode) so a replaced file is reopened; each holds a demux-only index of the
video packets built once (timestamps, keyframe flags, decode order), so *which* frame to
return is a lookup; decoding then seeks to the keyframe that starts the target's GOP, decodes
only what the target depends on (non-reference frames are skipped for H.264, HEVC and VP9),
stops right after the target's packet and drains. Encoded results are kept in a bounded LRU.

Errors: :class:`NotAVideoError` (400 ``InvalidArgument``) for anything that is not a decodable
video (empty, truncated, audio-only, text, undecodable frames); :class:`PastEndError`
(400 ``InvalidArgument``, names ``time``); :class:`FrameError` (400 ``InvalidArgument``) for an
output size that is too large. A missing file raises :class:`FileNotFoundError` (the HTTP layer
answers 404 ``NoSuchKey`` before calling the engine).

The package's modules, one concern each: ``types`` (what the engine takes and gives),
``geometry`` (time in ticks, display matrix, output size), ``index`` (a file's
identity and packet index), ``video`` (an open video and its decode pass), ``encode``
(scaling and encoding), ``lru`` (the caches' one LRU map), ``engine`` (the engine), ``passes`` (one forward pass over a video for
a snapshot job's many frames) and
``heap`` (the opt-in allocator tuning, :func:`tune_process_memory`).
"""

from __future__ import annotations

from .encode import _picture as frame_picture
from .engine import SnapshotEngine
from .geometry import BothSides, OneSideZero
from .heap import tune_process_memory
from .passes import FramePass, Timeline
from .types import FrameError, Image, NotAVideoError, PastEndError, SnapshotParams

__all__ = [
    "BothSides",
    "FrameError",
    "FramePass",
    "Image",
    "NotAVideoError",
    "OneSideZero",
    "PastEndError",
    "SnapshotEngine",
    "SnapshotParams",
    "Timeline",
    "frame_picture",
    "tune_process_memory",
]
