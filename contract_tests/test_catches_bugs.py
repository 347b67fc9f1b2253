"""The suite catches bugs: run against each broken server of ``broken.py`` it fails, in the tests
that should catch that bug and for the right reason; run against the real emulator, the same
tests pass.

The broken servers are shared out among a few pytest subprocesses, which run two at a time with
fewer examples and no shrinking: each serves its share as in-process targets of their own
(``COS_CONTRACT_BROKEN_PLAN``, see ``_config.py``) and runs against each only the tests meant to
catch it, so that one interpreter and one collection serve many servers. A broken server that
no test catches fails here, and so does one caught only by accident (by some other test, or for
another reason).

The live mode is run too, unchanged, against an emulator on a loopback port that needs an STS
token and makes the other documented choices (``exactframe=next``, ``past_end=error``, for
GetMediaInfo ``media_size=displayed``, ``rotation_sign=clockwise``, and for snapshot jobs
``job_average_end=include``, ``job_sprite_spacing=css``): the tolerant reading passes
there, the strict one (``COS_CONTRACT_STRICT=1``) does not.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cos_snapshot import Credentials
from cos_snapshot.emulator import EmulatorSettings, running_emulator
from cos_snapshot.testing import FixtureInfo

from ._videos import VideoSpec
from .broken import BUGS

ROOT = Path(__file__).resolve().parent.parent
HERE = "contract_tests"

SCHEMA = f"{HERE}/test_schema.py::test_in_process_server_conforms_to_the_spec"
HTTP_SCHEMA = f"{HERE}/test_schema.py::test_http_server_conforms_to_the_spec"
SIZE = f"{HERE}/test_size.py::test_width_and_height_follow_the_rule"
EXACT = f"{HERE}/test_frames.py::test_exactframe_is_the_frame_on_screen"
KEYFRAME = f"{HERE}/test_frames.py::test_keyframe_is_a_keyframe_no_later_than_the_exact_frame"
FORMAT = f"{HERE}/test_format.py::test_content_type_and_bytes_match_the_format_asked_for"
DEFAULTS = f"{HERE}/test_defaults.py::test_left_out_parameters_take_their_documented_defaults"
ROTATE = f"{HERE}/test_rotate.py::test_auto_applies_the_display_matrix_and_off_does_not"
NO_SUCH_KEY = f"{HERE}/test_errors.py::test_unknown_key_is_no_such_key"
INVALID = f"{HERE}/test_errors.py::test_invalid_parameter_is_invalid_argument_naming_it"
WRONG_KEY = f"{HERE}/test_auth.py::test_wrong_secret_key_is_signature_does_not_match"
TAMPERED = f"{HERE}/test_auth.py::test_tampered_presigned_signature_is_signature_does_not_match"
EXPIRED = f"{HERE}/test_auth.py::test_expired_signature_is_access_denied"
UNKNOWN_ID = f"{HERE}/test_auth.py::test_unknown_access_key_id_is_invalid_access_key_id"
UNSIGNED = f"{HERE}/test_auth.py::test_unsigned_request_is_access_denied"
MEDIA = f"{HERE}/test_media_info.py::test_media_info_matches_the_fixture"
MEDIA_SDK = (
    f"{HERE}/test_media_info.py::test_media_info_through_the_official_sdk_matches_the_fixture"
)
MEDIA_FORMATS = f"{HERE}/test_media_info.py::test_media_info_numbers_are_in_the_vendors_formats"
LAST_FRAME = (
    f"{HERE}/test_media_info.py::test_the_snapshot_one_frame_before_the_duration_is_the_last_frame"
)
PAGING = f"{HERE}/test_listing.py::test_paging_reaches_every_key_once_in_utf8_byte_order"
URL_ENCODED = (
    f"{HERE}/test_listing.py::test_url_encoding_type_percent_encodes_every_key_prefix_and_marker"
)
PRESIGN_CHANGED = (
    f"{HERE}/test_auth.py::test_a_parameter_changed_after_presigning_is_refused_if_it_was_signed"
)
JOBS_INTERVAL = (
    f"{HERE}/test_jobs.py::test_interval_outputs_are_numbered_from_0_and_show_their_frames"
)
JOBS_AVERAGE = f"{HERE}/test_jobs.py::test_average_spreads_count_shots_from_start_to_the_end"
JOBS_SPRITE = f"{HERE}/test_jobs.py::test_sprites_tile_columns_by_lines_and_number_on"

#: For each broken server: the tests that must fail, and a fragment of each one's failure
#: report that says why (so that a failure for another reason does not count).
CAUGHT_BY: dict[str, dict[str, str]] = {
    "ignores-zero-rule": {SIZE: "size rule"},
    "mislabels-content-type": {
        SCHEMA: "image_matches_content_type",
        FORMAT: "says image/",
    },
    "exact-frame-for-keyframe": {KEYFRAME: "keyframe: got frame"},
    "off-by-one-frame": {EXACT: "exactframe at"},
    "png-ignores-size": {FORMAT: "as png at width="},
    "png-keyframe-only": {EXACT: "as png", KEYFRAME: "as png exactframe"},
    "drops-error-code": {SCHEMA: '"Code" is a required property', NO_SUCH_KEY: "NoSuchKey"},
    "accepts-any-signature": {
        SCHEMA: "API accepts",
        WRONG_KEY: "DID NOT RAISE",
        TAMPERED: "403",
        EXPIRED: "AccessDenied",
        UNKNOWN_ID: "DID NOT RAISE",
        UNSIGNED: "403",
        PRESIGN_CHANGED: "was signed, then changed",
    },
    "default-format-png": {
        SCHEMA: "format left out (jpg) asks for image/jpeg, got image/png",
        DEFAULTS: "leaving out",
    },
    "default-mode-keyframe": {DEFAULTS: "leaving out"},
    "ignores-rotate": {ROTATE: "display_size", SIZE: "size rule"},
    "drops-request-id": {SCHEMA: "x-cos-request-id"},
    "server-error-on-bad-input": {SCHEMA: "Server error", INVALID: "assert 500 == 400"},
    "media-duration-one-frame-short": {
        MEDIA: "Video/Duration is 1.960000, expected 2.000000",
        MEDIA_SDK: "Video/Duration is 1.960000, expected 2.000000",
        LAST_FRAME: "not the last frame 49",
    },
    "media-swaps-width-and-height": {
        MEDIA: "Width/Height are 240x320, expected 320x240",
        MEDIA_SDK: "Width/Height are 240x320, expected 320x240",
    },
    "media-drops-format": {
        SCHEMA: '"Format" is a required property',
        MEDIA: "Response/MediaInfo/Format: is missing",
        MEDIA_SDK: "Format/Duration is empty",
    },
    "media-float-noise": {
        MEDIA_FORMATS: "Video[0]/Duration '2.0000000000000004' is not a decimal with six places",
        MEDIA: "Video/Duration is 2.0000000000000004",
    },
    # GetMediaInfo's other fields: each fault names the element and the rule it breaks (the
    # numbers in the files' bit rates depend on the encoder, so the fragments leave them out).
    "media-bitrate-in-bits": {MEDIA: "Format/Bitrate is not Size × 8 / Duration in kbit/s"},
    "media-stream-bitrate-in-bytes": {
        MEDIA: "Video/Bitrate is not the video packets' bits over the duration in kbit/s"
    },
    "media-audio-duration-in-milliseconds": {
        MEDIA: "Audio[0]/Duration exceeds Format/Duration by more than a frame"
    },
    "media-avg-fps-is-the-time-base": {
        MEDIA: "Video/NumFrames is not Duration × AvgFps within one frame (50; 2.000000 s × 12800/s"
    },
    "media-num-stream-counts-video": {
        MEDIA: "Format/NumStream is 1, expected 2 (the streams listed)"
    },
    "media-aspects-as-decimals": {MEDIA_FORMATS: "Video[0]/Dar '1.777778' is not an aspect W:H"},
    "media-sample-rate-in-khz": {MEDIA: "Audio[0]/SampleRate is 48, expected 48000 (in Hz"},
    "media-codec-name-is-the-tag": {MEDIA: "Video/CodecName is avc1, expected h264"},
    "media-sar-and-dar-swapped": {MEDIA: "Video/Sar is 16/9, expected 4/3"},
    "media-start-time-in-ticks": {MEDIA: "Video/StartTime is 126000.000000 s, expected"},
    "listing-drops-last-key": {PAGING: "never listed: ["},
    "listing-sorts-per-directory": {PAGING: "/a/b', not in UTF-8 byte order"},
    "listing-ignores-encoding-type": {
        URL_ENCODED: "asked for encoding-type=url, the answer says []"
    },
    "jobs-server-error-on-bad-body": {SCHEMA: "Server error"},
    "jobs-number-from-1": {JOBS_INTERVAL: "Interval outputs"},
    "jobs-average-first-half": {JOBS_AVERAGE: "Average shots show frames"},
    "jobs-sprite-grid-swapped": {JOBS_SPRITE: "3 columns x 2 lines of 160x120 cells make"},
    "jobs-success-missing-output": {
        JOBS_INTERVAL: "an output of a job that ended Success, is not there"
    },
}
REAL = "the real emulator"
LIVE_TOLERANT = "live mode, tolerant"
LIVE_STRICT = "live mode, strict"
#: A key pair with an STS token, for the emulator the live mode is pointed at.
LIVE_CREDENTIALS = Credentials(
    "AKIDliveModeCheck00000000000000000", "live-mode-secret", "sts-token"
)


#: How many subprocesses the broken servers (and the real emulator) are shared out among: enough
#: to keep both of the pool's workers busy beside the live mode's run, few enough that starting
#: pytest and collecting the suite is not paid once per server.
BROKEN_RUNS = 3


@dataclass
class Outcome:
    """One server's share of a pytest run (a run may serve many, see ``_share_out``)."""

    report: Path
    returncode: int
    output: str
    #: Test function node id (parameters dropped) -> failure reports of its failed cases.
    failures: dict[str, list[str]] = field(default_factory=dict)
    passed: set[str] = field(default_factory=set)
    skipped: int = 0


def _function_id(classname: str, name: str) -> str:
    module = classname.replace(".", "/") + ".py"
    return f"{module}::{name.split('[', 1)[0]}"


def _environment(videos: Path, **settings: str) -> dict[str, str]:
    """This process's environment without any contract or credential variable, plus
    ``settings``: each run sees only what it is given. The runs share the fixture videos."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("COS_CONTRACT_", "TENCENTCLOUD_"))
    }
    return {
        **inherited,
        "COS_CONTRACT_EXAMPLES": "0.4",
        "COS_CONTRACT_HYPOTHESIS_PROFILE": "contract-quick",
        "COS_CONTRACT_VIDEO_CACHE": str(videos),
        **settings,
    }


def _broken_run(videos: Path, plan: dict[str, list[str]]) -> dict[str, str]:
    return _environment(
        videos, COS_CONTRACT_TARGETS="asgi", COS_CONTRACT_BROKEN_PLAN=json.dumps(plan)
    )


def _share_out(plan: dict[str, list[str]], runs: int) -> list[dict[str, list[str]]]:
    """The plan's servers in ``runs`` parts of about the same number of tests (the servers
    with the most tests first, each to the part with the fewest so far)."""
    parts: list[dict[str, list[str]]] = [{} for _ in range(runs)]
    for server in sorted(plan, key=lambda server: (-len(plan[server]), server)):
        lightest = min(parts, key=lambda part: sum(len(tests) for tests in part.values()))
        lightest[server] = plan[server]
    return [part for part in parts if part]


def _live_run(
    videos: Path, endpoint_url: str, *, strict: bool, report: Path | None = None
) -> dict[str, str]:
    return _environment(
        videos,
        COS_CONTRACT_REPORT=str(report or ""),
        COS_CONTRACT_TARGETS="live",
        COS_CONTRACT_ENDPOINT_URL=endpoint_url,
        COS_CONTRACT_BUCKET="examplebucket-1250000000",
        COS_CONTRACT_REGION="ap-guangzhou",
        COS_CONTRACT_STRICT="1" if strict else "0",
        TENCENTCLOUD_SECRET_ID=LIVE_CREDENTIALS.secret_id,
        TENCENTCLOUD_SECRET_KEY=LIVE_CREDENTIALS.secret_key,
        TENCENTCLOUD_SECURITY_TOKEN=LIVE_CREDENTIALS.token or "",
    )


def _run(
    env: dict[str, str], tests: list[str], report: Path, servers: Iterable[str] = ("",)
) -> dict[str, Outcome]:
    """Run pytest on ``tests``; the outcome of each of the ``servers`` it serves (told apart by
    the JUnit property ``broken``; ``""`` for the real emulator and for a live target)."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        *sorted(set(tests)),
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={report}",
    ]
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    output = result.stdout + result.stderr
    outcomes = {
        server: Outcome(report.with_suffix(".json"), result.returncode, output)
        for server in servers
    }
    for case in ET.parse(report).getroot().iter("testcase"):
        test = _function_id(case.get("classname", ""), case.get("name", ""))
        server = next(
            (p.get("value", "") for p in case.iter("property") if p.get("name") == "broken"), ""
        )
        outcome = outcomes[server]
        problems = [*case.iter("failure"), *case.iter("error")]
        if problems:
            outcome.failures.setdefault(test, []).extend(
                f"{p.get('message', '')}\n{p.text or ''}" for p in problems
            )
        elif case.find("skipped") is not None:
            outcome.skipped += 1
        else:
            outcome.passed.add(test)
    return outcomes


class Outcomes:
    """The runs, started at once: each server's outcome once its run has ended."""

    def __init__(self) -> None:
        self._runs: dict[str, Future[dict[str, Outcome]]] = {}

    def add(self, servers: list[str], run: Future[dict[str, Outcome]]) -> None:
        self._runs.update(dict.fromkeys(servers, run))

    def __getitem__(self, server: str) -> Outcome:
        key = "" if server in (REAL, LIVE_TOLERANT, LIVE_STRICT) else server
        return self._runs[server].result()[key]

    def cancel(self) -> None:
        for run in self._runs.values():
            run.cancel()


@pytest.fixture(scope="module")
def outcomes(
    tmp_path_factory: pytest.TempPathFactory, made_videos: dict[str, tuple[VideoSpec, FixtureInfo]]
) -> Iterator[Outcomes]:
    """Every run, started at once, two at a time, sharing this session's fixture videos."""
    reports = tmp_path_factory.mktemp("broken-runs")
    videos = next(iter(made_videos.values()))[1].path.parent
    every_test = sorted({test for tests in CAUGHT_BY.values() for test in tests})
    settings = EmulatorSettings(
        root=tmp_path_factory.mktemp("live-root"),
        credentials=(LIVE_CREDENTIALS,),
        exactframe="next",
        past_end="error",
        media_size="displayed",
        rotation_sign="clockwise",
        stream_bitrate="empty",
        job_average_end="include",
        job_sprite_spacing="css",
    )
    plan = {"": every_test, **{bug: sorted(tests) for bug, tests in CAUGHT_BY.items()}}
    runs = Outcomes()
    with running_emulator(settings) as url, ThreadPoolExecutor(max_workers=2) as pool:
        # The longest run first, so that the other worker takes the rest one after another.
        tolerant = _live_run(videos, url, strict=False, report=reports / "tolerant.json")
        runs.add([LIVE_TOLERANT], pool.submit(_run, tolerant, [HERE], reports / "tolerant.xml"))
        for number, part in enumerate(_share_out(plan, BROKEN_RUNS)):
            tests = sorted({test for tests in part.values() for test in tests})
            report = reports / f"broken-{number}.xml"
            run = pool.submit(_run, _broken_run(videos, part), tests, report, part)
            runs.add([server or REAL for server in part], run)
        strict = _live_run(videos, url, strict=True)
        runs.add([LIVE_STRICT], pool.submit(_run, strict, [EXACT], reports / "strict.xml"))
        yield runs
        runs.cancel()


def test_every_broken_server_has_tests_that_catch_it() -> None:
    assert set(CAUGHT_BY) == set(BUGS)


def test_the_catching_tests_pass_against_the_real_emulator(
    outcomes: Outcomes,
) -> None:
    outcome = outcomes[REAL]
    # Its run serves broken servers too, so it fails; but it must have run to the end.
    ended = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
    assert outcome.returncode in ended, outcome.output[-4000:]
    assert not outcome.failures, "\n".join(r for rs in outcome.failures.values() for r in rs)
    assert outcome.skipped == 0, "a skipped test proves nothing"
    expected = {test for tests in CAUGHT_BY.values() for test in tests}
    assert expected <= outcome.passed, f"did not run: {sorted(expected - outcome.passed)}"


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_the_suite_fails_against_the_broken_server(outcomes: Outcomes, bug: str) -> None:
    outcome = outcomes[bug]
    summary = outcome.output[-4000:]
    assert outcome.returncode == 1, f"{bug} ({BUGS[bug].description}) went unnoticed\n{summary}"
    for test, reason in CAUGHT_BY[bug].items():
        reports = outcome.failures.get(test)
        # A test runs against a broken server as the in-process target of its own: one that
        # does not take the `target` fixture (or names its targets without
        # `in_process_targets()`) never meets it.
        ran = "passed" if test in outcome.passed else "did not run against it"
        assert reports, f"{bug}: {test} {ran}\n{summary}"
        assert any(reason in report for report in reports), (
            f"{bug}: {test} failed, but not with {reason!r}:\n{reports[0][:3000]}"
        )


def test_live_mode_passes_against_an_emulator_making_the_other_documented_choices(
    outcomes: Outcomes,
) -> None:
    outcome = outcomes[LIVE_TOLERANT]
    assert outcome.returncode == 0, outcome.output[-4000:]
    assert outcome.skipped == 0, "a skipped test proves nothing"
    ran = {SIZE, EXACT, KEYFRAME, DEFAULTS, ROTATE, PRESIGN_CHANGED, EXPIRED, HTTP_SCHEMA}
    ran |= {MEDIA, MEDIA_SDK, MEDIA_FORMATS, LAST_FRAME, PAGING, URL_ENCODED}
    ran |= {JOBS_INTERVAL, JOBS_AVERAGE, JOBS_SPRITE}
    assert ran <= outcome.passed, f"did not run: {sorted(ran - outcome.passed)}"


def test_the_live_report_names_that_emulators_readings_and_flags(
    outcomes: Outcomes,
) -> None:
    outcome = outcomes[LIVE_TOLERANT]
    report = json.loads(outcome.report.read_text(encoding="utf-8"))
    (target,) = report["targets"]
    readings = {question: seen["reading"] for question, seen in target["readings"].items()}
    assert readings["exactframe"] == "next"
    assert readings["past_end"] == "error"
    assert target["readings"]["past_end"]["seen"] == "400 InvalidArgument"
    assert readings["keyframe"] == "last-at-or-before"
    assert readings["media_size"] == "displayed"
    assert readings["rotation_sign"] == "clockwise"
    assert readings["media_duration"] == "video-stream"
    assert readings["stream_bitrate"] == "empty"
    assert readings["job_average_end"] == "include"
    assert readings["job_sprite_spacing"] == "css"
    flags = (
        "--exactframe next --past-end error --media-size displayed --rotation-sign clockwise"
        " --stream-bitrate empty --job-average-end include --job-sprite-spacing css"
    )
    assert target["emulator_flags"] == flags.split()
    assert target["matches_emulator_defaults"] is False
    assert f"reads the same way with: serve {flags}" in outcome.output


def test_strict_live_mode_holds_that_emulator_to_the_exact_frame(
    outcomes: Outcomes,
) -> None:
    outcome = outcomes[LIVE_STRICT]
    assert outcome.returncode == 1, outcome.output[-4000:]
    reports = outcome.failures.get(EXACT, [])
    assert any("exactframe at" in report for report in reports), outcome.output[-4000:]


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.exists() else []


def test_a_terminated_live_run_still_deletes_its_uploads(
    tmp_path: Path, made_videos: dict[str, tuple[VideoSpec, FixtureInfo]]
) -> None:
    """A cancelled or timed-out CI job sends SIGTERM: the run's uploads must not stay behind."""
    videos = next(iter(made_videos.values()))[1].path.parent
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    uploads = bucket / "cos-snapshot-contract"
    settings = EmulatorSettings(root=bucket, credentials=(LIVE_CREDENTIALS,))
    with running_emulator(settings) as url:
        process = subprocess.Popen(
            [sys.executable, "-m", "pytest", HERE, "-q", "-p", "no:cacheprovider"],
            cwd=ROOT,
            env=_live_run(videos, url, strict=False),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            everything = len(made_videos) + 1  # the videos and one object that is not a video
            deadline = time.monotonic() + 120
            while len(_files(uploads)) < everything and time.monotonic() < deadline:
                assert process.poll() is None, "the run ended before it had uploaded everything"
                time.sleep(0.02)
            assert len(_files(uploads)) == everything
            assert process.poll() is None, "the run ended before it could be terminated"
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) != 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert _files(uploads) == []


_SWALLOWING_PLUGIN = """
import os, signal, time

import pytest

_sent = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    with open(os.environ["COS_TEST_CALLS"], "a", encoding="utf-8") as calls:
        calls.write(item.nodeid + "\\n")
    if not _sent:
        _sent.append(True)
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler's interrupt is raised here
        except KeyboardInterrupt:
            pass  # and lost, as under a library's broad except or in a finalizer
    yield
"""


def test_a_terminated_run_stops_even_if_the_interrupt_is_swallowed(
    tmp_path: Path, made_videos: dict[str, tuple[VideoSpec, FixtureInfo]]
) -> None:
    """The interrupt SIGTERM raises can be lost where it lands; the run still stops at the next
    test, deletes its uploads and does not end 0."""
    videos = next(iter(made_videos.values()))[1].path.parent
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    (tmp_path / "swallowing.py").write_text(_SWALLOWING_PLUGIN, encoding="utf-8")
    calls = tmp_path / "calls.txt"
    env = _live_run(videos, "", strict=False)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), env.get("PYTHONPATH")]))
    env["COS_TEST_CALLS"] = str(calls)
    settings = EmulatorSettings(root=bucket, credentials=(LIVE_CREDENTIALS,))
    with running_emulator(settings) as url:
        env["COS_CONTRACT_ENDPOINT_URL"] = url
        command = [sys.executable, "-m", "pytest", HERE, "-q", "-p", "no:cacheprovider"]
        finished = subprocess.run(
            [*command, "-p", "swallowing"],
            check=False,
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=300,
        )
    assert finished.returncode == pytest.ExitCode.INTERRUPTED, finished.stdout[-2000:]
    assert len(calls.read_text(encoding="utf-8").splitlines()) == 1
    assert _files(bucket / "cos-snapshot-contract") == []
