"""The GitHub Action: action.yml declares the inputs the issue names and runs
scripts/contract_action.sh, which this test runs against an emulator on a loopback port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cos_snapshot import Credentials
from cos_snapshot.testing.pytest_plugin import CosEmulator

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "contract_action.sh"
CREDENTIALS = Credentials("AKIDcontractAction00000000000000000", "contract-action-secret")


def test_the_action_has_the_documented_inputs_and_runs_the_tested_script() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert set(action["inputs"]) == {
        "bucket",
        "region",
        "endpoint-url",
        "strict",
        "anonymous",
        "python-version",
        "version",
    }
    assert action["runs"]["using"] == "composite"
    runs = " ".join(step.get("run", "") for step in action["runs"]["steps"])
    assert "scripts/contract_action.sh" in runs
    assert "[contract]" in runs
    uploads = [s for s in action["runs"]["steps"] if s.get("uses", "").startswith("actions/upload")]
    assert uploads
    assert "contract-report.json" in uploads[0]["with"]["path"]


def test_the_workflow_uses_the_action() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "contract.yml").read_text())
    uses = [step.get("uses") for job in workflow["jobs"].values() for step in job["steps"]]
    assert "./" in uses


def _run_script(
    tmp_path: Path, url: str, videos: dict[str, str], **inputs: str
) -> tuple[int, str, Path]:
    """The script against the emulator at ``url``: one reading of the suite (the one these
    tests look at), with the session's fixture videos; its exit code, summary and output."""
    summary = tmp_path / "summary.md"
    out = tmp_path / "results"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("COS_", "TENCENTCLOUD_"))}
    environ.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{environ.get('PATH', '')}",
        GITHUB_STEP_SUMMARY=str(summary),
        CONTRACT_OUTPUT_DIR=str(out),
        CONTRACT_EXTRA_ARGS="--examples 0.2 -- -k exactframe_reading",
        INPUT_ENDPOINT_URL=url,
        INPUT_BUCKET="examplebucket-1250000000",
        INPUT_REGION="ap-guangzhou",
        TENCENTCLOUD_SECRET_ID=CREDENTIALS.secret_id,
        TENCENTCLOUD_SECRET_KEY=CREDENTIALS.secret_key,
        **videos,
        **inputs,
    )
    workdir = tmp_path / "job"
    workdir.mkdir()
    result = subprocess.run(
        ["bash", str(SCRIPT)],
        cwd=workdir,
        env=environ,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    text = summary.read_text(encoding="utf-8") if summary.exists() else ""
    return result.returncode, text + result.stdout[-2000:] + result.stderr[-2000:], out


@pytest.mark.slow
@pytest.mark.cos_emulator(credentials=(CREDENTIALS,), exactframe="next")
def test_the_script_runs_the_live_suite_and_writes_the_summary_and_artifacts(
    tmp_path: Path, contract_video_cache: dict[str, str], cos_emulator: CosEmulator
) -> None:
    url = cos_emulator.endpoint_url
    code, summary, out = _run_script(tmp_path, url, contract_video_cache)
    assert code == 0, summary
    assert "| `exactframe` | `next` |" in summary
    assert "cos-snapshot serve --exactframe next" in summary
    assert (out / "contract.junit.xml").is_file()
    report = json.loads((out / "contract-report.json").read_text())
    assert report["targets"][0]["name"] == "live"


@pytest.mark.cos_emulator(credentials=(CREDENTIALS,), exactframe="next")
def test_the_script_exits_1_when_a_contract_fails_and_still_writes_the_summary(
    tmp_path: Path, contract_video_cache: dict[str, str], cos_emulator: CosEmulator
) -> None:
    url = cos_emulator.endpoint_url
    code, summary, _ = _run_script(tmp_path, url, contract_video_cache, INPUT_STRICT="true")
    assert code == 1, summary
    assert "### Failed" in summary
    assert "exactframe: the target reads next" in summary
