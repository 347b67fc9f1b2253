"""Knobs read from the environment that test modules need at import time."""

from __future__ import annotations

import os

__all__ = ["SEED", "examples"]

#: The schemathesis seed; Hypothesis tests are derandomized (see conftest.py).
SEED = int(os.environ.get("COS_CONTRACT_SEED", "20240101"))


def examples(default: int) -> int:
    """An example count, scaled by ``COS_CONTRACT_EXAMPLES`` (at least 1)."""
    scale = float(os.environ.get("COS_CONTRACT_EXAMPLES", "1"))
    return max(1, round(default * scale))
