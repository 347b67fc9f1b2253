"""The former home of :mod:`cos_snapshot.testing.videos`, kept importable: the same names."""

from .testing.videos import *  # noqa: F403
from .testing.videos import __all__ as __all__  # noqa: PLC0414
