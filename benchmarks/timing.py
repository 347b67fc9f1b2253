"""Timing helpers: every comparison is measured interleaved, so that the load of a shared
machine falls on all contenders alike, and reported as medians after a warm-up."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence


def ms(fn: Callable[[], object]) -> float:
    """Wall time of one call, in milliseconds."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rotated(items: Sequence[str], turn: int) -> list[str]:
    """``items`` starting at ``turn`` (mod len): each contender goes first in turn."""
    k = turn % len(items)
    return [*items[k:], *items[:k]]
