"""One time grammar (parse_time): seconds, ``50%``, ``end`` and ``auto`` where the caller allows
it, with one set of messages, whoever reads the time (the library, get, presign, batch --times,
an input file's time column, sheet --times)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import run

from cos_snapshot import (
    NO_AUTO_FOR_A_START,
    NO_AUTO_IN_A_SHEET,
    NO_AUTO_IN_A_URL,
    CosInvalidArgumentError,
    TimeSelection,
    parse_time,
    resolve_time,
)
from cos_snapshot.tools.batch import BatchInputError, ItemDefaults, iter_items, parse_times


@pytest.mark.parametrize(
    ("time", "written"),
    [
        ("1.50", "1.5"),
        (" 2 ", "2"),
        (3, "3"),
        (0.25, "0.25"),
        (" 50.0 % ", "50%"),
        ("End", "end"),
        ("1e1", "10"),
    ],
)
def test_a_time_is_written_plainly(time: str | int | float, written: str) -> None:
    assert parse_time(time) == written
    assert parse_time(time, allow_auto=True) == written


def test_auto_is_a_time_only_where_it_is_allowed() -> None:
    assert parse_time(" AUTO ", allow_auto=True) == "auto"
    with pytest.raises(CosInvalidArgumentError) as refused:
        parse_time("auto")
    assert refused.value.parameter == "time"
    assert "auto (the best poster) is not taken here" in refused.value.problem


@pytest.mark.parametrize("reason", [NO_AUTO_IN_A_URL, NO_AUTO_IN_A_SHEET, NO_AUTO_FOR_A_START])
def test_a_refused_auto_says_why(reason: str) -> None:
    with pytest.raises(CosInvalidArgumentError, match="not taken here") as refused:
        parse_time("auto", no_auto=reason)
    assert reason in refused.value.problem


@pytest.mark.parametrize(
    ("time", "problem"),
    [
        ("soon", "'soon' is not a time: give seconds (1.5), a share of the video (50%), end"),
        ("-1", "must be >= 0"),
        ("100%", "a share of the video must be from 0% to below 100%"),
        ("1.5s", "is not a number in decimal notation"),
    ],
)
def test_one_message_whoever_reads_the_time(
    time: str, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CosInvalidArgumentError) as library:
        parse_time(time)
    assert problem in library.value.problem
    with pytest.raises(BatchInputError) as times:
        parse_times(time, relative=True, auto=True)
    assert problem in str(times.value)
    rows = tmp_path / "items.csv"
    rows.write_text(f"key,time\na.mp4,{time}\n", encoding="utf-8")
    with pytest.raises(BatchInputError) as row:
        list(iter_items(rows, ItemDefaults()))
    assert problem in str(row.value)
    unreachable = ("--endpoint-url", "http://127.0.0.1:9", "--anonymous")
    for argv in (
        ("get", "a.mp4", "--time", time, "-o", str(tmp_path / "a.jpg")),
        ("presign", "a.mp4", "--time", time),
        ("batch", "a.mp4", "--times", time, "-o", str(tmp_path)),
        ("sheet", "a.mp4", "--times", time, "-o", str(tmp_path / "s.jpg")),
    ):
        code, _, err = run(capsys, *argv, *unreachable)
        assert code == 2, argv
        assert problem in err, argv


def test_auto_stays_auto_in_a_selection_and_is_not_resolved_from_the_media_info() -> None:
    selection = TimeSelection(("1", "auto"))
    assert selection.auto
    assert not selection.relative  # auto needs no duration before it is taken
    assert selection.resolve(None) == ["1", "auto"]
    with pytest.raises(CosInvalidArgumentError, match="chosen from the frames"):
        resolve_time("auto", None)  # type: ignore[arg-type]
