"""The width/height rule, for any width and height in 0..4096:

- both 0: the displayed size (rotate=auto) or the stored size (rotate=off);
- one 0: it follows the aspect ratio from the other, rounded half up;
- both set: exactly that size, stretched.

On the plain, the 90°-rotated and the rotated-and-mirrored fixtures. Where the picture is big
enough to read, the frame index and the orientation markers are checked too: scaling must not
change which frame, or which way up.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cos_snapshot.testing import Orientation

from ._config import examples
from ._expect import expected_size
from ._helpers import frame_of, orientation_of
from ._targets import Target

side = st.integers(min_value=1, max_value=4096)
#: Each form of the rule equally often: (0, 0), (w, 0), (0, h), (w, h).
sizes = st.one_of(
    st.just((0, 0)),
    st.tuples(side, st.just(0)),
    st.tuples(st.just(0), side),
    st.tuples(side, side),
)
TIME = Decimal("0.52")  # frame 13 of every fixture
READABLE = 36  # pixels; the pattern reads down to ~4 px per grid cell


@pytest.mark.parametrize("video_name", ["plain", "rotated", "mirrored"])
@settings(max_examples=examples(25))
@given(size=sizes, rotate=st.sampled_from(["auto", "off"]))
# Exact halves: 6 x 3/4 = 4.5 and 6 x 4/3 ... reach x.5 on one fixture or the other, where
# round-half-up (5) and round-half-even (4) differ. And both extremes.
@example(size=(6, 0), rotate="auto")
@example(size=(0, 6), rotate="auto")
@example(size=(6, 0), rotate="off")
@example(size=(0, 6), rotate="off")
@example(size=(4096, 0), rotate="auto")
@example(size=(1, 4096), rotate="off")
def test_width_and_height_follow_the_rule(
    target: Target, video_name: str, size: tuple[int, int], rotate: str
) -> None:
    video = target.video(video_name)
    width, height = size
    with target.client() as client:
        snapshot = client.get_snapshot(video.key, TIME, width=width, height=height, rotate=rotate)
    want = expected_size(video.info, width, height, rotate)
    assert snapshot.size == want, f"size rule: width={width} height={height} rotate={rotate}"
    if min(snapshot.size) >= READABLE:
        assert frame_of(snapshot) == video.info.frame_at(TIME)
        shown = video.info.orientation if rotate == "auto" else Orientation()
        assert orientation_of(snapshot) == shown
