"""The job operations on the wire: ``POST /jobs``, ``GET /jobs/<id>[,<id>…]``, ``GET /jobs``
and ``PUT /jobs/<id>?cancel``, answered with the vendor's ``<Response>`` documents.

They are recognised by path whatever the Host (the official SDK in IP mode sends them with the
bucket's COS host), so the keys ``jobs`` and ``jobs/…`` are reserved on the emulator: any other
request on them is 400 ``InvalidArgument``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from typing import Any

import anyio.to_thread
import attrs
from starlette.requests import Request
from starlette.responses import Response

from ..errors import EmulatorError, invalid_argument
from ..settings import EmulatorSettings
from ..storage import Storage
from .spec import MAX_REQUEST_BYTES, JobSpec, parse_request
from .store import JobStore, parse_list_query, render_document, render_job
from .work import SnapshotJobRunner

__all__ = ["MAX_JOB_PATH_BYTES", "JobRoutes", "is_job_key"]

#: The most ids one ``GET /jobs/<id>,<id>…`` may name.
MAX_IDS = 100
#: The longest job path, ``jobs/`` and the spec's 2048 characters of ids (more than an object
#: key's 850 bytes: ids are no keys).
MAX_JOB_PATH_BYTES = len("jobs/") + 2048
_JOB_ID = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)


def is_job_key(key: str) -> bool:
    """Whether ``key`` is one of the paths the job operations own."""
    return key == "jobs" or key.startswith("jobs/")


def _job_ids(text: str, most: int = MAX_IDS) -> list[str]:
    """The ids of a job path, ``id[,id…]``; 400 ``InvalidArgument`` unless there are 1 to
    ``most`` of them, each of letters, digits, ``-`` and ``_`` (as the spec says ids are: an
    answer never echoes anything else in ``NonExistJobIds``)."""
    ids = text.split(",")
    if len(ids) > most or not all(_JOB_ID.fullmatch(part) for part in ids):
        what = "one job id" if most == 1 else f"1 to {most} job ids, separated by commas"
        raise invalid_argument(f"Name {what}, each of letters, digits, - and _.")
    return ids


def _reserved() -> EmulatorError:
    return invalid_argument(
        "The keys jobs and jobs/... are reserved on the emulator for snapshot jobs "
        "(POST /jobs, GET /jobs[/<id>], PUT /jobs/<id>?cancel)."
    )


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REQUEST_BYTES:
            raise _too_large()
    return bytes(body)


def _too_large() -> EmulatorError:
    return EmulatorError(
        400, "EntityTooLarge", f"A job request may be at most {MAX_REQUEST_BYTES} bytes."
    )


class JobRoutes:
    """The job operations of one app, over one :class:`JobStore`."""

    def __init__(
        self,
        settings: EmulatorSettings,
        storage: Storage,
        engine: Callable[[], Any],
        runner: type[SnapshotJobRunner] = SnapshotJobRunner,
    ) -> None:
        self.settings = settings
        self.store = JobStore(settings, runner(settings, storage, engine))

    async def handle(
        self,
        key: str,
        request: Request,
        query: Mapping[str, str],
        request_id: str,
        *,
        addressed: tuple[str, str] = ("", ""),
    ) -> Response:
        """The answer to a request on a job path (its signature already checked);
        ``addressed``: the bucket and region the request was sent to, as far as known (the
        emulator's ``bucket`` setting, the Host), echoed as a job's ``Input``."""
        method = request.method
        if method == "POST" and key == "jobs":
            spec = self._on_this_bucket(parse_request(await _body(request)), *addressed)
            job = self.store.submit(spec)
            root = ET.Element("Response")
            root.append(render_job(job))
        elif method == "GET" and key == "jobs":
            jobs, token = self.store.list(parse_list_query(query))
            root = ET.Element("Response")
            root.extend(render_job(job) for job in jobs)
            ET.SubElement(root, "NextToken").text = token
        elif method == "GET":
            jobs, missing = self.store.get(_job_ids(key.removeprefix("jobs/")))
            root = ET.Element("Response")
            root.extend(render_job(job) for job in jobs)
            for job_id in missing:
                ET.SubElement(root, "NonExistJobIds").text = job_id
        elif method == "PUT" and "cancel" in query and key.count("/") == 1 and key != "jobs/":
            (job_id,) = _job_ids(key.removeprefix("jobs/"), most=1)
            self.store.cancel(job_id)
            return Response(headers={"x-ci-request-id": request_id})
        else:
            raise _reserved()
        return Response(
            render_document(root),
            media_type="application/xml",
            headers={"x-ci-request-id": request_id},
        )

    def _on_this_bucket(self, spec: JobSpec, bucket: str, region: str) -> JobSpec:
        """``spec`` with the bucket it was sent to; an ``Output/Bucket`` other than the
        emulator's own (its ``bucket`` setting) is refused, as the vendor fails a job whose
        output it cannot write: the emulator writes into its own root, the one bucket."""
        own = self.settings.bucket
        output = spec.output_bucket
        if own is not None and output and output.lower() != own.lower():
            raise invalid_argument(
                f"Request/Operation/Output/Bucket: {output[:80]!r} is not this emulator's "
                f"bucket ({own}), the one it writes a job's outputs into"
            )
        if not region and output and output.lower() == bucket.lower():
            region = spec.output_region  # the same bucket: its one region
        return attrs.evolve(spec, input_bucket=bucket, input_region=region)

    async def close(self) -> None:
        await anyio.to_thread.run_sync(self.store.close)
