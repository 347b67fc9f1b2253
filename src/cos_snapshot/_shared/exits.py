"""The exit codes of the command line and of the contract suite's runner, defined once."""

from __future__ import annotations

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_TERMINATED", "EXIT_USAGE"]

#: Everything asked for was done.
EXIT_OK = 0
#: The service, the network or an item failed (the contract suite: a contract failed).
EXIT_FAILED = 1
#: Bad usage: an option, an argument or a setting is wrong or missing. Nothing was done.
EXIT_USAGE = 2
#: Interrupted (SIGINT), as shells report 128 + the signal's number.
EXIT_INTERRUPTED = 130
#: Terminated (SIGTERM: a CI cancel, ``docker stop``, ``timeout``), ended as an interruption is.
EXIT_TERMINATED = 143
