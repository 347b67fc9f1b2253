"""The parser the command-line page documents: ``cos_snapshot.cli.build_parser()`` itself,
with each epilog (examples, exit codes) shown as the preformatted text ``--help`` prints.

sphinx-argparse reads epilogs as reStructuredText, which the examples are not, and shows
help strings as written: each is expanded here as ``--help`` expands it (``%(default)s`` is
the default, ``%%`` a percent sign).
"""

from __future__ import annotations

import argparse
import textwrap

from cos_snapshot.cli import build_parser


def _preformatted(parser: argparse.ArgumentParser) -> None:
    if parser.epilog and parser.epilog.strip():
        # A text block, not "::": a bare literal block takes the highlight language (Python),
        # and the examples would come out as Python tokens.
        block = textwrap.indent(parser.epilog.strip("\n"), "    ")
        parser.epilog = ".. code-block:: text\n\n" + block
    formatter = parser._get_formatter()
    for action in parser._actions:
        if action.help and action.help is not argparse.SUPPRESS:
            action.help = formatter._expand_help(action)
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                _preformatted(subparser)


def parser() -> argparse.ArgumentParser:
    """``cos-snapshot``'s parser, as the command line builds it."""
    result = build_parser()
    _preformatted(result)
    return result
