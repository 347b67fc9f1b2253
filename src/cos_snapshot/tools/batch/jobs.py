"""A batch as snapshot jobs (``cos-snapshot batch --server-side``): one job per video, the
service decoding each video once next to the data and writing the shots into the bucket.

The batch's meanings are kept: ``count`` N is the middle of N equal slices of the video (an
``Interval`` job from D/2N every D/N, N shots), ``every`` S a shot every S seconds from 0 (an
``Interval`` job from 0 every S, as many as fall before the end). Listed times cannot be a job
(a job's shots are evenly spaced) and are refused.

Shots are named ``<key without its suffix>_<n>.jpg`` (n from 0, the job's ``${Number}``), the
key relative to the listing's prefix. With outputs in a bucket the job writes them there
itself; with a local directory the job writes them under :data:`WORK_PREFIX` in the bucket (they
stay there: the client deletes nothing) and they are downloaded into the directory.

Submissions keep to the client's ``job_rate``. Each is recorded in a jobs file (JSON Lines,
appended line by line, see :class:`~cos_snapshot._shared.files.LineLog`) the moment the
service accepts it, and each collected job once its outputs are in place, so that the same
batch run again (after Ctrl-C, a crash, SIGKILL) waits for and collects the jobs it submitted
instead of submitting them again, and skips videos collected already. A recorded job the
service no longer knows, or that ended ``Failed`` or ``Cancel``, is submitted again. A video
that fails (not a video, a job that failed, a download) fails alone.

Example::

    async with AsyncSnapshotClient(bucket=..., region=...) as client:
        results = await run_job_batch(
            client, ["videos/a.mp4"], TimeSelection(count=12), Path("strips"),
            jobs_file=Path("strips") / JOBS_FILE_NAME,
        )
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import time
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import attrs

from ... import (
    AsyncSnapshotClient,
    CosError,
    CosInvalidArgumentError,
    JobState,
    SnapshotJob,
    SnapshotJobSpec,
    TimeSelection,
    media_info_for,
)
from ..._shared.files import LineLog
from ..destination import BucketPrefix, OutputPlace

__all__ = [
    "JOBS_FILE_NAME",
    "WORK_PREFIX",
    "JobResult",
    "JobsFile",
    "job_output_name",
    "job_spec_for",
    "run_job_batch",
]

#: The jobs file's name (in the output directory; the current directory for cos:// outputs).
JOBS_FILE_NAME = ".cos-snapshot-jobs.jsonl"
#: Where jobs whose outputs go to a local directory write them in the bucket first.
WORK_PREFIX = "cos-snapshot-work/"
#: Polls in a row that may fail before the run stops (its jobs stay in the jobs file).
MAX_POLL_FAILURES = 5
#: The most shots a job takes (the vendor's bound on ``Count``).
MAX_SHOTS = 10000

JobStatus = Literal["done", "skipped", "failed", "not_run"]


@attrs.frozen
class JobResult:
    """What became of one video: ``status`` ``done`` (its job ended ``Success`` and its
    outputs are in place), ``skipped`` (collected by an earlier run), ``failed`` (``error``
    says why) or ``not_run`` (the wait ended first; the same batch run again collects it);
    ``job_id`` when a job was made, and ``outputs`` (paths, or ``cos://`` URLs)."""

    key: str
    status: JobStatus
    job_id: str | None = None
    outputs: tuple[str, ...] = ()
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready, as ``cos-snapshot --json batch --server-side`` prints it."""
        return {
            "type": "job",
            "key": self.key,
            "status": self.status,
            "job_id": self.job_id,
            "outputs": list(self.outputs),
            "error": self.error,
        }


def job_spec_for(
    selection: TimeSelection,
    duration: Decimal,
    output: str,
    *,
    width: int | None = None,
    height: int | None = None,
) -> SnapshotJobSpec:
    """The ``Interval`` job that takes ``selection``'s times of a video ``duration`` seconds
    long, its shots named by ``output`` (a key pattern with ``${Number}``). Raises
    :class:`~cos_snapshot.CosInvalidArgumentError` naming ``count``/``every``/``time`` for a
    selection a job cannot take."""
    if selection.count is not None:
        n = selection.count
        if n > MAX_SHOTS:
            raise CosInvalidArgumentError("count", f"a job takes at most {MAX_SHOTS} shots")
        step = duration / n
        start, interval, count = step / 2, step, n
    elif selection.every is not None:
        interval = selection.every
        start = Decimal(0)
        count = max(1, min(MAX_SHOTS, math.ceil(duration / interval)))
    else:
        raise CosInvalidArgumentError(
            "time", "a job's shots are evenly spaced: give a count or a step, not listed times"
        )
    return SnapshotJobSpec(
        output=output,
        mode="Interval",
        start=float(start),
        time_interval=float(interval),
        count=count,
        width=width,
        height=height,
    )


def job_output_name(key: str, prefix: str) -> str:
    """A video's shot names below the output place: ``<key below prefix, without its
    suffix>_${Number}.jpg`` (``videos/a/intro.mp4`` under ``videos/`` is
    ``a/intro_${Number}.jpg``). ``ValueError`` for a key that is not a safe relative path."""
    relative = PurePosixPath(key.removeprefix(prefix))
    parts = relative.parts
    if not parts or any(part in {"..", "."} for part in parts) or key.endswith("/"):
        raise ValueError(f"{key!r} cannot name outputs")
    stem = str(relative.with_suffix("")) if relative.suffix else str(relative)
    return f"{stem}_${{Number}}.jpg"


def _spec_digest(spec: SnapshotJobSpec, place: OutputPlace) -> str:
    """What a recorded job must match to be this run's: its spec and where its outputs go."""
    where = str(place.resolve()) if isinstance(place, Path) else str(place)
    text = json.dumps(
        [where, spec.output, spec.start, spec.time_interval, spec.count, spec.width, spec.height]
    )
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@attrs.frozen
class _Record:
    job_id: str
    spec: str
    collected: bool = False


class JobsFile:
    """The jobs a batch submitted, as JSON Lines: ``{"key", "job_id", "spec"}`` when a job is
    accepted, ``{"key", "job_id", "collected": true}`` when its outputs are in place. Read
    when opened (a line that does not parse, such as one torn by a kill, is skipped; the last
    record of a key wins), then appended to line by line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, _Record] = {}
        try:
            with path.open("rb") as lines:
                for line in lines:
                    self._read(line)
        except FileNotFoundError:
            pass
        self._log = LineLog(path)

    def _read(self, line: bytes) -> None:
        try:
            row = json.loads(line)
        except ValueError:
            return
        if not isinstance(row, dict):
            return
        key, job_id = row.get("key"), row.get("job_id")
        if not isinstance(key, str) or not isinstance(job_id, str):
            return
        if row.get("collected") is True:
            known = self.records.get(key)
            if known is not None and known.job_id == job_id:
                self.records[key] = attrs.evolve(known, collected=True)
        elif isinstance(row.get("spec"), str):
            self.records[key] = _Record(job_id, row["spec"])

    def _write(self, row: Mapping[str, Any]) -> None:
        self._log.append(json.dumps(row, ensure_ascii=False).encode("utf-8"))

    def submitted(self, key: str, job_id: str, spec: str) -> None:
        """Record a job the service accepted."""
        self.records[key] = _Record(job_id, spec)
        self._write({"key": key, "job_id": job_id, "spec": spec})

    def collected(self, key: str, job_id: str) -> None:
        """Record that the job's outputs are in place."""
        self.records[key] = attrs.evolve(self.records[key], collected=True)
        self._write({"key": key, "job_id": job_id, "collected": True})

    def close(self) -> None:
        """Close the file."""
        self._log.close()


@attrs.define
class _Video:
    key: str
    spec: SnapshotJobSpec
    digest: str
    job_id: str | None = None
    #: Its job was submitted by an earlier run: ended Failed or Cancel, it is submitted again.
    resumed: bool = False


class _JobBatch:
    def __init__(
        self,
        client: AsyncSnapshotClient,
        selection: TimeSelection,
        place: OutputPlace,
        jobs: JobsFile,
        *,
        prefix: str,
        width: int | None,
        height: int | None,
        force: bool,
        concurrency: int,
        poll: float,
        deadline: float,
        on_result: Callable[[JobResult], None],
    ) -> None:
        self.client = client
        self.selection = selection
        self.place = place
        self.jobs = jobs
        self.prefix = prefix
        self.width = width
        self.height = height
        self.force = force
        self.poll = poll
        self.deadline = deadline
        self.on_result = on_result
        self.slots = asyncio.Semaphore(concurrency)
        self.waiting: dict[str, _Video] = {}
        self.changed = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()

    # -- where outputs go -----------------------------------------------------------------

    def output_key(self, name: str) -> str:
        if isinstance(self.place, BucketPrefix):
            return self.place.key(name)
        return WORK_PREFIX + "batch/" + name

    def local_path(self, key: str) -> Path:
        """The file an output of the work place goes to; ``OSError`` for a key the job
        reported outside the work place, or one that would leave the directory."""
        assert isinstance(self.place, Path)  # noqa: S101 - only for a local place
        work = WORK_PREFIX + "batch/"
        relative = PurePosixPath(key.removeprefix(work))
        if not key.startswith(work) or any(part in {"..", "."} for part in relative.parts):
            raise OSError(f"the job reported an output outside its place: {key!r}")
        return self.place / relative

    def shown(self, key: str) -> str:
        if isinstance(self.place, BucketPrefix):
            return f"cos://{self.place.bucket or ''}/{key}"
        return str(self.local_path(key))

    # -- the steps --------------------------------------------------------------------------

    def spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def take(self, key: str) -> None:
        """Plan, resume or submit the job of ``key``."""
        async with self.slots:
            try:
                name = job_output_name(key, self.prefix)
                info = await media_info_for(self.client, key, self.selection.option)
                assert info.video_duration is not None  # noqa: S101 - media_info_for checked
                spec = job_spec_for(
                    self.selection,
                    info.video_duration,
                    self.output_key(name),
                    width=self.width,
                    height=self.height,
                )
            except (CosError, ValueError) as error:
                self.on_result(JobResult(key, "failed", error=str(error)))
                return
            video = _Video(key, spec, _spec_digest(spec, self.place))
            record = self.jobs.records.get(key)
            if record is not None and record.spec == video.digest and not self.force:
                if record.collected:
                    self.on_result(JobResult(key, "skipped", record.job_id))
                    return
                video.job_id, video.resumed = record.job_id, True  # an earlier run's job
                self.wait_for(video)
                return
            await self.submit(video)

    async def submit(self, video: _Video) -> None:
        try:
            job = await self.client.submit_snapshot_job(video.key, video.spec)
        except CosError as error:
            self.on_result(JobResult(video.key, "failed", error=str(error)))
            return
        video.job_id, video.resumed = job.job_id, False
        self.jobs.submitted(video.key, job.job_id, video.digest)
        self.wait_for(video)

    def wait_for(self, video: _Video) -> None:
        assert video.job_id is not None  # noqa: S101
        self.waiting[video.job_id] = video
        self.changed.set()

    async def collect(self, video: _Video, job: SnapshotJob) -> None:
        async with self.slots:
            try:
                if isinstance(self.place, Path):
                    for key in job.outputs:
                        await self.client.download_object(key, self.local_path(key))
                self.jobs.collected(video.key, job.job_id)
            except (CosError, OSError) as error:
                self.on_result(JobResult(video.key, "failed", job.job_id, error=str(error)))
                return
        shown = tuple(self.shown(key) for key in job.outputs)
        self.on_result(JobResult(video.key, "done", job.job_id, shown))

    async def watch(self, feeding: asyncio.Task[None]) -> None:
        """Poll the jobs waited for (many ids in one request) until none is left and no key
        is left to take, or the deadline passes."""
        failures = 0
        while True:
            if not self.waiting:
                if feeding.done() and not self.tasks:
                    return
                self.changed.clear()
                woken = asyncio.ensure_future(self.changed.wait())
                try:
                    await asyncio.wait(
                        [woken, feeding, *self.tasks], return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    woken.cancel()
                continue
            try:
                found = await self.client.get_jobs(list(self.waiting))
            except CosError:
                failures += 1  # (the client has retried what is worth retrying already)
                if failures >= MAX_POLL_FAILURES or time.monotonic() >= self.deadline:
                    raise  # the jobs are in the jobs file: a re-run collects them
                await asyncio.sleep(self.poll)
                continue
            failures = 0
            for job_id in found.unknown_ids:  # forgotten by the service: submitted again
                self.spawn(self.submit(self.waiting.pop(job_id)))
            for job in found.jobs:
                if job.done:
                    self.ended(self.waiting.pop(job.job_id), job)
            if self.waiting:
                if time.monotonic() >= self.deadline:
                    for video in self.waiting.values():
                        self.on_result(
                            JobResult(
                                video.key,
                                "not_run",
                                video.job_id,
                                error="still running when the wait ended (run again to collect)",
                            )
                        )
                    self.waiting.clear()
                    continue
                await asyncio.sleep(self.poll)

    def ended(self, video: _Video, job: SnapshotJob) -> None:
        if job.state is JobState.SUCCESS:
            self.spawn(self.collect(video, job))
        elif video.resumed:  # an earlier run's job that failed: this run takes it again
            self.spawn(self.submit(video))
        else:
            reason = f"{job.code or ''} {job.message or ''}".strip()
            self.on_result(
                JobResult(
                    video.key,
                    "failed",
                    job.job_id,
                    error=f"job {job.job_id} ended {job.state.value}"
                    + (f": {reason}" if reason else ""),
                )
            )


async def run_job_batch(
    client: AsyncSnapshotClient,
    keys: Iterable[str] | AsyncIterable[str],
    selection: TimeSelection,
    place: OutputPlace,
    *,
    jobs_file: Path,
    prefix: str = "",
    width: int | None = None,
    height: int | None = None,
    force: bool = False,
    concurrency: int = 8,
    poll: float = 1.0,
    timeout: float = 3600.0,
    on_result: Callable[[JobResult], None] | None = None,
) -> list[JobResult]:
    """Take ``selection``'s times of every video of ``keys`` with one snapshot job each (see
    the module's text), outputs to ``place`` (a local directory, or a
    :class:`~cos_snapshot.tools.destination.BucketPrefix` of the client's bucket), named
    below ``prefix``; ``jobs_file`` records the jobs for a re-run. ``concurrency`` bounds the
    GetMediaInfo, submissions and downloads in flight (submissions also keep to the client's
    ``job_rate``); jobs are polled together every ``poll`` seconds, until ``timeout`` seconds
    have passed (those still running are ``not_run``: run again to collect them). ``force``
    submits again videos collected already. Each video's :class:`JobResult` goes to
    ``on_result`` as it comes, and all are returned.

    Raises :class:`~cos_snapshot.CosInvalidArgumentError` up front for a selection no job can
    take (listed times)."""
    if selection.count is None and selection.every is None:
        raise CosInvalidArgumentError(
            "time", "a job's shots are evenly spaced: give a count or a step, not listed times"
        )
    results: list[JobResult] = []

    def record(result: JobResult) -> None:
        results.append(result)
        if on_result is not None:
            on_result(result)

    jobs = JobsFile(jobs_file)
    batch = _JobBatch(
        client,
        selection,
        place,
        jobs,
        prefix=prefix,
        width=width,
        height=height,
        force=force,
        concurrency=concurrency,
        poll=poll,
        deadline=time.monotonic() + timeout,
        on_result=record,
    )

    async def feed() -> None:
        # At most `concurrency` videos being planned or submitted at once: a listing of a
        # million keys is read as fast as they are taken, not held.
        room = asyncio.Semaphore(concurrency)
        taking: set[asyncio.Task[None]] = set()

        async def take(key: str) -> None:
            try:
                await batch.take(key)
            finally:
                room.release()

        async def add(key: str) -> None:
            await room.acquire()
            task = asyncio.ensure_future(take(key))
            taking.add(task)
            task.add_done_callback(taking.discard)

        if isinstance(keys, AsyncIterable):
            async for key in keys:
                await add(key)
        else:
            for key in keys:
                await add(key)
        while taking:
            await asyncio.gather(*list(taking))

    feeding = asyncio.ensure_future(feed())
    try:
        watching = asyncio.ensure_future(batch.watch(feeding))
        await asyncio.gather(feeding, watching)
        while batch.tasks:
            await asyncio.gather(*list(batch.tasks))
    finally:
        for task in [feeding, *batch.tasks]:
            task.cancel()
        jobs.close()
    return results
