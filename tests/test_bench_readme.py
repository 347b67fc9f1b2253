"""The README's speed section is the latest full benchmark run, and a run rewrites only it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import report

REPO = Path(__file__).resolve().parent.parent


def test_readme_shows_the_committed_benchmark_results() -> None:
    results = json.loads((REPO / "benchmarks" / "results.json").read_text())
    assert results["plan"]["quick"] is False
    assert report.readme_block(results) in (REPO / "README.md").read_text()
    assert (REPO / "benchmarks" / report.PLOT).is_file()


def test_update_readme_replaces_only_the_marked_block(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        f"# Title\n\nbefore\n\n{report.README_START}\nold table\n{report.README_END}\n\nafter\n"
    )
    block = f"{report.README_START}\nnew table\n{report.README_END}"
    report.update_readme(readme, block)
    assert readme.read_text() == f"# Title\n\nbefore\n\n{block}\n\nafter\n"


def test_update_readme_without_markers_is_an_error(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n")
    with pytest.raises(ValueError, match="benchmarks:start"):
        report.update_readme(readme, "x")
    assert readme.read_text() == "# Title\n"
