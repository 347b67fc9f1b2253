"""Read an image's format and pixel size from its header, without decoding it."""

from __future__ import annotations

import struct

__all__ = ["ImageHeaderError", "image_info", "looks_complete"]

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Start-of-frame markers carry the size: SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers that stand alone, with no length field.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


class ImageHeaderError(ValueError):
    """The bytes are not a JPEG or PNG whose size can be read."""


def image_info(data: bytes) -> tuple[str, int, int]:
    """Return ``(content type, width, height)`` of a JPEG or PNG image."""
    if data.startswith(PNG_MAGIC):
        return ("image/png", *_png_size(data))
    if data.startswith(JPEG_MAGIC):
        return ("image/jpeg", *_jpeg_size(data))
    raise ImageHeaderError("not a JPEG or PNG image (unknown magic bytes)")


def looks_complete(data: bytes) -> bool:
    """Whether the image ends as its format requires (JPEG EOI, PNG IEND): a cheap check that
    a body was not cut short."""
    if data.startswith(PNG_MAGIC):
        return data.endswith(b"IEND\xaeB`\x82")
    if data.startswith(JPEG_MAGIC):
        return data.rstrip(b"\x00").endswith(b"\xff\xd9")
    return False


def _png_size(data: bytes) -> tuple[int, int]:
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise ImageHeaderError("PNG has no IHDR chunk")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _jpeg_size(data: bytes) -> tuple[int, int]:
    pos = 2
    end = len(data)
    while pos < end:
        if data[pos] != 0xFF:
            raise ImageHeaderError(f"JPEG marker expected at byte {pos}")
        while pos < end and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= end:
            break
        marker = data[pos]
        pos += 1
        if marker in _STANDALONE:
            continue
        if pos + 2 > end:
            break
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if marker in _SOF_MARKERS:
            if pos + 7 > end:
                break
            height, width = struct.unpack(">HH", data[pos + 3 : pos + 7])
            return width, height
        if marker == 0xDA:  # start of scan before any frame header
            break
        pos += length
    raise ImageHeaderError("JPEG has no frame header (SOF)")
