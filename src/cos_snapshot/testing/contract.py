"""Run the GetSnapshot contract suite from an installed package (``cos-snapshot contract``).

The suite is installed with the package as ``cos_snapshot_contract`` (its source is
``contract_tests/`` in the repository, which an editable install runs). It runs in a
pytest subprocess, so that each run reads its own settings and a signal ends it cleanly:

- the default target is the embedded emulator over real HTTP (uvicorn on a free loopback port,
  the fixture videos made on the fly);
- ``live=True`` runs against a bucket (``bucket``/``region``) or any signed COS-compatible server
  (``endpoint_url``). A setting given here wins over ``COS_CONTRACT_BUCKET``,
  ``COS_CONTRACT_REGION``, ``COS_CONTRACT_ENDPOINT_URL``, which win over ``COS_BUCKET``,
  ``COS_REGION``, ``COS_ENDPOINT_URL``; credentials come from ``TENCENTCLOUD_SECRET_ID``,
  ``TENCENTCLOUD_SECRET_KEY`` and ``TENCENTCLOUD_SECURITY_TOKEN``.

:func:`run_contract` returns an exit code: 0 every test passed, 1 a contract failed, 2 bad usage
(a setting missing, no test ran, pytest itself failed), 130 interrupted (after the clean-up,
which deletes a live run's uploads). It needs the ``contract`` extra.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import attrs

from .._shared.exits import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from .._shared.extras import install_command, needs_extra

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "SUITE_PACKAGE",
    "ContractOptions",
    "ContractUsageError",
    "live_environment",
    "report_markdown",
    "run_contract",
    "suite_directory",
]

#: The name the suite is installed under.
SUITE_PACKAGE = "cos_snapshot_contract"
#: What the suite needs beyond the client (the ``contract`` extra).
_NEEDS_EXTRA = f"the contract suite needs the contract extra: {install_command('contract')}"

# pytest's exit codes (pytest.ExitCode), by number so this module imports without pytest.
_PYTEST_OK, _PYTEST_FAILED, _PYTEST_INTERRUPTED = 0, 1, 2

#: The run's own pytest configuration: whatever pytest.ini or pyproject.toml the current
#: directory holds does not apply to the suite.
_PYTEST_CONFIG = """\
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
addopts = -ra --strict-markers -p no:cacheprovider
markers = slow: long-running tests
"""


class ContractUsageError(ValueError):
    """The suite cannot run as asked: a setting is missing or contradicts another, or the
    ``contract`` extra is not installed. The message names the problem."""


@attrs.frozen(kw_only=True)
class ContractOptions:
    """What :func:`run_contract` runs.

    ``live``: against ``bucket``/``region``/``endpoint_url`` (None: from the environment) instead
    of the embedded emulator; these three are refused without it. ``strict`` holds a live target
    to the emulator's exact choices and ``anonymous`` checks unsigned reads too (None: from
    ``COS_CONTRACT_STRICT``/``COS_CONTRACT_ANONYMOUS``). ``junit``: a JUnit XML file to write;
    ``report``: the behaviour report (JSON); ``examples`` scales every example count, ``seed``
    is the schemathesis seed; ``pytest_args`` go to pytest as they are.
    """

    live: bool = False
    bucket: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    strict: bool | None = None
    anonymous: bool | None = None
    junit: Path | None = None
    report: Path | None = None
    examples: float | None = None
    seed: int | None = None
    pytest_args: tuple[str, ...] = attrs.field(default=(), converter=tuple)


def suite_directory() -> Path:
    """The directory of the suite: ``contract_tests/`` of the source checkout the package runs
    from (an editable install, found from where ``cos_snapshot`` is), else the installed
    package."""
    package = importlib.util.find_spec("cos_snapshot")
    origin = package.origin if package is not None else None
    checkout = Path(origin or ".").resolve().parents[2] / "contract_tests"
    if (checkout / "conftest.py").is_file():
        return checkout
    spec = importlib.util.find_spec(SUITE_PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    raise ContractUsageError(f"the contract suite is not installed; {_NEEDS_EXTRA}")


def _first(*values: str | None) -> str | None:
    return next((value for value in values if value), None)


def live_environment(options: ContractOptions, environ: Mapping[str, str]) -> dict[str, str]:
    """The suite's variables for a live run: flags over ``COS_CONTRACT_*`` over ``COS_*``.
    Raises :class:`ContractUsageError` naming the first setting that is missing."""
    bucket = _first(options.bucket, environ.get("COS_CONTRACT_BUCKET"), environ.get("COS_BUCKET"))
    region = _first(options.region, environ.get("COS_CONTRACT_REGION"), environ.get("COS_REGION"))
    endpoint = _first(
        options.endpoint_url,
        environ.get("COS_CONTRACT_ENDPOINT_URL"),
        environ.get("COS_ENDPOINT_URL"),
    )
    if not bucket:
        raise ContractUsageError(
            "--live needs a bucket: --bucket NAME-APPID, COS_CONTRACT_BUCKET or COS_BUCKET"
        )
    if not region:
        raise ContractUsageError(
            "--live needs a region: --region REGION, COS_CONTRACT_REGION or COS_REGION"
        )
    for name in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"):
        if not environ.get(name):
            raise ContractUsageError(
                f"--live needs credentials: {name} is not set "
                "(the suite uploads its fixture videos to the bucket)"
            )
    live = {
        "COS_CONTRACT_TARGETS": "live",
        "COS_CONTRACT_BUCKET": bucket,
        "COS_CONTRACT_REGION": region,
        "COS_CONTRACT_ENDPOINT_URL": endpoint or "",
    }
    if options.strict is not None:
        live["COS_CONTRACT_STRICT"] = "1" if options.strict else "0"
    if options.anonymous is not None:
        live["COS_CONTRACT_ANONYMOUS"] = "1" if options.anonymous else "0"
    return live


def _suite_environment(options: ContractOptions, environ: Mapping[str, str]) -> dict[str, str]:
    if options.live:
        targets = live_environment(options, environ)
    else:
        given = [
            flag
            for flag, value in (
                ("--bucket", options.bucket),
                ("--region", options.region),
                ("--endpoint-url", options.endpoint_url),
                ("--strict", options.strict),
                ("--anonymous", options.anonymous),
            )
            if value
        ]
        if given:
            raise ContractUsageError(f"{', '.join(given)} without --live: add --live to use them")
        targets = {"COS_CONTRACT_TARGETS": "uvicorn"}
    env = {**environ, **targets}
    # Broken emulators are for the suite's own meta-tests.
    env.pop("COS_CONTRACT_BROKEN", None)
    env.pop("COS_CONTRACT_BROKEN_PLAN", None)
    if options.examples is not None:
        if not options.examples > 0:
            raise ContractUsageError(f"--examples must be a number > 0, not {options.examples}")
        env["COS_CONTRACT_EXAMPLES"] = repr(options.examples)
    if options.seed is not None:
        env["COS_CONTRACT_SEED"] = str(options.seed)
    return env


def _check_extra() -> None:
    message = needs_extra("contract", "the contract suite")
    if message:
        raise ContractUsageError(message)


@contextmanager
def _forwarding_signals(process: subprocess.Popen[bytes]) -> Iterator[list[int]]:
    """Pass SIGINT and SIGTERM on to the suite, once each time they arrive, and let it clean
    up. The suite runs in its own session, so a Ctrl-C in a terminal reaches it only this way
    (never twice)."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def forward(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        if process.poll() is None:
            process.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _exit_code(pytest_code: int, interrupted: bool, report: dict[str, Any] | None) -> int:
    if interrupted or pytest_code == _PYTEST_INTERRUPTED or pytest_code < 0:
        return EXIT_INTERRUPTED
    if pytest_code == _PYTEST_FAILED:
        return EXIT_FAILED
    if pytest_code == _PYTEST_OK:
        passed = report["outcome"]["passed"] if report else 0
        if not passed:
            print("cos-snapshot contract: no test passed (every one skipped)", file=sys.stderr)
            return EXIT_USAGE
        return EXIT_OK
    return EXIT_USAGE  # 3 internal error, 4 usage error, 5 no tests collected


def run_contract(
    options: ContractOptions,
    *,
    environ: Mapping[str, str] | None = None,
    as_json: bool = False,
) -> int:
    """Run the suite as ``options`` say; the output goes to this process's stdout/stderr.
    Returns the exit code (see the module docstring). ``as_json`` prints the behaviour report
    as JSON on stdout at the end. Raises :class:`ContractUsageError` before anything runs if the
    options or the environment do not allow a run."""
    env = _suite_environment(options, os.environ if environ is None else environ)
    _check_extra()
    suite = suite_directory()
    with tempfile.TemporaryDirectory(prefix="cos-snapshot-contract-") as scratch:
        config = Path(scratch) / "pytest.ini"
        config.write_text(_PYTEST_CONFIG, encoding="utf-8")
        report_path = options.report or Path(scratch) / "report.json"
        env["COS_CONTRACT_REPORT"] = str(Path(report_path).resolve())
        # Leave nothing in the current directory (Hypothesis would write .hypothesis/ there).
        env.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(Path(scratch) / "hypothesis"))
        command = [
            sys.executable,
            "-m",
            "pytest",
            str(suite),
            "-c",
            str(config),
            "--rootdir",
            str(suite.parent),
        ]
        if options.junit is not None:
            command.append(f"--junitxml={Path(options.junit).resolve()}")
        command += options.pytest_args
        # With --json, stdout carries the report alone; pytest's output goes to stderr.
        output = sys.stderr.fileno() if as_json else None
        process = subprocess.Popen(  # noqa: S603 - our own pytest
            command, env=env, start_new_session=True, stdout=output
        )
        with _forwarding_signals(process) as received:
            code = process.wait()
        report = _read_report(Path(report_path))
        if as_json and report is not None:
            print(json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True))
        return _exit_code(code, bool(received), report)


def _read_report(path: Path) -> dict[str, Any] | None:
    try:
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded


def report_markdown(report: Mapping[str, Any]) -> str:
    """The behaviour report (as :func:`run_contract` writes it) as a Markdown summary: the
    outcome, the readings of each target, the serve flags that match them, what failed."""
    outcome = report["outcome"]
    lines = [
        "## GetSnapshot contract",
        "",
        f"{outcome['passed']} passed, {outcome['failed']} failed, {outcome['skipped']} skipped",
        "",
    ]
    targets = report["targets"]
    if targets:
        lines += [
            "| question | " + " | ".join(t["name"] for t in targets) + " |",
            "|---|" + "---|" * len(targets),
        ]
        questions = list(
            dict.fromkeys(q for t in targets for q in [*t["readings"], *t["not_observed"]])
        )
        for question in questions:
            cells = []
            for target in targets:
                seen = target["readings"].get(question)
                if seen is None:
                    cells.append("(not observed)")
                else:
                    extra = f" ({seen['seen']})" if seen["seen"] else ""
                    cells.append(f"`{seen['reading']}`{extra}")
            lines.append(f"| `{question}` | " + " | ".join(cells) + " |")
        lines.append("")
        for target in targets:
            flags = " ".join(target["emulator_flags"]) or "(the defaults)"
            lines.append(f"- {target['name']}: `cos-snapshot serve {flags}` reads the same way")
            for question, why in target["emulator_cannot_offer"].items():
                lines.append(f"  - `{question}`: {why}")
    if outcome["failures"]:
        lines += ["", "### Failed", ""]
        for failure in outcome["failures"]:
            first = failure["message"].splitlines()[0] if failure["message"] else "failed"
            lines.append(f"- `{failure['test']}`: {first}")
    return "\n".join(lines) + "\n"
