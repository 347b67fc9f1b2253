"""Targets, fixture videos and Hypothesis settings for the contract suite.

Environment (all optional):

- ``COS_CONTRACT_TARGETS``: comma-separated subset of ``asgi,uvicorn,live`` (default: all; the
  live target is skipped unless its variables are set, see README.md);
- ``COS_CONTRACT_EXAMPLES``: a multiplier for every example count (``0.2`` for a quick run);
- ``COS_CONTRACT_SEED``: the schemathesis seed (Hypothesis tests are derandomized; use
  ``--hypothesis-profile=contract-random --hypothesis-seed=N`` for random runs);
- ``COS_CONTRACT_BROKEN``: serve a deliberately broken emulator (see ``broken.py``);
- ``COS_CONTRACT_BROKEN_PLAN``: the meta-test's plan, many broken servers in one run (see
  ``_config.py``);
- ``COS_CONTRACT_VIDEO_CACHE``: a directory to keep the fixture videos in between runs;
- ``COS_CONTRACT_REPORT``: where to write the behaviour report (JSON, see ``_report.py``).

Every run ends with the readings each target follows (``test_readings.py``) and, if contracts
failed, which ones and with which request. A run in which no test passed does not exit 0.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings

from ._config import BROKEN_PLAN, in_process_targets, split_target
from ._report import BehaviourReport, Observation
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


#: The signals that have asked the run to stop. The interrupt a signal raises can be lost (it
#: lands wherever the main thread is: in a finalizer, whose exceptions Python only prints, or
#: under a library's broad ``except``); the run still stops at the next test and never ends 0.
_TERMINATED: list[int] = []


def _interrupt(signum: int, frame: Any) -> None:
    _TERMINATED.append(signum)
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _TERMINATED:
        pytest.exit(f"signal {_TERMINATED[0]}", returncode=pytest.ExitCode.INTERRUPTED)


_REPORT = pytest.StashKey[BehaviourReport]()
_OUTCOMES = pytest.StashKey[dict[str, str]]()
_FAILURES = pytest.StashKey[dict[str, str]]()
#: Where a pytest-xdist worker leaves its readings for the controller (``workeroutput``).
_WORKER_READINGS = "cos_contract_readings"


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_REPORT] = BehaviourReport()
    config.stash[_OUTCOMES] = {}
    config.stash[_FAILURES] = {}
    config.pluginmanager.register(_RunRecord(config), "cos-contract-run-record")
    if BROKEN_PLAN and os.environ.get("COS_CONTRACT_BROKEN"):
        raise pytest.UsageError("COS_CONTRACT_BROKEN and COS_CONTRACT_BROKEN_PLAN: give one")
    if "live" in _explicit_targets():
        missing = missing_live_variables()
        if missing:
            raise pytest.UsageError(
                f"COS_CONTRACT_TARGETS=live needs {', '.join(missing)} (see the suite's README)"
            )
    # A CI job that is cancelled or times out sends SIGTERM, which would end pytest without its
    # session teardown and leave the live target's uploads in the bucket. As an interrupt, the
    # fixtures' finally blocks delete them.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


def _explicit_targets() -> list[str]:
    raw = os.environ.get("COS_CONTRACT_TARGETS", "")
    return [n.strip() for n in raw.split(",") if n.strip()]


def _selected_targets() -> list[str]:
    names = _explicit_targets() or list(TARGET_NAMES)
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
    if BROKEN_PLAN:
        lines.append(f"contract: {len(BROKEN_PLAN)} emulators, broken ones among them, planned")
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


def _target_params(name: str) -> list[str]:
    return in_process_targets() if name == "asgi" else [name]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the tests of targets left out of ``COS_CONTRACT_TARGETS``, and the meta-test
    (``test_catches_bugs.py``, which runs the suite against broken emulators) unless the
    in-process emulator is a target and no broken one is being served. Under a plan
    (``COS_CONTRACT_BROKEN_PLAN``), each target runs the tests planned for its server (each test
    noting the server as the JUnit property ``broken``), and the rest are deselected."""
    selected = set(_selected_targets())
    run_meta = "asgi" in selected and not os.environ.get("COS_CONTRACT_BROKEN") and not BROKEN_PLAN
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        param = callspec.params.get("target") if callspec is not None else None
        name, bug = split_target(param) if param is not None else (None, None)
        meta = item.path.name == "test_catches_bugs.py"
        wanted = (name is None or name in selected) and (run_meta or not meta)
        if wanted and BROKEN_PLAN:
            wanted = item.nodeid.split("[", 1)[0] in BROKEN_PLAN.get(bug or "", ())
            item.user_properties.append(("broken", bug or ""))
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    # The meta-test first: it takes longest, and under pytest-xdist (``nox -s contract``) the
    # other worker runs the rest meanwhile.
    items.sort(key=lambda item: item.path.name != "test_catches_bugs.py")


@pytest.fixture(
    scope="session",
    params=[param for name in TARGET_NAMES for param in _target_params(name)],
)
def target(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    made_videos: dict[str, tuple[VideoSpec, Any]],
) -> Iterator[Target]:
    name, bug = split_target(request.param)
    bug = bug or os.environ.get("COS_CONTRACT_BROKEN") or None
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


# --------------------------------------------------------------------------------------------
# The behaviour report and the end of the output


Record = Callable[[str, Observation], None]


@pytest.fixture
def record_reading(request: pytest.FixtureRequest, target: Target) -> Record:
    """Record a reading the target follows, for the behaviour report."""
    report = request.config.stash[_REPORT].target(target.name, target.base_url, target.strict)

    def record(question: str, observation: Observation) -> None:
        report.readings[question] = observation

    return record


class _RunRecord:
    """Each test's outcome and failure, from the reports this process makes or, under
    pytest-xdist, those its workers send; and, on the controller, the workers' readings."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcomes = self.config.stash[_OUTCOMES]
        if report.failed:
            outcomes[report.nodeid] = "failed"
            self.config.stash[_FAILURES].setdefault(report.nodeid, _failure_text(report))
        elif report.skipped:
            outcomes.setdefault(report.nodeid, "skipped")
        elif report.when == "call":
            outcomes.setdefault(report.nodeid, "passed")

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        readings = getattr(node, "workeroutput", {}).get(_WORKER_READINGS)
        if readings:
            self.config.stash[_REPORT].merge(readings)


def _failure_text(report: pytest.TestReport) -> str:
    """The assertion's message (which names the request: key, time, parameters), and the
    example Hypothesis or the request schemathesis reproduces it with."""
    crash = getattr(report.longrepr, "reprcrash", None)
    lines = [crash.message.strip().splitlines()[0] if crash is not None else "failed"]
    text = report.longreprtext.splitlines()
    for number, line in enumerate(text):
        if line.startswith("Falsifying example"):
            example = " ".join(part.strip() for part in text[number : number + 12])
            lines.append(example.split(")", 1)[0] + ")")
            break
        if line.strip().startswith("curl "):
            lines.append(line.strip())
            break
    return "\n".join(lines)


def _outcome(config: pytest.Config, exitstatus: int) -> dict[str, Any]:
    outcomes = list(config.stash[_OUTCOMES].values())
    failures = config.stash[_FAILURES]
    return {
        "exit_status": int(exitstatus),
        "passed": outcomes.count("passed"),
        "failed": outcomes.count("failed"),
        "skipped": outcomes.count("skipped"),
        "failures": [{"test": test, "message": message} for test, message in failures.items()],
    }


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        # A pytest-xdist worker: the controller, which sees every test's report, ends the run.
        workeroutput[_WORKER_READINGS] = config.stash[_REPORT].readings()
        return
    passed = list(config.stash[_OUTCOMES].values()).count("passed")
    if _TERMINATED and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.INTERRUPTED
    elif exitstatus == pytest.ExitCode.OK and not passed:
        # Every test skipped (or none ran): that proves nothing, and must not look like a pass.
        session.exitstatus = pytest.ExitCode.NO_TESTS_COLLECTED
    path = os.environ.get("COS_CONTRACT_REPORT")
    if path:
        config.stash[_REPORT].write(Path(path), _outcome(config, session.exitstatus))


def _in_words(nodeid: str, message: str) -> list[str]:
    test = nodeid.rsplit("::", 1)[-1]
    lines = message.splitlines() or ["failed"]
    return [f"- {test.replace('_', ' ')}: {lines[0][:400]}"] + [
        f"    {line[:400]}" for line in lines[1:]
    ]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    table = config.stash[_REPORT].table()
    if table:
        terminalreporter.section("behaviour report: the readings of each target")
        for line in table:
            terminalreporter.write_line(line)
    failures = config.stash[_FAILURES]
    if failures:
        terminalreporter.section("contracts that failed")
        for nodeid, message in failures.items():
            for line in _in_words(nodeid, message):
                terminalreporter.write_line(line)
    if exitstatus == pytest.ExitCode.OK and not list(config.stash[_OUTCOMES].values()).count(
        "passed"
    ):
        terminalreporter.write_line("no test passed (every one skipped): that proves nothing")
