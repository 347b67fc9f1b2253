"""TimeSelection and media_info_for: the one time selection and the one GetMediaInfo helper
that ``batch``, ``sheet`` and ``storyboard`` share.

The selection is checked when it is made and resolved against a :class:`MediaInfo`; the
helper runs against the real emulator on loopback: a missing key or an object that is not a
video is the caller's input (a typed error naming the option and the key), a refused
signature is not (the service's error, exit 1 in every command).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_media_info import FORMAT, VIDEO, media_info_xml

import cos_snapshot.tools.batch
import cos_snapshot.tools.sheet
from cos_snapshot import (
    AsyncSnapshotClient,
    CosInvalidArgumentError,
    CosServiceError,
    Credentials,
    MediaInfo,
    TimeSelection,
    media_info_for,
)
from cos_snapshot._client.media_info import parse_media_info
from cos_snapshot.cli import main
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos

KEY = "videos/clip.mp4"
AUDIO = "sounds/tone.m4a"
MISSING = "videos/missing.mp4"
CREDENTIALS = Credentials("AKIDtimeselection", "the-right-secret-key")
pytestmark = pytest.mark.cos_emulator(credentials=(CREDENTIALS,))


def info(duration: str = "2.000000", avg_fps: str = "25/1") -> MediaInfo:
    video = {**VIDEO, "Duration": duration, "AvgFps": avg_fps}
    return parse_media_info(media_info_xml(video, format_={**FORMAT, "Duration": duration}))


# -- checked when made -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    [{}, {"listed": ()}, {"listed": ("1",), "count": 2}, {"count": 2, "every": "1"}],
)
def test_exactly_one_of_listed_count_and_every_is_given(arguments: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        TimeSelection(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize("count", [0, -1, True, 2.0, "3", 100_001])
def test_count_is_a_whole_number_from_1_to_the_maximum(count: object) -> None:
    with pytest.raises(CosInvalidArgumentError) as caught:
        TimeSelection(count=count)  # type: ignore[arg-type]
    assert caught.value.parameter == "count"
    assert str(caught.value) == f"count: must be a whole number from 1 to 100000, got {count!r}"


def test_the_largest_count_is_accepted() -> None:
    assert TimeSelection(count=100_000).count == 100_000


@pytest.mark.parametrize(
    ("every", "problem"),
    [
        ("0", "must be more than 0 seconds, got '0'"),
        (Decimal(0), "must be more than 0 seconds, got Decimal('0')"),
        ("-1", "must be >= 0, got '-1'"),
        ("nan", "is not a number in decimal notation: 'nan'"),
        ("inf", "is not a number in decimal notation: 'inf'"),
        (float("inf"), "must be finite, got inf"),
        ("soon", "is not a number in decimal notation: 'soon'"),
    ],
)
def test_every_is_a_positive_finite_number_of_seconds(every: object, problem: str) -> None:
    with pytest.raises(CosInvalidArgumentError) as caught:
        TimeSelection(every=every)  # type: ignore[arg-type]
    assert caught.value.parameter == "every"
    assert caught.value.problem == problem


@pytest.mark.parametrize("time", ["150%", "-5%", "x%", "-1", "soon"])
def test_a_listed_time_that_is_not_usable_is_named_time(time: str) -> None:
    with pytest.raises(CosInvalidArgumentError) as caught:
        TimeSelection((time,))
    assert caught.value.parameter == "time"


def test_values_are_kept_written_plainly() -> None:
    assert TimeSelection((" 50.0 % ", "1.50", "END")).listed == ("50%", "1.5", "end")
    assert TimeSelection(every="0.50").every == Decimal("0.5")
    assert TimeSelection(every=2).every == Decimal(2)


@pytest.mark.parametrize(
    ("selection", "relative", "option"),
    [
        (TimeSelection(("0", "1.5")), False, "time"),
        (TimeSelection(("0", "end")), True, "time"),
        (TimeSelection(count=3), True, "count"),
        (TimeSelection(every="1"), True, "every"),
    ],
)
def test_it_says_whether_it_needs_the_video_and_which_option_it_is(
    selection: TimeSelection, relative: bool, option: str
) -> None:
    assert selection.relative is relative
    assert selection.option == option


# -- resolved --------------------------------------------------------------------------------


def test_seconds_resolve_without_the_video_each_once_in_order() -> None:
    assert TimeSelection(("1", "0.5", "1.0", "0")).resolve(None) == ["1", "0.5", "0"]


def test_relative_times_resolve_against_the_video_each_once_in_order() -> None:
    # 2 s at 25 fps: 50% is 1 s, end is the last frame at 1.96 s, 1.96 given again is kept once
    assert TimeSelection(("50%", "end", "1.96", "0")).resolve(info()) == ["1", "1.96", "0"]


def test_count_and_every_resolve_to_plain_decimals() -> None:
    assert TimeSelection(count=4).resolve(info()) == ["0.25", "0.75", "1.25", "1.75"]
    assert TimeSelection(every="0.7").resolve(info()) == ["0", "0.7", "1.4"]
    # 1/6 and 5/6 of a second have no finite decimal form: rounded to the microsecond
    assert TimeSelection(count=3).resolve(info("1")) == ["0.166667", "0.5", "0.833333"]
    # 5 µs is written plainly, not as 5E-6
    assert TimeSelection(count=1).resolve(info("0.00001")) == ["0.000005"]


def test_a_relative_selection_needs_the_media_info() -> None:
    with pytest.raises(ValueError, match="need its MediaInfo"):
        TimeSelection(count=2).resolve(None)


@given(
    duration=st.decimals(min_value="0.04", max_value="7200", places=6),
    count=st.integers(min_value=1, max_value=200),
)
def test_count_gives_increasing_plain_seconds_inside_the_video(
    duration: Decimal, count: int
) -> None:
    times = TimeSelection(count=count).resolve(info(str(duration)))
    values = [Decimal(t) for t in times]
    assert all("E" not in t and "e" not in t for t in times)
    assert values == sorted(set(values))
    assert all(0 <= v < duration for v in values)


# -- the old names ---------------------------------------------------------------------------


def test_the_tools_share_the_one_selection_and_the_one_helper() -> None:
    assert cos_snapshot.tools.batch.TimeSelection is TimeSelection
    assert cos_snapshot.tools.sheet.TimeSelection is TimeSelection
    assert cos_snapshot.tools.sheet.media_info_for is media_info_for


def test_sheet_check_every_keeps_its_behaviour() -> None:
    assert cos_snapshot.tools.sheet.check_every("0.50") == Decimal("0.5")
    for bad in ("0", None, "soon"):
        with pytest.raises(CosInvalidArgumentError) as caught:
            cos_snapshot.tools.sheet.check_every(bad)
        assert caught.value.parameter == "every"


# -- media_info_for against the real emulator ------------------------------------------------


@pytest.fixture
def server(cos_emulator: CosEmulator, cos_fixture_video: FixtureVideos, audio_only: Path) -> str:
    """An emulator that knows CREDENTIALS, holding a video and an audio-only file."""
    cos_emulator.put(KEY, cos_fixture_video(duration=2, fps=25, gop=25, size=(64, 48)))
    cos_emulator.put(AUDIO, audio_only)
    return cos_emulator.endpoint_url


def media_info(server: str, key: str, parameter: str, credentials: Credentials) -> MediaInfo:
    async def ask() -> MediaInfo:
        async with AsyncSnapshotClient(endpoint_url=server, credentials=credentials) as client:
            return await media_info_for(client, key, parameter)

    return asyncio.run(ask())


def test_a_video_gives_its_media_info(server: str) -> None:
    assert media_info(server, KEY, "count", CREDENTIALS).video_duration == 2


@pytest.mark.parametrize(
    ("key", "problem"),
    [(MISSING, "says: HTTP 404 NoSuchKey"), (AUDIO, "no video stream")],
)
def test_a_key_that_is_missing_or_no_video_is_the_callers_input(
    server: str, key: str, problem: str
) -> None:
    with pytest.raises(CosInvalidArgumentError) as caught:
        media_info(server, key, "every", CREDENTIALS)
    assert caught.value.parameter == "every"
    assert caught.value.problem.startswith(
        f"needs the video's duration, but GetMediaInfo of {key!r}"
    )
    assert problem in caught.value.problem


def test_a_refused_signature_is_the_services_answer_not_the_input(server: str) -> None:
    wrong = Credentials(CREDENTIALS.secret_id, "the-wrong-secret-key")
    with pytest.raises(CosServiceError) as caught:
        media_info(server, KEY, "count", wrong)
    assert not isinstance(caught.value, CosInvalidArgumentError)
    assert caught.value.status == 403


@pytest.mark.parametrize(
    "argv",
    [
        ["batch", KEY, "--count", "2"],
        ["sheet", KEY, "--count", "2"],
        ["storyboard", KEY],
    ],
)
def test_every_command_exits_1_when_the_signature_is_refused(
    server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", CREDENTIALS.secret_id)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "the-wrong-secret-key")
    monkeypatch.delenv("TENCENTCLOUD_SECURITY_TOKEN", raising=False)
    output = tmp_path / ("out.jpg" if argv[0] == "sheet" else "out")
    code = main([*argv, "-o", str(output), "--endpoint-url", server])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("cos-snapshot: error: ")
    assert "403 SignatureDoesNotMatch" in err
    assert "the-wrong-secret-key" not in err
    assert len(err.splitlines()) == 1
    assert not output.exists()
