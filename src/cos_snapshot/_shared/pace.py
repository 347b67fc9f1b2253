"""Where quick blocking work runs: on the event loop while it is quick, in a worker thread
while it is slow.

A small file written to a local disk takes well under a millisecond, less than handing it to a
worker thread and back costs (measured: that hand-off was a quarter to a third of a batch's CPU
per snapshot, and most of the emulator's CPU per PUT beyond the HTTP itself); a slow file
system (a network share, a disk busy elsewhere) would hold up every request in flight if written
on the loop. :class:`Pace` keeps the recent average duration of such work to choose.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["Pace"]

_T = TypeVar("_T")


class Pace:
    """The recent average duration of some blocking work (an exponential moving average, the
    newest run weighing ``weight``), timed with ``clock``: :attr:`quick` while it is below
    ``slow_s`` seconds."""

    def __init__(
        self,
        *,
        slow_s: float = 0.002,
        weight: float = 0.2,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.slow_s = slow_s
        self.weight = weight
        self.average_s = 0.0
        self._clock = clock

    @property
    def quick(self) -> bool:
        """Whether the next run belongs on the event loop."""
        return self.average_s < self.slow_s

    def timed(self, work: Callable[..., _T], *args: object) -> _T:
        """``work(*args)``, its duration (even when it raises) counted in the average. Safe
        from a worker thread too: a lost update only delays a switch by a run."""
        started = self._clock()
        try:
            return work(*args)
        finally:
            self.average_s += (self._clock() - started - self.average_s) * self.weight
