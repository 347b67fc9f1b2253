"""The many-in-flight benchmark's arithmetic: what it calls throughput and CPU per snapshot, and
how a failed run shows in the targets (no timing is measured here)."""

from __future__ import annotations

import math
from typing import Any

from benchmarks import concurrency, report


def _run(contender: str, c: int, items: int, window_s: float, cpu_s: float, **kw: Any) -> dict:
    return {
        "contender": contender,
        "concurrency": c,
        "items": items,
        "files": kw.get("files", items),
        "window_s": window_s,
        "cpu_s": cpu_s,
        "startup_s": 0.5,
        "connections": c,
        "exit": kw.get("exit", 0),
    }


def _scenario(*, batch_files: int | None = None) -> dict[str, Any]:
    # RTT 0.2 s, C = 8: the limit is 40/s. 160 items in 4.0 s is 40/s, in 5.0 s is 32/s.
    return {
        "plan": {
            "rtt": 0.2,
            "concurrency": [8],
            "items_per_c": 20,
            "rounds": 1,
            "video_seconds": 4,
            "width": 160,
        },
        "runs": [
            # batch: 0.4 s of start-up (the one-item run) + 1 ms for each further item
            _run("batch", 8, 160, 4.0, 0.4 + 0.159, files=batch_files or 160),
            _run("aiohttp", 8, 160, 4.0, 0.08),
            _run("httpx2", 8, 160, 4.0, 0.16),
            _run("sdk", 8, 160, 5.0, 0.32),
        ],
        "batch_startup": {"8": _run("batch", 8, 1, 0.2, 0.4)},
    }


def test_throughput_is_items_over_the_proxys_window() -> None:
    scenario = _scenario()
    assert concurrency.limit(scenario, 8) == 40
    assert concurrency.throughput(scenario, "batch", 8) == 40
    assert concurrency.throughput(scenario, "sdk", 8) == 32


def test_batch_cpu_per_snapshot_leaves_its_start_up_out() -> None:
    scenario = _scenario()
    assert math.isclose(concurrency.cpu_ms(scenario, "batch", 8), 1.0)
    assert math.isclose(concurrency.cpu_ms(scenario, "sdk", 8), 2.0)  # 0.32 s / 160


def test_the_targets_compare_batch_with_the_limit_and_the_sdk() -> None:
    results = {"concurrency": _scenario()}
    targets = {t.name.split(" (")[0]: t for t in report.concurrency_targets(results)}
    assert len(targets) == 3
    limit, sdk_rate, sdk_cpu = targets.values()
    assert limit.measured == 1.0
    assert limit.passed
    assert sdk_rate.measured == 1.25
    assert sdk_rate.passed
    assert math.isclose(sdk_cpu.measured, 0.5)
    assert sdk_cpu.passed


def test_a_run_that_lost_files_fails_its_targets() -> None:
    results = {"concurrency": _scenario(batch_files=159)}
    assert concurrency.failures(results["concurrency"]) == [
        "batch at C = 8: exit 0, 159 of 160 files"
    ]
    targets = report.concurrency_targets(results)
    assert [t.passed for t in targets] == [False, False, False]
    assert "Failed runs" in "\n".join(report.concurrency_section(results))


def test_runs_made_before_the_scenario_have_no_concurrency_targets() -> None:
    assert report.concurrency_targets({}) == []
    assert report.concurrency_section({}) == []


def test_without_a_good_start_up_run_batch_has_no_cpu_figure() -> None:
    scenario = _scenario()
    scenario["batch_startup"]["8"]["exit"] = 1
    assert math.isnan(concurrency.cpu_ms(scenario, "batch", 8))
