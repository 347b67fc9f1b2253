"""Helpers for tests: videos that show their own frame index, the pytest plugin and the
installed contract suite.

- The names of :mod:`cos_snapshot.testing.videos` (``make_fixture``, ``read_frame_index``,
  ``FixtureInfo``, ...) are importable from here; they need the ``emulator`` extra (PyAV and
  Pillow) and are loaded on first use.
- :mod:`cos_snapshot.testing.pytest_plugin`: the ``cos_emulator`` and ``cos_fixture_video``
  fixtures (registered as a ``pytest11`` plugin).
- :mod:`cos_snapshot.testing.contract`: ``cos-snapshot contract`` as a library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .videos import (
        CONTAINERS,
        CORNER,
        FixtureInfo,
        Orientation,
        PatternError,
        Style,
        clock_image,
        make_audio_fixture,
        make_fixture,
        pattern_image,
        read_frame_index,
        read_orientation,
    )

__all__ = [
    "CONTAINERS",
    "CORNER",
    "FixtureInfo",
    "Orientation",
    "PatternError",
    "Style",
    "clock_image",
    "make_audio_fixture",
    "make_fixture",
    "pattern_image",
    "read_frame_index",
    "read_orientation",
]


def __getattr__(name: str) -> Any:
    # Lazy, so that importing the pytest plugin (a submodule) never loads PyAV or Pillow.
    if name in __all__:
        return getattr(importlib.import_module(".videos", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
