"""The best poster of a video: the time ``auto`` (``get --time auto``, ``batch --times auto``).

The rule, written once here and in the docs:

1. GetMediaInfo of the video (skipped when the caller has it: pass ``info``);
2. ``candidates`` times (default 8): the middle of each of that many equal slices of the
   video's first 60 % (:func:`candidate_times`), where a poster usually is and past a black
   leader's first frame;
3. each fetched, all at once, as an exactframe JPEG snapshot 160 pixels wide (whatever mode
   the caller uses elsewhere: the frame on screen is what is judged);
4. each scored with Pillow (:func:`score_frame`) and refused when it is **black** (ffmpeg
   ``blackframe``'s rule, shared with the jobs' ``IsCheckBlack``:
   ``cos_snapshot._shared.blackframe.is_black``), **over-exposed** (its mean luma at
   least 235, or half its pixels clipped at 250 or more) or **blank**: a near-uniform
   frame, or one whose only detail is a small region such as a logo or a corner caption, a
   few per cent of the picture. Detail is measured on a grid of tiles 10 pixels square (a
   tile has some when its luma varies): a frame is not blank when 15 % of its tiles have
   detail, or when its tiles with detail reach more than half the regions of a 4 × 4 grid
   (the thin edges of a few large flat shapes);
5. among the rest, the frames at least half as sharp as the sharpest (sharpness: the
   variance of the Laplacian of the luma) stay in, and the one whose colour histogram is
   nearest their mean histogram wins (ffmpeg's ``thumbnail`` rule: the most typical frame);
   ties go to the earlier time. The same frames give the same
   choice: nothing is random.
6. If every candidate is refused, the least bad one is taken (the most tiles with detail,
   then the sharpest), and :attr:`PosterChoice.fallback` says so: ``auto`` *avoids* black,
   blank and blurred frames, it cannot promise a video has none.
7. The chosen time is fetched at the size, format and rotation asked; when that is the
   candidate's own (160 wide JPEG), the candidate itself is the poster.

So a poster costs at most 1 GetMediaInfo + ``candidates`` + 1 snapshots. Needs Pillow (the
``cli`` extra).
"""

from __future__ import annotations

import array
import asyncio
import io
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from typing import Any, Literal

import attrs
from PIL import Image, ImageFilter, ImageStat

from .. import (
    AsyncSnapshotClient,
    CosInvalidArgumentError,
    MediaInfo,
    Snapshot,
    SnapshotArgs,
    SnapshotClient,
    format_time,
    times_across,
)
from .._shared.blackframe import black_percentage, is_black
from .._shared.snapshot_params import (
    DEFAULT_FORMAT,
    DEFAULT_HEIGHT,
    DEFAULT_ROTATE,
    DEFAULT_WIDTH,
    Format,
    Rotate,
)
from .._shared.text import plural

__all__ = [
    "CANDIDATE_WIDTH",
    "DEFAULT_CANDIDATES",
    "MAX_CANDIDATES",
    "WITHIN",
    "FrameScores",
    "PosterCandidate",
    "PosterChoice",
    "Rejection",
    "apick_poster",
    "candidate_times",
    "choose",
    "pick_poster",
    "score_frame",
]

#: How many candidate times are judged by default.
DEFAULT_CANDIDATES = 8
#: The most candidates a caller may ask for (each is a request).
MAX_CANDIDATES = 32
#: The share of the video, from its start, the candidates are spread over.
WITHIN = Fraction(3, 5)
#: The width the candidates are fetched at: enough to judge, cheap to fetch and decode.
CANDIDATE_WIDTH = 160

#: Over-exposed: a mean luma at least this...
BRIGHT_MEAN = 235.0
#: ...or at least this per cent of the pixels at ``CLIPPED_LUMA`` or above.
CLIPPED_PERCENT = 50.0
CLIPPED_LUMA = 250
#: The detail grid: this many tiles across (rows follow the picture's aspect ratio), so a
#: tile of a 160-wide candidate is 10 pixels square.
TILES_ACROSS = 16
#: A tile has detail when the standard deviation of its luma is at least this (JPEG noise on
#: a flat area stays near 1; an edge or texture is far above).
TILE_DETAIL_STDDEV = 6.0
#: A frame has enough detail when at least this share of its tiles have some: a logo or a
#: corner caption of a few per cent of the picture touches well under it...
MIN_DETAIL_SHARE = 0.15
#: ...or when its detail, however thin (the edges of a few large flat shapes), reaches more
#: than half the regions of a coarse grid (:data:`REGIONS_ACROSS` across, as many down): a
#: small region touches at most four of them, two in opposite corners at most eight.
MIN_SPREAD = 9 / 16
REGIONS_ACROSS = 4
#: Frames less sharp than this share of the sharpest candidate's sharpness are left out.
SHARP_SHARE = 0.5

#: Why a candidate was not chosen: a gate it failed (``black``, ``over-exposed``, ``blank``)
#: or, having passed them, too soft beside the sharpest (``soft``).
Rejection = Literal["black", "over-exposed", "blank", "soft"]
_GATES: tuple[Rejection, ...] = ("black", "over-exposed", "blank")
# A pixel's square, split into its high and low bytes (lookup tables for Image.point).
_SQUARE_HIGH = [value * value >> 8 for value in range(256)]
_SQUARE_LOW = [value * value & 0xFF for value in range(256)]
# The Laplacian, divided by 8 so that no value is clipped to 0..255 around the offset.
_LAPLACIAN = ImageFilter.Kernel((3, 3), (0, 1, 0, 1, -4, 1, 0, 1, 0), scale=8, offset=128)


@attrs.frozen
class FrameScores:
    """What :func:`score_frame` measures of one picture (numbers rounded for reading)."""

    #: Per cent of the pixels whose luma is below 32 (ffmpeg ``blackframe``'s threshold).
    black_percent: float
    #: Mean luma, 0..255.
    mean_luma: float
    #: Per cent of the pixels whose luma is at least 250.
    clipped_percent: float
    #: Share (0..1) of the detail grid's tiles that have detail.
    detail_share: float
    #: Share (0..1) of the coarse grid's regions that hold a tile with detail.
    spread: float
    #: Variance of the Laplacian of the luma: higher is sharper.
    sharpness: float
    #: The first gate the picture fails, or ``None``.
    gate: Rejection | None
    #: The R, G and B histograms (768 bins), each bin a share of the pixels.
    histogram: tuple[float, ...] = attrs.field(repr=False)


def _means(image: Image.Image, grid: tuple[int, int]) -> array.array[float]:
    """The mean of each cell of ``grid`` over ``image`` (its pixels averaged by area)."""
    return array.array("f", image.convert("F").resize(grid, Image.Resampling.BOX).tobytes())


def _detail(luma: Image.Image) -> tuple[float, float]:
    """The share of the detail grid's tiles that have detail, and the share of the coarse
    regions (:data:`REGIONS_ACROSS` across) that hold at least one of them."""
    width, height = luma.size
    across = min(TILES_ACROSS, width)
    down = max(1, min(height, round(across * height / width)))
    regions_down = min(REGIONS_ACROSS, down)
    # Each tile's variance, E[x²] - E[x]², from three averaging resizes done by Pillow; x² is
    # split into its high and low bytes so that each fits an 8-bit picture exactly.
    grid = (across, down)
    means = _means(luma, grid)
    highs = _means(luma.point(_SQUARE_HIGH), grid)
    lows = _means(luma.point(_SQUARE_LOW), grid)
    floor = TILE_DETAIL_STDDEV**2
    with_detail = 0
    regions: set[tuple[int, int]] = set()
    for index, (mean, high, low) in enumerate(zip(means, highs, lows, strict=True)):
        if 256 * high + low - mean * mean >= floor:
            with_detail += 1
            row, col = divmod(index, across)
            regions.add((col * REGIONS_ACROSS // across, row * regions_down // down))
    return with_detail / (across * down), len(regions) / (REGIONS_ACROSS * regions_down)


def _sharpness(luma: Image.Image) -> float:
    edges = luma.filter(_LAPLACIAN)
    width, height = edges.size
    if width > 2 and height > 2:  # the border pixels are not filtered
        edges = edges.crop((1, 1, width - 1, height - 1))
    return float(ImageStat.Stat(edges).var[0]) * 64  # undo the kernel's scale (8²)


def score_frame(image: Image.Image) -> FrameScores:
    """Measure one picture (any size; the candidates are 160 wide) and say which gate, if any,
    it fails: ``black``, ``over-exposed`` or ``blank``, in that order (see the module)."""
    rgb = image.convert("RGB")
    luma = rgb.convert("L")
    luma_histogram = luma.histogram()
    pixels = sum(luma_histogram)
    mean = sum(value * count for value, count in enumerate(luma_histogram)) / pixels
    clipped = 100.0 * sum(luma_histogram[CLIPPED_LUMA:]) / pixels
    detail, spread = _detail(luma)
    gate: Rejection | None = None
    if is_black(luma_histogram):
        gate = "black"
    elif mean >= BRIGHT_MEAN or clipped >= CLIPPED_PERCENT:
        gate = "over-exposed"
    elif detail < MIN_DETAIL_SHARE and spread < MIN_SPREAD:
        gate = "blank"
    return FrameScores(
        black_percent=round(black_percentage(luma_histogram), 3),
        mean_luma=round(mean, 3),
        clipped_percent=round(clipped, 3),
        detail_share=round(detail, 4),
        spread=round(spread, 4),
        sharpness=round(_sharpness(luma), 3),
        gate=gate,
        histogram=tuple(count / pixels for count in rgb.histogram()),
    )


@attrs.frozen
class PosterCandidate:
    """One candidate time and how it was judged."""

    #: The time, plain decimal seconds.
    time: str
    scores: FrameScores
    #: Why it was not chosen (``None`` for the chosen one, and for one that passed but was
    #: farther from the mean histogram).
    rejected: Rejection | None
    #: Squared distance of its histogram to the mean of the sharp ones that passed the gates
    #: (``None`` for one that failed them).
    distance: float | None

    def to_json(self) -> dict[str, Any]:
        """The candidate as a JSON object (``--json`` prints them)."""
        scores = attrs.asdict(self.scores, filter=lambda field, _: field.name != "histogram")
        return {
            "time": self.time,
            **scores,
            "rejected": self.rejected,
            "distance": None if self.distance is None else round(self.distance, 6),
        }


@attrs.frozen(repr=False)
class PosterChoice:
    """The best poster of ``key``: the chosen :attr:`time`, the :attr:`snapshot` at the size
    asked, and every candidate with its scores."""

    key: str
    #: The chosen time, plain decimal seconds.
    time: str
    #: The index of the chosen one in ``candidates``.
    index: int
    candidates: tuple[PosterCandidate, ...]
    #: The poster, at the size, format and rotation asked.
    snapshot: Snapshot
    #: Every candidate failed a gate: the least bad one was taken.
    fallback: bool
    #: How many snapshots were asked for (the candidates, and the poster unless a candidate
    #: was it).
    snapshots: int

    @property
    def note(self) -> str:
        """One line on how the time was chosen."""
        count = len(self.candidates)
        if not self.fallback:
            return f"the best of {plural(count, 'candidate')}: {self.time} s"
        gates = [c.scores.gate for c in self.candidates]
        failed = ", ".join(f"{gates.count(g)} {g}" for g in _GATES if g in gates)
        return (
            f"every one of {plural(count, 'candidate')} failed a gate ({failed}): the least "
            f"bad, {self.time} s, was taken"
        )

    def to_json(self) -> dict[str, Any]:
        """The choice as a JSON object (without the image)."""
        return {
            "key": self.key,
            "time": self.time,
            "fallback": self.fallback,
            "note": self.note,
            "snapshots": self.snapshots,
            "candidates": [candidate.to_json() for candidate in self.candidates],
        }

    def __repr__(self) -> str:
        return (
            f"PosterChoice({self.key!r}, time={self.time!r}, fallback={self.fallback}, "
            f"{plural(len(self.candidates), 'candidate')})"
        )


def candidate_times(info: MediaInfo, count: int = DEFAULT_CANDIDATES) -> list[str]:
    """The candidate times: the middle of each of ``count`` equal slices of the video's first
    60 %, as plain decimal seconds (a time that comes twice, on a very short video, once).
    Raises :class:`~cos_snapshot.CosInvalidArgumentError` (``time``) when ``info`` has no
    video or no duration, or ``count`` is not from 1 to :data:`MAX_CANDIDATES`."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_CANDIDATES:
        raise CosInvalidArgumentError(
            "candidates", f"must be a whole number from 1 to {MAX_CANDIDATES}, got {count!r}"
        )
    try:
        times = times_across(info, count, within=WITHIN)
    except CosInvalidArgumentError as error:
        raise CosInvalidArgumentError("time", f"auto {error.problem}") from None
    return list(dict.fromkeys(format_time(time) for time in times))


def _distance(histogram: Sequence[float], mean: Sequence[float]) -> float:
    return math.fsum((a - b) ** 2 for a, b in zip(histogram, mean, strict=True))


def choose(
    times: Sequence[str], scores: Sequence[FrameScores]
) -> tuple[int, tuple[PosterCandidate, ...], bool]:
    """Judge the scored candidates (:func:`score_frame` of each, in time order) by the rule:
    the index of the chosen one, every candidate's verdict, and whether every one failed a
    gate (the least bad was then taken)."""
    passed = [i for i, score in enumerate(scores) if score.gate is None]
    if not passed:
        # The least bad: the most detail, then the sharpest, then the earliest.
        best = min(
            range(len(scores)),
            key=lambda i: (-scores[i].detail_share, -scores[i].spread, -scores[i].sharpness, i),
        )
        candidates = tuple(
            PosterCandidate(time, score, score.gate, None)
            for time, score in zip(times, scores, strict=True)
        )
        return best, candidates, True
    sharpest = max(scores[i].sharpness for i in passed)
    sharp = [i for i in passed if scores[i].sharpness >= SHARP_SHARE * sharpest]
    # The mean of the sharp ones: a majority of soft frames (a blurred first half) does not
    # make a soft frame typical.
    mean = [
        math.fsum(column) / len(sharp)
        for column in zip(*(scores[i].histogram for i in sharp), strict=True)
    ]
    distances = {i: _distance(scores[i].histogram, mean) for i in passed}
    best = min(sharp, key=lambda i: (distances[i], i))
    verdicts: list[PosterCandidate] = []
    for i, (time, score) in enumerate(zip(times, scores, strict=True)):
        rejected: Rejection | None = score.gate
        if rejected is None and i not in sharp:
            rejected = "soft"
        verdicts.append(PosterCandidate(time, score, rejected, distances.get(i)))
    return best, tuple(verdicts), False


@attrs.frozen
class _Request:
    """What the caller asked for, checked: the poster's size, format and rotation."""

    key: str
    width: int
    height: int
    format: Format
    rotate: Rotate

    def candidate(self, time: str) -> SnapshotArgs:
        return SnapshotArgs.check(
            self.key, time, width=CANDIDATE_WIDTH, height=0, format="jpg", rotate=self.rotate
        )

    def poster(self, time: str) -> SnapshotArgs:
        return SnapshotArgs.check(
            self.key,
            time,
            width=self.width,
            height=self.height,
            format=self.format,
            rotate=self.rotate,
            mode="exactframe",
        )

    def is_candidate_size(self, candidate: Snapshot) -> bool:
        """Whether a candidate is the poster asked for already (a 160-wide JPEG)."""
        return (
            self.format == candidate.format == "jpg"
            and self.width == candidate.width == CANDIDATE_WIDTH
            and self.height in (0, candidate.height)
        )


def _request(key: str, width: object, height: object, format: object, rotate: object) -> _Request:
    checked = SnapshotArgs.check(key, 0, width=width, height=height, format=format, rotate=rotate)
    return _Request(checked.key, checked.width, checked.height, checked.format, checked.rotate)


def _judged(
    request: _Request, times: Sequence[str], images: Sequence[Snapshot]
) -> tuple[PosterChoice, SnapshotArgs | None]:
    """The choice among the fetched candidates, with the candidate as its snapshot, and the
    poster's arguments when it must be fetched at another size (``None`` when the candidate
    is the poster asked for)."""
    scores = [score_frame(Image.open(io.BytesIO(image.content))) for image in images]
    index, verdicts, fallback = choose(times, scores)
    chosen = images[index]
    choice = PosterChoice(request.key, times[index], index, verdicts, chosen, fallback, len(images))
    return choice, None if request.is_candidate_size(chosen) else request.poster(choice.time)


def _with_poster(choice: PosterChoice, snapshot: Snapshot) -> PosterChoice:
    return attrs.evolve(choice, snapshot=snapshot, snapshots=choice.snapshots + 1)


def pick_poster(
    client: SnapshotClient,
    key: str,
    *,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    format: Format = DEFAULT_FORMAT,
    rotate: Rotate = DEFAULT_ROTATE,
    candidates: int = DEFAULT_CANDIDATES,
    info: MediaInfo | None = None,
) -> PosterChoice:
    """The best poster of video ``key`` by the rule of :mod:`cos_snapshot.tools.poster`:
    ``candidates`` exactframe snapshots 160 wide of the first 60 %, fetched at once (a thread
    each, up to the client's ``max_connections``), judged with Pillow, and the chosen time at ``width``, ``height``, ``format`` and
    ``rotate`` (as :meth:`~cos_snapshot.SnapshotClient.get_snapshot` takes them). ``info``,
    the video's GetMediaInfo when the caller has it, saves asking for it.

    At most 1 GetMediaInfo + ``candidates`` + 1 snapshots. Raises
    :class:`~cos_snapshot.CosInvalidArgumentError` for a bad argument or a video with no
    duration (naming ``time``), and the client's errors as they come."""
    request = _request(key, width, height, format, rotate)
    times = candidate_times(info or client.get_media_info(request.key), candidates)
    # A thread a candidate, as many as the client's connection pool holds when it is bounded.
    workers = min(len(times), client.max_connections or len(times))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cos-poster") as threads:
        images = list(threads.map(client.get_snapshot, map(request.candidate, times)))
    choice, poster = _judged(request, times, images)
    return choice if poster is None else _with_poster(choice, client.get_snapshot(poster))


async def apick_poster(
    client: AsyncSnapshotClient,
    key: str,
    *,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    format: Format = DEFAULT_FORMAT,
    rotate: Rotate = DEFAULT_ROTATE,
    candidates: int = DEFAULT_CANDIDATES,
    info: MediaInfo | None = None,
    limit: asyncio.Semaphore | None = None,
) -> PosterChoice:
    """:func:`pick_poster` with an :class:`~cos_snapshot.AsyncSnapshotClient`: the candidates
    are fetched concurrently on the event loop (the client's own connection limit applies).
    With ``limit``, each snapshot request (a candidate, the poster) holds one of its places
    while in flight: a batch passes the one its other snapshot requests share, so that its
    ``concurrency`` bounds the requests, not the videos."""

    async def snapshot(args: SnapshotArgs) -> Snapshot:
        if limit is None:
            return await client.get_snapshot(args)
        async with limit:
            return await client.get_snapshot(args)

    request = _request(key, width, height, format, rotate)
    times = candidate_times(info or await client.get_media_info(request.key), candidates)
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(snapshot(request.candidate(t))) for t in times]
    choice, poster = _judged(request, times, [task.result() for task in tasks])
    return choice if poster is None else _with_poster(choice, await snapshot(poster))
