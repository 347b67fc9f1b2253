"""Sending an object's bytes: the whole file, or one byte range of it."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

import anyio
import anyio.to_thread
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .errors import EmulatorError
from .storage import ObjectFile

__all__ = ["ObjectResponse", "byte_range"]

_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)", re.ASCII)
#: Digits a ``Range`` position may have: 19 hold any 64-bit offset, and reading thousands of
#: digits as a number is quadratic (Python refuses past 4,300).
MAX_RANGE_DIGITS = 19
_CHUNK = 256 * 1024


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The ``(first, last)`` bytes (inclusive) a ``Range`` header asks for, or None for all.

    One range of the forms ``bytes=a-b``, ``bytes=a-`` and ``bytes=-n`` is honoured. Anything
    else (several ranges, another unit, nonsense) is ignored, as RFC 9110 allows. A range that
    starts past the end answers 416 ``InvalidRange``; a position of more than
    :data:`MAX_RANGE_DIGITS` digits, 400 ``InvalidArgument``.
    """
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None or match[1] == match[2] == "":
        return None
    if max(len(match[1]), len(match[2])) > MAX_RANGE_DIGITS:
        raise EmulatorError(
            400,
            "InvalidArgument",
            f"A Range position may have at most {MAX_RANGE_DIGITS} digits.",
        )
    if match[1] == "":
        suffix = int(match[2])
        if suffix == 0 or size == 0:
            raise _unsatisfiable(size)
        return max(size - suffix, 0), size - 1
    first = int(match[1])
    last = size - 1 if match[2] == "" else min(int(match[2]), size - 1)
    if match[2] != "" and int(match[2]) < first:
        return None
    if first >= size:
        raise _unsatisfiable(size)
    return first, last


def _unsatisfiable(size: int) -> EmulatorError:
    return EmulatorError(
        416,
        "InvalidRange",
        "The requested range is not satisfiable.",
        headers={"Content-Range": f"bytes */{size}"},
    )


class ObjectResponse(Response):
    """Streams ``[first, last]`` of an open object and closes it, whatever happens."""

    def __init__(
        self,
        obj: ObjectFile,
        *,
        first: int,
        last: int,
        status_code: int,
        headers: Mapping[str, str],
        media_type: str,
    ) -> None:
        self.obj = obj
        self.first = first
        self.last = last
        self.status_code = status_code
        self.media_type = media_type
        self.background = None
        self.init_headers({**headers, "content-length": str(max(last - first + 1, 0))})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            offset = self.first
            while offset <= self.last:
                length = min(_CHUNK, self.last - offset + 1)
                chunk = await anyio.to_thread.run_sync(os.pread, self.obj.fd, length, offset)
                if not chunk:
                    break
                offset += len(chunk)
                await send(
                    {"type": "http.response.body", "body": chunk, "more_body": offset <= self.last}
                )
            if offset <= self.last or self.first > self.last:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            with anyio.CancelScope(shield=True):
                self.obj.close()
