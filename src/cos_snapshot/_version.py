"""The package's version, written here only: hatch reads it for the build, and
``cos_snapshot.__version__`` and ``cos-snapshot --version`` import it."""

__version__ = "0.2.0"
