"""The former home of :mod:`cos_snapshot.tools.storyboard`, kept importable: the same names."""

from .tools.storyboard import *  # noqa: F403
from .tools.storyboard import __all__ as __all__  # noqa: PLC0414
