"""The job operations on the wire: ``POST /jobs``, ``GET /jobs/<id>[,<id>…]``, ``GET /jobs``
and ``PUT /jobs/<id>?cancel``, answered with the vendor's ``<Response>`` documents.

They are recognised by path whatever the Host (the official SDK in IP mode sends them with the
bucket's COS host), so the keys ``jobs`` and ``jobs/…`` are reserved on the emulator: any other
request on them is 400 ``InvalidArgument``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from ..errors import EmulatorError, invalid_argument
from ..settings import EmulatorSettings
from ..storage import Storage
from .spec import MAX_REQUEST_BYTES, parse_request
from .store import JobStore, parse_list_query, render_document, render_job
from .work import SnapshotJobRunner

__all__ = ["JobRoutes", "is_job_key"]

#: The most ids one ``GET /jobs/<id>,<id>…`` may name.
MAX_IDS = 100


def is_job_key(key: str) -> bool:
    """Whether ``key`` is one of the paths the job operations own."""
    return key == "jobs" or key.startswith("jobs/")


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
        self.store = JobStore(settings, runner(settings, storage, engine))

    async def handle(
        self, key: str, request: Request, query: Mapping[str, str], request_id: str
    ) -> Response:
        """The answer to a request on a job path (its signature already checked)."""
        method = request.method
        if method == "POST" and key == "jobs":
            job = self.store.submit(parse_request(await _body(request)))
            root = ET.Element("Response")
            root.append(render_job(job))
        elif method == "GET" and key == "jobs":
            jobs, token = self.store.list(parse_list_query(query))
            root = ET.Element("Response")
            root.extend(render_job(job) for job in jobs)
            ET.SubElement(root, "NextToken").text = token
        elif method == "GET":
            ids = [part for part in key.removeprefix("jobs/").split(",") if part]
            if not ids or len(ids) > MAX_IDS:
                raise invalid_argument(f"Name 1 to {MAX_IDS} job ids, separated by commas.")
            jobs, missing = self.store.get(ids)
            root = ET.Element("Response")
            root.extend(render_job(job) for job in jobs)
            for job_id in missing:
                ET.SubElement(root, "NonExistJobIds").text = job_id
        elif method == "PUT" and "cancel" in query and key.count("/") == 1 and key != "jobs/":
            self.store.cancel(key.removeprefix("jobs/"))
            return Response(headers={"x-ci-request-id": request_id})
        else:
            raise _reserved()
        return Response(
            render_document(root),
            media_type="application/xml",
            headers={"x-ci-request-id": request_id},
        )

    async def close(self) -> None:
        await anyio.to_thread.run_sync(self.store.close)
