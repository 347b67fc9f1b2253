"""format: the answer is the image type asked for, declared and actual.

``format=jpg`` gives ``image/jpeg`` whose bytes start with the JPEG signature, ``format=png``
gives ``image/png`` with the PNG signature, and the image decodes completely, through both the
sync and the async client.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from cos_snapshot import Snapshot

from ._config import examples
from ._expect import expected_size, magic_type
from ._helpers import times_inside
from ._targets import Target
from ._videos import VIDEO_NAMES

TYPES = {"jpg": ("image/jpeg", "JPEG"), "png": ("image/png", "PNG")}


def _check(snapshot: Snapshot, image_format: str) -> None:
    content_type, pillow_name = TYPES[image_format]
    assert snapshot.content_type == content_type
    assert magic_type(snapshot.content) == content_type, snapshot.content[:8]
    with Image.open(io.BytesIO(snapshot.content)) as image:
        image.load()
        assert image.format == pillow_name
        assert image.size == snapshot.size


@settings(max_examples=examples(12))
@given(
    video_name=st.sampled_from(VIDEO_NAMES),
    image_format=st.sampled_from(sorted(TYPES)),
    time=times_inside(2),
    width=st.integers(min_value=0, max_value=640),
)
def test_content_type_and_bytes_match_the_format_asked_for(
    target: Target, video_name: str, image_format: str, time: Decimal, width: int
) -> None:
    video = target.video(video_name)
    with target.client() as client:
        snapshot = client.get_snapshot(video.key, time, width=width, format=image_format)
    _check(snapshot, image_format)
    # The size rule holds whatever the format (each has its own encoding path in a server).
    wanted = expected_size(video.info, width, 0, "auto")
    assert snapshot.size == wanted, f"{video_name} as {image_format} at width={width}: size rule"


@pytest.mark.parametrize("image_format", sorted(TYPES))
async def test_async_client_gets_the_same_image_as_the_sync_client(
    target: Target, image_format: str
) -> None:
    key = target.video("rotated").key
    async with target.async_client() as client:
        got = await client.get_snapshot(key, "1.2", width=120, format=image_format)
    with target.client() as client:
        want = client.get_snapshot(key, "1.2", width=120, format=image_format)
    _check(got, image_format)
    assert (got.content_type, got.size) == (want.content_type, want.size)
    if target.strict:
        assert got.content == want.content
