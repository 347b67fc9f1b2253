"""The shared black-frame rule, judged on real pictures made with Pillow."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from cos_snapshot._shared.blackframe import black_percentage, is_black


def _histogram(image: Image.Image) -> list[int]:
    return image.convert("L").histogram()


def test_a_black_picture_is_black_and_a_grey_one_is_not() -> None:
    assert is_black(_histogram(Image.new("RGB", (64, 36), (0, 0, 0))))
    assert not is_black(_histogram(Image.new("RGB", (64, 36), (128, 128, 128))))


def test_the_threshold_is_strict_as_ffmpeg_blackframe() -> None:
    at_threshold = _histogram(Image.new("L", (10, 10), 32))
    below = _histogram(Image.new("L", (10, 10), 31))
    assert black_percentage(at_threshold) == 0.0
    assert black_percentage(below) == 100.0


def test_a_black_frame_with_a_small_logo_is_still_black_but_not_with_a_large_one() -> None:
    image = Image.new("L", (100, 100), 0)
    ImageDraw.Draw(image).rectangle((0, 0, 9, 9), fill=255)  # 1 % of the picture
    assert black_percentage(_histogram(image)) == pytest.approx(99.0)
    assert is_black(_histogram(image))
    ImageDraw.Draw(image).rectangle((0, 0, 29, 29), fill=255)  # 9 %
    assert not is_black(_histogram(image))
    assert is_black(_histogram(image), black_level=90)


@pytest.mark.parametrize(
    ("histogram", "kwargs", "message"),
    [
        ([1] * 255, {}, "256 bins"),
        ([0] * 256, {}, "empty picture"),
        ([1] * 256, {"pixel_black_threshold": 256}, "pixel_black_threshold 256"),
        ([1] * 256, {"black_level": 101}, "black_level 101"),
    ],
)
def test_bad_arguments_are_named(
    histogram: list[int], kwargs: dict[str, int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        is_black(histogram, **kwargs)  # type: ignore[arg-type]
