"""Text for people: a count with its noun (``1 keyframe``, ``2 keyframes``) and an error as
one line."""

from __future__ import annotations

__all__ = ["one_line", "plural"]


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """``count`` and ``noun``: ``noun`` for exactly one, otherwise ``plural_noun`` (by default
    ``noun`` + ``s``): ``plural(1, "row")`` is ``"1 row"``, ``plural(0, "row")`` ``"0 rows"``,
    ``plural(2, "entry", "entries")`` ``"2 entries"``."""
    return f"{count} {noun if count == 1 else plural_noun or noun + 's'}"


def one_line(error: BaseException) -> str:
    """``error``'s message on one line (runs of whitespace, newlines included, become one
    space), or its type's name when it has no message."""
    return " ".join(str(error).split()) or type(error).__name__
