"""``cos-snapshot contract``: settings and exit codes, and real runs of the installed command
against the embedded emulator and against emulators on a loopback port.

One run goes end to end as a user's does (the embedded emulator, the suite making its fixture
videos); the others check one behaviour each, on a narrow selection of the suite and with the
videos made once for the session (``contract_video_cache``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from contract_tests._videos import EXTRA_SPECS, VIDEO_SPECS
from cos_snapshot import Credentials
from cos_snapshot.cli import main
from cos_snapshot.testing.contract import ContractOptions, ContractUsageError, live_environment
from cos_snapshot.testing.pytest_plugin import CosEmulator

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "contract_tests" / "report.schema.json").read_text())
CREDENTIALS = Credentials("AKIDcontractCommand0000000000000000", "contract-command-secret")
BUCKET = "examplebucket-1250000000"


def _clean_environment(**settings: str) -> dict[str, str]:
    """This environment without any COS or credential variable, plus ``settings``."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("COS_", "TENCENTCLOUD_"))}
    return {**kept, **settings}


@pytest.fixture
def no_cos_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("COS_", "TENCENTCLOUD_")):
            monkeypatch.delenv(name)


@pytest.mark.usefixtures("no_cos_variables")
@pytest.mark.parametrize(
    ("argv", "environment", "named"),
    [
        (["--live"], {}, "--bucket"),
        (["--live", "--bucket", BUCKET], {}, "--region"),
        (
            ["--live"],
            {"COS_BUCKET": BUCKET, "COS_REGION": "ap-guangzhou"},
            "TENCENTCLOUD_SECRET_ID",
        ),
        (
            ["--live", "--bucket", BUCKET, "--region", "ap-guangzhou"],
            {"TENCENTCLOUD_SECRET_ID": "AKIDx"},
            "TENCENTCLOUD_SECRET_KEY",
        ),
        (["--bucket", BUCKET], {}, "--bucket without --live"),
        (["--endpoint-url", "http://127.0.0.1:1", "--strict"], {}, "--endpoint-url, --strict"),
    ],
)
def test_a_missing_or_misplaced_setting_exits_2_naming_it(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    environment: dict[str, str],
    named: str,
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(["contract", *argv]) == 2
    err = capsys.readouterr().err
    assert named in err
    assert len(err.strip().splitlines()) == 1


def test_examples_must_be_a_positive_number(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["contract", "--examples", "0"])
    assert exited.value.code == 2
    assert "--examples" in capsys.readouterr().err


def test_a_flag_wins_over_the_suites_variable_which_wins_over_the_commands() -> None:
    environ = {
        "COS_BUCKET": "general-1",
        "COS_REGION": "ap-general",
        "COS_ENDPOINT_URL": "http://general",
        "COS_CONTRACT_BUCKET": "suite-1",
        "COS_CONTRACT_REGION": "ap-suite",
        "TENCENTCLOUD_SECRET_ID": "AKIDx",
        "TENCENTCLOUD_SECRET_KEY": "k",
    }
    chosen = live_environment(ContractOptions(live=True, bucket="flag-1"), environ)
    assert chosen["COS_CONTRACT_BUCKET"] == "flag-1"
    assert chosen["COS_CONTRACT_REGION"] == "ap-suite"
    assert chosen["COS_CONTRACT_ENDPOINT_URL"] == "http://general"
    assert chosen["COS_CONTRACT_TARGETS"] == "live"
    with pytest.raises(ContractUsageError, match="region"):
        live_environment(ContractOptions(live=True), {"COS_CONTRACT_BUCKET": "b-1"})


def _command(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any] | None]:
    """Run the installed command from an empty directory; its report, if it wrote one."""
    workdir = tmp_path / "empty"
    workdir.mkdir(exist_ok=True)
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "cos_snapshot.cli", "contract", "--report", str(report), *args],
        cwd=workdir,
        env=env or _clean_environment(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert list(workdir.iterdir()) == [], "the run left files in the current directory"
    loaded = json.loads(report.read_text()) if report.exists() else None
    if loaded is not None:
        jsonschema.validate(loaded, SCHEMA)
    return result, loaded


def _readings(report: dict[str, Any], target: str) -> dict[str, str]:
    (found,) = [t for t in report["targets"] if t["name"] == target]
    return {question: seen["reading"] for question, seen in found["readings"].items()}


def test_against_the_embedded_emulator_the_report_names_its_defaults(tmp_path: Path) -> None:
    result, report = _command(tmp_path, "--examples", "0.2", "--", "-k", "readings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert report is not None
    assert _readings(report, "uvicorn") == {
        "exactframe": "on-screen",
        "keyframe": "last-at-or-before",
        "past_end": "last-frame",
        "one_side_zero": "round-half-up",
        "both_sides": "stretch",
        "mirrored": "applied",
        "time_origin": "first-frame",
        "sample_aspect": "ignored",
        "media_size": "stored",
        "rotation_sign": "counter-clockwise",
        "media_duration": "video-stream",
        "stream_bitrate": "measured",
        "full_size": "fit",
    }
    (target,) = report["targets"]
    assert target["matches_emulator_defaults"] is True
    assert target["emulator_flags"] == []
    assert "behaviour report" in result.stdout
    assert report["outcome"]["passed"] >= 8


def _live(url: str) -> tuple[str, ...]:
    return ("--live", "--endpoint-url", url, "--bucket", BUCKET, "--region", "ap-guangzhou")


def _live_environment(videos: dict[str, str]) -> dict[str, str]:
    return _clean_environment(
        TENCENTCLOUD_SECRET_ID=CREDENTIALS.secret_id,
        TENCENTCLOUD_SECRET_KEY=CREDENTIALS.secret_key,
        **videos,
    )


@pytest.mark.slow
@pytest.mark.cos_emulator(credentials=(CREDENTIALS,), one_side_zero="floor")
def test_against_a_server_that_rounds_down_it_exits_1_saying_which_contract_and_request(
    tmp_path: Path, contract_video_cache: dict[str, str], cos_emulator: CosEmulator
) -> None:
    root = cos_emulator.root
    result, report = _command(
        tmp_path,
        *_live(cos_emulator.endpoint_url),
        "--examples",
        "0.2",
        "--",
        "-k",
        "one_side_zero_reading or test_width_and_height_follow_the_rule",
        env=_live_environment(contract_video_cache),
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    summary = result.stdout.split("contracts that failed", 1)[1]
    assert "test width and height follow the rule" in summary
    assert "one side zero reading" in summary
    assert "width=6&height=0 -> 6x4" in summary  # the request, and what it got
    assert report is not None
    assert _readings(report, "live")["one_side_zero"] == "floor"
    (target,) = report["targets"]
    assert target["emulator_flags"] == ["--one-side-zero", "floor"]
    assert target["matches_emulator_defaults"] is False
    assert [p for p in root.rglob("*") if p.is_file()] == [], "the uploads were left behind"


def test_a_run_in_which_no_test_passes_exits_2(tmp_path: Path) -> None:
    result, report = _command(tmp_path, "--", "-k", "no_test_is_called_this")
    assert result.returncode == 2, result.stdout[-3000:]
    assert report is not None
    assert report["outcome"]["passed"] == 0


def test_live_selected_under_plain_pytest_without_its_settings_is_a_usage_error(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "contract_tests", "-p", "no:cacheprovider", "-q"],
        cwd=ROOT,
        env=_clean_environment(COS_CONTRACT_TARGETS="live", COS_CONTRACT_BUCKET=BUCKET),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout[-2000:]
    assert "COS_CONTRACT_REGION" in result.stderr


@pytest.mark.cos_emulator(credentials=(CREDENTIALS,))
def test_sigterm_to_the_command_ends_the_run_after_deleting_its_uploads(
    tmp_path: Path, contract_video_cache: dict[str, str], cos_emulator: CosEmulator
) -> None:
    uploads = cos_emulator.root / "cos-snapshot-contract"
    workdir = tmp_path / "empty"
    workdir.mkdir()
    url = cos_emulator.endpoint_url
    process = subprocess.Popen(
        [sys.executable, "-m", "cos_snapshot.cli", "contract", *_live(url)],
        cwd=workdir,
        env=_live_environment(contract_video_cache),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # The fixture videos (those of every test and those of one question) and one
        # object that is not a video.
        everything = len(VIDEO_SPECS) + len(EXTRA_SPECS) + 1
        deadline = time.monotonic() + 300
        while len(_files(uploads)) < everything and time.monotonic() < deadline:
            assert process.poll() is None, "the run ended before it had uploaded everything"
            time.sleep(0.02)
        assert len(_files(uploads)) == everything
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=120) == 130
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert _files(uploads) == []


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.exists() else []
