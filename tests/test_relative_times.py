"""resolve_time, times_across and times_every: times relative to the video, in exact seconds.

Expected values are worked out by hand from the issue's rules: ``50%`` of the duration, ``end``
= duration minus one frame at AvgFps, ``count N`` = (i + ½)·d/N, ``every S`` = 0, S, 2S, … < d.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_media_info import FORMAT, VIDEO, media_info_xml

from cos_snapshot import (
    CosInvalidArgumentError,
    MediaInfo,
    resolve_time,
    times_across,
    times_every,
)
from cos_snapshot._client.media_info import parse_media_info


def info(duration: str = "2.000000", avg_fps: str = "25/1", **format_: str) -> MediaInfo:
    video = {**VIDEO, "Duration": duration, "AvgFps": avg_fps}
    return parse_media_info(media_info_xml(video, format_={**FORMAT, **format_}))


@pytest.mark.parametrize(
    ("time", "seconds"),
    [
        ("50%", "1"),
        ("0%", "0"),
        ("12.5%", "0.25"),
        (" 99.9 % ", "1.998"),
        ("end", "1.96"),
        ("END", "1.96"),
        ("1.5", "1.5"),
        (2, "2"),
        ("1e-7", "0.0000001"),
    ],
)
def test_a_time_resolves_to_exact_seconds(time: str | int, seconds: str) -> None:
    resolved = resolve_time(time, info())
    assert resolved == Decimal(seconds)
    assert format(resolved, "f") == seconds  # plain, no trailing zeros


def test_end_is_one_frame_before_the_end_rounded_up_to_the_microsecond() -> None:
    # 129.2 - 1/30 = 129.1666…: rounded up, so it stays inside the last frame.
    assert resolve_time("end", info("129.200000", "30/1")) == Decimal("129.166667")
    # NTSC: 10.01 - 1001/30000 = 9.9766333…
    assert resolve_time("end", info("10.010000", "30000/1001")) == Decimal("9.976634")


def test_end_uses_fps_when_avg_fps_is_missing() -> None:
    video = {**VIDEO, "Duration": "2", "AvgFps": "", "Fps": "25.000000"}
    assert resolve_time("end", parse_media_info(media_info_xml(video))) == Decimal("1.96")


def test_the_video_streams_duration_is_used_and_the_containers_only_without_it() -> None:
    assert resolve_time("50%", info("2.000000", Duration="3.000000")) == 1
    assert resolve_time("50%", info("", Duration="3.000000")) == Decimal("1.5")


@pytest.mark.parametrize(
    ("time", "needle"),
    [("150%", "below 100%"), ("-5%", "from 0%"), ("100%", "'end' is the last frame"), ("x%", "")],
)
def test_a_share_outside_the_video_is_refused(time: str, needle: str) -> None:
    with pytest.raises(CosInvalidArgumentError) as caught:
        resolve_time(time, info())
    assert caught.value.parameter == "time"
    assert needle in str(caught.value)


def test_count_is_the_middle_of_n_equal_slices() -> None:
    assert times_across(info("2.000000"), 4) == [
        Decimal("0.25"),
        Decimal("0.75"),
        Decimal("1.25"),
        Decimal("1.75"),
    ]
    assert times_across(info("10"), 3) == [Decimal("1.666667"), Decimal(5), Decimal("8.333333")]
    assert times_across(info("129.2"), 1) == [Decimal("64.6")]


def test_every_is_multiples_of_the_step_below_the_duration() -> None:
    assert times_every(info("2"), "0.5") == [Decimal(0), Decimal("0.5"), Decimal(1), Decimal("1.5")]
    assert times_every(info("2"), Decimal("0.7")) == [Decimal(0), Decimal("0.7"), Decimal("1.4")]
    assert times_every(info("2"), 5) == [Decimal(0)]


@pytest.mark.parametrize("count", [0, -1, True, 2.0, "3"])
def test_count_must_be_a_positive_integer(count: object) -> None:
    with pytest.raises(CosInvalidArgumentError) as caught:
        times_across(info(), count)  # type: ignore[arg-type]
    assert caught.value.parameter == "count"


@pytest.mark.parametrize("step", [0, "0", -1, "abc", float("nan"), "0.000001"])
def test_every_must_be_a_positive_step_giving_a_bounded_list(step: object) -> None:
    with pytest.raises(CosInvalidArgumentError) as caught:
        times_every(info("1000"), step)  # type: ignore[arg-type]
    assert caught.value.parameter == "every"


def test_relative_times_need_a_video_with_a_duration() -> None:
    no_video = parse_media_info(media_info_xml({}))
    no_duration = info("", Duration="")
    for media in (no_video, no_duration):
        for call in (
            lambda m: resolve_time("50%", m),
            lambda m: resolve_time("end", m),
            lambda m: times_across(m, 3),
            lambda m: times_every(m, 1),
        ):
            with pytest.raises(CosInvalidArgumentError, match="video"):
                call(media)
    # Plain seconds need nothing from the video.
    assert resolve_time("1", no_video) == 1


@given(
    duration=st.decimals(min_value="0.04", max_value="100000", places=6),
    count=st.integers(min_value=1, max_value=300),
)
def test_count_times_are_inside_the_video_in_order(duration: Decimal, count: int) -> None:
    times = times_across(info(str(duration)), count)
    assert len(times) == count
    assert all(0 < t < duration for t in times)
    assert times == sorted(set(times))
    # Each within a microsecond of the exact middle of its slice.
    for i, t in enumerate(times):
        exact = (2 * i + 1) * Fraction(duration) / (2 * count)
        assert abs(Fraction(t) - exact) <= Fraction(1, 2_000_000)


@given(
    duration=st.decimals(min_value="0.04", max_value="10000", places=6),
    step=st.decimals(min_value="0.5", max_value="1000", places=3),
)
def test_every_times_start_at_zero_step_evenly_and_stay_below_the_duration(
    duration: Decimal, step: Decimal
) -> None:
    times = times_every(info(str(duration)), step)
    assert times[0] == 0
    assert all(t < duration for t in times)
    assert times[-1] + step >= duration
    assert all(b - a == step for a, b in itertools.pairwise(times))
