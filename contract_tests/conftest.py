"""Targets, fixture videos and Hypothesis settings for the contract suite.

Environment (all optional):

- ``COS_CONTRACT_TARGETS``: comma-separated subset of ``asgi,uvicorn,live`` (default: all; the
  live target is skipped unless its variables are set, see README.md);
- ``COS_CONTRACT_EXAMPLES``: a multiplier for every example count (``0.2`` for a quick run);
- ``COS_CONTRACT_SEED``: the schemathesis seed (Hypothesis tests are derandomized; use
  ``--hypothesis-profile=contract-random --hypothesis-seed=N`` for random runs);
- ``COS_CONTRACT_BROKEN``: serve a deliberately broken emulator (see ``broken.py``);
- ``COS_CONTRACT_VIDEO_CACHE``: a directory to keep the fixture videos in between runs.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings

from ._targets import (
    TARGET_NAMES,
    Target,
    in_process_target,
    live_target,
    missing_live_variables,
    uvicorn_target,
)
from ._videos import VideoSpec, make_videos

_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.differing_executors],
}
settings.register_profile("contract", derandomize=True, **_COMMON)
settings.register_profile("contract-random", derandomize=False, **_COMMON)
# For test_catches_bugs.py: find a failure, name it, and stop (no shrinking).
settings.register_profile(
    "contract-quick",
    derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    **_COMMON,
)
settings.load_profile(os.environ.get("COS_CONTRACT_HYPOTHESIS_PROFILE", "contract"))


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    # A CI job that is cancelled or times out sends SIGTERM, which would end pytest without its
    # session teardown and leave the live target's uploads in the bucket. As an interrupt, the
    # fixtures' finally blocks delete them.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


def _selected_targets() -> list[str]:
    raw = os.environ.get("COS_CONTRACT_TARGETS", "")
    names = [n.strip() for n in raw.split(",") if n.strip()] or list(TARGET_NAMES)
    unknown = sorted(set(names) - set(TARGET_NAMES))
    if unknown:
        raise pytest.UsageError(
            f"COS_CONTRACT_TARGETS: unknown target(s) {unknown}; use {','.join(TARGET_NAMES)}"
        )
    return names


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"contract targets: {', '.join(_selected_targets())}"]
    missing = missing_live_variables()
    if "live" in _selected_targets() and missing:
        lines.append(f"contract live target: skipped, set {', '.join(missing)}")
    bug = os.environ.get("COS_CONTRACT_BROKEN")
    if bug:
        lines.append(f"contract: BROKEN emulator {bug!r}")
    return lines


@pytest.fixture(scope="session")
def made_videos(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[VideoSpec, Any]]:
    """The fixture videos, written once per session (or taken from ``COS_CONTRACT_VIDEO_CACHE``,
    a directory where an earlier run left them)."""
    cache = os.environ.get("COS_CONTRACT_VIDEO_CACHE")
    directory = Path(cache) if cache else tmp_path_factory.mktemp("videos")
    directory.mkdir(parents=True, exist_ok=True)
    return make_videos(directory)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the tests of targets left out of ``COS_CONTRACT_TARGETS``, and the meta-test
    (``test_catches_bugs.py``, which runs the suite against broken emulators) unless the
    in-process emulator is a target and no broken one is being served."""
    selected = set(_selected_targets())
    run_meta = "asgi" in selected and not os.environ.get("COS_CONTRACT_BROKEN")
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        name = callspec.params.get("target") if callspec is not None else None
        meta = item.path.name == "test_catches_bugs.py"
        wanted = (name is None or name in selected) and (run_meta or not meta)
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session", params=TARGET_NAMES)
def target(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    made_videos: dict[str, tuple[VideoSpec, Any]],
) -> Iterator[Target]:
    name: str = request.param
    bug = os.environ.get("COS_CONTRACT_BROKEN") or None
    if name == "asgi":
        built = in_process_target(tmp_path_factory.mktemp("asgi"), made_videos, bug)
        try:
            yield built
        finally:
            built.close()
    elif name == "uvicorn":
        with uvicorn_target(tmp_path_factory.mktemp("uvicorn"), made_videos, bug) as built:
            yield built
    else:
        missing = missing_live_variables()
        if missing:
            pytest.skip(
                f"live target: set {', '.join(missing)} to run against your bucket "
                "(see contract_tests/README.md)"
            )
        with live_target(made_videos) as built:
            yield built
