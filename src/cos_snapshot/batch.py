"""The former home of :mod:`cos_snapshot.tools.batch`, kept importable: the same names."""

from .tools.batch import *  # noqa: F403
from .tools.batch import __all__ as __all__  # noqa: PLC0414
