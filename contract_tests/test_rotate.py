"""rotate: ``auto`` applies the video's display matrix (rotation and mirroring), ``off`` shows
the picture as stored.

On a rotated or mirrored fixture the two differ the documented way: the sizes swap for a
quarter turn and the orientation markers (the red and green corners of the pattern) move to
where the display matrix puts them. On a plain fixture the two are the same picture.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cos_snapshot.testing import Orientation

from ._config import examples
from ._helpers import frame_of, orientation_of, times_inside
from ._targets import Target


@pytest.mark.parametrize("video_name", ["rotated", "mirrored"])
@settings(max_examples=examples(8))
@given(
    time=times_inside(2),
    image_format=st.sampled_from(["jpg", "png"]),
)
def test_auto_applies_the_display_matrix_and_off_does_not(
    target: Target, video_name: str, time: Decimal, image_format: str
) -> None:
    video = target.video(video_name)
    with target.client() as client:
        auto = client.get_snapshot(video.key, time, rotate="auto", format=image_format)
        off = client.get_snapshot(video.key, time, rotate="off", format=image_format)
    assert auto.size == video.info.display_size
    assert off.size == video.info.stored_size
    if video.info.orientation.swaps_axes:
        assert auto.size == (off.height, off.width)
    assert orientation_of(auto) == video.info.orientation
    assert orientation_of(off) == Orientation()
    assert frame_of(auto) == frame_of(off)


def test_rotate_changes_nothing_without_a_display_matrix(target: Target) -> None:
    video = target.video("plain")
    with target.client() as client:
        auto = client.get_snapshot(video.key, "0.8", rotate="auto")
        off = client.get_snapshot(video.key, "0.8", rotate="off")
    assert auto.size == off.size == video.info.stored_size
    assert orientation_of(auto) == orientation_of(off) == Orientation()
    assert frame_of(auto) == frame_of(off) == video.info.frame_at(Decimal("0.8"))
