"""Snapshot jobs, the asynchronous mode of GetSnapshot, as values: the spec of a job
(:class:`SnapshotJobSpec`), a job as the service reports it (:class:`SnapshotJob`), the request
documents and the reading of the answers, the submission mark and the submission rate (no I/O).

The service (vendor docs 436/54013, 436/54010, 436/54011, 436/85082) takes a job as an XML
``<Request>`` on ``POST /jobs`` of the bucket's CI host, and reports jobs as ``<Response>``
documents of ``JobsDetail`` elements.

A job must never be submitted twice by a retry: ``POST /jobs`` sent again makes a second job.
So each submission carries a *mark*, appended to its ``UserData`` (which the service echoes in
every report of the job): a random token behind :data:`MARK_PREFIX`. Before sending a
submission again (its answer was lost: the connection broke, the answer timed out, the server
failed), the client lists the recent jobs of the video and returns the one carrying the mark if
there is one. The mark is stripped from the ``user_data`` of every :class:`SnapshotJob` the
client reads. It costs :data:`MARK_LENGTH` of the 1024 characters ``UserData`` may hold.
"""

from __future__ import annotations

import enum
import math
import random
import re
import secrets
import threading
import time
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import attrs

from .._shared.errors import (
    CosClientError,
    CosInvalidArgumentError,
    CosResponseError,
    CosTimeoutError,
)
from .._shared.xml import UnsafeXmlError, parse_untrusted

__all__ = [
    "DEFAULT_JOB_RATE",
    "MARK_LENGTH",
    "MAX_USER_DATA",
    "CosJobNotFoundError",
    "CosJobTimeoutError",
    "FoundJobs",
    "JobPage",
    "JobState",
    "SnapshotJob",
    "SnapshotJobSpec",
    "SpriteSpec",
    "SubmitRate",
]

#: Submissions a second the service takes by default (vendor doc 436/54013): the client's
#: default ``job_rate``.
DEFAULT_JOB_RATE = 10.0
#: ``UserData``: at most 1024 printable ASCII characters (vendor doc 436/54013).
MAX_USER_DATA = 1024
#: What a submission's mark starts with; a token of 32 hex digits follows.
MARK_PREFIX = "#cos-snapshot-submit:"
MARK_LENGTH = len(MARK_PREFIX) + 32
_MARK = re.compile(re.escape(MARK_PREFIX) + r"[0-9a-f]{32}\Z")
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
#: An output name's counter, in either spelling the vendor's pages use.
_NUMBER = re.compile(r"\$\{[Nn]umber\}")
_JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: A sprite background as ffmpeg reads one: a colour name, ``#RRGGBB`` or ``0xRRGGBB``.
_COLOR = re.compile(r"(?:#|0[xX])[0-9A-Fa-f]{6}|[A-Za-z]{1,64}", re.ASCII)
_QUEUE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: How job ids are asked for at most in one DescribeMediaJob (the URL stays under 2 KB).
IDS_PER_REQUEST = 50
#: The most a job answer may hold: 64 MiB. A job of 10,000 shots reports each name twice
#: (``ObjectName`` and ``Md5Info``), about 1 MB; a page of jobs is at most 100 of them, but
#: pages of such jobs are rare: past this the answer is refused, not held.
MAX_JOBS_BYTES = 64 << 20
#: The service's time format, ``2019-07-07T12:12:12+0800``.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

SnapshotMode = Literal["Interval", "Average", "KeyFrame"]
OutMode = Literal["OnlySnapshot", "OnlySprite", "SnapshotAndSprite"]
ScaleMethod = Literal["DirectScale", "MaxWHScaleAndPad", "MaxWHScale"]
CallBackFormat = Literal["XML", "JSON"]
JobOrder = Literal["Desc", "Asc"]

_MODES = ("Interval", "Average", "KeyFrame")
_OUT_MODES = ("OnlySnapshot", "OnlySprite", "SnapshotAndSprite")
_SCALE_METHODS = ("DirectScale", "MaxWHScaleAndPad", "MaxWHScale")


class JobState(enum.StrEnum):
    """Where a job is. ``SUCCESS``, ``FAILED`` and ``CANCEL`` are final."""

    SUBMITTED = "Submitted"
    RUNNING = "Running"
    SUCCESS = "Success"
    FAILED = "Failed"
    PAUSE = "Pause"
    CANCEL = "Cancel"

    @property
    def final(self) -> bool:
        """True for the states a job never leaves."""
        return self in {JobState.SUCCESS, JobState.FAILED, JobState.CANCEL}


class CosJobTimeoutError(CosTimeoutError):
    """A job had not ended when the wait's deadline passed; ``job`` is the last report of it."""

    def __init__(self, message: str, job: SnapshotJob) -> None:
        self.job = job
        super().__init__(message)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (str(self), self.job))


class CosJobNotFoundError(CosClientError, LookupError):
    """The service does not know the job ``job_id`` (it was never made, or is forgotten)."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__(f"the service knows no job {job_id!r}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.job_id,))


# -- checks -------------------------------------------------------------------------------


def _integer(name: str, value: object, low: int, high: int, *, optional: bool = True) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CosInvalidArgumentError(name, f"must be an integer {low}..{high}, got {value!r}")


def _number(name: str, value: object, *, above: float, high: float | None) -> None:
    ok = (
        not isinstance(value, bool)
        and isinstance(value, int | float | Decimal)
        and math.isfinite(float(value))
        and float(value) > above
        and (high is None or float(value) <= high)
    )
    if not ok:
        bound = f"above {above:g}" + ("" if high is None else f" and at most {high:g}")
        raise CosInvalidArgumentError(name, f"must be a number of seconds {bound}, got {value!r}")


def _choice(name: str, value: object, choices: tuple[str, ...], *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if value not in choices:
        raise CosInvalidArgumentError(name, f"must be one of {', '.join(choices)}; got {value!r}")


def _text(name: str, value: object, limit: int, *, pattern: re.Pattern[str] = _PRINTABLE) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value or len(value) > limit:
        raise CosInvalidArgumentError(name, f"must be a non-empty string of at most {limit}")
    if not pattern.fullmatch(value):
        raise CosInvalidArgumentError(name, f"has characters it may not hold: {value[:60]!r}")


def check_output_name(name: str, value: object) -> None:
    """An output key pattern: a key of at most 850 bytes holding ``${Number}`` (or
    ``${number}``), which the service replaces with each output's number."""
    if not isinstance(value, str) or not value.strip("/"):
        raise CosInvalidArgumentError(name, "must be a key pattern holding ${Number}")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise CosInvalidArgumentError(name, "must not contain control characters")
    if len(value.encode("utf-8", "surrogatepass")) > 850:
        raise CosInvalidArgumentError(name, "is longer than a key may be (850 bytes)")
    if not _NUMBER.search(value):
        raise CosInvalidArgumentError(
            name,
            f"must hold ${{Number}} (each output's number), got {value!r}: "
            "every output would have the same key",
        )


def check_job_id(value: object, name: str = "job_id") -> str:
    """A job id: letters, digits, ``-`` and ``_``, at most 64."""
    if not isinstance(value, str) or not _JOB_ID.fullmatch(value):
        raise CosInvalidArgumentError(
            name, f"must be a job id (letters, digits, '-', '_'), got {value!r}"
        )
    return value


def check_job_ids(ids: object) -> tuple[str, ...]:
    """Job ids (an iterable of strings, not one string), each checked, repeats dropped."""
    if isinstance(ids, str) or not isinstance(ids, Iterable):
        raise CosInvalidArgumentError("ids", "must be an iterable of job ids (not a string)")
    checked = tuple(dict.fromkeys(check_job_id(i, "ids") for i in ids))
    if not checked:
        raise CosInvalidArgumentError("ids", "must name at least one job")
    return checked


# -- the spec ------------------------------------------------------------------------------


@attrs.frozen
class SpriteSpec:
    """How shots are tiled into sprite sheets (``SpriteSnapshotConfig``): ``columns`` ×
    ``lines`` cells a sheet (each 1..10000), ``color`` the background (an ffmpeg colour name,
    ``#RRGGBB`` or ``0xRRGGBB``; the service requires one, black here by default), optional ``cell_width`` and
    ``cell_height`` (8..4096), ``padding`` between cells and ``margin`` around the sheet
    (0..1024 pixels), and ``scale_method`` (``DirectScale``, ``MaxWHScaleAndPad`` or
    ``MaxWHScale``). Checked when made."""

    columns: int
    lines: int
    color: str = "black"
    cell_width: int | None = None
    cell_height: int | None = None
    padding: int | None = None
    margin: int | None = None
    scale_method: ScaleMethod | None = None

    def __attrs_post_init__(self) -> None:
        _integer("sprite.columns", self.columns, 1, 10000, optional=False)
        _integer("sprite.lines", self.lines, 1, 10000, optional=False)
        if not isinstance(self.color, str) or not _COLOR.fullmatch(self.color):
            raise CosInvalidArgumentError(
                "sprite.color",
                f"{self.color!r:.60} is not a colour: a name (white), #RRGGBB or 0xRRGGBB",
            )
        _integer("sprite.cell_width", self.cell_width, 8, 4096)
        _integer("sprite.cell_height", self.cell_height, 8, 4096)
        _integer("sprite.padding", self.padding, 0, 1024)
        _integer("sprite.margin", self.margin, 0, 1024)
        _choice("sprite.scale_method", self.scale_method, _SCALE_METHODS, optional=True)


@attrs.frozen
class SnapshotJobSpec:
    """What a snapshot job does (the ``Operation`` of CreateMediaJobs), checked when made
    against the vendor's documented ranges (vendor doc 436/75023), so that a spec the service
    would refuse fails here, naming the field.

    - ``output``: the shots' key pattern, holding ``${Number}`` (``${number}`` is accepted
      too), replaced by each shot's number; ``sprite_output`` the sheets' (required when
      ``snapshot_out_mode`` writes sprites). ``output_bucket``/``output_region``: where to
      write; the client's bucket and region when left out.
    - ``mode``: ``Interval`` (from ``start``, a shot every ``time_interval`` seconds, at most
      ``count``; without ``time_interval``, every frame up to ``count``), ``Average``
      (``count`` shots spread from ``start`` to the end; ``count`` required) or ``KeyFrame``.
    - ``start`` >= 0 seconds (the service also bounds it by the video's duration);
      ``time_interval`` in (0, 3600]; ``count`` in 1..10000; ``width``/``height`` in
      128..4096 (one alone: the other keeps the aspect ratio).
    - ``is_check_count``: an ``Interval`` that cannot reach ``count`` falls back to
      ``Average``. ``is_check_black`` (only with ``start`` 0) skips black frames, as
      ``black_level`` (30..100 percent of pixels) and ``pixel_black_threshold`` (0..255
      luma) define them.
    - ``snapshot_out_mode``: ``OnlySnapshot`` (the default), ``OnlySprite`` or
      ``SnapshotAndSprite``; ``sprite`` (a :class:`SpriteSpec`) required with sprites.
    - ``user_data``: printable ASCII echoed in every report, at most
      ``MAX_USER_DATA - MARK_LENGTH`` (978) characters (the client appends its submission
      mark); ``job_level`` 0..2 (priority); ``template_id`` (a snapshot template, which wins
      over the inline settings); ``queue_id``; ``callback`` (a URL), ``callback_format``
      (``XML``/``JSON``) and ``callback_type`` (a number, sent as it is).
    """

    output: str | None = None
    mode: SnapshotMode = "Interval"
    start: float = 0.0
    time_interval: float | None = None
    count: int | None = None
    width: int | None = None
    height: int | None = None
    is_check_count: bool = False
    is_check_black: bool = False
    black_level: int | None = None
    pixel_black_threshold: int | None = None
    snapshot_out_mode: OutMode = "OnlySnapshot"
    sprite: SpriteSpec | None = None
    sprite_output: str | None = None
    output_bucket: str | None = None
    output_region: str | None = None
    user_data: str | None = None
    job_level: int | None = None
    template_id: str | None = None
    queue_id: str | None = None
    callback: str | None = None
    callback_format: CallBackFormat | None = None
    callback_type: int | None = None

    def __attrs_post_init__(self) -> None:
        check_spec(self)

    @property
    def writes_snapshots(self) -> bool:
        """True when the job writes single shots (``OnlySnapshot``, ``SnapshotAndSprite``)."""
        return self.snapshot_out_mode != "OnlySprite"

    @property
    def writes_sprites(self) -> bool:
        """True when the job writes sprite sheets (``OnlySprite``, ``SnapshotAndSprite``)."""
        return self.snapshot_out_mode != "OnlySnapshot"

    @classmethod
    def _unchecked(cls, **values: Any) -> SnapshotJobSpec:
        """A spec as a service echoed it, not held to the ranges a submission is (the service
        may fill in values of its own, such as a width of 0)."""
        spec = cls.__new__(cls)
        for field in attrs.fields(cls):
            object.__setattr__(spec, field.name, values.get(field.name, field.default))
        return spec


def check_spec(spec: SnapshotJobSpec) -> None:
    """Raise :class:`CosInvalidArgumentError` naming the first field of ``spec`` that the
    service would refuse."""
    _choice("mode", spec.mode, _MODES)
    _choice("snapshot_out_mode", spec.snapshot_out_mode, _OUT_MODES)
    start = spec.start
    if (
        isinstance(start, bool)
        or not isinstance(start, int | float | Decimal)
        or not math.isfinite(float(start))
        or float(start) < 0
    ):
        raise CosInvalidArgumentError("start", f"must be a number of seconds >= 0, got {start!r}")
    if spec.time_interval is not None:
        _number("time_interval", spec.time_interval, above=0.0, high=3600.0)
    _integer("count", spec.count, 1, 10000)
    if spec.mode == "Average" and spec.count is None:
        raise CosInvalidArgumentError("count", "is required with mode Average (how many shots)")
    _integer("width", spec.width, 128, 4096)
    _integer("height", spec.height, 128, 4096)
    for name in ("is_check_count", "is_check_black"):
        if not isinstance(getattr(spec, name), bool):
            raise CosInvalidArgumentError(name, "must be True or False")
    _integer("black_level", spec.black_level, 30, 100)
    _integer("pixel_black_threshold", spec.pixel_black_threshold, 0, 255)
    if spec.is_check_black and float(spec.start) != 0:
        raise CosInvalidArgumentError("is_check_black", "works only with start 0")
    if not spec.is_check_black and (
        spec.black_level is not None or spec.pixel_black_threshold is not None
    ):
        raise CosInvalidArgumentError(
            "black_level", "black_level and pixel_black_threshold need is_check_black=True"
        )
    if spec.writes_snapshots or spec.output is not None:
        check_output_name("output", spec.output)
    if spec.writes_sprites and spec.sprite is None:
        raise CosInvalidArgumentError(
            "sprite", f"is required with snapshot_out_mode {spec.snapshot_out_mode}"
        )
    if spec.sprite is not None and not isinstance(spec.sprite, SpriteSpec):
        raise CosInvalidArgumentError("sprite", "must be a SpriteSpec")
    if spec.writes_sprites or spec.sprite_output is not None:
        check_output_name("sprite_output", spec.sprite_output)
    _text("output_bucket", spec.output_bucket, 64, pattern=re.compile(r"[a-z0-9-]+-[0-9]+"))
    _text("output_region", spec.output_region, 64, pattern=re.compile(r"[a-z0-9-]+"))
    _text("user_data", spec.user_data, MAX_USER_DATA - MARK_LENGTH)
    _integer("job_level", spec.job_level, 0, 2)
    _text("template_id", spec.template_id, 64, pattern=_QUEUE_ID)
    _text("queue_id", spec.queue_id, 64, pattern=_QUEUE_ID)
    _text("callback", spec.callback, 1024)
    _choice("callback_format", spec.callback_format, ("XML", "JSON"), optional=True)
    _integer("callback_type", spec.callback_type, 0, 1 << 31)


def _decimal(value: float) -> str:
    """A number of seconds as a plain decimal (``0.5``, ``12``; never ``1e-07``)."""
    text = format(Decimal(repr(float(value))), "f")
    return text.removesuffix(".0") if text.endswith(".0") else text


def _sub(parent: ET.Element, tag: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float | Decimal):
        text = _decimal(float(value))
    else:
        text = str(value)
    ET.SubElement(parent, tag).text = text


def new_mark() -> str:
    """A fresh submission mark (see the module docstring)."""
    return MARK_PREFIX + secrets.token_hex(16)


def strip_mark(user_data: str | None) -> str | None:
    """``user_data`` without a submission mark at its end (``None`` when nothing is left)."""
    if user_data is None:
        return None
    stripped = _MARK.sub("", user_data)
    return stripped or None


def request_document(
    key: str,
    spec: SnapshotJobSpec,
    *,
    mark: str,
    bucket: str | None,
    region: str | None,
) -> bytes:
    """The XML ``<Request>`` of CreateMediaJobs for video ``key`` and ``spec`` (checked
    again), with ``mark`` appended to its ``UserData``; the output goes to ``spec``'s bucket and
    region, else ``bucket`` and ``region`` (left out when neither is known)."""
    check_spec(spec)
    root = ET.Element("Request")
    _sub(root, "Tag", "Snapshot")
    _sub(ET.SubElement(root, "Input"), "Object", key)
    operation = ET.SubElement(root, "Operation")
    if spec.template_id is not None:
        _sub(operation, "TemplateId", spec.template_id)
    else:
        snapshot = ET.SubElement(operation, "Snapshot")
        _sub(snapshot, "Mode", spec.mode)
        _sub(snapshot, "Start", float(spec.start))
        _sub(snapshot, "TimeInterval", spec.time_interval)
        _sub(snapshot, "Count", spec.count)
        _sub(snapshot, "Width", spec.width)
        _sub(snapshot, "Height", spec.height)
        if spec.is_check_count:
            _sub(snapshot, "IsCheckCount", True)
        if spec.is_check_black:
            _sub(snapshot, "IsCheckBlack", True)
            _sub(snapshot, "BlackLevel", spec.black_level)
            _sub(snapshot, "PixelBlackThreshold", spec.pixel_black_threshold)
        _sub(snapshot, "SnapshotOutMode", spec.snapshot_out_mode)
        if spec.sprite is not None:
            sprite = ET.SubElement(snapshot, "SpriteSnapshotConfig")
            s = spec.sprite
            _sub(sprite, "CellWidth", s.cell_width)
            _sub(sprite, "CellHeight", s.cell_height)
            _sub(sprite, "Padding", s.padding)
            _sub(sprite, "Margin", s.margin)
            _sub(sprite, "Color", s.color)
            _sub(sprite, "Columns", s.columns)
            _sub(sprite, "Lines", s.lines)
            _sub(sprite, "ScaleMethod", s.scale_method)
    output = ET.SubElement(operation, "Output")
    _sub(output, "Region", spec.output_region or region)
    _sub(output, "Bucket", spec.output_bucket or bucket)
    _sub(output, "Object", spec.output)
    _sub(output, "SpriteObject", spec.sprite_output)
    _sub(operation, "UserData", (spec.user_data or "") + mark)
    _sub(operation, "JobLevel", spec.job_level)
    _sub(root, "QueueId", spec.queue_id)
    _sub(root, "CallBack", spec.callback)
    _sub(root, "CallBackFormat", spec.callback_format)
    _sub(root, "CallBackType", spec.callback_type)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return text


# -- jobs as the service reports them -----------------------------------------------------


@attrs.frozen
class SnapshotJob:
    """A snapshot job as the service reported it.

    ``job_id``; ``state`` (:class:`JobState`; ``done`` once it is final); ``code`` and
    ``message`` (``Success``, or why it failed); ``progress`` (0..100, ``None`` when not
    given); ``created``, ``started`` and ``ended`` (aware datetimes, ``None`` when not given);
    ``input_key``, ``queue_id``; ``spec`` (the settings echoed, with the service's defaults
    filled in and the client's submission mark removed from ``user_data``; ``None`` when the
    report has none); ``outputs`` and ``sprites`` (the keys written, each the service's
    ``ObjectPrefix`` + ``ObjectName``, in its order) in ``output_bucket``/``output_region``;
    ``md5s`` (object name → hex MD5, as reported); ``raw`` (the whole ``JobsDetail`` as nested
    mappings of texts, a repeated element as a list) and ``request_id``.
    """

    job_id: str
    state: JobState
    code: str | None = None
    message: str | None = None
    progress: int | None = None
    created: datetime | None = None
    started: datetime | None = None
    ended: datetime | None = None
    input_key: str | None = None
    queue_id: str | None = None
    spec: SnapshotJobSpec | None = None
    outputs: tuple[str, ...] = ()
    sprites: tuple[str, ...] = ()
    output_bucket: str | None = None
    output_region: str | None = None
    md5s: Mapping[str, str] = attrs.field(factory=dict, hash=False, repr=False)
    raw: Mapping[str, Any] = attrs.field(factory=dict, hash=False, repr=False, eq=False)
    request_id: str | None = attrs.field(default=None, eq=False)

    @property
    def done(self) -> bool:
        """True once the job is in a final state (``Success``, ``Failed``, ``Cancel``)."""
        return self.state.final


@attrs.frozen
class FoundJobs:
    """What :meth:`SnapshotClient.get_jobs` found: the ``jobs`` the service knows, in the
    order asked, and the ``unknown_ids`` it does not."""

    jobs: tuple[SnapshotJob, ...]
    unknown_ids: tuple[str, ...]


@attrs.frozen
class JobPage:
    """One page of a job listing: its ``jobs`` and the ``next_token`` of the next page
    (``None`` on the last)."""

    jobs: tuple[SnapshotJob, ...]
    next_token: str | None


def _malformed(element: str, problem: str) -> CosResponseError:
    return CosResponseError(f"Response/{element}" if element else "Response", problem)


def as_data(element: ET.Element) -> Any:
    """``element`` as nested mappings: a leaf as its text (``""`` when empty), a container as a
    mapping of its children, a repeated child as a list of them."""
    children = list(element)
    if not children:
        return element.text or ""
    data: dict[str, Any] = {}
    lists = set(_REPEATED)
    for child in children:
        value = as_data(child)
        if child.tag in lists:
            data.setdefault(child.tag, []).append(value)
        elif child.tag in data:
            data[child.tag] = [data[child.tag], value]
            lists.add(child.tag)
        else:
            data[child.tag] = value
    return data


#: The elements that repeat in a ``JobsDetail``; in :attr:`SnapshotJob.raw` they are lists even
#: when there is one.
_REPEATED = frozenset({"ObjectName", "Md5Info"})


def _leaf(element: ET.Element | None, path: str) -> str | None:
    found = None if element is None else element.find(path)
    if found is None:
        return None
    return (found.text or "").strip()


def parse_time(text: str | None, element: str) -> datetime | None:
    """A time of the service (``2019-07-07T12:12:12+0800``; ISO 8601 with ``+08:00`` or ``Z``
    read too) as an aware datetime; ``None`` for an empty or missing one."""
    if not text:
        return None
    for reading in (lambda t: datetime.strptime(t, TIME_FORMAT), datetime.fromisoformat):
        try:
            when = reading(text)
        except ValueError:
            continue
        if when.tzinfo is not None:
            return when
    raise _malformed(element, f"not a time with its offset: {text[:40]!r}")


def format_job_time(when: datetime) -> str:
    """``when`` (aware) as the service writes times, for ``startCreationTime`` and the like."""
    if when.tzinfo is None:
        raise CosInvalidArgumentError("time", "must be an aware datetime (with its UTC offset)")
    return when.strftime(TIME_FORMAT)


def _int_or_none(text: str | None) -> int | None:
    if text is None or not text:
        return None
    try:
        return int(float(text))
    except ValueError:
        return None


def _float_or_none(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _echoed_spec(operation: ET.Element | None) -> SnapshotJobSpec | None:
    if operation is None:
        return None
    snapshot = operation.find("Snapshot")
    sprite_el = None if snapshot is None else snapshot.find("SpriteSnapshotConfig")
    sprite = None
    if sprite_el is not None:
        values = {
            "columns": _int_or_none(_leaf(sprite_el, "Columns")) or 0,
            "lines": _int_or_none(_leaf(sprite_el, "Lines")) or 0,
            "color": _leaf(sprite_el, "Color") or "",
            "cell_width": _int_or_none(_leaf(sprite_el, "CellWidth")),
            "cell_height": _int_or_none(_leaf(sprite_el, "CellHeight")),
            "padding": _int_or_none(_leaf(sprite_el, "Padding")),
            "margin": _int_or_none(_leaf(sprite_el, "Margin")),
            "scale_method": _leaf(sprite_el, "ScaleMethod") or None,
        }
        sprite = SpriteSpec.__new__(SpriteSpec)
        for name, value in values.items():
            object.__setattr__(sprite, name, value)

    def snap(tag: str) -> str | None:
        return _leaf(snapshot, tag) or None

    output = operation.find("Output")
    return SnapshotJobSpec._unchecked(
        output=_leaf(output, "Object") or None,
        mode=snap("Mode") or "Interval",
        start=_float_or_none(snap("Start")) or 0.0,
        time_interval=_float_or_none(snap("TimeInterval")),
        count=_int_or_none(snap("Count")),
        width=_int_or_none(snap("Width")) or None,
        height=_int_or_none(snap("Height")) or None,
        is_check_count=(snap("IsCheckCount") or "").lower() == "true",
        is_check_black=(snap("IsCheckBlack") or "").lower() == "true",
        black_level=_int_or_none(snap("BlackLevel")),
        pixel_black_threshold=_int_or_none(snap("PixelBlackThreshold")),
        snapshot_out_mode=snap("SnapshotOutMode") or "OnlySnapshot",
        sprite=sprite,
        sprite_output=_leaf(output, "SpriteObject") or None,
        output_bucket=_leaf(output, "Bucket") or None,
        output_region=_leaf(output, "Region") or None,
        user_data=strip_mark(_leaf(operation, "UserData")),
        job_level=_int_or_none(_leaf(operation, "JobLevel")),
        template_id=_leaf(operation, "TemplateId") or None,
    )


def _keys(files: ET.Element | None) -> tuple[str, ...]:
    if files is None:
        return ()
    prefix = _leaf(files, "ObjectPrefix") or ""
    return tuple(prefix + (name.text or "").strip() for name in files.iterfind("ObjectName"))


def parse_job(element: ET.Element, *, request_id: str | None = None) -> SnapshotJob:
    """The :class:`SnapshotJob` of one ``JobsDetail`` element."""
    job_id = _leaf(element, "JobId")
    if not job_id:
        raise _malformed("JobsDetail/JobId", "missing or empty")
    state_text = _leaf(element, "State") or ""
    try:
        state = JobState(state_text)
    except ValueError:
        raise _malformed("JobsDetail/State", f"not a job state: {state_text[:40]!r}") from None
    operation = element.find("Operation")
    result = None if operation is None else operation.find("MediaResult")
    files = None if result is None else result.find("OutputFile")
    sprites = None if files is None else files.find("SpriteOutputFile")
    if sprites is None and result is not None:
        sprites = result.find("SpriteOutputFile")
    md5s: dict[str, str] = {}
    for holder in (files, sprites):
        for info in () if holder is None else holder.iterfind("Md5Info"):
            name, md5 = _leaf(info, "ObjectName"), _leaf(info, "Md5")
            if name and md5:
                md5s[name] = md5
    progress = _int_or_none(_leaf(element, "Progress"))
    return SnapshotJob(
        job_id=job_id,
        state=state,
        code=_leaf(element, "Code") or None,
        message=_leaf(element, "Message") or None,
        progress=progress,
        created=parse_time(_leaf(element, "CreationTime"), "JobsDetail/CreationTime"),
        started=parse_time(_leaf(element, "StartTime"), "JobsDetail/StartTime"),
        ended=parse_time(_leaf(element, "EndTime"), "JobsDetail/EndTime"),
        input_key=_leaf(element, "Input/Object") or None,
        queue_id=_leaf(element, "QueueId") or None,
        spec=_echoed_spec(operation),
        outputs=_keys(files),
        sprites=_keys(sprites),
        output_bucket=_leaf(files, "Bucket") or None,
        output_region=_leaf(files, "Region") or None,
        md5s=md5s,
        raw=as_data(element),
        request_id=request_id,
    )


def carries_mark(job_detail: Mapping[str, Any], mark: str) -> bool:
    """True when the ``raw`` of a job holds the submission ``mark`` at the end of its
    ``UserData``."""
    operation = job_detail.get("Operation")
    user_data = operation.get("UserData") if isinstance(operation, Mapping) else None
    return isinstance(user_data, str) and user_data.strip().endswith(mark)


@attrs.frozen
class JobsDocument:
    """A ``<Response>`` of the job operations: its jobs, unknown ids and next token."""

    jobs: tuple[SnapshotJob, ...]
    unknown_ids: tuple[str, ...]
    next_token: str | None


def parse_jobs_document(body: bytes, *, request_id: str | None) -> JobsDocument:
    """The jobs of a job operation's answer; :class:`CosResponseError` naming the element for
    one that is not such a ``<Response>``."""
    try:
        root = parse_untrusted(body)
    except UnsafeXmlError as exc:
        raise CosResponseError(exc.element or "Response", str(exc)) from None
    except ET.ParseError as exc:
        raise _malformed("", f"not well-formed XML: {exc}") from None
    if root.tag != "Response":
        raise _malformed("", f"the root element is <{root.tag}>")
    jobs = tuple(
        parse_job(element, request_id=request_id) for element in root.iterfind("JobsDetail")
    )
    unknown = tuple(
        part.strip()
        for element in root.iterfind("NonExistJobIds")
        for part in (element.text or "").split(",")
        if part.strip()
    )
    return JobsDocument(jobs, unknown, _leaf(root, "NextToken") or None)


def list_query(
    *,
    states: Iterable[JobState | str] | None,
    order: object,
    queue_id: object,
    input_key: object,
    created_after: datetime | None,
    created_before: datetime | None,
    page_size: object,
) -> dict[str, Any]:
    """The query of DescribeMediaJobs (the generated function's arguments), each checked."""
    query: dict[str, Any] = {"tag": "Snapshot"}
    if states is not None:
        if isinstance(states, str):
            states = [states]
        names = []
        for state in states:
            try:
                names.append(JobState(state).value)
            except ValueError:
                raise CosInvalidArgumentError(
                    "states", f"{state!r} is not one of {', '.join(s.value for s in JobState)}"
                ) from None
        if names:
            query["states"] = ",".join(dict.fromkeys(names))
    _choice("order", order, ("Desc", "Asc"))
    query["order_by_time"] = order
    if queue_id is not None:
        _text("queue_id", queue_id, 64, pattern=_QUEUE_ID)
        query["queue_id"] = queue_id
    if input_key is not None:
        if not isinstance(input_key, str) or not input_key:
            raise CosInvalidArgumentError("input_key", "must be an object key")
        query["input_object"] = input_key
    if created_after is not None:
        query["start_creation_time"] = format_job_time(created_after)
    if created_before is not None:
        query["end_creation_time"] = format_job_time(created_before)
    _integer("page_size", page_size, 1, 100, optional=False)
    query["size"] = page_size
    return query


# -- the submission rate ------------------------------------------------------------------


class SubmitRate:
    """At most ``rate`` submissions in any one-second window (``rate`` below 1: one each
    ``1/rate`` seconds), counted when each goes out. Shared by the threads (or tasks) of one
    client; :meth:`reserve` never blocks, the caller sleeps."""

    def __init__(self, rate: object, *, clock: Callable[[], float] = time.monotonic) -> None:
        if (
            isinstance(rate, bool)
            or not isinstance(rate, int | float)
            or not math.isfinite(rate)
            or rate <= 0
        ):
            raise CosInvalidArgumentError("job_rate", f"must be a positive number, got {rate!r}")
        self.rate = float(rate)
        self.limit = max(1, math.floor(rate))
        self.window = 1.0 if rate >= 1 else 1.0 / rate
        self.clock = clock
        self.sleep: Callable[[float], None] = time.sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """0.0 when a submission may go now (it is then counted), else the seconds to wait
        before asking again."""
        with self._lock:
            now = self.clock()
            while self._sent and self._sent[0] <= now - self.window:
                self._sent.popleft()
            if len(self._sent) < self.limit:
                self._sent.append(now)
                return 0.0
            return max(self._sent[0] + self.window - now, 1e-6)

    def wait(self) -> None:
        """Sleep until a submission may go, and count it."""
        while (delay := self.reserve()) > 0:
            self.sleep(delay)


# -- what the clients' job methods share ---------------------------------------------------

#: Jobs created this long before a submission began are not looked at for its mark: room for
#: the difference between the local clock and the service's.
MARK_LOOKBACK_S = 600.0
#: The most pages of recent jobs looked through for a submission's mark.
MARK_LOOKUP_PAGES = 20
#: The longest wait between two polls of a job, unless ``poll`` itself is longer.
MAX_POLL_S = 10.0


def marked_job(page: JobPage, mark: str, not_before: datetime) -> tuple[SnapshotJob | None, bool]:
    """The job of ``page`` carrying the submission ``mark``, and whether to stop looking
    (found, the page is the last, or its jobs are older than ``not_before``, newest first)."""
    for job in page.jobs:
        if carries_mark(job.raw, mark):
            return job, True
        if job.created is not None and job.created < not_before:
            return None, True
    return None, page.next_token is None


def lost_answer_note(mark: str) -> str:
    """What an error met while looking for a submission whose answer was lost says."""
    return (
        "the answer to a job submission was lost and looking for the job failed: it may have "
        f"been made; look for a job whose UserData ends with {mark} before submitting again"
    )


def found_jobs(ids: tuple[str, ...], documents: Iterable[JobsDocument]) -> FoundJobs:
    """The jobs of ``ids`` in the order asked, from the answers of DescribeMediaJob; an id
    that no answer reports is unknown, whether or not it was listed in ``NonExistJobIds``."""
    reported: dict[str, SnapshotJob] = {}
    for document in documents:
        for job in document.jobs:
            reported.setdefault(job.job_id, job)
    jobs = tuple(reported[i] for i in ids if i in reported)
    return FoundJobs(jobs, tuple(i for i in ids if i not in reported))


def id_chunks(ids: tuple[str, ...]) -> list[tuple[str, ...]]:
    """``ids`` in groups of :data:`IDS_PER_REQUEST`, one DescribeMediaJob each."""
    return [ids[i : i + IDS_PER_REQUEST] for i in range(0, len(ids), IDS_PER_REQUEST)]


def check_next_token(token: object) -> str | None:
    """A page's ``next_token`` as given back (printable, at most 256), or ``None``."""
    if token is None:
        return None
    _text("next_token", token, 256)
    return str(token)


class PollSchedule:
    """When to poll a job again: the first wait ``poll`` seconds, each next one 1.5 times the
    last up to :data:`MAX_POLL_S` (or ``poll`` if longer), each drawn between half and all of
    that (jitter, so that many waiters do not poll in step), and never past the deadline
    ``timeout`` seconds from now."""

    def __init__(
        self,
        timeout: object,
        poll: object,
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[float, float], float] = random.uniform,
    ) -> None:
        for name, value in (("timeout", timeout), ("poll", poll)):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value <= 0
            ):
                raise CosInvalidArgumentError(name, f"must be a positive number, got {value!r}")
        self.timeout = float(timeout)  # type: ignore[arg-type]
        self._step = float(poll)  # type: ignore[arg-type]
        self._ceiling = max(self._step, MAX_POLL_S)
        self._clock = clock
        self._rng = rng
        self._deadline = clock() + self.timeout

    def next_delay(self) -> float:
        """Seconds to wait before the next poll; 0.0 once the deadline has passed."""
        left = self._deadline - self._clock()
        if left <= 0:
            return 0.0
        delay = self._rng(0.5, 1.0) * self._step
        self._step = min(self._step * 1.5, self._ceiling)
        return min(delay, left)


def timed_out(job: SnapshotJob, timeout: float) -> CosJobTimeoutError:
    """The error of a wait for ``job`` that ran out after ``timeout`` seconds."""
    return CosJobTimeoutError(
        f"job {job.job_id} is still {job.state.value} ({job.progress or 0}%) after {timeout:g} s",
        job,
    )
