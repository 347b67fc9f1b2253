"""Doing a snapshot job: one forward pass over the video, each shot written into the bucket as
a JPEG, the sprite sheets tiled as the shots arrive.

:class:`SnapshotJobRunner` does it in steps a stand-in may change one at a time (the contract
suite's broken servers number from 1, or swap a sprite's columns and lines, that way).
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import PIL.Image
import PIL.ImageOps

from ..._shared.blackframe import is_black
from ..._shared.xml import parse_untrusted
from ..errors import EmulatorError
from ..frames import FrameError, NotAVideoError, Timeline, frame_picture
from ..mediainfo import render_media_info
from ..settings import EmulatorSettings
from ..storage import Storage
from .plan import JobFailure, Readings, SheetLayout, cell_size, sheet_layout, shot_times
from .spec import JobSpec, SpriteConfig, expand

__all__ = ["JobOutcome", "SnapshotJobRunner"]

_JPEG_QUALITY = 90
#: Decoded shots waiting for (or in) the encoding thread, at most: bounds the frames held.
_IN_FLIGHT = 3
#: The largest sprite sheet a job writes, in pixels (a 10 x 10 sheet of 4096 x 4096 cells is
#: refused rather than held in memory: 1.6 G pixels).
MAX_SHEET_PIXELS = 100_000_000


@dataclass
class JobOutcome:
    """What a job wrote: (key, MD5 hex) of each output and each sprite, in number order."""

    outputs: list[tuple[str, str]] = field(default_factory=list)
    sprites: list[tuple[str, str]] = field(default_factory=list)
    #: The input's GetMediaInfo ``<MediaInfo>`` element, when the engine gives one.
    media_info: ET.Element | None = None


class Cancelled(Exception):
    """The job was cancelled while it ran."""


def readings_of(settings: EmulatorSettings) -> Readings:
    return Readings(
        average_end=settings.job_average_end,
        keyframe_count=settings.job_keyframe_count,
        sprite_spacing=settings.job_sprite_spacing,
    )


class SnapshotJobRunner:
    """Runs jobs for one emulator: ``run`` is called in a job worker thread. ``storage`` is
    the emulator's object storage (where PutObject writes), ``engine()`` its frame engine."""

    def __init__(self, settings: EmulatorSettings, storage: Any, engine: Callable[[], Any]) -> None:
        self.settings = settings
        self.storage: Storage = storage
        self._engine = engine
        self.readings = readings_of(settings)

    # -- the steps a stand-in may change ----------------------------------------------------

    def shot_times(self, spec: JobSpec, timeline: Timeline) -> list[Fraction]:
        """When the shots are taken (seconds from the first frame)."""
        return shot_times(spec.snapshot, timeline, self.readings)

    def output_key(self, pattern: str, number: int) -> str:
        """The key of output ``number`` (from 0) of ``pattern``."""
        return expand(pattern, number)

    def sprite_grid(self, sprite: SpriteConfig) -> tuple[int, int]:
        """(columns, lines) of each sprite sheet."""
        return sprite.columns, sprite.lines

    def store(self, key: str, data: bytes) -> str:
        """Write ``data`` as object ``key`` (as PutObject does: staged, then renamed into
        place whole); returns its MD5 in hex."""
        upload = self.storage.begin_upload(key, {"content-type": "image/jpeg"})
        try:
            upload.write(data)
            etag = upload.commit()
        except BaseException:
            upload.abort()
            raise
        return etag.strip('"')

    # -- the job ----------------------------------------------------------------------------

    def run(
        self,
        spec: JobSpec,
        *,
        progress: Callable[[int], None],
        cancelled: Callable[[], bool],
    ) -> JobOutcome:
        """Do the job; raises :class:`~cos_snapshot.emulator.jobs.JobFailure` (it ends
        Failed) or :class:`~cos_snapshot.emulator.jobs.Cancelled`."""
        try:
            path = self.storage.resolve(spec.input_object)
        except EmulatorError as exc:  # the storage's 404 (or a key outside the root)
            raise JobFailure("InputNotExist", "The input object does not exist.") from exc
        if not path.is_file():
            raise JobFailure("InputNotExist", "The input object does not exist.")
        engine = self._engine()
        frame_pass_of = getattr(engine, "frame_pass", None)
        if frame_pass_of is None:
            raise JobFailure("NotImplemented", "This emulator's frame engine runs no jobs.")
        try:
            frame_pass = frame_pass_of(path, passes=self.settings.job_decoders)
        except FileNotFoundError as exc:
            raise JobFailure("InputNotExist", "The input object does not exist.") from exc
        except FrameError as exc:
            raise JobFailure("InvalidInput", f"The input object is not a video: {exc}") from exc
        try:
            outcome = self._shoot(spec, frame_pass, path, progress, cancelled)
        except NotAVideoError as exc:
            raise JobFailure("InvalidInput", f"The input object is not a video: {exc}") from exc
        except FrameError as exc:
            raise JobFailure("InvalidArgument", str(exc)) from exc
        finally:
            frame_pass.close()
        outcome.media_info = self._media_info(engine, path)
        return outcome

    def _media_info(self, engine: Any, path: Path) -> ET.Element | None:
        probe = getattr(engine, "media_info", None)
        if probe is None:
            return None
        try:
            document = render_media_info(
                probe(path),
                media_size=self.settings.media_size,
                rotation_sign=self.settings.rotation_sign,
                stream_bitrate=self.settings.stream_bitrate,
            )
        except (FrameError, OSError):
            return None
        return parse_untrusted(document).find("MediaInfo")

    def _shoot(
        self,
        spec: JobSpec,
        frame_pass: Any,
        path: Path,
        progress: Callable[[int], None],
        cancelled: Callable[[], bool],
    ) -> JobOutcome:
        snapshot = spec.snapshot
        times = self.shot_times(spec, frame_pass.timeline)
        outcome = JobOutcome()
        sprite, sprite_pattern = snapshot.sprite, spec.sprite_object
        sheets = (
            _Sheets(self, sprite, sprite_pattern, outcome)
            if snapshot.sprites and sprite is not None and sprite_pattern is not None
            else None
        )
        pattern = spec.output_object if snapshot.snapshots else None
        sizing = (self.settings.one_side_zero, self.settings.both_sides)
        number = 0  # the next output's number: shots skipped as black take none

        def take(shots: tuple[int, ...], frame: Any) -> int:
            # In the encoding thread, one frame at a time in decode order, so the numbers and
            # the sprite cells follow the shots as a single thread would give them.
            nonlocal number
            picture = frame_picture(
                frame, snapshot.width or 0, snapshot.height or 0, rgb=True, sizing=sizing
            )
            for _ in shots:
                if snapshot.is_check_black and is_black(
                    picture.convert("L").histogram(),
                    black_level=snapshot.black_level,
                    pixel_black_threshold=snapshot.pixel_black_threshold,
                ):
                    continue
                if pattern is not None:
                    key = self.output_key(pattern, number)
                    outcome.outputs.append((key, self.store(key, _jpeg(picture))))
                if sheets is not None:
                    sheets.add(picture)
                number += 1
            return len(shots)

        # The decoder keeps the pass's thread (and its own frame threads) busy while the shots
        # decoded so far are scaled, encoded and written in another: the two overlap.
        done = 0
        pending: deque[Future[int]] = deque()
        with ThreadPoolExecutor(1, thread_name_prefix="cos-snapshot-job-encode") as encoder:
            try:
                for shots, _time, frame in frame_pass.frames(times):
                    if cancelled():
                        raise Cancelled
                    while len(pending) >= _IN_FLIGHT:
                        done += pending.popleft().result()
                        progress(min(99, 100 * done // max(len(times), 1)))
                    pending.append(encoder.submit(take, shots, frame))
                while pending:
                    done += pending.popleft().result()
                    progress(min(99, 100 * done // max(len(times), 1)))
            finally:
                for future in pending:
                    future.cancel()
        if sheets is not None:
            sheets.finish()
        return outcome


def _jpeg(picture: PIL.Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=_JPEG_QUALITY)
    return buffer.getvalue()


def _reduced(picture: PIL.Image.Image, cell: tuple[int, int]) -> PIL.Image.Image:
    """``picture`` shrunk by a whole factor (each block of pixels averaged) while it stays at
    least twice the cell's size each way, as Pillow's ``reducing_gap`` does (``ImageOps.pad``
    does not pass that on): resizing a 720p shot straight to a sprite cell costs ~6 ms, from
    the shrunk one well under 1 ms. Only a factor that divides both sides is used, so the
    aspect ratio, and with it where ``MaxWHScaleAndPad`` pads, stays exactly the shot's."""
    most = min(picture.width // (2 * cell[0]), picture.height // (2 * cell[1]))
    for factor in range(most, 1, -1):
        if picture.width % factor == 0 and picture.height % factor == 0:
            return picture.reduce(factor)
    return picture


class _Sheets:
    """Sprite sheets being filled, cell by cell; each written when full (the last when the
    job ends, its empty cells left in the background colour)."""

    def __init__(
        self,
        runner: SnapshotJobRunner,
        sprite: SpriteConfig,
        pattern: str,
        outcome: JobOutcome,
    ) -> None:
        self._runner = runner
        self._sprite = sprite
        self._pattern = pattern
        self._outcome = outcome
        self._layout: SheetLayout | None = None
        self._sheet: tuple[PIL.Image.Image, SheetLayout] | None = None
        self._filled = 0

    def _new_sheet(self, shot: tuple[int, int]) -> tuple[PIL.Image.Image, SheetLayout]:
        if self._layout is None:
            grid = self._runner.sprite_grid(self._sprite)
            cell = cell_size(self._sprite, shot)
            self._layout = sheet_layout(self._sprite, grid, cell, self._runner.readings)
            width, height = self._layout.size
            if width * height > MAX_SHEET_PIXELS or max(width, height) > 65000:
                raise JobFailure(
                    "InvalidArgument",
                    f"A sprite sheet of {width} x {height} pixels is larger than the emulator "
                    f"makes ({MAX_SHEET_PIXELS:,} pixels, 65000 a side).",
                )
        return PIL.Image.new("RGB", self._layout.size, self._sprite.rgb), self._layout

    def add(self, picture: PIL.Image.Image) -> None:
        sheet, layout = self._sheet or self._new_sheet(picture.size)
        self._sheet = sheet, layout
        picture = _reduced(picture, layout.cell)
        if self._sprite.scale_method == "MaxWHScaleAndPad":
            cell = PIL.ImageOps.pad(picture, layout.cell, color=self._sprite.rgb)
        else:
            cell = picture.resize(layout.cell, PIL.Image.Resampling.BICUBIC)
        sheet.paste(cell, layout.place(self._filled % layout.per_sheet))
        self._filled += 1
        if self._filled % layout.per_sheet == 0:
            self._write(sheet)

    def _write(self, sheet: PIL.Image.Image) -> None:
        number = len(self._outcome.sprites)
        key = self._runner.output_key(self._pattern, number)
        self._outcome.sprites.append((key, self._runner.store(key, _jpeg(sheet))))
        self._sheet = None

    def finish(self) -> None:
        if self._sheet is not None:
            self._write(self._sheet[0])
