"""The GetSnapshot parameters' allowed values, defaults and limits, written once.

The client's checks (:class:`cos_snapshot.SnapshotArgs`), the emulator's query parsing and its
``SnapshotParams``, and every command-line option are built from these names. They are the
spec's inline enums and bounds (``openapi/snapshot.yaml``), which the emulator may not import
through the generated code: ``tests/test_snapshot_params.py`` holds the two equal.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = [
    "CHOICES",
    "DEFAULT_FORMAT",
    "DEFAULT_HEIGHT",
    "DEFAULT_MODE",
    "DEFAULT_ROTATE",
    "DEFAULT_WIDTH",
    "FORMATS",
    "MAX_DIMENSION",
    "MIN_DIMENSION",
    "MODES",
    "ROTATES",
    "Format",
    "Mode",
    "Rotate",
]

#: The image format of the answer.
Format = Literal["jpg", "png"]
#: Whether the video's rotation metadata is applied.
Rotate = Literal["auto", "off"]
#: How ``time`` picks the frame: the last keyframe at or before it, or the frame on screen.
Mode = Literal["keyframe", "exactframe"]

FORMATS: Final[tuple[Format, ...]] = get_args(Format)
ROTATES: Final[tuple[Rotate, ...]] = get_args(Rotate)
MODES: Final[tuple[Mode, ...]] = get_args(Mode)
#: Each choice parameter's allowed values, by its query name.
CHOICES: Final[dict[str, tuple[str, ...]]] = {
    "format": FORMATS,
    "rotate": ROTATES,
    "mode": MODES,
}

DEFAULT_FORMAT: Final[Format] = "jpg"
DEFAULT_ROTATE: Final[Rotate] = "auto"
DEFAULT_MODE: Final[Mode] = "exactframe"
#: 0 follows the video: both 0 keep its size, one 0 follows the other's aspect ratio.
DEFAULT_WIDTH: Final = 0
DEFAULT_HEIGHT: Final = 0

#: Width and height are limited to 0..4096, as the vendor documents.
MIN_DIMENSION: Final = 0
MAX_DIMENSION: Final = 4096
