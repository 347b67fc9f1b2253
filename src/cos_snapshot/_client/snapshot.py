"""The result of a GetSnapshot call."""

from __future__ import annotations

import os
from pathlib import Path

import attrs

from .._shared.files import write_whole
from .image_header import image_info

__all__ = ["Snapshot"]


@attrs.frozen(repr=False)
class Snapshot:
    """One frame as an image: its bytes, type, pixel size and the request that produced it."""

    content: bytes
    content_type: str
    width: int
    height: int
    request_id: str | None = None

    @classmethod
    def from_bytes(cls, content: bytes, *, request_id: str | None = None) -> Snapshot:
        """Build from image bytes, reading type and size from the header (no decoding)."""
        content_type, width, height = image_info(content)
        return cls(content, content_type, width, height, request_id)

    @property
    def format(self) -> str:
        """``"jpg"`` or ``"png"``."""
        return "png" if self.content_type == "image/png" else "jpg"

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` in pixels."""
        return self.width, self.height

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the image to ``path`` (parent directories are created) and return the path."""
        target = Path(path)
        write_whole(target, self.content)
        return target

    def __len__(self) -> int:
        return len(self.content)

    def __repr__(self) -> str:
        return (
            f"Snapshot({self.content_type}, {self.width}x{self.height}, "
            f"{len(self.content)} bytes, request_id={self.request_id!r})"
        )
