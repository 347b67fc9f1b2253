"""The benchmark harness runs end to end (quick mode) and writes well-formed results.

Only the outputs' shape is checked; timings are never asserted in the test suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib", reason="the bench dependency group is not installed")
pytest.importorskip("imageio_ffmpeg", reason="the bench dependency group is not installed")
pytest.importorskip("qcloud_cos", reason="the bench dependency group is not installed")

from PIL import Image

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench")
    env = {**os.environ, "BENCH_QUICK": "1"}
    subprocess.run(
        [sys.executable, "-m", "benchmarks", "--out", str(out)],
        cwd=REPO,
        env=env,
        check=True,
        timeout=600,
    )
    return out


@pytest.mark.slow
def test_quick_run_writes_results_md_with_every_target(out: Path) -> None:
    text = (out / "results.md").read_text()
    assert text.startswith("# Benchmark results")
    assert "Quick smoke run" in text
    for section in (
        "## Targets",
        "## Snapshot latency by GOP position",
        "## Result cache",
        "## Many snapshots in flight",
        "## A long batch: memory and Ctrl-C",
        "## The whole bucket: batch --prefix and the emulator's listing",
        "## Snapshot jobs",
        "## Client",
        "## Memory",
        "## How cost grows",
        "## Machine and versions",
    ):
        assert section in text
    targets = text.split("## Targets", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in targets.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + 26  # the header and one row per target
    for row in rows[1:]:
        assert "**PASS**" in row or "**MISS:" in row, row
    assert "latency_vs_gop_position.png" in text
    assert "concurrency.png" in text


@pytest.mark.slow
def test_quick_run_compares_every_contender_at_every_concurrency(out: Path) -> None:
    text = (out / "results.md").read_text()
    section = text.split("## Many snapshots in flight", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    scenario = json.loads((out / "results.json").read_text())["concurrency"]
    contenders = {"`cos-snapshot batch`", "aiohttp transport", "httpx2 transport", "official SDK"}
    assert len(rows) == 1 + len(contenders) * len(scenario["plan"]["concurrency"])
    for contender in contenders:
        assert any(contender in row for row in rows[1:]), contender
    assert "Failed runs" not in section


@pytest.mark.slow
def test_quick_run_interrupts_a_long_batch_at_each_input_size(out: Path) -> None:
    stream = json.loads((out / "results.json").read_text())["batch_stream"]
    text = (out / "results.md").read_text()
    section = text.split("## A long batch: memory and Ctrl-C", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + len(stream["runs"]) >= 3
    for run in stream["runs"]:
        # Interrupted while taking: exit 130, and every row not yet taken listed
        assert run["exit_code"] == 130
        assert run["images_at_sigint"] >= stream["stop_after"]
        assert 0 < run["not_run_rows"] <= run["rows"] - run["images_at_sigint"]


@pytest.mark.slow
def test_quick_run_takes_every_listed_key_and_lists_the_whole_root(out: Path) -> None:
    bucket = json.loads((out / "results.json").read_text())["bucket"]
    plan = bucket["plan"]
    runs = bucket["prefix_batch"]["runs"]
    # the listing, the same keys from a file, and the bucket as the destination
    assert {run["contender"] for run in runs} == {"local", "input", "cos"}
    for run in runs:
        assert run["exit"] == 0, run
        assert run["files"] == run["items"] == plan["objects"], run
        assert run["window_s"] > 0, run
    listing = bucket["listing"]
    assert listing["keys_listed"] == listing["objects"] == plan["directories"] * plan["files"]
    assert len(listing["pages_ms"]) == -(-listing["objects"] // 1000)  # 1,000 keys a page
    assert len(listing["first_ms"]) == len(listing["last_ms"]) == plan["listing_rounds"]
    assert listing["rss_before_kib"] > 0


@pytest.mark.slow
def test_quick_run_writes_the_concurrency_plot(out: Path) -> None:
    with Image.open(out / "concurrency.png") as plot:
        assert plot.format == "PNG"
        assert plot.width > 400


@pytest.mark.slow
def test_quick_run_writes_the_plot(out: Path) -> None:
    with Image.open(out / "latency_vs_gop_position.png") as plot:
        assert plot.format == "PNG"
        assert plot.width > 400
        assert plot.height > 200


@pytest.mark.slow
def test_quick_run_writes_raw_numbers(out: Path) -> None:
    results = json.loads((out / "results.json").read_text())
    assert results["plan"]["quick"] is True
    for label in ("360p", "720p"):
        for position in ("0", "1", "25", "49"):
            cell = results["sweep"][label][position]
            for method in ("keyframe", "exactframe", "ffmpeg", "floor"):
                assert cell[method], (label, position, method)
                assert all(t > 0 for t in cell[method])
    assert results["memory"]["errors"] == 0
    assert results["memory"]["peak_kib"] > 0
    assert results["machine"]["packages"]["av"] != "-"
    scenario = results["concurrency"]
    kinds = {run["contender"] for run in scenario["runs"]}
    assert kinds == {"batch", "aiohttp", "httpx2", "sdk"}
    for run in scenario["runs"]:
        # every contender wrote every image, and the proxy saw its traffic
        assert run["exit"] == 0, run
        assert run["files"] == run["items"] > 0, run
        assert run["window_s"] > 0, run
        assert run["connections"] >= 1, run
        assert run["cpu_s"] > 0, run
