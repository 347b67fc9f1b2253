"""Which frame: ``mode=exactframe`` and ``mode=keyframe`` for any time.

- exactframe: the frame on screen at ``time`` (the last frame whose presentation time is at or
  before it), also exactly at frame boundaries, a hair before them and past the end (the last
  frame). A live target without ``COS_CONTRACT_STRICT=1`` may give the first frame at or after
  ``time`` instead, and a 400 past the end (``_expect.py``).
- keyframe: a keyframe, never later than the exactframe result for the same time; strictly, the
  last keyframe at or before ``time``.

The frame index is read back from the picture (every fixture frame shows its own index).
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cos_snapshot.testing import FixtureInfo

from ._config import examples
from ._expect import exactframe_expectation, keyframe_expectation
from ._helpers import check_frame, decimal_of, snapshot_or_error
from ._targets import Target
from ._videos import DURATION, VIDEO_NAMES, VideoSpec

NANO = Decimal("1e-9")


@st.composite
def times(draw: st.DrawFn) -> Decimal:
    """Times that matter: exact frame boundaries and a hair either side of them, anywhere in
    the video with up to 9 decimals, and past the end."""
    kind = draw(st.sampled_from(["boundary", "before", "after", "inside", "past end"]))
    if kind == "inside":
        return draw(st.decimals(min_value=0, max_value=DURATION, places=draw(st.integers(0, 9))))
    if kind == "past end":
        return draw(st.decimals(min_value=DURATION, max_value=10**5, places=3))
    frame = draw(st.integers(min_value=0, max_value=DURATION * 25 - 1))
    boundary = Decimal(frame) / 25
    if kind == "before":
        return max(Decimal(0), boundary - NANO)
    if kind == "after":
        return boundary + NANO
    return boundary


#: Each output format has its own encoding path in a server: the frame must not depend on it.
FORMATS = st.sampled_from(["jpg", "png"])


@settings(max_examples=examples(30))
@given(video_name=st.sampled_from(VIDEO_NAMES), time=times(), image_format=FORMATS)
@example(video_name="plain", time=Decimal("0.04"), image_format="jpg")
@example(video_name="plain", time=Decimal("0.0399999999999999999999"), image_format="jpg")
@example(video_name="hevc", time=Decimal("1.96"), image_format="jpg")
@example(video_name="mpegts", time=Decimal("1.16"), image_format="jpg")
@example(video_name="plain", time=Decimal(DURATION), image_format="jpg")
@example(video_name="plain", time=Decimal(3600), image_format="jpg")
@example(video_name="plain", time=Decimal("0.52"), image_format="png")
def test_exactframe_is_the_frame_on_screen(
    target: Target, video_name: str, time: Decimal, image_format: str
) -> None:
    video = target.video(video_name)
    expected = exactframe_expectation(video.info, time, strict=target.strict)
    snapshot = snapshot_or_error(target, video.key, time, mode="exactframe", format=image_format)
    check_frame(snapshot, expected, f"{video_name} exactframe at {time} as {image_format}")


@settings(max_examples=examples(25))
@given(video_name=st.sampled_from(VIDEO_NAMES), time=times(), image_format=FORMATS)
@example(video_name="plain", time=Decimal("0.39"), image_format="jpg")
@example(video_name="plain", time=Decimal("0.4"), image_format="jpg")
@example(video_name="hevc", time=Decimal("1.99"), image_format="jpg")
@example(video_name="plain", time=Decimal("1.5"), image_format="png")
def test_keyframe_is_a_keyframe_no_later_than_the_exact_frame(
    target: Target, video_name: str, time: Decimal, image_format: str
) -> None:
    video = target.video(video_name)
    context = f"{video_name} at {time} as {image_format}"
    keyframe = check_frame(
        snapshot_or_error(target, video.key, time, mode="keyframe", format=image_format),
        keyframe_expectation(video.info, time, strict=target.strict),
        f"{context} keyframe",
    )
    exact = check_frame(
        snapshot_or_error(target, video.key, time, mode="exactframe", format=image_format),
        exactframe_expectation(video.info, time, strict=target.strict),
        f"{context} exactframe",
    )
    if keyframe is not None:
        assert keyframe in video.info.keyframes, f"{context}: frame {keyframe} is no keyframe"
        if exact is not None:
            assert keyframe <= exact, f"{context}: keyframe {keyframe} after exact frame {exact}"


def test_fixture_frames_start_on_the_boundaries_used_above(
    made_videos: dict[str, tuple[VideoSpec, FixtureInfo]],
) -> None:
    """The boundaries the times above aim at are the real ones: frame i starts at i/25 s."""
    for _, info in made_videos.values():
        assert [decimal_of(t) for t in info.times] == [
            Decimal(i) / 25 for i in range(DURATION * 25)
        ]
