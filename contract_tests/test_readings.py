"""Which reading the target follows where the vendor's text is silent: the behaviour report.

Each test asks the one question it is named after with a request or a few whose answers part
the readings (worked out from the fixture's own record), records the reading and the requests
for the report (``_report.py``), and then holds the target to what the suite expects: strictly,
the emulator's defaults; tolerantly, for ``exactframe`` and ``past_end``, either documented
reading (and for GetMediaInfo's four questions, where the vendor says nothing at all, either
documented reading). Whatever it asserts, the reading it saw is in the report.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from cos_snapshot import CosServiceError
from cos_snapshot.testing import Orientation

from ._helpers import frame_of, orientation_of
from ._report import EMULATOR_DEFAULTS, Observation
from ._targets import Target

#: Readings a tolerant (live) target may follow; elsewhere the suite holds it to the emulator's.
TOLERATED = {
    "exactframe": {"on-screen", "next"},
    "past_end": {"last-frame", "error"},
    "media_size": {"stored", "displayed"},
    "rotation_sign": {"counter-clockwise", "clockwise"},
    "media_duration": {"video-stream", "container"},
    "stream_bitrate": {"measured", "empty"},
    "full_size": {"fit", "own-size", "error"},
}
#: How far a measured bit rate may be from the packets' bits over the duration.
RATE_SLACK = Fraction(1, 100)
MICROSECOND = Decimal("0.000001")


def _request(key: str, time: Decimal | int, **params: Any) -> str:
    query = "".join(f"&{name}={value}" for name, value in params.items())
    return f"GET /{key}?ci-process=snapshot&time={time}{query}"


def _allowed(target: Target, question: str) -> set[str]:
    default = {EMULATOR_DEFAULTS[question]}
    return default if target.strict else TOLERATED.get(question, default)


def _check(target: Target, question: str, observation: Observation) -> None:
    allowed = _allowed(target, question)
    assert observation.reading in allowed, (
        f"{question}: the target reads {observation.reading}"
        + (f" ({observation.seen})" if observation.seen else "")
        + f", expected {' or '.join(sorted(allowed))}; {'; '.join(observation.requests)}"
    )


def _ask(target: Target, record: Any, question: str, observation: Observation) -> None:
    record(question, observation)
    _check(target, question, observation)


def test_exactframe_reading(target: Target, record_reading: Any) -> None:
    video = target.video("plain")
    time = Decimal("0.5")  # inside frame 12, which is on screen from 0.48 to 0.52
    on_screen, following = video.info.frame_at(time), video.info.next_frame_at(time)
    assert on_screen != following
    with target.client() as client:
        index = frame_of(client.get_snapshot(video.key, time, mode="exactframe"))
    reading = {on_screen: "on-screen", following: "next"}.get(index, "other")
    request = f"{_request(video.key, time, mode='exactframe')} -> frame {index}"
    seen = f"frame {index}" if reading == "other" else None
    _ask(target, record_reading, "exactframe", Observation(reading, seen, [request]))


def test_keyframe_reading(target: Target, record_reading: Any) -> None:
    video = target.video("plain")
    time = Decimal("0.5")  # frame 12, between the keyframes 10 and 20
    before = video.info.keyframe_at(time)
    after = min(k for k in video.info.keyframes if k > video.info.frame_at(time))
    with target.client() as client:
        index = frame_of(client.get_snapshot(video.key, time, mode="keyframe"))
    reading = {before: "last-at-or-before", after: "next"}.get(index, "other")
    request = f"{_request(video.key, time, mode='keyframe')} -> frame {index}"
    seen = f"frame {index}" if reading == "other" else None
    _ask(target, record_reading, "keyframe", Observation(reading, seen, [request]))


def test_past_end_reading(target: Target, record_reading: Any) -> None:
    video = target.video("plain")
    time = 3600
    with target.client() as client:
        try:
            index: int | None = frame_of(client.get_snapshot(video.key, time))
            error = None
        except CosServiceError as refused:
            index, error = None, f"{refused.status} {refused.code}"
    if error is not None:
        observation = Observation("error", error, [f"{_request(video.key, time)} -> {error}"])
    else:
        last = video.info.frame_count - 1
        reading = "last-frame" if index == last else "other"
        seen = f"frame {index}" if reading == "other" else None
        observation = Observation(reading, seen, [f"{_request(video.key, time)} -> frame {index}"])
    _ask(target, record_reading, "past_end", observation)


def _rounded(value: Fraction, rule: str) -> int:
    """``value`` rounded by ``rule``, spelled out case by case (the oracle, not the server's
    arithmetic)."""
    whole, part = divmod(value.numerator, value.denominator)
    fraction = Fraction(part, value.denominator)
    if rule == "floor" or fraction == 0:
        return whole
    if rule == "ceil":
        return whole + 1
    if fraction != Fraction(1, 2):
        return whole + (fraction > Fraction(1, 2))
    if rule == "round-half-up":
        return whole + 1
    return whole + (whole % 2)  # half to even


#: Widths whose heights on a 4:3 picture are 4.5, 5.25 and 7.5: together they part the rules.
ZERO_SIDE_WIDTHS = (6, 7, 10)


def test_one_side_zero_reading(target: Target, record_reading: Any) -> None:
    video = target.video("plain")
    dw, dh = video.info.display_size
    time = Decimal("0.52")
    heights = []
    requests = []
    with target.client() as client:
        for width in ZERO_SIDE_WIDTHS:
            snapshot = client.get_snapshot(video.key, time, width=width, height=0)
            heights.append(snapshot.height)
            size = f"{snapshot.width}x{snapshot.height}"
            requests.append(f"{_request(video.key, time, width=width, height=0)} -> {size}")
    rules = ("round-half-up", "floor", "ceil", "even")
    expected = {r: [_rounded(Fraction(w * dh, dw), r) for w in ZERO_SIDE_WIDTHS] for r in rules}
    assert len({tuple(v) for v in expected.values()}) == len(rules), "probes do not part the rules"
    reading = next((rule for rule, want in expected.items() if want == heights), "other")
    seen = None if reading != "other" else "heights " + ", ".join(map(str, heights))
    _ask(target, record_reading, "one_side_zero", Observation(reading, seen, requests))


def test_both_sides_reading(target: Target, record_reading: Any) -> None:
    video = target.video("plain")
    dw, dh = video.info.display_size  # 4:3
    box = (160, 160)
    time = Decimal("0.52")
    with target.client() as client:
        snapshot = client.get_snapshot(video.key, time, width=box[0], height=box[1])
    fit = (box[0], _rounded(Fraction(box[0] * dh, dw), "round-half-up"))
    fill = (_rounded(Fraction(box[1] * dw, dh), "round-half-up"), box[1])
    readings = {box: "stretch", fit: "fit", fill: "fill"}
    reading = readings.get(snapshot.size, "other")
    if reading == "stretch" and frame_of(snapshot) != video.info.frame_at(time):
        reading = "other"  # the size asked for, but not the whole picture in it
    size = f"{snapshot.width}x{snapshot.height}"
    request = f"{_request(video.key, time, width=box[0], height=box[1])} -> {size}"
    seen = size if reading == "other" else None
    _ask(target, record_reading, "both_sides", Observation(reading, seen, [request]))


def test_mirrored_reading(target: Target, record_reading: Any) -> None:
    video = target.video("mirrored")  # stored mirrored, then turned 270° for display
    assert video.info.orientation.mirrored
    time = Decimal("0.52")
    with target.client() as client:
        shown = orientation_of(client.get_snapshot(video.key, time, rotate="auto"))
    if shown == video.info.orientation:
        reading, seen = "applied", None
    elif shown == Orientation():
        reading, seen = "ignored", None
    elif not shown.mirrored:
        reading, seen = "rotation-only", f"turned {shown.rotation}°"
    else:
        reading, seen = "other", f"mirrored and turned {shown.rotation}°"
    request = f"{_request(video.key, time, rotate='auto')} -> {seen or reading}"
    _ask(target, record_reading, "mirrored", Observation(reading, seen, [request]))


def test_time_origin_reading(target: Target, record_reading: Any) -> None:
    video = target.video("mpegts")
    assert video.info.start > 0, "the MPEG-TS fixture must start late"
    time = Decimal("1.9")
    # Either reading of exactframe (the frame on screen, or the next one) on either origin.
    info = video.info
    from_first = {info.frame_at(time), info.next_frame_at(time)}
    shifted = max(Fraction(0), Fraction(time) - info.start)
    from_zero = {info.frame_at(shifted), info.next_frame_at(shifted)}
    assert not from_first & from_zero
    with target.client() as client:
        index = frame_of(client.get_snapshot(video.key, time))
    reading = (
        "first-frame"
        if index in from_first
        else "container-zero"
        if index in from_zero
        else "other"
    )
    request = f"{_request(video.key, time)} -> frame {index} (first frame at {video.info.start} s)"
    seen = f"frame {index}" if reading == "other" else None
    _ask(target, record_reading, "time_origin", Observation(reading, seen, [request]))


def test_sample_aspect_reading(target: Target, record_reading: Any) -> None:
    video = target.video("anamorphic")
    sar = video.info.sample_aspect
    assert sar != 1
    sw, sh = video.info.display_size
    applied = {
        (_rounded(sw * sar, "round-half-up"), sh),  # widened
        (sw, _rounded(sh / sar, "round-half-up")),  # or made lower
    }
    time = Decimal("0.52")
    with target.client() as client:
        snapshot = client.get_snapshot(video.key, time)
    size = f"{snapshot.width}x{snapshot.height}"
    if snapshot.size == (sw, sh):
        reading = "ignored"
    elif snapshot.size in applied:
        reading = "applied"
    else:
        reading = "other"
    request = f"{_request(video.key, time)} -> {size} (stored {sw}x{sh}, pixels {sar})"
    seen = size if reading != "ignored" else None
    _ask(target, record_reading, "sample_aspect", Observation(reading, seen, [request]))


def _media_request(key: str) -> str:
    return f"GET /{key}?ci-process=videoinfo"


def test_media_size_reading(target: Target, record_reading: Any) -> None:
    video = target.video("rotated")  # stored 320x240, shown turned 90°: 240x320
    stored, shown = video.info.stored_size, video.info.display_size
    assert stored != shown
    with target.client() as client:
        info = client.get_media_info(video.key)
    assert info.video is not None, f"{_media_request(video.key)}: no <Video> element"
    seen = (info.video.width, info.video.height)
    reading = {stored: "stored", shown: "displayed"}.get(seen, "other")
    size = f"{seen[0]}x{seen[1]}"
    request = (
        f"{_media_request(video.key)} -> Width/Height {size} (stored {stored[0]}x{stored[1]}, "
        f"shown turned {video.info.orientation.rotation}°)"
    )
    observation = Observation(reading, size if reading == "other" else None, [request])
    _ask(target, record_reading, "media_size", observation)


def test_rotation_sign_reading(target: Target, record_reading: Any) -> None:
    video = target.video("rotated")  # shown turned 90° clockwise
    clockwise = video.info.orientation.rotation
    assert clockwise == 90
    assert not video.info.orientation.mirrored
    with target.client() as client:
        info = client.get_media_info(video.key)
    assert info.video is not None, f"{_media_request(video.key)}: no <Video> element"
    rotation = info.video.rotation
    turned = None if rotation is None else Fraction(rotation) % 360
    readings = {Fraction(360 - clockwise): "counter-clockwise", Fraction(clockwise): "clockwise"}
    reading = readings.get(turned, "other") if turned is not None else "other"
    request = (
        f"{_media_request(video.key)} -> Rotation {rotation} (the video is shown turned "
        f"{clockwise}° clockwise)"
    )
    seen = None if reading != "other" else f"Rotation {rotation}"
    _ask(target, record_reading, "rotation_sign", Observation(reading, seen, [request]))


def test_media_duration_reading(target: Target, record_reading: Any) -> None:
    video = target.video("reserved")  # its audio track runs a little longer than the video
    assert video.info.has_audio
    end = Decimal(video.info.end.numerator) / video.info.end.denominator
    with target.client() as client:
        info = client.get_media_info(video.key)
    assert info.video is not None, f"{_media_request(video.key)}: no <Video> element"
    duration, container = info.video.duration, info.duration
    if duration is not None and abs(duration - end) <= MICROSECOND:
        reading = "video-stream"
    elif duration is not None and duration == container:
        reading = "container"
    else:
        reading = "other"
    request = (
        f"{_media_request(video.key)} -> Video/Duration {duration}, Format/Duration "
        f"{container} (the video stream ends at {end} s)"
    )
    seen = None if reading != "other" else f"Video/Duration {duration}"
    _ask(target, record_reading, "media_duration", Observation(reading, seen, [request]))


def test_stream_bitrate_reading(target: Target, record_reading: Any) -> None:
    # The vendor documents Video/Bitrate without saying how it is found; ffprobe leaves it
    # empty for MPEG-TS, whose streams carry no bit rate of their own.
    video = target.video("mpegts")
    with target.client() as client:
        info = client.get_media_info(video.key)
    assert info.video is not None, f"{_media_request(video.key)}: no <Video> element"
    bitrate = info.video.bitrate
    measured = Fraction(video.info.video_bytes * 8) / video.info.end
    if bitrate is None:
        reading = "empty"
    elif abs(Fraction(bitrate) * 1000 - measured) <= RATE_SLACK * measured:
        reading = "measured"
    else:
        reading = "other"
    request = (
        f"{_media_request(video.key)} -> Video/Bitrate {bitrate} (the video packets hold "
        f"{video.info.video_bytes} bytes over {Decimal(video.info.end.numerator) / video.info.end.denominator} s: "
        f"{float(measured / 1000):.3f} kbit/s)"
    )
    seen = None if reading != "other" else f"Video/Bitrate {bitrate}"
    _ask(target, record_reading, "stream_bitrate", Observation(reading, seen, [request]))


def test_full_size_reading(target: Target, record_reading: Any) -> None:
    # The vendor limits width and height to 4096 and says nothing of a video wider than that
    # asked for at its own size (width=0&height=0).
    video = target.video("wide")
    stored = video.info.display_size
    assert max(stored) > 4096
    scale = Fraction(4096, max(stored))
    fitted = tuple(max(1, round(Fraction(side) * scale)) for side in stored)
    time = Decimal("0.52")
    request = _request(video.key, time)
    try:
        with target.client() as client:
            snapshot = client.get_snapshot(video.key, time)
    except CosServiceError as error:
        seen = f"{error.status} {error.code}"
        observation = Observation("error", seen, [f"{request} -> {seen}"])
    else:
        size = f"{snapshot.width}x{snapshot.height}"
        if snapshot.size == stored:
            reading = "own-size"
        elif max(snapshot.size) <= 4096 and all(
            abs(got - want) <= 1 for got, want in zip(snapshot.size, fitted, strict=True)
        ):
            reading = "fit"
        else:
            reading = "other"
        shown = f"{stored[0]}x{stored[1]}"
        observation = Observation(
            reading, size if reading == "other" else None, [f"{request} -> {size} (video {shown})"]
        )
    _ask(target, record_reading, "full_size", observation)
