"""Object keys: a key reaches its object however it is spelt — spaces, unicode, ``+``,
characters that mean something in a URL (``? # & = ;``), a literal ``%41``, nested
directories — uploaded by the official SDK, read by the typed client, signed in the header or
presigned."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cos_snapshot import Snapshot

from ._helpers import frame_of
from ._targets import Target
from ._videos import VIDEO_NAMES

TIME = Decimal("0.2")


@pytest.mark.parametrize("video_name", VIDEO_NAMES)
def test_every_key_reaches_its_video(target: Target, video_name: str) -> None:
    video = target.video(video_name)
    with target.client() as client:
        signed = client.get_snapshot(video.key, TIME)
        url = client.presign_snapshot_url(video.key, TIME)
    with target.http() as http:
        response = http.get(url)
    assert response.status_code == 200, response.text
    presigned = Snapshot.from_bytes(response.content)
    assert frame_of(signed) == frame_of(presigned) == video.info.frame_at(TIME)
    if target.strict:
        assert presigned.content == signed.content
