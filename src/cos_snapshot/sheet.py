"""The former home of :mod:`cos_snapshot.tools.sheet`, kept importable: the same names."""

from .tools.sheet import *  # noqa: F403
from .tools.sheet import __all__ as __all__  # noqa: PLC0414
