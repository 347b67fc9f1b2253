"""The jobs of one emulator: kept in memory for the server's life (a bounded history of finished
ones), run by a bounded pool of worker threads from a bounded queue, rendered as the vendor's
``<JobsDetail>``, and reported to their callbacks.

States: ``Submitted`` → ``Running`` → ``Success`` | ``Failed`` (``Code`` and ``Message`` say
why: ``InputNotExist``, ``InvalidInput`` for an input that is not a video, ``InvalidArgument``
for a ``Start`` past the end) | ``Cancel``. A waiting job cancelled never runs; a running one
stops before its next frame, and what it already wrote stays in the bucket.
"""

from __future__ import annotations

import collections
import hashlib
import json
import logging
import re
import secrets
import threading
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import EmulatorError, invalid_argument
from ..settings import EmulatorSettings
from ..storage import MAX_KEY_BYTES
from .plan import JobFailure
from .spec import JobSpec, SnapshotConfig
from .work import Cancelled, JobOutcome, SnapshotJobRunner

__all__ = ["DEFAULT_QUEUE_ID", "Job", "JobStore", "render_document", "render_job"]

log = logging.getLogger("cos_snapshot.emulator.jobs")

#: The queue every job is on unless its request names another (the vendor's ids are "p" and
#: 32 hex digits).
DEFAULT_QUEUE_ID = "p" + hashlib.md5(b"cos-snapshot emulator", usedforsecurity=False).hexdigest()
#: The vendor writes times in China Standard Time: ``2019-07-07T12:12:12+0800``.
_CST = timezone(timedelta(hours=8))
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
FINAL_STATES = frozenset({"Success", "Failed", "Cancel"})
STATES = ("Submitted", "Running", "Success", "Failed", "Pause", "Cancel")
MAX_PAGE = 100
#: A queue id as the spec writes them (``GET /jobs``'s ``queueId``): empty is every queue.
_QUEUE_ID = re.compile(r"[A-Za-z0-9_-]{0,64}", re.ASCII)

#: Callback deliveries: at most this many wait (the oldest dropped beyond), each tried this many
#: times with these pauses, each attempt bounded by the timeout.
_CALLBACK_BACKLOG = 1000
_CALLBACK_PAUSES_S = (0.5, 2.0)
_CALLBACK_TIMEOUT_S = 5.0


def _now() -> datetime:
    return datetime.now(_CST)


def format_time(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(_CST).strftime(TIME_FORMAT)


@dataclass(eq=False)
class Job:
    id: str
    serial: int
    spec: JobSpec
    created: datetime
    state: str = "Submitted"
    code: str = "Success"
    message: str = ""
    progress: int = 0
    started: datetime | None = None
    ended: datetime | None = None
    outcome: JobOutcome | None = None
    cancel_asked: bool = False
    queue_id: str = DEFAULT_QUEUE_ID


# --------------------------------------------------------------------------------------------
# Rendering


def _add(parent: ET.Element, name: str, text: object = None) -> ET.Element:
    element = ET.SubElement(parent, name)
    if text is not None:
        element.text = str(text)
    return element


def _decimal(value: object) -> str:
    return "" if value is None else str(value)


def _snapshot_element(parent: ET.Element, snapshot: SnapshotConfig) -> None:
    element = _add(parent, "Snapshot")
    _add(element, "Mode", snapshot.mode)
    _add(element, "Start", _decimal(snapshot.start))
    _add(element, "TimeInterval", _decimal(snapshot.time_interval))
    _add(element, "Count", _decimal(snapshot.count))
    _add(element, "Width", _decimal(snapshot.width))
    _add(element, "Height", _decimal(snapshot.height))
    _add(element, "SnapshotOutMode", snapshot.out_mode)
    _add(element, "IsCheckCount", str(snapshot.is_check_count).lower())
    _add(element, "IsCheckBlack", str(snapshot.is_check_black).lower())
    _add(element, "BlackLevel", snapshot.black_level)
    _add(element, "PixelBlackThreshold", snapshot.pixel_black_threshold)
    sprite = snapshot.sprite
    if sprite is not None:
        config = _add(element, "SpriteSnapshotConfig")
        _add(config, "CellWidth", _decimal(sprite.cell_width))
        _add(config, "CellHeight", _decimal(sprite.cell_height))
        _add(config, "Padding", sprite.padding)
        _add(config, "Margin", sprite.margin)
        _add(config, "Color", sprite.color)
        _add(config, "Columns", sprite.columns)
        _add(config, "Lines", sprite.lines)
        _add(config, "ScaleMethod", sprite.scale_method)


def _files_element(
    parent: ET.Element, name: str, spec: JobSpec, files: list[tuple[str, str]]
) -> None:
    """``OutputFile``/``SpriteOutputFile``: the keys as a prefix shared by all and names."""
    element = _add(parent, name)
    _add(element, "Bucket", spec.output_bucket)
    _add(element, "Region", spec.output_region)
    prefix = ""
    if files:
        prefix = files[0][0].rpartition("/")[0] + "/" if "/" in files[0][0] else ""
        if not all(key.startswith(prefix) for key, _ in files):
            prefix = ""
    _add(element, "ObjectPrefix", prefix)
    for key, _ in files:
        _add(element, "ObjectName", key[len(prefix) :])
    for key, md5 in files:
        info = _add(element, "Md5Info")
        _add(info, "ObjectName", key[len(prefix) :])
        _add(info, "Md5", md5)


def render_job(job: Job) -> ET.Element:
    """The ``<JobsDetail>`` of ``job``."""
    spec = job.spec
    detail = ET.Element("JobsDetail")
    _add(detail, "Code", job.code)
    _add(detail, "Message", job.message)
    _add(detail, "JobId", job.id)
    _add(detail, "Tag", "Snapshot")
    _add(detail, "Progress", job.progress)
    _add(detail, "State", job.state)
    _add(detail, "CreationTime", format_time(job.created))
    _add(detail, "StartTime", format_time(job.started))
    _add(detail, "EndTime", format_time(job.ended))
    _add(detail, "QueueId", job.queue_id)
    _add(detail, "QueueType", "Common")
    source = _add(detail, "Input")
    _add(source, "Region", spec.input_region)
    _add(source, "Bucket", spec.input_bucket)
    _add(source, "Object", spec.input_object)
    operation = _add(detail, "Operation")
    _snapshot_element(operation, spec.snapshot)
    output = _add(operation, "Output")
    _add(output, "Region", spec.output_region)
    _add(output, "Bucket", spec.output_bucket)
    _add(output, "Object", spec.output_object or "")
    _add(output, "SpriteObject", spec.sprite_object or "")
    _add(operation, "UserData", spec.user_data)
    _add(operation, "JobLevel", spec.job_level)
    outcome = job.outcome
    if outcome is not None and outcome.media_info is not None:
        operation.append(outcome.media_info)
    if job.state == "Success" and outcome is not None:
        result = _add(operation, "MediaResult")
        if spec.snapshot.snapshots:
            _files_element(result, "OutputFile", spec, outcome.outputs)
        if spec.snapshot.sprites:
            _files_element(result, "SpriteOutputFile", spec, outcome.sprites)
    return detail


def render_document(root: ET.Element) -> bytes:
    text = ET.tostring(root, encoding="unicode")
    return b"<?xml version='1.0' encoding='utf-8' ?>\n" + text.encode()


def _as_json(element: ET.Element) -> Any:
    """An element as the vendor's JSON callbacks carry it: children by name (repeated ones in
    a list), text for leaves."""
    if len(element) == 0:
        return element.text or ""
    result: dict[str, Any] = {}
    for child in element:
        value = _as_json(child)
        if child.tag in result:
            previous = result[child.tag]
            result[child.tag] = (
                [*previous, value]
                if isinstance(previous, list)
                else [
                    previous,
                    value,
                ]
            )
        else:
            result[child.tag] = value
    return result


# --------------------------------------------------------------------------------------------
# Callbacks


class _Callbacks:
    """Delivers callbacks from a thread of its own, so a slow receiver never holds a worker."""

    def __init__(self) -> None:
        self._backlog: collections.deque[tuple[str, bytes, str]] = collections.deque(
            maxlen=_CALLBACK_BACKLOG
        )
        self._ready = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None
        # Loopback only: never through a proxy from the environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def send(self, job: Job) -> None:
        url = job.spec.callback
        root = ET.Element("Response")
        _add(root, "EventName", "TaskFinish")
        root.append(render_job(job))
        if job.spec.callback_format == "JSON":
            body = json.dumps({"EventName": "TaskFinish", "JobsDetail": _as_json(root[1])})
            payload, content_type = body.encode(), "application/json"
        else:
            payload, content_type = render_document(root), "application/xml"
        with self._ready:
            if self._closed:
                return
            self._backlog.append((url, payload, content_type))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._deliver, name="cos-emulator-callbacks", daemon=True
                )
                self._thread.start()
            self._ready.notify()

    def _deliver(self) -> None:
        while True:
            with self._ready:
                while not self._backlog and not self._closed:
                    self._ready.wait()
                if self._closed:
                    return
                url, payload, content_type = self._backlog.popleft()
            for pause in (*_CALLBACK_PAUSES_S, None):
                request = urllib.request.Request(  # noqa: S310 - checked at submit
                    url, data=payload, method="POST", headers={"Content-Type": content_type}
                )
                try:
                    opened = self._opener.open(request, timeout=_CALLBACK_TIMEOUT_S)
                    with opened as answer:
                        if answer.status < 300:
                            break
                except OSError as exc:
                    log.info("callback to %s failed: %s", url, exc)
                if pause is None:
                    break
                with self._ready:
                    if self._ready.wait_for(lambda: self._closed, timeout=pause):
                        return

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=2)


# --------------------------------------------------------------------------------------------
# The store and its workers


def _slow_down() -> EmulatorError:
    return EmulatorError(
        503,
        "SlowDown",
        "Too many snapshot jobs are waiting; retry later.",
        headers={"Retry-After": "1"},
    )


@dataclass
class ListFilter:
    """What ``GET /jobs`` asks for."""

    states: frozenset[str] | None = None
    descending: bool = True
    size: int = 10
    after: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    queue_id: str | None = None
    input_object: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class JobStore:
    """Every job of one emulator, and the workers that run them."""

    def __init__(self, settings: EmulatorSettings, runner: SnapshotJobRunner) -> None:
        self._settings = settings
        self._runner = runner
        self._lock = threading.Condition()
        self._jobs: dict[str, Job] = {}  # by id, oldest first
        self._waiting: collections.deque[Job] = collections.deque()
        self._finished: collections.deque[str] = collections.deque()
        self._serial = 0
        self._idle = 0
        self._running = 0
        self._submitted: collections.deque[float] = collections.deque()  # accepted, last second
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._callbacks = _Callbacks()

    def _check_rate(self) -> None:
        """Refuse a submission that would put more than ``job_rate`` in one second (the lock
        held)."""
        rate = self._settings.job_rate
        if not rate:
            return
        now = time.monotonic()
        while self._submitted and self._submitted[0] <= now - 1:
            self._submitted.popleft()
        if len(self._submitted) >= rate:
            raise EmulatorError(
                503,
                "SlowDown",
                f"More than {rate} jobs submitted in one second; retry later.",
                headers={"Retry-After": "1"},
            )

    def submit(self, spec: JobSpec) -> Job:
        with self._lock:
            if self._closed:
                raise EmulatorError(503, "ServiceUnavailable", "The emulator is stopping.")
            self._check_rate()
            held = len(self._waiting) + self._running
            if held >= self._settings.job_workers + self._settings.job_queue_limit:
                raise _slow_down()
            self._serial += 1
            job = Job(
                id="j" + secrets.token_hex(16),
                serial=self._serial,
                spec=spec,
                created=_now(),
                queue_id=spec.queue_id or DEFAULT_QUEUE_ID,
            )
            self._jobs[job.id] = job
            self._waiting.append(job)
            if self._settings.job_rate:
                self._submitted.append(time.monotonic())
            if len(self._threads) < self._settings.job_workers and self._idle == 0:
                thread = threading.Thread(
                    target=self._work, name=f"cos-emulator-job-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            self._lock.notify()
            return job

    def get(self, ids: Iterable[str]) -> tuple[list[Job], list[str]]:
        with self._lock:
            found, missing = [], []
            for job_id in ids:
                job = self._jobs.get(job_id)
                if job is None:
                    missing.append(job_id)
                else:
                    found.append(job)
            return found, missing

    def list(self, wanted: ListFilter) -> tuple[list[Job], str]:
        with self._lock:
            jobs = list(self._jobs.values())
        if wanted.descending:
            jobs.reverse()
        if wanted.after is not None:
            after = wanted.after
            jobs = [
                j for j in jobs if (j.serial < after if wanted.descending else j.serial > after)
            ]
        selected = [
            job
            for job in jobs
            if (wanted.states is None or job.state in wanted.states)
            and (wanted.start is None or job.created >= wanted.start)
            and (wanted.end is None or job.created <= wanted.end)
            and (wanted.queue_id is None or job.queue_id == wanted.queue_id)
            and (wanted.input_object is None or job.spec.input_object == wanted.input_object)
        ]
        page = selected[: wanted.size]
        token = str(page[-1].serial) if len(selected) > wanted.size else ""
        return page, token

    def cancel(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise EmulatorError(404, "NoSuchJob", "The job does not exist.")
            if job.state in FINAL_STATES:
                raise invalid_argument(f"The job has already ended ({job.state}).")
            job.cancel_asked = True
            if job.state == "Submitted":
                self._waiting.remove(job)
                self._end(job, "Cancel")
            return job

    def _end(self, job: Job, state: str, code: str = "Success", message: str = "") -> None:
        """Mark ``job`` ended (the lock held); forget the oldest ended jobs beyond the history."""
        job.state, job.code, job.message = state, code, message
        job.ended = _now()
        if state == "Success":
            job.progress = 100
        self._finished.append(job.id)
        while len(self._finished) > self._settings.job_history:
            self._jobs.pop(self._finished.popleft(), None)
        if job.spec.callback:
            self._callbacks.send(job)

    def _work(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
                while not self._waiting and not self._closed:
                    self._lock.wait()
                self._idle -= 1
                if self._closed:
                    return
                job = self._waiting.popleft()
                job.state = "Running"
                job.started = _now()
                self._running += 1
            try:
                self._run(job)
            finally:
                with self._lock:
                    self._running -= 1

    def _run(self, job: Job) -> None:
        def progress(percent: int) -> None:
            job.progress = percent

        try:
            outcome = self._runner.run(
                job.spec, progress=progress, cancelled=lambda: job.cancel_asked or self._closed
            )
        except Cancelled:
            with self._lock:
                self._end(job, "Cancel")
            return
        except JobFailure as failure:
            with self._lock:
                self._end(job, "Failed", failure.code, failure.message)
            return
        except EmulatorError as error:
            with self._lock:
                self._end(job, "Failed", error.code, error.message)
            return
        except Exception:
            log.exception("snapshot job %s failed unexpectedly", job.id)
            with self._lock:
                self._end(job, "Failed", "InternalError", "We encountered an internal error.")
            return
        with self._lock:
            job.outcome = outcome
            self._end(job, "Cancel" if job.cancel_asked else "Success")

    def close(self) -> None:
        """Stop the workers (a running job stops before its next frame) and the callbacks."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=10)
        self._callbacks.close()


def parse_list_query(query: Mapping[str, str]) -> ListFilter:
    """``GET /jobs``'s parameters; 400 ``InvalidArgument`` naming a bad one."""
    tag = query.get("tag")
    if tag is None:
        raise invalid_argument("Parameter tag is required: Snapshot.")
    if tag != "Snapshot":
        raise invalid_argument(f"Parameter tag: {tag[:40]!r}; the emulator runs Snapshot jobs.")
    wanted = ListFilter()
    # A parameter given empty is refused, as the spec types it; left out, it takes its default.
    states = query.get("states", "All")
    names = frozenset(s.strip() for s in states.split(","))
    unknown = sorted(names - {"All", *STATES})
    if unknown:
        raise invalid_argument(f"Parameter states: {unknown[0][:40]!r} is not a job state.")
    if "All" not in names:  # All, alone or in a list, is every state
        wanted.states = names
    order = query.get("orderByTime", "Desc")
    if order not in ("Desc", "Asc"):
        raise invalid_argument("Parameter orderByTime must be Desc or Asc.")
    wanted.descending = order == "Desc"
    size = query.get("size", "10")
    if not size.isascii() or not size.isdigit() or not 1 <= int(size) <= MAX_PAGE:
        raise invalid_argument(f"Parameter size must be a whole number in 1..{MAX_PAGE}.")
    wanted.size = int(size)
    token = query.get("nextToken", "")
    if token:
        if not token.isascii() or not token.isdigit() or len(token) > 18:
            raise invalid_argument("Parameter nextToken is not a token this emulator gave.")
        wanted.after = int(token)
    for name in ("startCreationTime", "endCreationTime"):
        text = query.get(name)
        if text is not None:
            try:
                moment = datetime.strptime(text, TIME_FORMAT)
            except ValueError:
                raise invalid_argument(
                    f"Parameter {name} must be a time like 2019-07-07T12:12:12+0800."
                ) from None
            if name == "startCreationTime":
                wanted.start = moment
            else:
                wanted.end = moment
    queue_id = query.get("queueId", "")
    if not _QUEUE_ID.fullmatch(queue_id):
        raise invalid_argument("Parameter queueId: at most 64 letters, digits, - and _.")
    input_object = query.get("inputObject", "")
    if len(input_object.encode()) > MAX_KEY_BYTES or any(
        ord(c) < 0x20 or ord(c) == 0x7F for c in input_object
    ):
        raise invalid_argument(
            f"Parameter inputObject: an object key ({MAX_KEY_BYTES} bytes, no control characters)."
        )
    wanted.queue_id = queue_id or None
    wanted.input_object = input_object or None
    return wanted
