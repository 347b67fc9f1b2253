"""Writing a file whole or not at all."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

__all__ = ["replacing", "temporary_beside", "write_whole"]


def temporary_beside(target: Path) -> Path:
    """A name for a temporary file beside ``target``, to be renamed onto it: short and random,
    so concurrent writers never share one and a target whose own name is near the file
    system's limit still gets one."""
    return target.with_name(f".{secrets.token_hex(8)}.partial")


@contextlib.contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` (its parents created) for the block to write; it is
    renamed onto ``target`` when the block ends and removed if the block fails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_beside(target)
    try:
        yield temporary
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_whole(target: Path, content: bytes) -> None:
    """Write ``content`` to ``target`` as :func:`replacing` does, its parents created only when
    they are missing (a batch writes many files into one directory: no ``mkdir`` for each)."""
    temporary = temporary_beside(target)
    try:
        handle = temporary.open("xb")
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = temporary.open("xb")
    try:
        with handle:
            handle.write(content)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
