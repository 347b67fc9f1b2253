"""The bench's auto poster entry: its target reads the recorded rounds (no timing is asserted:
the numbers here are made up), and runs made before it have none."""

from __future__ import annotations

from benchmarks import report


def poster(poster_ms: list[float], snapshot_ms: list[float]) -> dict[str, object]:
    return {
        "label": "720p",
        "rtt": 0.2,
        "width": 0,
        "candidates": 8,
        "snapshots": 9,
        "chosen": ["33.75"] * len(poster_ms),
        "poster_ms": poster_ms,
        "snapshot_ms": snapshot_ms,
    }


def test_the_target_is_the_median_poster_over_the_median_snapshot() -> None:
    (within,) = report.poster_targets({"poster": poster([900, 1000, 5000], [300, 250, 260])})
    assert within.measured == 1000 / 260
    assert within.passed
    assert "RTT 200 ms" in within.name
    assert "9 snapshots" in within.why
    (over,) = report.poster_targets({"poster": poster([1300], [300])})
    assert not over.passed
    assert over.verdict.startswith("MISS")


def test_runs_made_before_the_entry_have_no_poster_target() -> None:
    assert report.poster_targets({}) == []
