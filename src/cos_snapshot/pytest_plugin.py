"""The former home of :mod:`cos_snapshot.testing.pytest_plugin`, kept importable: the same names."""

from .testing.pytest_plugin import *  # noqa: F403
from .testing.pytest_plugin import __all__ as __all__  # noqa: PLC0414
