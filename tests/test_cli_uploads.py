"""Outputs PUT into the bucket (``-o cos://...``) by ``batch``, ``sheet`` and ``storyboard``,
against the real emulator: the right images, a re-run that skips what is there (one listing, no
PUT), bytes identical to the local files, the bounded upload pool, and the bad-input cases."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run
from PIL import Image

from cos_snapshot import (
    AsyncSnapshotClient,
    CosServiceError,
    ObjectSummary,
    Snapshot,
    SnapshotArgs,
)
from cos_snapshot.testing import FixtureInfo, read_frame_index
from cos_snapshot.testing.pytest_plugin import CosEmulator
from cos_snapshot.tools.batch import (
    BatchPlan,
    ItemDefaults,
    ItemResult,
    NameTemplate,
    items_from_arguments,
    parse_times,
    run_batch,
)
from cos_snapshot.tools.destination import (
    BucketDestination,
    BucketPrefix,
    OutputListingError,
    content_type_for,
)

BUCKET = "examplebucket-1250000000"
VIDEOS = ("videos/a/intro.mp4", "videos/b/intro.MP4", "videos/c.mov")

pytestmark = pytest.mark.cos_emulator(anonymous=True, allow_writes=True)


@pytest.fixture
def video(cos_fixture_video: Any) -> FixtureInfo:
    info: FixtureInfo = cos_fixture_video.info(duration=2, fps=10, gop=10, size=(96, 64))
    return info


@pytest.fixture
def videos(cos_emulator: CosEmulator, video: FixtureInfo) -> tuple[str, ...]:
    for key in VIDEOS:
        cos_emulator.put(key, video.path)
    cos_emulator.put("videos/notes.txt", b"not taken")
    return VIDEOS


@pytest.fixture
def puts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of every PUT the command sends (through the async client)."""
    sent: list[str] = []
    put = AsyncSnapshotClient.put_object

    async def counted(self: AsyncSnapshotClient, key: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(key)
        return await put(self, key, *args, **kwargs)

    monkeypatch.setattr(AsyncSnapshotClient, "put_object", counted)
    return sent


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # With -o cos://, the failures file goes to the current directory.
    monkeypatch.chdir(tmp_path)
    for name in ("COS_BUCKET", "COS_ENDPOINT_URL", "COS_REGION"):
        monkeypatch.delenv(name, raising=False)


def _on(emulator: CosEmulator, *argv: str) -> list[str]:
    return [*argv, "--endpoint-url", emulator.endpoint_url, "--anonymous"]


def _objects(emulator: CosEmulator, prefix: str) -> dict[str, tuple[str, Any]]:
    """Each object under ``prefix``: its ETag and time, from one listing."""
    with emulator.client() as client:
        return {s.key: (s.etag, s.last_modified) for s in client.iter_objects(prefix)}


def _frame(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as image:
        return read_frame_index(image)


# -- batch -o cos:// ---------------------------------------------------------------------------


def test_batch_prefix_puts_a_right_poster_for_every_video_and_a_rerun_skips_them_all(
    cos_emulator: CosEmulator,
    videos: tuple[str, ...],
    video: FixtureInfo,
    puts: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    argv = ["batch", "--prefix", "videos/", "--times", "50%", "-o"]
    code, out, err = run(capsys, *_on(cos_emulator, *argv, "cos:///posters/"))
    assert code == 0, err
    assert "3 done, 0 skipped, 0 failed of 3 items" in out
    expected = {"posters/a/intro_00001.000.jpg", "posters/b/intro_00001.000.jpg"}
    expected.add("posters/c_00001.000.jpg")
    assert sorted(puts) == sorted(expected)
    stored = _objects(cos_emulator, "posters/")
    assert set(stored) == expected
    truth = video.frame_at(Decimal(1))  # 50% of 2 s: the frame on screen at 1 s
    with cos_emulator.client() as client:
        for key in expected:
            assert _frame(client.get_object(key)) == truth
            info = client.head_object(key)
            assert info is not None
            assert info.content_type == "image/jpeg"
    assert (
        not (tmp_path / "failures.jsonl").exists() or not (tmp_path / "failures.jsonl").read_text()
    )

    puts.clear()
    code, out, err = run(capsys, *_on(cos_emulator, *argv, f"cos://{BUCKET}/posters/", "--json"))
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["status"] for r in records if r["type"] == "item"] == ["skipped"] * 3
    assert {r["output"] for r in records if r["type"] == "item"} == {
        f"cos://{BUCKET}/{key}" for key in expected
    }
    assert puts == []  # nothing sent again
    assert _objects(cos_emulator, "posters/") == stored  # same ETags, same times

    code, out, err = run(capsys, *_on(cos_emulator, *argv, "cos:///posters/", "--force"))
    assert code == 0, err
    assert "3 done, 0 skipped" in out
    assert len(puts) == 3


def test_a_resumed_batch_asks_for_one_listing_and_no_head(
    cos_emulator: CosEmulator,
    videos: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    template = "{key_noext}_{time}.{format}"
    argv = _on(cos_emulator, "batch", *videos, "--times", "0,1", "--name-template", template)
    argv += ["-o", "cos:///out"]
    assert run(capsys, *argv)[0] == 0
    listings: list[str] = []
    heads: list[str] = []
    iter_objects = AsyncSnapshotClient.iter_objects

    def listed(self: AsyncSnapshotClient, prefix: str = "", **kwargs: Any) -> Any:
        listings.append(prefix)
        return iter_objects(self, prefix, **kwargs)

    async def head(self: AsyncSnapshotClient, key: str) -> Any:
        heads.append(key)
        raise AssertionError("a HEAD per item")

    monkeypatch.setattr(AsyncSnapshotClient, "iter_objects", listed)
    monkeypatch.setattr(AsyncSnapshotClient, "head_object", head)
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "0 done, 6 skipped" in out
    assert (listings, heads) == (["out/"], [])


def test_a_file_written_locally_and_one_put_into_the_bucket_are_byte_identical(
    cos_emulator: CosEmulator,
    videos: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    for format in ("jpg", "png"):
        common = ["batch", "--prefix", "videos/", "--times", "0,50%,end", "--format", format]
        local = tmp_path / f"local-{format}"
        assert run(capsys, *_on(cos_emulator, *common, "-o", str(local)))[0] == 0
        assert run(capsys, *_on(cos_emulator, *common, "-o", f"cos:///up-{format}/"))[0] == 0
        files = sorted(p for p in local.rglob(f"*.{format}"))
        assert len(files) == 9
        with cos_emulator.client() as client:
            for path in files:
                key = f"up-{format}/{path.relative_to(local).as_posix()}"
                assert client.get_object(key) == path.read_bytes(), key
                info = client.head_object(key)
                assert info is not None
                assert info.content_type == content_type_for(path.name)


def test_a_put_refused_fails_its_own_item_never_the_run(
    cos_emulator: CosEmulator,
    videos: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    put = AsyncSnapshotClient.put_object

    async def refusing(self: AsyncSnapshotClient, key: str, *args: Any, **kwargs: Any) -> Any:
        if "/b/" in key:
            raise CosServiceError(403, "AccessDenied", "no writing here", request_id="r-1")
        return await put(self, key, *args, **kwargs)

    monkeypatch.setattr(AsyncSnapshotClient, "put_object", refusing)
    argv = _on(cos_emulator, "batch", "--prefix", "videos/", "--times", "1", "-o", "cos:///p/")
    code, out, err = run(capsys, *argv, "--json")
    assert code == 1, err
    items = [json.loads(line) for line in out.splitlines()]
    failed = [r for r in items if r.get("status") == "failed"]
    assert [(r["key"], r["code"], r["http_status"]) for r in failed] == [
        ("videos/b/intro.MP4", "AccessDenied", 403)
    ]
    assert items[-1]["done"] == 2
    assert set(_objects(cos_emulator, "p/")) == {"p/a/intro_00001.000.jpg", "p/c_00001.000.jpg"}
    failures = (tmp_path / "failures.jsonl").read_text().splitlines()
    assert [json.loads(row)["key"] for row in failures] == ["videos/b/intro.MP4"]


# -- the pool: bounded, and holding the snapshots back when full ---------------------------


class _SlowPuts:
    """Stands in for AsyncSnapshotClient: snapshots at once, PUTs that wait to be let go; counts
    what is in flight."""

    def __init__(self, image: bytes) -> None:
        self.image = image
        self.snapshots = 0
        self.putting = 0
        self.most_putting = 0
        self.release = asyncio.Event()

    async def get_snapshot(self, args: SnapshotArgs) -> Snapshot:
        self.snapshots += 1
        await asyncio.sleep(0)
        return Snapshot.from_bytes(self.image)

    def iter_objects(self, prefix: str = "", **_: Any) -> Any:
        async def nothing() -> Any:
            return
            yield

        return nothing()

    async def put_object(self, key: str, data: bytes, **_: Any) -> None:
        self.putting += 1
        self.most_putting = max(self.most_putting, self.putting)
        await self.release.wait()
        self.putting -= 1


async def _started_with_slow_puts() -> tuple[_SlowPuts, list[ItemResult], asyncio.Task[None]]:
    """100 items to a bucket, 3 snapshot requests and a pool of 2 uploads, whose PUTs wait:
    the client, the results so far, and the run, left to run until nothing more moves."""
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, format="PNG")
    client = _SlowPuts(png.getvalue())
    plan = BatchPlan(
        lambda: items_from_arguments(["v.mp4"], parse_times("0:99:1"), ItemDefaults(format="png")),
        NameTemplate("{index}.png"),
        BucketPrefix("out/"),
    )
    results: list[ItemResult] = []
    run = asyncio.create_task(
        run_batch(
            client,  # type: ignore[arg-type]
            plan,
            concurrency=3,
            force=False,
            on_result=results.append,
            uploads=2,
        )
    )
    for _ in range(500):  # far more turns of the loop than filling the pool takes
        await asyncio.sleep(0)
    return client, results, run


async def test_the_upload_pool_is_bounded_and_holds_the_snapshots_back_when_full(
    tmp_path: Path,
) -> None:
    client, results, run = await _started_with_slow_puts()
    # Two uploads in flight fill the pool; three workers hold an image each, waiting for it.
    assert client.most_putting == 2
    assert client.snapshots == 2 + 3
    assert results == []
    client.release.set()
    await run
    assert [r.status for r in results] == ["done"] * 100
    assert client.most_putting == 2
    assert {r.where for r in (r.planned for r in results)} == {
        f"cos:///out/{n}.png" for n in range(100)
    }


async def test_cancelled_uploads_and_the_images_waiting_for_the_pool_are_reported_not_run(
    tmp_path: Path,
) -> None:
    _, results, run = await _started_with_slow_puts()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    # Two PUTs in flight and three images waiting for the pool: none of them is done.
    assert sorted(r.status for r in results) == ["not_run"] * 5
    assert len({r.planned.name for r in results}) == 5


# -- sheet and storyboard -o cos:// ------------------------------------------------------------


def test_sheet_to_the_bucket_is_the_local_sheet_and_a_rerun_asks_one_head(
    cos_emulator: CosEmulator,
    videos: tuple[str, ...],
    puts: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    common = ["sheet", VIDEOS[0], "--times", "0,1", "--cols", "2"]
    assert run(capsys, *_on(cos_emulator, *common, "-o", str(tmp_path / "s.png")))[0] == 0
    code, out, err = run(capsys, *_on(cos_emulator, *common, "-o", "cos:///sheets/", "--json"))
    assert code == 0, err
    record = json.loads(out)
    assert record["output"] == "cos:///sheets/intro_sheet.jpg"
    code, out, err = run(capsys, *_on(cos_emulator, *common, "-o", "cos:///sheets/s.png"))
    assert code == 0, err
    with cos_emulator.client() as client:
        assert client.get_object("sheets/s.png") == (tmp_path / "s.png").read_bytes()
        info = client.head_object("sheets/intro_sheet.jpg")
        assert info is not None
        assert (info.content_type, info.size) == ("image/jpeg", record["bytes"])
    assert puts == ["sheets/intro_sheet.jpg", "sheets/s.png"]
    code, out, err = run(capsys, *_on(cos_emulator, *common, "-o", "cos:///sheets/s.png"))
    assert code == 0, err
    assert "exists, skipped" in out
    assert len(puts) == 2
    assert run(capsys, *_on(cos_emulator, *common, "-o", "cos:///sheets/s.png", "--force"))[0] == 0
    assert len(puts) == 3


def _vtt_payloads(text: str) -> list[str]:
    return [line for line in text.splitlines() if "#xywh=" in line]


def test_storyboard_to_the_bucket_names_its_sprites_relative_to_itself(
    cos_emulator: CosEmulator,
    videos: tuple[str, ...],
    video: FixtureInfo,
    puts: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    common = ["storyboard", VIDEOS[0], "--count", "4", "--width", "48", "--cols", "2"]
    local = tmp_path / "board"
    assert run(capsys, *_on(cos_emulator, *common, "-o", str(local)))[0] == 0
    code, out, err = run(capsys, *_on(cos_emulator, *common, "-o", "cos:///videos/a/board/"))
    assert code == 0, err
    assert out.startswith("cos:///videos/a/board/storyboard.vtt: 4 cues")
    assert puts == ["videos/a/board/storyboard.jpg", "videos/a/board/storyboard.vtt"]  # VTT last
    with cos_emulator.client() as client:
        vtt = client.get_object("videos/a/board/storyboard.vtt")
        sprite = client.get_object("videos/a/board/storyboard.jpg")
        info = client.head_object("videos/a/board/storyboard.vtt")
    assert vtt == (local / "storyboard.vtt").read_bytes()
    assert sprite == (local / "storyboard.jpg").read_bytes()
    assert info is not None
    assert info.content_type == "text/vtt; charset=utf-8"
    payloads = _vtt_payloads(vtt.decode())
    assert payloads[0] == "storyboard.jpg#xywh=0,0,48,32"  # beside the VTT, wherever it is
    with Image.open(io.BytesIO(sprite)) as board:
        x, y, w, h = (int(n) for n in payloads[1].split("#xywh=")[1].split(","))
        tile = board.crop((x, y, x + w, y + h))
        assert read_frame_index(tile) == video.frame_at(Decimal("0.5"))

    code, out, err = run(capsys, *_on(cos_emulator, *common, "-o", "cos:///videos/a/board/"))
    assert (code, len(puts)) == (0, 2), err
    assert "exists, skipped" in out
    prefix = "https://cdn.example.com/b"
    argv = [*common, "-o", "cos:///videos/a/board/", "--force", "--url-prefix", prefix]
    assert run(capsys, *_on(cos_emulator, *argv))[0] == 0
    with cos_emulator.client() as client:
        vtt = client.get_object("videos/a/board/storyboard.vtt")
    assert _vtt_payloads(vtt.decode())[0] == f"{prefix}/storyboard.jpg#xywh=0,0,48,32"


# -- bad input ---------------------------------------------------------------------------------


#: Each command's arguments around a ``cos://`` place (``{}``).
PLACES = {
    "batch -o": ["batch", "a.mp4", "--times", "1", "-o", "{}"],
    "batch --prefix": ["batch", "--prefix", "{}", "--times", "1", "-o", "out"],
    "sheet -o": ["sheet", "a.mp4", "-o", "{}"],
    "storyboard -o": ["storyboard", "a.mp4", "-o", "{}"],
}


@pytest.mark.parametrize("where", PLACES)
def test_a_place_with_no_bucket_and_no_endpoint_names_the_bucket_option(
    where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [a.format("cos:///posters/") for a in PLACES[where]]
    code, _, err = run(capsys, *argv, "--anonymous")
    assert code == 2
    assert "--bucket" in err


@pytest.mark.parametrize("where", PLACES)
def test_a_place_whose_first_segment_is_no_bucket_suggests_the_bucket_in_use(
    where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [a.format("cos://posters/") for a in PLACES[where]]
    code, _, err = run(capsys, *argv, "--anonymous", "--bucket", BUCKET)
    assert code == 2
    assert "cos:///posters/" in err


def test_an_output_in_another_bucket_than_the_videos_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["batch", "--prefix", f"cos://{BUCKET}/videos/", "--times", "1"]
    code, _, err = run(capsys, *argv, "-o", "cos://other-1250000000/p/", "--anonymous")
    assert code == 2
    assert BUCKET in err


@pytest.mark.cos_emulator
def test_a_listing_refused_exits_1_with_the_services_message(
    cos_emulator: CosEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A signed emulator refuses the unsigned listing of the videos.
    argv = _on(cos_emulator, "batch", "--prefix", "videos/", "--times", "1", "-o", str(tmp_path))
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert "AccessDenied" in err or "403" in err, err
    assert "Traceback" not in err


@pytest.mark.cos_emulator
def test_a_resume_listing_refused_fails_the_items_with_the_services_message(
    cos_emulator: CosEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _on(cos_emulator, "batch", "a.mp4", "--times", "1", "-o", "cos:///p/", "--json")
    code, out, err = run(capsys, *argv)
    assert code == 1, err
    item = json.loads(out.splitlines()[0])
    assert item["status"] == "failed"
    assert "cannot tell which outputs exist under p/" in item["error"]
    assert "--force" in item["error"]


def test_a_prefix_with_no_objects_says_so_and_exits_0(
    cos_emulator: CosEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _on(cos_emulator, "batch", "--prefix", "none/", "--times", "1", "-o", "cos:///p/")
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    assert "0 objects under none/" in err


# -- which outputs exist: one listing, read as the run goes ------------------------------------


class _Listed:
    """Stands in for AsyncSnapshotClient: a listing of ``keys`` that yields one key each time
    ``step`` is set, or fails after them with ``error``."""

    def __init__(self, keys: list[str], error: Exception | None = None) -> None:
        self.keys = keys
        self.error = error
        self.step = asyncio.Event()
        self.listings = 0
        self.given = 0

    def iter_objects(self, prefix: str = "", **_: Any) -> Any:
        self.listings += 1

        async def listing() -> Any:
            for key in self.keys:
                await self.step.wait()
                self.step.clear()
                self.given += 1
                yield ObjectSummary(key, 1, '"e"', datetime.now(UTC))
            if self.error is not None:
                raise self.error

        return listing()


async def _answer(question: asyncio.Task[bool], client: _Listed) -> bool:
    """Let the listing go a key at a time until ``question`` is answered."""
    while not question.done():
        client.step.set()
        for _ in range(5):
            await asyncio.sleep(0)
    return question.result()


async def test_a_question_is_answered_once_the_listing_has_passed_its_key() -> None:
    client = _Listed(["p/a.jpg", "p/c.jpg", "p/e.jpg", "p/g.jpg"])
    async with BucketDestination(client, BucketPrefix("p/"), resume=True) as bucket:  # type: ignore[arg-type]
        assert await _answer(asyncio.create_task(bucket.exists("c.jpg")), client)
        assert client.given == 2  # no further than its key
        assert not await _answer(asyncio.create_task(bucket.exists("d.jpg")), client)
        assert client.given == 3  # "p/e.jpg" passed it
        assert await bucket.exists("a.jpg")  # passed already: answered at once
        assert not await _answer(asyncio.create_task(bucket.exists("z.jpg")), client)
        assert await bucket.exists("g.jpg")
        assert (client.listings, bucket.listed) == (1, 4)


async def test_a_listing_that_fails_fails_every_question_saying_so() -> None:
    refused = CosServiceError(403, "AccessDenied", "no listing here")
    client = _Listed(["p/a.jpg"], error=refused)
    async with BucketDestination(client, BucketPrefix("p"), resume=True) as bucket:  # type: ignore[arg-type]
        with pytest.raises(OutputListingError, match=r"AccessDenied.*--force"):
            await _answer(asyncio.create_task(bucket.exists("b.jpg")), client)
        with pytest.raises(OutputListingError):
            await bucket.exists("a.jpg")
