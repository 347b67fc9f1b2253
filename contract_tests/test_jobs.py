"""Snapshot jobs (the API's asynchronous mode: ``POST /jobs`` and friends), through the official
SDK: the number and names of the outputs of ``Interval`` and ``Average`` jobs, each shot's frame
read back from its pixels, sprite geometry, the states a job goes through, cancelling, unknown
ids and refused specs.

Cheap on purpose: one module-wide set of jobs over the 2 s plain video (a few dozen small JPEGs
in all), submitted together and awaited once; every test reads what they left. Strict (the
emulator) holds each shot to the frame on screen at its time and each reading to the
emulator's; tolerant (live) also accepts the other documented readings (docs/emulator.md,
"Snapshot jobs").
"""

from __future__ import annotations

import hashlib
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import pytest
from PIL import Image
from qcloud_cos.cos_exception import CosServiceError

from cos_snapshot import CosError
from cos_snapshot.testing import read_frame_index

from ._report import EMULATOR_DEFAULTS, READINGS, Observation
from ._targets import Target
from ._videos import DURATION

#: How long a job may take to end, and how often it is asked about.
DEADLINE_S = 120
POLL_S = 0.05
FINAL = {"Success", "Failed", "Cancel"}
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}")

INTERVAL = {"Mode": "Interval", "Start": "0.1", "TimeInterval": "0.3", "Count": "5"}
INTERVAL_TIMES = [Fraction(1, 10) + Fraction(3, 10) * i for i in range(5)]
AVERAGE = {"Mode": "Average", "Start": "0.2", "Count": "4"}
SPRITE_SHOTS = 7  # every 0.2 s from 0: two sheets of 3 x 2, the second with one cell
SPRITE = {
    "Mode": "Interval",
    "TimeInterval": "0.2",
    "Count": str(SPRITE_SHOTS),
    "SnapshotOutMode": "OnlySprite",
    "SpriteSnapshotConfig": {
        "CellWidth": "160",
        "CellHeight": "120",
        "Columns": "3",
        "Lines": "2",
        "Padding": "2",
        "Margin": "5",
        "Color": "#000000",
    },
}
KEYFRAME = {"Mode": "KeyFrame", "Start": "0.5", "Count": "2"}
#: Long enough that a cancel sent right after the submit finds it waiting or running.
LONG = {"Mode": "Interval", "TimeInterval": "0.04", "Width": "4096", "Height": "4096"}


@dataclass
class Job:
    """A job the module submitted, and every state it was seen in."""

    id: str
    outputs: str
    detail: dict[str, Any] = field(default_factory=dict)
    states: list[str] = field(default_factory=list)


def _body(target: Target, snapshot: dict[str, Any], name: str) -> dict[str, Any]:
    video = target.video("plain")
    output = {"Object": f"{target.prefix}jobs-out/{name}-${{Number}}.jpg"}
    if snapshot.get("SnapshotOutMode", "OnlySnapshot") != "OnlySnapshot":
        output["SpriteObject"] = f"{target.prefix}jobs-out/{name}-sprite-${{Number}}.jpg"
    return {
        "Tag": "Snapshot",
        "Input": {"Object": video.key},
        "Operation": {"Snapshot": snapshot, "Output": output},
    }


def _submit(target: Target, sdk: Any, snapshot: dict[str, Any], name: str, shots: int) -> Job:
    # Registered before the submit, so a live run deletes them whatever happens.
    for number in range(shots + 2):
        target.will_put(f"{target.prefix}jobs-out/{name}-{number}.jpg")
        target.will_put(f"{target.prefix}jobs-out/{name}-sprite-{number}.jpg")
    answer = sdk.ci_create_media_jobs(
        Bucket=target.bucket, Jobs=_body(target, snapshot, name), Lst={}
    )
    detail = answer["JobsDetail"][0]
    return Job(detail["JobId"], name, detail, [detail["State"]])


def _await(sdk: Any, target: Target, jobs: list[Job]) -> None:
    deadline = time.monotonic() + DEADLINE_S
    waiting = {job.id: job for job in jobs}
    while waiting and time.monotonic() < deadline:
        answer = sdk.ci_get_media_jobs(Bucket=target.bucket, JobIDs=",".join(waiting))
        for detail in answer.get("JobsDetail", []):
            job = waiting[detail["JobId"]]
            job.detail = detail
            if job.states[-1] != detail["State"]:
                job.states.append(detail["State"])
            if detail["State"] in FINAL:
                del waiting[job.id]
        if waiting:
            time.sleep(POLL_S)


@pytest.fixture(scope="module")
def jobs(target: Target) -> Iterator[dict[str, Job]]:
    with target.sdk() as sdk:
        made = {
            "interval": _submit(target, sdk, INTERVAL, "interval", 5),
            "average": _submit(target, sdk, AVERAGE, "average", 4),
            "sprite": _submit(target, sdk, SPRITE, "sprite", SPRITE_SHOTS),
            "keyframe": _submit(target, sdk, KEYFRAME, "keyframe", 5),
            "cancelled": _submit(target, sdk, LONG, "cancelled", 50),
        }
        sdk.ci_cancel_jobs(Bucket=target.bucket, JobID=made["cancelled"].id)
        _await(sdk, target, list(made.values()))
        yield made


def _image(target: Target, key: str, md5: str | None = None) -> Image.Image:
    """The picture at ``key``, which a job that ended Success says it wrote (with ``md5``)."""
    with target.client() as client:
        try:
            data = client.get_object(key)
        except CosError as error:
            pytest.fail(f"{key}, an output of a job that ended Success, is not there: {error}")
    if md5 is not None:
        got = hashlib.md5(data, usedforsecurity=False).hexdigest()
        assert got == md5, f"{key}: the job reported MD5 {md5}, its bytes have {got}"
    return Image.open(io.BytesIO(data)).convert("RGB")


def _md5s(detail: dict[str, Any], element: str) -> list[str]:
    infos = detail["Operation"]["MediaResult"][element].get("Md5Info", [])
    return [info["Md5"] for info in (infos if isinstance(infos, list) else [infos])]


def _names(detail: dict[str, Any], element: str) -> list[str]:
    files = detail["Operation"]["MediaResult"][element]
    names = files.get("ObjectName", [])
    names = names if isinstance(names, list) else [names]
    return [(files.get("ObjectPrefix") or "") + name for name in names]


def _frames(target: Target, times: list[Fraction]) -> list[set[int]]:
    """The frames a shot at each time may show: the one on screen (strict); tolerant, also
    the first at or after it."""
    info = target.video("plain").info
    if target.strict:
        return [{info.frame_at(t)} for t in times]
    return [{info.frame_at(t), info.next_frame_at(t)} for t in times]


def test_interval_outputs_are_numbered_from_0_and_show_their_frames(
    target: Target, jobs: dict[str, Job]
) -> None:
    job = jobs["interval"]
    assert job.detail["State"] == "Success", job.detail
    names = _names(job.detail, "OutputFile")
    expected = [f"{target.prefix}jobs-out/interval-{n}.jpg" for n in range(5)]
    assert names == expected, f"Interval outputs {names}, expected {expected}"
    md5s = _md5s(job.detail, "OutputFile")
    assert len(md5s) == len(names), f"{len(names)} outputs, {len(md5s)} MD5s"
    shots = zip(names, md5s, INTERVAL_TIMES, _frames(target, INTERVAL_TIMES), strict=True)
    for name, md5, at, allowed in shots:
        shown = read_frame_index(_image(target, name, md5))
        assert shown in allowed, f"{name} (a shot at {float(at)} s) shows frame {shown}"


def _reading(target: Target, record: Any, question: str, observation: Observation) -> str:
    """Record the reading for the behaviour report; return it if the target may read so."""
    record(question, observation)
    allowed = (
        {EMULATOR_DEFAULTS[question]} if target.strict else set(READINGS[question]) - {"other"}
    )
    return observation.reading if observation.reading in allowed else ""


def test_average_spreads_count_shots_from_start_to_the_end(
    target: Target, jobs: dict[str, Job], record_reading: Any
) -> None:
    job = jobs["average"]
    assert job.detail["State"] == "Success", job.detail
    names = _names(job.detail, "OutputFile")
    assert names == [f"{target.prefix}jobs-out/average-{n}.jpg" for n in range(4)]
    start, end, count = Fraction(1, 5), Fraction(DURATION), 4
    readings = {
        "exclude": [start + (end - start) * i / count for i in range(count)],
        "include": [start + (end - start) * i / (count - 1) for i in range(count)],
    }
    shown = [read_frame_index(_image(target, name)) for name in names]
    fits = [
        reading
        for reading, times in readings.items()
        if all(frame in allowed for frame, allowed in zip(shown, _frames(target, times)))
    ]
    request = f"POST /jobs Average Start=0.2 Count=4: frames {shown}"
    observation = (
        Observation(fits[0], requests=[request])
        if fits
        else Observation("other", seen=f"frames {shown}", requests=[request])
    )
    assert _reading(target, record_reading, "job_average_end", observation), (
        f"Average shots show frames {shown}; spread from {float(start)} s to the end "
        f"({float(end)} s) they would be "
        f"{[sorted(a) for a in _frames(target, readings['exclude'])]}"
    )


def _sheet_size(columns: int, lines: int, cell: tuple[int, int], outer: int, gap: int) -> Any:
    return (
        2 * outer + columns * cell[0] + (columns - 1) * gap,
        2 * outer + lines * cell[1] + (lines - 1) * gap,
    )


def test_sprites_tile_columns_by_lines_and_number_on(
    target: Target, jobs: dict[str, Job], record_reading: Any
) -> None:
    job = jobs["sprite"]
    assert job.detail["State"] == "Success", job.detail
    names = _names(job.detail, "SpriteOutputFile")
    assert names == [f"{target.prefix}jobs-out/sprite-sprite-{n}.jpg" for n in range(2)]
    columns, lines, cell, padding, margin = 3, 2, (160, 120), 2, 5
    # ffmpeg tile: margin outside, padding between; css: padding around every cell.
    layouts = {"ffmpeg": (margin, padding), "css": (margin + padding, 2 * padding)}
    sizes = {name: _sheet_size(columns, lines, cell, *at) for name, at in layouts.items()}
    first = _image(target, names[0])
    spacing = next((name for name, size in sizes.items() if size == first.size), "other")
    request = "POST /jobs OnlySprite 3x2 of 160x120, Padding=2, Margin=5"
    observation = Observation(
        spacing, seen=None if spacing != "other" else f"{first.size}", requests=[request]
    )
    assert _reading(target, record_reading, "job_sprite_spacing", observation), (
        f"{names[0]} is {first.size[0]}x{first.size[1]}; {columns} columns x {lines} lines of "
        f"{cell[0]}x{cell[1]} cells make {sizes[EMULATOR_DEFAULTS['job_sprite_spacing']]}"
    )
    outer, gap = layouts[spacing]
    times = [Fraction(1, 5) * i for i in range(SPRITE_SHOTS)]
    allowed = _frames(target, times)
    for number, name in enumerate(names):
        sheet = first if number == 0 else _image(target, name)
        assert sheet.size == first.size, f"{name} is {sheet.size}, the first sheet {first.size}"
        for slot in range(columns * lines):
            shot = number * columns * lines + slot
            if shot >= SPRITE_SHOTS:
                break
            row, column = divmod(slot, columns)
            x, y = outer + column * (cell[0] + gap), outer + row * (cell[1] + gap)
            shown = read_frame_index(sheet.crop((x, y, x + cell[0], y + cell[1])))
            assert shown in allowed[shot], (
                f"{name} cell {slot} (row {row}, column {column}) shows frame {shown}, "
                f"expected shot {shot} at {float(times[shot])} s"
            )


def test_keyframe_mode_takes_keyframes_from_start(
    target: Target, jobs: dict[str, Job], record_reading: Any
) -> None:
    job = jobs["keyframe"]
    assert job.detail["State"] == "Success", job.detail
    names = _names(job.detail, "OutputFile")
    info = target.video("plain").info
    after_start = [k for k in info.keyframes if info.times[k] >= Fraction(1, 2)]
    counts = {"bounds": 2, "ignored": len(after_start)}
    reading = next((name for name, n in counts.items() if n == len(names)), "other")
    request = f"POST /jobs KeyFrame Start=0.5 Count=2: {len(names)} outputs"
    observation = Observation(
        reading, seen=None if reading != "other" else f"{len(names)} outputs", requests=[request]
    )
    assert _reading(target, record_reading, "job_keyframe_count", observation), (
        f"KeyFrame from 0.5 s with Count 2 gave {len(names)} outputs; keyframes from there: "
        f"{after_start}"
    )
    shown = [read_frame_index(_image(target, name)) for name in names]
    if target.strict:
        assert shown == after_start[: len(names)], f"KeyFrame shots show frames {shown}"
    else:
        assert set(shown) <= set(info.keyframes), f"KeyFrame shots show frames {shown}"


def test_a_job_goes_from_submitted_through_running_to_an_end(
    target: Target, jobs: dict[str, Job]
) -> None:
    order = ["Submitted", "Running", "Success"]
    for name in ("interval", "average", "sprite"):
        job = jobs[name]
        assert job.states[-1] == "Success", f"{name}: {job.states}"
        places = [order.index(state) for state in job.states]
        assert places == sorted(places), f"{name} went through {job.states}"
        detail = job.detail
        assert detail["Tag"] == "Snapshot"
        times = [detail[key] for key in ("CreationTime", "StartTime", "EndTime")]
        assert all(TIME.fullmatch(moment or "") for moment in times), times
        assert times == sorted(times), f"{name}: creation, start and end out of order: {times}"


def test_a_cancelled_job_ends_cancelled(target: Target, jobs: dict[str, Job]) -> None:
    job = jobs["cancelled"]
    assert job.states[-1] == "Cancel", f"a job cancelled right after its submit: {job.states}"
    assert "MediaResult" not in job.detail["Operation"] or not _names(job.detail, "OutputFile")


def test_unknown_job_ids_are_answered_apart(target: Target, jobs: dict[str, Job]) -> None:
    known = jobs["interval"].id
    unknown = "j" + "0" * 32
    with target.sdk() as sdk:
        answer = sdk.ci_get_media_jobs(Bucket=target.bucket, JobIDs=f"{known},{unknown}")
    assert [d["JobId"] for d in answer["JobsDetail"]] == [known]
    missing = answer.get("NonExistJobIds")
    assert (missing if isinstance(missing, list) else [missing]) == [unknown]


@pytest.mark.parametrize(
    ("snapshot", "element"),
    [
        ({"Count": "0"}, "Count"),
        ({"TimeInterval": "3601"}, "TimeInterval"),
        ({"Width": "100"}, "Width"),
        ({"Mode": "Average"}, "Count"),
        (
            {
                "SnapshotOutMode": "OnlySprite",
                "SpriteSnapshotConfig": {"Columns": "2", "Lines": "2"},
            },
            "Color",
        ),
    ],
)
def test_a_spec_out_of_range_is_refused(
    target: Target, snapshot: dict[str, Any], element: str
) -> None:
    body = _body(target, snapshot, "refused")
    body["Operation"]["Output"]["SpriteObject"] = (
        f"{target.prefix}jobs-out/refused-s-${{Number}}.jpg"
    )
    with target.sdk() as sdk, pytest.raises(CosServiceError) as caught:
        sdk.ci_create_media_jobs(Bucket=target.bucket, Jobs=body, Lst={})
    assert caught.value.get_status_code() == 400, f"{snapshot} was not refused with 400"
    if target.strict:
        assert caught.value.get_error_code() == "InvalidArgument"
        assert element in caught.value.get_error_msg()
