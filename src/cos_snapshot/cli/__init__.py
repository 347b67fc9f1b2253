"""The ``cos-snapshot`` command line: :func:`main` runs it, :func:`build_parser` builds its
parser (the documentation renders the reference from it).

One module per command (or small family of commands), each with a ``register(subparsers)``;
the options, exit codes and helpers they share are in ``_common``. The work behind the commands
is library code outside this package (:mod:`cos_snapshot.tools.batch`, :mod:`cos_snapshot.tools.sheet`,
:mod:`cos_snapshot.testing.videos`, :mod:`cos_snapshot.tools.demo`, :mod:`cos_snapshot.emulator`).
"""

from ._main import build_parser, main

__all__ = ["build_parser", "main"]
