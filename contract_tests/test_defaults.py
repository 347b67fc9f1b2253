"""Defaults: leaving out width, height, format, rotate or mode gives the same image as sending
its documented default (0, 0, jpg, auto, exactframe).

Requests are built by the generated client, which leaves out what it is not given, and signed
by the project's signer. Any subset of the optional parameters is left out; the result is
compared with a request that sends them all.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cos_snapshot import Snapshot

from ._config import examples
from ._helpers import DEFAULTS, frame_of, orientation_of, request_with, times_inside
from ._targets import Target
from ._videos import VIDEO_NAMES


def _image(response_status: int, content: bytes, text: str) -> Snapshot:
    assert response_status == 200, text
    return Snapshot.from_bytes(content)


@settings(max_examples=examples(15))
@given(
    video_name=st.sampled_from(VIDEO_NAMES),
    time=times_inside(2),
    left_out=st.sets(st.sampled_from(sorted(DEFAULTS)), min_size=1),
)
@example(video_name="rotated", time=Decimal("0.99"), left_out=set(DEFAULTS))
@example(video_name="plain", time=Decimal("0.39"), left_out={"mode"})
@example(video_name="plain", time=Decimal("0.5"), left_out={"format"})
def test_left_out_parameters_take_their_documented_defaults(
    target: Target, video_name: str, time: Decimal, left_out: set[str]
) -> None:
    key = target.video(video_name).key
    sent = {name: value for name, value in DEFAULTS.items() if name not in left_out}
    explicit = request_with(target, key, time, **DEFAULTS)
    implicit = request_with(target, key, time, **sent)
    want = _image(explicit.status_code, explicit.content, explicit.text)
    got = _image(implicit.status_code, implicit.content, implicit.text)
    context = f"leaving out {sorted(left_out)}"
    assert implicit.headers["content-type"] == explicit.headers["content-type"], context
    assert (got.content_type, got.size) == (want.content_type, want.size), context
    assert frame_of(got) == frame_of(want), context
    assert orientation_of(got) == orientation_of(want), context
