"""What the sync and the async client share: :class:`_BaseClient`.

Everything but the I/O lives in :class:`_BaseClient`: endpoint, credentials, argument checks,
the generated requests, signing, presigning, turning a response into a :class:`Snapshot`, a
:class:`MediaInfo` or an error, and the retry decisions. The two public classes only send and
sleep, in one retry loop each (``_call``) that every operation goes through.

A call builds its URL from the generated request function once (one parse) and each attempt
signs its own ``httpx2.Request`` before ``send``. ``httpx2.Client.request`` with an ``httpx2.Auth``
would parse the URL three times and encode the query twice per attempt: nearly twice the CPU
of this path, which matters when the answer comes from a cache.
"""

from __future__ import annotations

import io
import time as _time
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from typing import Any, overload
from urllib.parse import urlencode

import httpx2
from cos_snapshot_api import Client as _GeneratedClient
from cos_snapshot_api.api.bucket import get_bucket as _get_bucket
from cos_snapshot_api.api.jobs import cancel_media_job as _cancel_media_job
from cos_snapshot_api.api.jobs import create_media_jobs as _create_media_jobs
from cos_snapshot_api.api.jobs import describe_media_job as _describe_media_job
from cos_snapshot_api.api.jobs import describe_media_jobs as _describe_media_jobs
from cos_snapshot_api.api.media_info import get_media_info as _get_media_info
from cos_snapshot_api.api.objects import get_object as _get_object
from cos_snapshot_api.api.objects import head_object as _head_object
from cos_snapshot_api.api.objects import put_object as _put_object
from cos_snapshot_api.api.snapshot import get_snapshot as _get_snapshot
from cos_snapshot_api.types import File

from .._shared.credentials import Credentials, CredentialsCache, CredentialsSource
from .._shared.errors import (
    CosClientError,
    CosError,
    CosInvalidArgumentError,
    CosServiceError,
    CosTimeoutError,
)
from .._shared.http_dates import server_clock_offset
from .._shared.snapshot_params import (
    DEFAULT_FORMAT,
    DEFAULT_HEIGHT,
    DEFAULT_MODE,
    DEFAULT_ROTATE,
    DEFAULT_WIDTH,
)
from .auth import CI_SECURITY_TOKEN_HEADER, CREDENTIAL_HEADERS, SECURITY_TOKEN_HEADER, Signer
from .jobs import (
    DEFAULT_JOB_RATE,
    SnapshotJobSpec,
    SubmitRate,
    check_job_id,
    check_next_token,
    list_query,
    new_mark,
    request_document,
)
from .objects import Upload, check_content_type, check_list_args, check_metadata
from .options import (
    DEFAULT_SIGN_EXPIRES,
    DEFAULT_TIMEOUT,
    MAX_SNAPSHOT_BYTES,
    USER_AGENT,
    check_bucket,
    check_expires,
    check_max_bytes,
    check_region,
    check_transports,
    ci_endpoint_for,
    endpoint_for,
    limits_for,
    refuse_httpx_objects,
)
from .params import (
    NOT_GIVEN,
    Format,
    Mode,
    Rotate,
    SnapshotArgs,
    TimeLike,
    check_key,
    snapshot_args,
)
from .responses import object_limit, snapshot_limit
from .retry import MAX_CLOCK_CORRECTION_S, SKEW_THRESHOLD_S, RetryPolicy, RetryState


class _BaseClient:
    #: The httpx2 transport class every transport in ``httpx_args`` must be, and what to say.
    _transport_base: type = httpx2.BaseTransport
    _transport_wanted = "a sync transport such as httpx2.HTTPTransport"

    def __init__(
        self,
        bucket: str | None = None,
        region: str | None = None,
        *,
        credentials: CredentialsSource | None = None,
        endpoint_url: str | None = None,
        anonymous: bool = False,
        timeout: float | httpx2.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sign_expires: int = DEFAULT_SIGN_EXPIRES,
        clock: Callable[[], float] = _time.time,
        max_connections: int | None = None,
        max_snapshot_bytes: int = MAX_SNAPSHOT_BYTES,
        job_rate: float = DEFAULT_JOB_RATE,
        httpx_args: dict[str, Any] | None = None,
    ) -> None:
        # Checked even beside endpoint_url, which then says where requests go: a malformed
        # bucket or region there is a mistake (a typo in COS_BUCKET, say) that would pass
        # unseen. Not giving them is fine (the emulator needs neither).
        if bucket:
            check_bucket(bucket)
        if region:
            check_region(region)
        if endpoint_url is not None:
            url = httpx2.URL(endpoint_url)
            if url.scheme not in {"http", "https"} or not url.host:
                raise CosInvalidArgumentError(
                    "endpoint_url", f"must be an http(s) URL with a host, got {endpoint_url!r}"
                )
            if url.userinfo or url.query or url.fragment:
                # Object keys and parameters are appended to it, and COS signs requests
                # itself: a user:password@ or a ?query would be sent wrongly (or leak).
                raise CosInvalidArgumentError(
                    "endpoint_url",
                    "must not carry user:password@, a ?query or a #fragment; "
                    f"give scheme://host[:port][/path], got {url.copy_with(userinfo=b'')}",
                )
            self.endpoint_url = str(url).rstrip("/")
            #: Where the job operations go: the bucket's CI host, or the endpoint given.
            self.ci_endpoint_url = self.endpoint_url
        elif bucket and region:
            self.endpoint_url = endpoint_for(bucket, region)
            self.ci_endpoint_url = ci_endpoint_for(bucket, region)
        elif bucket:
            raise CosInvalidArgumentError(
                "region",
                "is missing: give the bucket's region (e.g. ap-guangzhou), or endpoint_url",
            )
        elif region:
            raise CosInvalidArgumentError(
                "bucket",
                "is missing: give the bucket (e.g. examplebucket-1250000000), or endpoint_url",
            )
        else:
            raise CosInvalidArgumentError(
                "endpoint_url", "give bucket and region, or endpoint_url (e.g. the emulator's)"
            )
        self.bucket = bucket
        self.region = region
        self.retry = retry or RetryPolicy()
        #: Job submissions in any one second, at most (the service's default limit is 10).
        self.job_rate = float(job_rate) if isinstance(job_rate, int | float) else job_rate
        self._submit_rate = SubmitRate(job_rate)
        self.sign_expires = sign_expires
        #: The most bytes a snapshot may hold, counted as decoded (see the class docstring).
        self.max_snapshot_bytes = check_max_bytes("max_snapshot_bytes", max_snapshot_bytes)
        self._snapshot_limit = snapshot_limit(self.max_snapshot_bytes)
        self._object_limit = object_limit(self.max_snapshot_bytes)
        self._clock = clock
        self._signed = not anonymous
        self._signer: Signer | None = None
        # A provider's credentials (None: fixed credentials, in the signer, or anonymous).
        self._provided: CredentialsCache | None = None
        if not anonymous:
            source = credentials if credentials is not None else Credentials.from_env()
            if isinstance(source, Credentials):
                self._signer = Signer(source, clock=clock)
            else:
                self._provided = CredentialsCache(source)
        refuse_httpx_objects("timeout", timeout)
        refuse_httpx_objects("httpx_args", httpx_args)
        check_transports(httpx_args or {}, self._transport_base, self._transport_wanted)
        args: dict[str, Any] = dict(httpx_args or {})
        limits = limits_for(max_connections, args)
        if limits is not None:
            args["limits"] = limits
        self.max_connections = max_connections
        if self._signed:
            # The client signs each attempt itself (see _attempt); an auth of the caller's
            # would replace or spoil that signature.
            args.pop("auth", None)
        # Query parameters every request carries (httpx_args["params"]): sent and presigned.
        self._params = httpx2.QueryParams(args.get("params"))
        self.timeout = timeout if isinstance(timeout, httpx2.Timeout) else httpx2.Timeout(timeout)
        # The generated client passes these to httpx2 itself: given in httpx_args as well,
        # they would be passed twice.
        headers = {"User-Agent": USER_AGENT, **dict(args.pop("headers", None) or {})}
        cookies = dict(args.pop("cookies", None) or {})
        verify = args.pop("verify", True)
        # Redirects are followed here, not by httpx2 (see _redirected): httpx2 would forward
        # x-cos-security-token to another origin.
        self._follow_redirects = bool(args.pop("follow_redirects", False))
        self._httpx_args = args
        #: What an httpx2 client of another class (the aiohttp one) is built from.
        self._httpx_client_args: dict[str, Any] = {
            "base_url": self.endpoint_url,
            "headers": headers,
            "cookies": cookies,
            "timeout": self.timeout,
            "verify": verify,
            "follow_redirects": False,
            **args,
        }
        self._api = _GeneratedClient(
            base_url=self.endpoint_url,
            timeout=self.timeout,
            raise_on_unexpected_status=False,
            headers=headers,
            cookies=cookies,
            verify_ssl=verify,
            follow_redirects=False,
            httpx_args=args,
        )

    @property
    def credentials(self) -> Credentials | None:
        """The credentials the client signs with: the ones given, or those a provider gave
        last (``None`` before the first request, and for an anonymous client)."""
        return None if self._signer is None else self._signer.credentials

    def _use(self, credentials: Credentials) -> tuple[Signer, Credentials]:
        """The signer (kept for its clock offset) and the credentials to sign with now."""
        if self._signer is None:
            self._signer = Signer(credentials, clock=self._clock)
        else:
            self._signer.credentials = credentials
        return self._signer, credentials

    def _signing(self) -> tuple[Signer, Credentials] | None:
        """What the next attempt is signed with (``None``: not signed), asking the provider
        here if its credentials are missing or near their expiry."""
        if self._provided is None:
            return None if self._signer is None else (self._signer, self._signer.credentials)
        now = self._clock()
        return self._use(self._provided.cached(now) or self._provided.get(now))

    # -- requests ------------------------------------------------------------------------

    @staticmethod
    def _request_kwargs(args: SnapshotArgs) -> dict[str, Any]:
        return {
            "object_key": args.key,
            "ci_process": "snapshot",
            "time": args.time,
            "width": args.width,
            "height": args.height,
            "format_": args.format,
            "rotate": args.rotate,
            "mode": args.mode,
        }

    def _target(self, args: SnapshotArgs) -> tuple[str, httpx2.URL]:
        """Method and URL of the generated GetSnapshot request for ``args``."""
        return self._target_of(_get_snapshot._get_kwargs(**self._request_kwargs(args)))

    def _media_info_target(self, key: str) -> tuple[str, httpx2.URL]:
        """Method and URL of the generated GetMediaInfo request for ``key``."""
        return self._target_of(_get_media_info._get_kwargs(key, ci_process="videoinfo"))

    def _list_target(
        self, prefix: object, delimiter: object, marker: object, max_keys: object
    ) -> tuple[str, httpx2.URL]:
        """Method and URL of the generated GetBucket request for one page of a listing."""
        args = check_list_args(prefix, delimiter, marker, max_keys)
        return self._target_of(_get_bucket._get_kwargs(**args))  # type: ignore[arg-type]

    def _head_object_target(self, key: str) -> tuple[str, httpx2.URL]:
        return self._target_of(_head_object._get_kwargs(check_key(key)))

    def _get_object_target(self, key: str) -> tuple[str, httpx2.URL]:
        return self._target_of(_get_object._get_kwargs(check_key(key)))

    def _put_object_request(
        self, key: str, data: object, content_type: object, metadata: object
    ) -> tuple[tuple[str, httpx2.URL], dict[str, str], Upload]:
        """Method and URL of the generated PutObject request, its headers and its body, every
        argument checked before a file is read: Content-MD5, the caller's Content-Type (the
        generated one is ``application/octet-stream``), the Content-Length (so that a file is
        streamed, not sent chunked) and the metadata."""
        key = check_key(key)
        own_headers = {"Content-Type": check_content_type(content_type)}
        own_headers.update(check_metadata(metadata))  # type: ignore[arg-type]
        upload = Upload.of(data)
        kwargs = _put_object._get_kwargs(
            key, body=File(payload=io.BytesIO()), content_md5=upload.content_md5
        )
        headers: dict[str, str] = dict(kwargs["headers"])
        headers.update(own_headers)
        headers["Content-Length"] = str(upload.size)
        return self._target_of(kwargs), headers, upload

    def _target_of(
        self, kwargs: dict[str, Any], endpoint: str | None = None
    ) -> tuple[str, httpx2.URL]:
        """Method and URL of a generated request's ``kwargs`` on ``endpoint`` (the client's
        COS endpoint by default), merged with the client's own query parameters as httpx2's
        ``build_request`` would, with the URL parsed once."""
        # The spec's paths of GetMediaInfo and GetObject end in a fragment (`#videoinfo`,
        # `#object`), which only tells their operations apart from GetSnapshot's; a fragment
        # is never sent.
        path = kwargs["url"].partition("#")[0]
        query = urlencode(self._params.merge(kwargs.get("params", {})).multi_items())
        return kwargs["method"], httpx2.URL(f"{endpoint or self.endpoint_url}{path}?{query}")

    # -- jobs ----------------------------------------------------------------------------

    def _job_submission(
        self, key: str, spec: object
    ) -> tuple[tuple[str, httpx2.URL], dict[str, str], bytes, str]:
        """Method and URL of CreateMediaJobs, its headers (``Content-Type: application/xml;
        charset=utf-8``), its body for video ``key`` and ``spec`` (checked first), and the mark
        appended to its ``UserData`` (see :mod:`.jobs`)."""
        key = check_key(key)
        if not isinstance(spec, SnapshotJobSpec):
            raise CosInvalidArgumentError(
                "spec", f"must be a SnapshotJobSpec, got {type(spec).__name__}"
            )
        mark = new_mark()
        body = request_document(key, spec, mark=mark, bucket=self.bucket, region=self.region)
        kwargs = _create_media_jobs._get_kwargs(body=File(payload=io.BytesIO()))
        headers = {**kwargs["headers"], "Content-Length": str(len(body))}
        return self._target_of(kwargs, self.ci_endpoint_url), headers, body, mark

    def _jobs_target(self, ids: tuple[str, ...]) -> tuple[str, httpx2.URL]:
        """Method and URL of DescribeMediaJob for ``ids`` (checked)."""
        kwargs = _describe_media_job._get_kwargs(",".join(ids))
        return self._target_of(kwargs, self.ci_endpoint_url)

    def _job_list_target(
        self, args: dict[str, Any], next_token: object = None
    ) -> tuple[str, httpx2.URL]:
        """Method and URL of DescribeMediaJobs for the arguments of ``list_jobs`` (``args``,
        checked by :func:`.jobs.list_query`) after the page of ``next_token``."""
        query = list_query(**args)
        token = check_next_token(next_token)
        if token:
            query["next_token"] = token
        kwargs = _describe_media_jobs._get_kwargs(**query)
        return self._target_of(kwargs, self.ci_endpoint_url)

    def _cancel_target(self, job_id: object) -> tuple[str, httpx2.URL]:
        """Method and URL of CancelMediaJob (``cancel=``, signed, as the Go SDK sends it)."""
        kwargs = _cancel_media_job._get_kwargs(check_job_id(job_id))
        return self._target_of(kwargs, self.ci_endpoint_url)

    def _unsent_request(self, args: SnapshotArgs) -> httpx2.Request:
        """The request the generated client would send for ``args``, built without a
        connection (presigning needs its URL and Host, not I/O)."""
        return httpx2.Request(*self._target(args))

    def _attempt(
        self,
        http: httpx2.Client | httpx2.AsyncClient,
        method: str,
        url: httpx2.URL,
        timeout: httpx2.Timeout,
        signing: tuple[Signer, Credentials] | None,
        headers: Mapping[str, str] | None = None,
        content: bytes | Iterable[bytes] | AsyncIterable[bytes] | None = None,
        *,
        ci: bool = False,
    ) -> httpx2.Request:
        """One attempt's request, with the client's headers and cookies (as ``build_request``
        merges them), the operation's own ``headers`` and body ``content``, and a fresh
        signature made with ``signing`` (it covers Content-MD5, Content-Type and every
        ``x-cos-*`` header); ``ci``: a job operation, whose STS token header is
        ``x-ci-security-token``."""
        merged = http.headers
        if headers:
            # Given with the body, not after: a Content-Length here keeps httpx2 from sending
            # a streamed body chunked.
            merged = httpx2.Headers(http.headers)
            merged.update(headers)
        request = httpx2.Request(
            method,
            url,
            headers=merged,
            cookies=http.cookies,
            content=content,
            extensions={"timeout": timeout.as_dict()},
        )
        if signing is not None:
            signer, credentials = signing
            signer.sign_headers(
                request,
                expires=self.sign_expires,
                credentials=credentials,
                token_header=CI_SECURITY_TOKEN_HEADER if ci else SECURITY_TOKEN_HEADER,
            )
        return request

    def _attempt_timeout(self, state: RetryState) -> httpx2.Timeout:
        """The configured timeouts, each capped at the time the deadline leaves."""
        left = state.remaining()
        if left is None:
            return self.timeout
        if left <= 0:
            raise CosTimeoutError(f"the retry deadline of {self.retry.deadline}s has passed")

        def cap(value: float | None) -> float:
            return left if value is None else min(value, left)

        t = self.timeout
        return httpx2.Timeout(
            connect=cap(t.connect), read=cap(t.read), write=cap(t.write), pool=cap(t.pool)
        )

    @overload
    def presign_snapshot_url(self, args: SnapshotArgs, /, *, expires: int = 3600) -> str: ...

    @overload
    def presign_snapshot_url(
        self,
        key: str,
        time: TimeLike,
        *,
        width: int = DEFAULT_WIDTH,
        height: int = DEFAULT_HEIGHT,
        format: Format = DEFAULT_FORMAT,
        rotate: Rotate = DEFAULT_ROTATE,
        mode: Mode = DEFAULT_MODE,
        expires: int = 3600,
    ) -> str: ...

    def presign_snapshot_url(
        self,
        key: str | SnapshotArgs,
        time: object = NOT_GIVEN,
        *,
        width: object = NOT_GIVEN,
        height: object = NOT_GIVEN,
        format: object = NOT_GIVEN,
        rotate: object = NOT_GIVEN,
        mode: object = NOT_GIVEN,
        expires: int = 3600,
    ) -> str:
        """A URL for the snapshot that works without headers until ``expires`` seconds pass:
        of ``key`` at ``time`` with the options of :meth:`SnapshotClient.get_snapshot`, or of
        a :class:`SnapshotArgs` given alone.

        The signature covers every query parameter, so changing one breaks the URL. An STS
        token, if the credentials have one, travels in the URL too (as COS requires), so treat
        a presigned URL as a secret until it expires. Needs no I/O, so it is a plain method on
        both clients.
        """
        args = snapshot_args(
            key, time, width=width, height=height, format=format, rotate=rotate, mode=mode
        )
        check_expires(expires)
        return self._presign(self._unsent_request(args), expires)

    def presign_media_info_url(self, key: str, *, expires: int = 3600) -> str:
        """A URL for the GetMediaInfo answer of video ``key`` that works without headers
        until ``expires`` seconds pass; see :meth:`presign_snapshot_url`."""
        key = check_key(key)
        check_expires(expires)
        return self._presign(httpx2.Request(*self._media_info_target(key)), expires)

    def _presign(self, request: httpx2.Request, expires: int) -> str:
        signing = self._signing()
        if signing is None:
            return str(request.url)
        signer, credentials = signing
        return str(signer.presign(request, expires=expires, credentials=credentials))

    # -- responses -----------------------------------------------------------------------

    def _check_deadline(self, state: RetryState) -> None:
        """Raise once the deadline has passed: read timeouts bound each wait for data, not a
        server that keeps sending a byte now and then."""
        if state.remaining() == 0.0:
            raise CosTimeoutError(
                f"the retry deadline of {self.retry.deadline}s passed while the answer arrived"
            )

    def _after_error(self, state: RetryState, error: CosError) -> float:
        """Seconds to wait before the next attempt, or re-raise ``error``."""
        if (
            isinstance(error, CosServiceError)
            and self._signer is not None
            and state.may_correct_skew(error)
        ):
            offset = server_clock_offset(error.server_date, self._signer.clock())
            if offset is not None and abs(offset - self._signer.clock_offset) >= SKEW_THRESHOLD_S:
                if abs(offset) <= MAX_CLOCK_CORRECTION_S:
                    self._signer.clock_offset = offset
                    return 0.0
                # One answer's Date must not move the signing clock (presigned URLs too) by
                # more than a day: the server lies, or the local clock needs fixing.
                error.add_note(
                    f"not corrected: the server's Date is {offset:+.0f} s from the local clock, "
                    f"beyond the {MAX_CLOCK_CORRECTION_S:.0f} s a client corrects; "
                    "check the local clock"
                )
        return state.delay_after(error)

    def _redirected(self, first: httpx2.Request, hop: httpx2.Request) -> httpx2.Request:
        """The next request of a redirect (httpx2's ``next_request``), without the signature
        and the STS token when it leaves the endpoint's origin (scheme, host and port): no
        credential crosses an origin change."""
        if hop.url.origin != first.url.origin:
            for name in CREDENTIAL_HEADERS:
                hop.headers.pop(name, None)
        return hop

    #: The errors of the HTTP library under the transport that reach our code raw (none for
    #: httpx2's own transport, which raises only httpx2's), and how they become ours.
    _library_errors: tuple[type[BaseException], ...] = ()
    _library_error: Callable[[BaseException], CosClientError | None] | None = None

    def __repr__(self) -> str:
        if self._provided is not None:
            # Not the provider's repr: it may hold a secret.
            credentials = f"<provided by {self._provided.provider_name}>"
        else:
            credentials = repr(self.credentials)
        return (
            f"{type(self).__name__}(endpoint_url={self.endpoint_url!r}, credentials={credentials})"
        )
