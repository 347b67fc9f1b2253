"""Small helpers shared by the property tests."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import httpx2
from cos_snapshot_api.api.snapshot import get_snapshot as generated
from cos_snapshot_api.types import UNSET
from hypothesis import strategies as st

from cos_snapshot import CosAuth, CosServiceError, Credentials, Signer, Snapshot, format_time
from cos_snapshot.testing import Orientation, read_frame_index, read_orientation

from ._expect import FrameExpectation
from ._targets import Target
from ._videos import DURATION

__all__ = [
    "DEFAULTS",
    "check_frame",
    "decimal_of",
    "frame_of",
    "object_path",
    "orientation_of",
    "request_with",
    "signed_auth",
    "snapshot_or_error",
    "times_inside",
]

#: The last instant the tests use when they mean "inside the video" (past the end, a tolerant
#: target may answer 400).
LAST_INSTANT = Decimal(DURATION) - Decimal("0.001")


def times_inside(places: int = 3) -> st.SearchStrategy[Decimal]:
    """Times within the fixture videos, with up to ``places`` decimals."""
    return st.decimals(min_value=0, max_value=LAST_INSTANT, places=places)


#: The documented defaults of the optional parameters.
DEFAULTS: dict[str, Any] = {
    "width": 0,
    "height": 0,
    "format": "jpg",
    "rotate": "auto",
    "mode": "exactframe",
}


def decimal_of(value: Fraction) -> Decimal:
    """A fraction of a second as an exact decimal (fixture times are multiples of 1/25 s)."""
    result = Decimal(value.numerator) / Decimal(value.denominator)
    if Fraction(result) != value:
        raise ValueError(f"{value} has no short exact decimal form")
    return result


def object_path(key: str) -> str:
    """The URL path of an object key, encoded as the generated client (and the SDK) do."""
    return "/" + generated._quote_object_key(key)


def frame_of(snapshot: Snapshot) -> int:
    return read_frame_index(snapshot.content)


def orientation_of(snapshot: Snapshot) -> Orientation:
    return read_orientation(snapshot.content)


def snapshot_or_error(target: Target, key: str, time: Decimal, **params: Any) -> Snapshot | None:
    """The snapshot, or None for a 400 InvalidArgument (allowed by some expectations)."""
    with target.client() as client:
        try:
            return client.get_snapshot(key, time, **params)
        except CosServiceError as error:
            if error.status == 400 and error.code == "InvalidArgument":
                return None
            raise


def check_frame(snapshot: Snapshot | None, expected: FrameExpectation, context: str) -> int | None:
    """Assert the snapshot shows an allowed frame (or is an allowed error); return its index."""
    if snapshot is None:
        assert expected.error_allowed, (
            f"{context}: 400 InvalidArgument, expected {expected.describe()}"
        )
        return None
    index = frame_of(snapshot)
    assert index in expected.frames, f"{context}: got frame {index}, expected {expected.describe()}"
    return index


def signed_auth(credentials: Credentials) -> httpx2.Auth:
    """The project's httpx2 auth: signs the Authorization header of each request."""
    return CosAuth(Signer(credentials))


def request_with(
    target: Target, key: str, time: Decimal, *, anonymous: bool = False, **params: Any
) -> httpx2.Response:
    """GET a snapshot with only the given optional parameters, built by the generated client
    (which leaves out what is ``UNSET``) and signed by the project's signer."""
    kwargs = generated._get_kwargs(
        key,
        time=format_time(time),  # the plain decimal text, as the client sends it
        width=params.get("width", UNSET),
        height=params.get("height", UNSET),
        format_=params.get("format", UNSET),
        rotate=params.get("rotate", UNSET),
        mode=params.get("mode", UNSET),
    )
    with target.http(anonymous=anonymous) as http:
        auth = None if anonymous else signed_auth(target.credentials)
        return http.request(kwargs["method"], kwargs["url"], params=kwargs["params"], auth=auth)
