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
import importlib.util
from typing import TYPE_CHECKING, Any

from .._shared.extras import install_command

if TYPE_CHECKING:
    from .videos import (
        CONTAINERS,
        CORNER,
        FLAT_COLOUR,
        Effect,
        EffectKind,
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
    "FLAT_COLOUR",
    "Effect",
    "EffectKind",
    "FixtureInfo",
    "MissingExtraError",
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


#: What the helpers of :mod:`.videos` import from the ``emulator`` extra.
_VIDEO_MODULES = ("av", "PIL")


class MissingExtraError(ModuleNotFoundError):
    """A helper of this package was imported without the extra it needs; the message is one
    line naming the extra and how to install it (the pytest plugin shows that line alone)."""


def __getattr__(name: str) -> Any:
    # Lazy, so that importing the pytest plugin (a submodule) never loads PyAV or Pillow.
    if name in __all__:
        missing = [m for m in _VIDEO_MODULES if importlib.util.find_spec(m) is None]
        if missing:
            raise MissingExtraError(
                f"cos_snapshot.testing.{name} needs the emulator extra: "
                f"{install_command('emulator')} (missing: {', '.join(missing)})",
                name=missing[0],
            )
        return getattr(importlib.import_module(".videos", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
