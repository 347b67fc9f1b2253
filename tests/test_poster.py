"""The poster scorer (cos_snapshot.tools.poster) on pictures drawn with Pillow: each gate refuses
the picture it is for and passes a detailed one; among the pictures that pass, a sharp one wins
over a blurred copy and the most typical over an odd one out; every picture is judged as the
service sends it (a JPEG 160 wide)."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageDraw, ImageFilter

from cos_snapshot.tools.poster import (
    MIN_DETAIL_SHARE,
    FrameScores,
    choose,
    score_frame,
)

SIZE = (160, 90)


def as_sent(image: Image.Image) -> Image.Image:
    """``image`` through a JPEG, as a candidate arrives."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=85)
    return Image.open(io.BytesIO(buffer.getvalue()))


def detailed(seed: int = 1, *, hue: tuple[int, int, int] = (40, 90, 160)) -> Image.Image:
    """A busy picture: a background of ``hue`` under many shapes and lines of random colours."""
    rng = random.Random(seed)
    image = Image.new("RGB", SIZE, hue)
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.randrange(SIZE[0]), rng.randrange(SIZE[1])
        w, h = rng.randrange(4, 30), rng.randrange(4, 20)
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle((x, y, x + w, y + h), fill=colour)
        else:
            draw.line((x, y, x + w, y + h), fill=colour, width=2)
    return image


def uniform(value: int, *, noise: int = 0) -> Image.Image:
    """One grey, with ``noise`` levels of pseudo-random noise (a flat frame from a camera)."""
    rng = random.Random(value)
    image = Image.new("L", SIZE, value)
    if noise:
        image.putdata([value + rng.randint(-noise, noise) for _ in range(SIZE[0] * SIZE[1])])
    return image.convert("RGB")


def with_logo(share: float) -> Image.Image:
    """A uniform picture with a busy square in a corner covering ``share`` of it."""
    image = uniform(110)
    side = round((share * SIZE[0] * SIZE[1]) ** 0.5)
    logo = detailed(7).resize((side, side))
    image.paste(logo, (SIZE[0] - side - 4, SIZE[1] - side - 4))
    return image


def _mostly_black() -> Image.Image:
    image = uniform(0)
    ImageDraw.Draw(image).rectangle((70, 40, 80, 44), fill=(255, 255, 255))  # under 1 %
    return image


def _washed_out() -> Image.Image:
    """A detailed picture pushed towards white: its shapes still show, faintly."""
    return Image.blend(detailed(), uniform(255), 0.9)


def _corner_caption() -> Image.Image:
    image = uniform(60)
    ImageDraw.Draw(image).text((4, SIZE[1] - 14), "(c) 2026 Example", fill=(255, 255, 255))
    return image


def test_a_detailed_picture_passes_every_gate() -> None:
    scores = score_frame(as_sent(detailed()))
    assert scores.gate is None
    assert scores.detail_share > 0.5
    assert scores.sharpness > 100


@pytest.mark.parametrize(
    ("picture", "gate"),
    [
        (lambda: uniform(0), "black"),
        (lambda: uniform(12, noise=3), "black"),
        # ffmpeg's rule: 98 % of the pixels below luma 32 is black, whatever the other 2 %.
        (_mostly_black, "black"),
        (lambda: uniform(255), "over-exposed"),
        (_washed_out, "over-exposed"),
        (lambda: uniform(128), "blank"),
        (lambda: uniform(128, noise=3), "blank"),
        (lambda: with_logo(0.03), "blank"),
        (lambda: with_logo(0.05), "blank"),
        (_corner_caption, "blank"),
    ],
    ids=[
        "black",
        "dark-noise",
        "black-with-a-dot",
        "white",
        "washed-out",
        "grey",
        "grey-noise",
        "logo-3pc",
        "logo-5pc",
        "caption",
    ],
)
def test_a_gate_refuses_its_picture(picture: object, gate: str) -> None:
    assert callable(picture)
    scores = score_frame(as_sent(picture()))
    assert scores.gate == gate, scores


def test_two_logos_in_opposite_corners_are_still_blank() -> None:
    image = with_logo(0.04)
    image.paste(detailed(9).resize((20, 20)), (3, 3))
    assert score_frame(as_sent(image)).gate == "blank"


def test_thin_detail_all_over_the_picture_is_not_blank() -> None:
    # Small shapes scattered over the whole picture (confetti, stars): few tiles have detail,
    # but they are everywhere, unlike a logo's.
    image = uniform(40)
    draw = ImageDraw.Draw(image)
    for x, y in [(13, 13), (53, 23), (103, 3), (143, 13), (23, 53), (73, 43), (123, 53)]:
        draw.rectangle((x, y, x + 3, y + 3), fill=(250, 240, 120))
    for x, y in [(13, 73), (63, 73), (93, 73), (143, 83)]:
        draw.rectangle((x, y, x + 3, y + 3), fill=(250, 240, 120))
    scores = score_frame(as_sent(image))
    assert scores.detail_share < MIN_DETAIL_SHARE
    assert scores.gate is None


def test_a_larger_detailed_region_is_not_blank() -> None:
    # Half the picture busy: a subject on a plain wall, not a logo.
    image = uniform(110)
    image.paste(detailed(3).resize((80, 90)), (40, 0))
    scores = score_frame(as_sent(image))
    assert scores.gate is None
    assert scores.detail_share >= MIN_DETAIL_SHARE


def test_blur_lowers_the_sharpness() -> None:
    sharp = score_frame(as_sent(detailed()))
    blurred = score_frame(as_sent(detailed().filter(ImageFilter.GaussianBlur(2))))
    assert blurred.sharpness < sharp.sharpness / 4


def scored(*pictures: Image.Image) -> list[FrameScores]:
    return [score_frame(as_sent(picture)) for picture in pictures]


def times(count: int) -> list[str]:
    return [str(i) for i in range(count)]


def test_the_sharp_picture_wins_over_blurred_copies_that_are_more_typical() -> None:
    # Seven blurred frames and one sharp one: the blurred ones are the majority (nearest the
    # mean histogram), the sharp one is still chosen; the others are said to be soft.
    blurred = [detailed(1).filter(ImageFilter.GaussianBlur(2 + i / 4)) for i in range(7)]
    scores = scored(*blurred, detailed(1))
    index, verdicts, fallback = choose(times(8), scores)
    assert (index, fallback) == (7, False)
    assert [v.rejected for v in verdicts[:7]] == ["soft"] * 7
    assert verdicts[7].rejected is None


def test_the_most_typical_sharp_picture_wins() -> None:
    # Three frames of one scene and one of another (other colours): one of the three wins.
    scores = scored(detailed(1), detailed(2), detailed(3), detailed(4, hue=(230, 40, 20)))
    index, verdicts, fallback = choose(times(4), scores)
    assert not fallback
    assert index in (0, 1, 2)
    distances = [v.distance for v in verdicts]
    assert all(d is not None for d in distances)
    assert distances[3] == max(distances)  # type: ignore[type-var]


def test_gated_frames_are_left_out_and_the_choice_is_the_same_every_time() -> None:
    pictures = [uniform(0), uniform(255), with_logo(0.03), detailed(5), detailed(6), uniform(0)]
    first = choose(times(6), scored(*pictures))
    again = choose(times(6), scored(*pictures))
    assert first == again
    index, verdicts, fallback = first
    assert index in (3, 4)
    assert not fallback
    assert [v.rejected for v in verdicts] == [
        "black",
        "over-exposed",
        "blank",
        verdicts[3].rejected,
        verdicts[4].rejected,
        "black",
    ]
    assert verdicts[index].rejected is None


def test_when_every_frame_fails_the_least_bad_is_taken_and_said() -> None:
    scores = scored(uniform(0), with_logo(0.03), uniform(255), uniform(128))
    index, verdicts, fallback = choose(times(4), scores)
    assert fallback
    assert index == 1  # the logo: the most detail of a bad lot
    assert [v.rejected for v in verdicts] == ["black", "blank", "over-exposed", "blank"]
