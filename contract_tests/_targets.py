"""The servers the suite runs against, behind one interface: :class:`Target`.

- ``asgi``: the emulator in-process (httpx2 / schemathesis call the ASGI app directly);
- ``uvicorn``: the emulator as a real HTTP server on a loopback port. The suite treats it exactly
  like a live bucket: it uploads the fixture videos with the official SDK and deletes them after;
- ``live``: any COS-compatible endpoint given by the environment (see :data:`LIVE_VARIABLES`).

``COS_CONTRACT_BROKEN=<name>`` (see ``broken.py``) puts a deliberately broken emulator behind the
``asgi`` and ``uvicorn`` targets.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
import requests

from cos_snapshot import AsyncSnapshotClient, Credentials, SnapshotClient, endpoint_for
from cos_snapshot.emulator import EmulatorSettings, SnapshotEngine, running_emulator

from . import broken
from ._asgi import RequestsASGIAdapter, SyncASGITransport
from ._signing import RequestsCosAuth
from ._videos import Video, VideoSpec

__all__ = [
    "EMULATOR_CREDENTIALS",
    "GENERATED",
    "LIVE_VARIABLES",
    "TARGET_NAMES",
    "Target",
    "in_process_target",
    "live_target",
    "missing_live_variables",
    "uvicorn_target",
]

TARGET_NAMES = ("asgi", "uvicorn", "live")
LIVE_VARIABLES = (
    "COS_CONTRACT_BUCKET",
    "COS_CONTRACT_REGION",
    "TENCENTCLOUD_SECRET_ID",
    "TENCENTCLOUD_SECRET_KEY",
)
#: The key pair the emulator targets know (test values, not secrets).
EMULATOR_CREDENTIALS = Credentials("AKIDcontractSuite0000000000000000", "contract-suite-secret-key")
EMULATOR_BUCKET = "contract-1250000000"
EMULATOR_PREFIX = "contract/"
#: An object that is not a video, uploaded next to the fixtures.
NOT_A_VIDEO_KEY = "not a video.mp4"
NOT_A_VIDEO = b"This text is not a video, whatever its name says.\n"
#: Where schemathesis's uploads go, below the run prefix (``test_schema.py``); the listing
#: tests (``test_listing.py``) leave them out, since what they are depends on the seed.
GENERATED = "~generated/"
#: How long the end of a session waits for a job the suite submitted to end.
JOB_WAIT_S = 60
#: The bucket-relative host the in-process app is called with.
IN_PROCESS_URL = "http://testserver"


def _flag(environ: Mapping[str, str], name: str) -> bool:
    """A yes/no variable: 1, true or yes (any case) is yes; unset, empty, 0, false, no is no."""
    value = environ.get(name, "").strip().lower()
    if value in ("1", "true", "yes"):
        return True
    if value in ("", "0", "false", "no"):
        return False
    raise ValueError(f"{name}={environ[name]!r}: use 1 or 0")


def missing_live_variables(environ: Mapping[str, str] = os.environ) -> list[str]:
    return [name for name in LIVE_VARIABLES if not environ.get(name)]


@dataclass
class Target:
    """Where the suite sends its requests, and what it may expect there.

    ``videos`` are the uploaded fixtures by name; ``strict`` holds the target to the emulator's
    exact frame choices (else the documented tolerance applies, see ``_expect.py``);
    ``anonymous_url`` is an endpoint serving the same objects without signatures, if any.
    ``app``/``anonymous_app`` are set for the in-process target.
    """

    name: str
    base_url: str
    credentials: Credentials
    videos: dict[str, Video]
    strict: bool
    #: The run prefix: every key the suite puts is under it, and it lists only there.
    prefix: str
    anonymous_url: str | None = None
    not_a_video_key: str | None = None
    app: Any = None
    anonymous_app: Any = None
    #: Uploads, deletes and reads objects with the official SDK (targets reached over HTTP).
    remote: _RemoteBucket | None = None
    #: Where the job operations go, when not to ``base_url``: a live bucket's CI host.
    ci_base_url: str | None = None
    _closers: list[Any] = field(default_factory=list, repr=False)

    @property
    def in_process(self) -> bool:
        return self.app is not None

    @property
    def anonymous_allowed(self) -> bool:
        return self.anonymous_url is not None

    @property
    def public_read(self) -> bool:
        """The signed endpoint itself serves unsigned requests: a live public-read bucket
        (the emulator targets serve anonymous reads from a second server)."""
        return self.name == "live" and self.anonymous_allowed

    def video(self, name: str) -> Video:
        return self.videos[name]

    def will_put(self, key: str) -> None:
        """Note that the suite puts ``key`` (under :attr:`prefix`), so that the end of the
        session deletes it from a target reached over HTTP, as it does the fixtures. Call it
        before the upload: a half-done upload is cleaned up too."""
        if not key.startswith(self.prefix):
            raise ValueError(f"{key!r} is outside the run prefix {self.prefix!r}")
        if self.remote is not None:
            remote = self.remote
            self._closers.append(lambda: _quietly(remote.delete, key))

    @property
    def ci_url(self) -> str:
        """The base URL of the job operations (``POST /jobs`` and friends)."""
        return self.ci_base_url or self.base_url

    def will_await_job(self, job_id: str) -> None:
        """Note a job the suite submitted, so that the end of the session waits (a while) for
        it to end before deleting what the suite put: a job still running would write its
        outputs after their deletion. Call it after :meth:`will_put` of its outputs."""
        if self.remote is not None:
            remote = self.remote
            self._closers.append(lambda: _quietly(remote.await_job, job_id))

    def put(self, key: str, data: bytes) -> None:
        """Put ``data`` as ``key`` with the typed client, deleted again at the session's end."""
        self.will_put(key)
        with self.client() as client:
            client.put_object(key, data)

    def _httpx_args(self, *, anonymous: bool, is_async: bool) -> dict[str, Any]:
        if not self.in_process:
            return {}
        app = self.anonymous_app if anonymous else self.app
        transport = httpx2.ASGITransport(app=app) if is_async else SyncASGITransport(app)
        return {"transport": transport}

    def _endpoint(self, anonymous: bool) -> str:
        if anonymous:
            if self.anonymous_url is None:
                raise RuntimeError(f"target {self.name} does not allow anonymous reads")
            return self.anonymous_url
        return self.base_url

    def client(
        self, *, credentials: Credentials | None = None, anonymous: bool = False, **kwargs: Any
    ) -> SnapshotClient:
        """The typed sync client for this target (signed with its credentials unless told)."""
        return SnapshotClient(
            endpoint_url=self._endpoint(anonymous),
            credentials=None if anonymous else (credentials or self.credentials),
            anonymous=anonymous,
            httpx_args=self._httpx_args(anonymous=anonymous, is_async=False),
            **kwargs,
        )

    def async_client(
        self, *, credentials: Credentials | None = None, anonymous: bool = False, **kwargs: Any
    ) -> AsyncSnapshotClient:
        return AsyncSnapshotClient(
            endpoint_url=self._endpoint(anonymous),
            credentials=None if anonymous else (credentials or self.credentials),
            anonymous=anonymous,
            httpx_args=self._httpx_args(anonymous=anonymous, is_async=True),
            **kwargs,
        )

    def http(self, *, anonymous: bool = False) -> httpx2.Client:
        """A plain httpx2 client on the target (nothing signed), for requests the typed client
        would never make."""
        return httpx2.Client(
            base_url=self._endpoint(anonymous),
            timeout=60,
            **self._httpx_args(anonymous=anonymous, is_async=False),
        )

    @contextlib.contextmanager
    def sdk(self) -> Iterator[Any]:
        """The official SDK's client (``qcloud_cos.CosS3Client``) on this target, signed with its
        credentials; in-process, its requests are handed to the app."""
        if self.remote is not None:
            yield self.remote.sdk()
            return
        from qcloud_cos import CosConfig, CosS3Client  # noqa: PLC0415

        with requests.Session() as session:
            session.mount(self.base_url + "/", RequestsASGIAdapter(self.app))
            config = CosConfig(
                Scheme=urlsplit(self.base_url).scheme,
                Domain=urlsplit(self.base_url).netloc,
                Region="ap-guangzhou",
                SecretId=self.credentials.secret_id,
                SecretKey=self.credentials.secret_key,
                Token=self.credentials.token,
            )
            yield CosS3Client(config, retry=1, session=session)

    @property
    def bucket(self) -> str:
        """The bucket name to give the SDK."""
        return self.remote.bucket if self.remote is not None else EMULATOR_BUCKET

    def requests_auth(self) -> RequestsCosAuth:
        """The signer schemathesis sends with."""
        return RequestsCosAuth(self.credentials)

    def close(self) -> None:
        """Run every closer (deleting a live target's uploads), even if a second Ctrl-C or
        SIGTERM arrives meanwhile; such an interrupt is raised again once all have run."""
        interrupted: KeyboardInterrupt | None = None
        for closer in reversed(self._closers):
            try:
                closer()
            except KeyboardInterrupt as interrupt:
                interrupted = interrupt
                closer()  # the interrupted one again: the rest follow
        self._closers.clear()
        if interrupted is not None:
            raise interrupted


def _place_videos(
    root: Path, made: Mapping[str, tuple[VideoSpec, Any]], prefix: str
) -> dict[str, Video]:
    videos: dict[str, Video] = {}
    for name, (spec, info) in made.items():
        key = prefix + spec.key
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(info.path, path)
        videos[name] = Video(name, key, info)
    return videos


def in_process_target(
    workdir: Path, made: Mapping[str, tuple[VideoSpec, Any]], bug: str | None
) -> Target:
    root = workdir / "asgi-root"
    root.mkdir()
    videos = _place_videos(root, made, EMULATOR_PREFIX)
    (root / EMULATOR_PREFIX / NOT_A_VIDEO_KEY).write_bytes(NOT_A_VIDEO)
    engine = SnapshotEngine()
    settings = EmulatorSettings(root=root, credentials=(EMULATOR_CREDENTIALS,))
    anonymous = EmulatorSettings(root=root, anonymous=True)
    target = Target(
        name="asgi",
        base_url=IN_PROCESS_URL,
        credentials=EMULATOR_CREDENTIALS,
        videos=videos,
        strict=True,
        prefix=EMULATOR_PREFIX,
        anonymous_url=IN_PROCESS_URL,
        not_a_video_key=EMULATOR_PREFIX + NOT_A_VIDEO_KEY,
        app=broken.build_app(settings, engine, bug),
        anonymous_app=broken.build_app(anonymous, engine, _anonymous_bug(bug)),
    )
    target._closers.append(engine.close)
    return target


def _anonymous_bug(bug: str | None) -> str | None:
    # The anonymous endpoint carries the same fault, except the signature one, which is moot there.
    return None if bug == "accepts-any-signature" else bug


# --------------------------------------------------------------------------------------------
# Targets reached over HTTP, with fixtures uploaded through the official SDK


@dataclass
class _RemoteBucket:
    """Uploads and deletes objects with the official SDK (``cos-python-sdk-v5``)."""

    bucket: str
    region: str | None
    endpoint_url: str | None
    credentials: Credentials
    _client: Any = None

    def sdk(self) -> Any:
        if self._client is None:
            from qcloud_cos import CosConfig, CosS3Client  # noqa: PLC0415

            options: dict[str, Any] = {
                "SecretId": self.credentials.secret_id,
                "SecretKey": self.credentials.secret_key,
                "Token": self.credentials.token,
            }
            if self.endpoint_url:
                url = urlsplit(self.endpoint_url)
                options.update(Scheme=url.scheme, Domain=url.netloc, Region=self.region)
            else:
                options.update(Scheme="https", Region=self.region)
            self._client = CosS3Client(CosConfig(**options), retry=1)
        return self._client

    def put(self, key: str, body: bytes) -> None:
        self.sdk().put_object(Bucket=self.bucket, Key=key, Body=body)

    def delete(self, key: str) -> None:
        self.sdk().delete_object(Bucket=self.bucket, Key=key)

    def await_job(self, job_id: str, timeout: float = JOB_WAIT_S) -> None:
        """Wait until the job ``job_id`` has ended (or the service no longer knows it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = self.sdk().ci_get_media_jobs(Bucket=self.bucket, JobIDs=job_id)
            states = [detail.get("State") for detail in answer.get("JobsDetail") or []]
            if all(state in ("Success", "Failed", "Cancel") for state in states):
                return
            time.sleep(0.2)


def _upload(
    remote: _RemoteBucket, made: Mapping[str, tuple[VideoSpec, Any]], prefix: str, target: Target
) -> None:
    for name, (spec, info) in made.items():
        key = prefix + spec.key
        target.will_put(key)
        remote.put(key, info.path.read_bytes())
        target.videos[name] = Video(name, key, info)
    key = prefix + NOT_A_VIDEO_KEY
    target.will_put(key)
    remote.put(key, NOT_A_VIDEO)
    target.not_a_video_key = key


def _quietly(action: Any, *args: Any) -> None:
    with contextlib.suppress(Exception):
        action(*args)


@contextlib.contextmanager
def uvicorn_target(
    workdir: Path, made: Mapping[str, tuple[VideoSpec, Any]], bug: str | None
) -> Iterator[Target]:
    root = workdir / "uvicorn-root"
    root.mkdir()
    with SnapshotEngine() as engine, contextlib.ExitStack() as stack:
        settings = EmulatorSettings(
            root=root, bucket=EMULATOR_BUCKET, credentials=(EMULATOR_CREDENTIALS,)
        )
        anonymous = EmulatorSettings(root=root, anonymous=True)
        url = stack.enter_context(
            running_emulator(settings, app=broken.build_app(settings, engine, bug))
        )
        anonymous_url = stack.enter_context(
            running_emulator(
                anonymous, app=broken.build_app(anonymous, engine, _anonymous_bug(bug))
            )
        )
        target = Target(
            name="uvicorn",
            base_url=url,
            credentials=EMULATOR_CREDENTIALS,
            videos={},
            strict=True,
            prefix=EMULATOR_PREFIX,
            anonymous_url=anonymous_url,
        )
        remote = _RemoteBucket(EMULATOR_BUCKET, "ap-guangzhou", url, EMULATOR_CREDENTIALS)
        target.remote = remote
        try:
            _upload(remote, made, EMULATOR_PREFIX, target)
            yield target
        finally:
            target.close()


@contextlib.contextmanager
def live_target(
    made: Mapping[str, tuple[VideoSpec, Any]], environ: Mapping[str, str] = os.environ
) -> Iterator[Target]:
    """The bucket named by the environment; fixtures are uploaded under a fresh prefix and
    deleted afterwards."""
    bucket, region = environ["COS_CONTRACT_BUCKET"], environ["COS_CONTRACT_REGION"]
    credentials = Credentials.from_env(environ)
    endpoint_url = environ.get("COS_CONTRACT_ENDPOINT_URL") or None
    base_url = (endpoint_url or endpoint_for(bucket, region)).rstrip("/")
    prefix = f"cos-snapshot-contract/{secrets.token_hex(6)}/"
    ci_url = None
    if not endpoint_url:
        with SnapshotClient(bucket=bucket, region=region, credentials=credentials) as client:
            ci_url = client.ci_endpoint_url  # the bucket's CI host
    target = Target(
        name="live",
        base_url=base_url,
        credentials=credentials,
        videos={},
        strict=_flag(environ, "COS_CONTRACT_STRICT"),
        prefix=prefix,
        anonymous_url=base_url if _flag(environ, "COS_CONTRACT_ANONYMOUS") else None,
        ci_base_url=ci_url,
    )
    remote = _RemoteBucket(bucket, region, endpoint_url, credentials)
    target.remote = remote
    try:
        _upload(remote, made, prefix, target)
        yield target
    finally:
        target.close()
