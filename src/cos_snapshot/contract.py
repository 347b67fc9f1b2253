"""The former home of :mod:`cos_snapshot.testing.contract`, kept importable: the same names."""

from .testing.contract import *  # noqa: F403
from .testing.contract import __all__ as __all__  # noqa: PLC0414
