"""The ``cos-snapshot`` parser and entry point.

Exit codes: 0 success; 1 the service or the network failed (or some batch items did);
2 bad usage or invalid arguments; 130 interrupted; 143 terminated (SIGTERM, which ends a command
as Ctrl-C does: a batch lists what it did not take).

Each command lives in its own module with a ``register(subparsers)`` function; adding a command
is a new module and one line in :data:`COMMANDS`. Commands that need the emulator extra (serve,
make-fixture, demo) import it only when run, so the client commands work with the bare install.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import Any

from .. import CosClientError, CosError, CosInvalidArgumentError, CosServiceError, __version__
from .._shared.exits import EXIT_TERMINATED
from .._shared.text import one_line
from . import _animate, _batch, _contract, _emulator, _get, _info, _job, _ls, _sheet, _storyboard
from ._common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    Handler,
    UsageError,
    add_global_options,
    only_broken_pipes,
)

__all__ = ["COMMANDS", "build_parser", "main"]

#: The ``register`` function of every command module, in the order ``--help`` lists them.
COMMANDS: tuple[Callable[[Any], None], ...] = (
    _get.register,  # get, presign
    _info.register,
    _ls.register,
    _emulator.register,  # serve, make-fixture, demo
    _batch.register,
    _sheet.register,
    _storyboard.register,
    _animate.register,
    _job.register,  # job snapshot, status, list, wait, cancel
    _contract.register,
)


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``cos-snapshot`` with every command."""
    parser = argparse.ArgumentParser(
        prog="cos-snapshot",
        description="Frames of videos in Tencent Cloud COS (GetSnapshot), and a local emulator.",
        epilog=textwrap.dedent(
            """
            exit codes: 0 ok; 1 service, network or item failures; 2 bad usage;
            130 interrupted; 143 terminated (SIGTERM)

            start here:  cos-snapshot demo
            """
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"cos-snapshot {__version__}")
    add_global_options(parser, default=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in COMMANDS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return _run(handler, args)
    except BaseException as error:
        if not only_broken_pipes(error):
            raise
        # The reader of our output went away (`cos-snapshot --json batch ... | head -1`):
        # one line, not a traceback per task, and no second error when Python flushes stdout.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("cos-snapshot: error: the output was closed (broken pipe)", file=sys.stderr)
        return EXIT_FAILED


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[list[int]]:
    """SIGTERM handled as SIGINT is, by whatever handles SIGINT now (an event loop's runner
    cancelling its task, or Python raising KeyboardInterrupt); the list yielded gets the
    signal's number when it came. Only the main thread may set handlers: elsewhere, nothing."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        handler = signal.getsignal(signal.SIGINT)
        if callable(handler):
            handler(signal.SIGINT, frame)
        else:
            raise KeyboardInterrupt

    # SIGINT ignored (a script's `cos-snapshot batch ... &`): asyncio's runner hands an
    # interruption to its task only when SIGINT has Python's default handler, and without that
    # SIGTERM would stop the loop with the tasks in flight unreported. So the default handler
    # goes in with SIGINT blocked: a real SIGINT stays pending, and is dropped unseen when
    # SIG_IGN comes back.
    sigint_ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN and hasattr(
        signal, "pthread_sigmask"
    )
    if sigint_ignored:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        signal.signal(signal.SIGINT, signal.default_int_handler)
    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)
        if sigint_ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _run(handler: Handler, args: argparse.Namespace) -> int:
    with _sigterm_as_interrupt() as terminated:
        try:
            return handler(args)
        except KeyboardInterrupt as interrupt:
            what = "terminated" if terminated else "interrupted"
            print(f"cos-snapshot: {str(interrupt) or what}", file=sys.stderr)
            return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
        except (UsageError, CosInvalidArgumentError) as error:
            if args.debug:
                raise
            print(f"cos-snapshot: error: {one_line(error)}", file=sys.stderr)
            return EXIT_USAGE
        except BrokenPipeError:
            raise  # main() says it in one line
        except (CosServiceError, CosClientError, CosError, OSError) as error:
            if args.debug:
                raise
            print(f"cos-snapshot: error: {one_line(error)}", file=sys.stderr)
            return EXIT_FAILED
