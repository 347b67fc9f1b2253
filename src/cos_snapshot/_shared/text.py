"""A count and its noun, in the singular for one: ``1 keyframe``, ``2 keyframes``."""

from __future__ import annotations

__all__ = ["plural"]


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """``count`` and ``noun``: ``noun`` for exactly one, otherwise ``plural_noun`` (by default
    ``noun`` + ``s``): ``plural(1, "row")`` is ``"1 row"``, ``plural(0, "row")`` ``"0 rows"``,
    ``plural(2, "entry", "entries")`` ``"2 entries"``."""
    return f"{count} {noun if count == 1 else plural_noun or noun + 's'}"
