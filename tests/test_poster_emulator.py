"""The time ``auto`` and the one time grammar against the shipped emulator: ``pick_poster`` and
``apick_poster`` on fixture videos (what they cost, counted request by request; the rule's
candidate times), ``get --time auto|50%|end``, ``presign --time 50%``, ``batch --times auto``
and ``auto`` refused where it cannot be used."""

from __future__ import annotations

import io
import json
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx2
import pytest
from cli_helpers import batch, run
from PIL import Image

from cos_snapshot import AsyncSnapshotClient, SnapshotClient
from cos_snapshot.testing import FixtureInfo, read_frame_index
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos
from cos_snapshot.tools.poster import (
    CANDIDATE_WIDTH,
    DEFAULT_CANDIDATES,
    apick_poster,
    candidate_times,
    pick_poster,
)

KEY = "videos/clip.mp4"
pytestmark = pytest.mark.cos_emulator(anonymous=True)


@pytest.fixture(scope="module")
def clean(cos_fixture_video: FixtureVideos) -> FixtureInfo:
    return cos_fixture_video.info(
        name="clean.mp4", duration=4, fps=25, gop=25, size=(320, 240), style="clock"
    )


@pytest.fixture
def server(cos_emulator: CosEmulator, clean: FixtureInfo) -> CosEmulator:
    cos_emulator.put(KEY, clean.path)
    return cos_emulator


class Requests:
    """What a client sent, by kind: ``snapshot`` (with its width) and ``videoinfo`` (GetMediaInfo)."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.widths: list[int] = []

    def _count(self, request: httpx2.Request) -> None:
        query = dict(request.url.params)
        kind = query.get("ci-process", "other")
        self.kinds[kind] += 1
        if kind == "snapshot":
            self.widths.append(int(query.get("width", 0)))

    def hook(self, request: httpx2.Request) -> None:
        self._count(request)

    async def async_hook(self, request: httpx2.Request) -> None:
        self._count(request)


def counted_client(server: CosEmulator, requests: Requests) -> SnapshotClient:
    return server.client(httpx_args={"event_hooks": {"request": [requests.hook]}})


def shown(content: bytes) -> int:
    with Image.open(io.BytesIO(content)) as image:
        return read_frame_index(image, style="clock")


def test_the_candidates_are_the_middles_of_eight_slices_of_the_first_60_percent(
    server: CosEmulator,
) -> None:
    with server.client() as client:
        info = client.get_media_info(KEY)
    duration = Fraction(str(info.video_duration))
    expected = [(2 * i + 1) * duration * 3 / 5 / 16 for i in range(8)]
    times = [Fraction(t) for t in candidate_times(info)]
    assert len(times) == len(expected)
    assert all(abs(t - e) <= Fraction(1, 10**6) for t, e in zip(times, expected, strict=True))


def test_a_poster_costs_one_media_info_and_at_most_one_snapshot_more_than_the_candidates(
    server: CosEmulator, clean: FixtureInfo
) -> None:
    requests = Requests()
    with counted_client(server, requests) as client:
        choice = pick_poster(client, KEY, width=320)
    assert requests.kinds == Counter(videoinfo=1, snapshot=DEFAULT_CANDIDATES + 1)
    assert sorted(requests.widths) == [CANDIDATE_WIDTH] * DEFAULT_CANDIDATES + [320]
    assert choice.snapshots == DEFAULT_CANDIDATES + 1
    assert (choice.snapshot.width, choice.snapshot.height) == (320, 240)
    assert not choice.fallback
    # On a clean video: a time in the first 60 %, and the poster is the frame at that time.
    assert Decimal(choice.time) < clean.duration * Fraction(3, 5)
    assert shown(choice.snapshot.content) == clean.frame_at(Decimal(choice.time))
    assert choice.time in {c.time for c in choice.candidates}
    assert choice.candidates[choice.index].rejected is None


def test_a_poster_of_the_candidates_size_is_the_candidate_itself(server: CosEmulator) -> None:
    requests = Requests()
    with counted_client(server, requests) as client:
        choice = pick_poster(client, KEY, width=CANDIDATE_WIDTH)
    assert requests.kinds == Counter(videoinfo=1, snapshot=DEFAULT_CANDIDATES)
    assert choice.snapshots == DEFAULT_CANDIDATES
    assert choice.snapshot.width == CANDIDATE_WIDTH


async def test_the_async_picker_chooses_as_the_sync_one_at_the_same_cost(
    server: CosEmulator,
) -> None:
    requests = Requests()
    with server.client() as client:
        info = client.get_media_info(KEY)
        expected = pick_poster(client, KEY, width=200, info=info)
    hooks = {"event_hooks": {"request": [requests.async_hook]}}
    async with server.async_client(httpx_args=hooks) as client:
        assert isinstance(client, AsyncSnapshotClient)
        choice = await apick_poster(client, KEY, width=200, info=info)
    # Given the media info, it is not asked again; the same frames give the same choice.
    assert requests.kinds == Counter(snapshot=DEFAULT_CANDIDATES + 1)
    assert choice.time == expected.time
    assert [c.to_json() for c in choice.candidates] == [c.to_json() for c in expected.candidates]


def cli(server: CosEmulator, *argv: str) -> list[str]:
    return [*argv, "--endpoint-url", server.endpoint_url, "--anonymous"]


def test_get_time_auto_writes_the_poster_and_json_shows_every_candidate(
    server: CosEmulator, clean: FixtureInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "poster.jpg"
    code, out, err = run(
        capsys, "--json", *cli(server, "get", KEY, "--time", "auto", "-o", str(output))
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["time_asked"] == "auto"
    poster = result["poster"]
    assert poster["time"] == result["time"]
    assert len(poster["candidates"]) == DEFAULT_CANDIDATES
    assert {"black_percent", "detail_share", "sharpness", "rejected"} <= set(
        poster["candidates"][0]
    )
    assert shown(output.read_bytes()) == clean.frame_at(Decimal(result["time"]))


@pytest.mark.parametrize(("time", "seconds"), [("50%", Fraction(2)), ("end", None)])
def test_get_takes_a_time_relative_to_the_video(
    server: CosEmulator,
    clean: FixtureInfo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    time: str,
    seconds: Fraction | None,
) -> None:
    output = tmp_path / "frame.jpg"
    code, out, err = run(capsys, "--json", *cli(server, "get", KEY, "-t", time, "-o", str(output)))
    assert code == 0, err
    result = json.loads(out)
    expected = clean.frame_count - 1 if seconds is None else clean.frame_at(seconds)
    assert shown(output.read_bytes()) == expected
    assert result["time_asked"] == time


def test_presign_resolves_a_relative_time_with_one_media_info(
    server: CosEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--json", *cli(server, "presign", KEY, "--time", "50%"))
    assert code == 0, err
    result = json.loads(out)
    assert (result["time"], result["time_asked"]) == ("2", "50%")
    assert "time=2&" in result["url"] or result["url"].endswith("time=2")


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (("presign", KEY, "--time", "auto"), "a URL cannot choose"),
        (("sheet", KEY, "--times", "1,auto"), "spread evenly on purpose"),
        (("get", KEY, "--time", "auto", "--mode", "keyframe"), "--mode: keyframe cannot"),
        (("get", KEY, "--time", "soon"), "'soon' is not a time: give seconds"),
    ],
)
def test_auto_is_refused_where_it_cannot_be_used_with_one_message(
    server: CosEmulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    reason: str,
) -> None:
    output = [] if argv[0] == "presign" else ["-o", str(tmp_path / "x.jpg")]
    code, _, err = run(capsys, *cli(server, *argv, *output))
    assert code == 2
    assert reason in err


def batch_json(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_batch_times_auto_names_the_file_auto_and_a_rerun_asks_nothing(
    server: CosEmulator, clean: FixtureInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = "videos/other.mp4"
    server.put(other, clean.path)
    argv = batch(server.endpoint_url, KEY, other, "--times", "auto,50%", "-o", str(tmp_path))
    code, out, err = run(capsys, "--json", *argv)
    assert code == 0, err
    records = [r for r in batch_json(out) if r["type"] == "item"]
    auto = {r["key"]: r for r in records if r["time"] == "auto"}
    assert set(auto) == {KEY, other}
    for record in auto.values():
        path = Path(record["output"])
        assert path.name.endswith("_auto.jpg")
        assert record["status"] == "done"
        assert shown(path.read_bytes()) == clean.frame_at(Decimal(record["chosen_time"]))
        assert Decimal(record["chosen_time"]) < clean.duration * Fraction(3, 5)
    # Run again against an endpoint that answers nothing: every file exists, nothing is asked.
    again = batch("http://127.0.0.1:9", KEY, other, "--times", "auto", "-o", str(tmp_path))
    code, out, err = run(capsys, "--json", *again)
    assert code == 0, err
    statuses = [r["status"] for r in batch_json(out) if r["type"] == "item"]
    assert statuses == ["skipped", "skipped"]


def test_an_input_file_takes_auto_and_a_failure_keeps_it_to_take_again(
    server: CosEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = tmp_path / "items.csv"
    items.write_text(f"key,time\n{KEY},auto\nvideos/missing.mp4,AUTO\n", encoding="utf-8")
    out_dir = tmp_path / "out"
    code, _, err = run(capsys, *batch(server.endpoint_url, "-i", str(items), "-o", str(out_dir)))
    assert code == 1, err
    rows = [
        json.loads(line)
        for line in (out_dir / "failures.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [(row["key"], row["time"]) for row in rows] == [("videos/missing.mp4", "auto")]
    assert (out_dir / "clip_auto.jpg").is_file()


def test_batch_refuses_auto_with_keyframe_mode_before_anything_is_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = batch("http://127.0.0.1:9", KEY, "--times", "auto", "--mode", "keyframe")
    code, _, err = run(capsys, *argv, "-o", str(tmp_path))
    assert code == 2
    assert "--mode: keyframe cannot be used with the time auto" in err


def test_an_auto_item_that_failed_after_choosing_keeps_its_time_and_its_chosen_time(
    tmp_path: Path,
) -> None:
    from pathlib import PurePosixPath  # noqa: PLC0415

    from cos_snapshot.tools.batch import (  # noqa: PLC0415
        ItemDefaults,
        ItemResult,
        PlannedItem,
        failure_row,
        item_of_row,
    )

    item = item_of_row(KEY, ItemDefaults(), "auto")
    planned = PlannedItem(item, tmp_path, PurePosixPath("clip_auto.jpg"))
    failed = ItemResult(planned, "failed", error="disk full", chosen_time="1.05")
    row = failure_row(failed)
    assert (row["time"], row["chosen_time"]) == ("auto", "1.05")  # taken again: chosen again
    assert failed.to_json()["chosen_time"] == "1.05"
    assert "chosen_time" not in ItemResult(planned, "failed", error="missing").to_json()


def test_batch_concurrency_bounds_the_snapshot_requests_of_auto_items_too(
    server: CosEmulator,
    clean: FixtureInfo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each auto item asks for its 8 candidates at once: --concurrency 2 must still mean two
    # snapshot requests in flight, not 16.
    keys = [f"videos/{n}.mp4" for n in range(3)]
    for key in keys:
        server.put(key, clean.path)
    real = AsyncSnapshotClient.get_snapshot
    in_flight = [0]
    most = [0]

    async def counted(self: AsyncSnapshotClient, *args: Any, **kwargs: Any) -> Any:
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        try:
            return await real(self, *args, **kwargs)
        finally:
            in_flight[0] -= 1

    monkeypatch.setattr(AsyncSnapshotClient, "get_snapshot", counted)
    argv = batch(server.endpoint_url, *keys, "--times", "auto,0", "-o", str(tmp_path), "-j", "2")
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "6 done" in out
    assert most[0] == 2
