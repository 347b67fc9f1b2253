"""The former home of :mod:`cos_snapshot.tools.demo`, kept importable: the same names."""

from .tools.demo import *  # noqa: F403
from .tools.demo import __all__ as __all__  # noqa: PLC0414
