"""cos-snapshot: typed client, local emulator and contract suite for COS GetSnapshot."""

__version__ = "0.1.0"
