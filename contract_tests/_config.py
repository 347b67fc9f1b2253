"""Knobs read from the environment that test modules need at import time."""

from __future__ import annotations

import json
import os

__all__ = ["BROKEN_PLAN", "SEED", "examples", "in_process_targets", "split_target"]

#: The schemathesis seed; Hypothesis tests are derandomized (see conftest.py).
SEED = int(os.environ.get("COS_CONTRACT_SEED", "20240101"))

#: ``COS_CONTRACT_BROKEN_PLAN`` (set by ``test_catches_bugs.py``): a JSON object mapping broken
#: servers (``broken.py``; ``""`` is the real emulator) to the tests to run against each, as
#: ``contract_tests/test_x.py::test_name``. One run then serves each of them as an in-process
#: target of its own, instead of one run (one interpreter, one collection) per broken server.
BROKEN_PLAN: dict[str, list[str]] = json.loads(os.environ.get("COS_CONTRACT_BROKEN_PLAN") or "{}")

#: Separates the in-process target's name from a broken server's in a target parameter.
_BROKEN = "~"


def examples(default: int) -> int:
    """An example count, scaled by ``COS_CONTRACT_EXAMPLES`` (at least 1)."""
    scale = float(os.environ.get("COS_CONTRACT_EXAMPLES", "1"))
    return max(1, round(default * scale))


def in_process_targets() -> list[str]:
    """The parameters of the in-process target: ``asgi``, or under a plan ``asgi`` for the real
    emulator and ``asgi~<name>`` for each broken server the plan names."""
    if not BROKEN_PLAN:
        return ["asgi"]
    return [f"asgi{_BROKEN}{bug}" if bug else "asgi" for bug in BROKEN_PLAN]


def split_target(param: str) -> tuple[str, str | None]:
    """A target parameter as the target's name and the broken server it serves (if any)."""
    name, _, bug = param.partition(_BROKEN)
    return name, bug or None
