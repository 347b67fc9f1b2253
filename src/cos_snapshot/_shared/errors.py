"""The error hierarchy: one base, service errors apart from client-side ones."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from .http_dates import retry_after_seconds
from .xml import UnsafeXmlError, parse_untrusted

__all__ = [
    "CosClientError",
    "CosConnectionError",
    "CosError",
    "CosInvalidArgumentError",
    "CosResponseError",
    "CosServiceError",
    "CosTimeoutError",
]


class CosError(Exception):
    """Base of every error cos-snapshot raises."""


class CosClientError(CosError):
    """The request could not be made or completed: invalid arguments, transport failures."""


class CosInvalidArgumentError(CosClientError, ValueError):
    """An argument was rejected before anything was sent. ``parameter`` names it."""

    def __init__(self, parameter: str, problem: str) -> None:
        self.parameter = parameter
        self.problem = problem
        super().__init__(f"{parameter}: {problem}")

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled with both arguments (e.g. across a process pool), not just the message.
        return (type(self), (self.parameter, self.problem))


class CosConnectionError(CosClientError):
    """The server could not be reached, or the connection broke mid-response."""


class CosTimeoutError(CosConnectionError):
    """Connecting, writing or reading took longer than the configured timeout."""


class CosServiceError(CosError):
    """COS answered with an error document.

    Attributes mirror the XML ``<Error>`` fields: ``code``, ``message``, ``resource``,
    ``request_id``, ``trace_id``, plus the HTTP ``status``. Fields the server left out are
    ``None``. ``details`` holds every field of the document, including ones such as
    ``StringToSign`` that COS adds to a ``SignatureDoesNotMatch`` answer.
    """

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        *,
        resource: str | None = None,
        request_id: str | None = None,
        trace_id: str | None = None,
        body: str = "",
        retry_after: float | None = None,
        server_date: str | None = None,
    ) -> None:
        self.status = status
        self.retry_after = retry_after
        self.server_date = server_date
        self.code = code
        self.message = message
        self.resource = resource
        self.request_id = request_id
        self.trace_id = trace_id
        self.body = body
        self.details: dict[str, str] = parse_error_document(body) if body else {}
        summary = f"HTTP {status}"
        if code:
            summary += f" {code}"
        if message:
            summary += f": {message}"
        if request_id:
            summary += f" (request id {request_id})"
        super().__init__(summary)

    @classmethod
    def from_response(
        cls,
        status: int,
        body: bytes | str,
        headers: Mapping[str, str] | None = None,
        *,
        message: str | None = None,
    ) -> CosServiceError:
        """Build the error from a response; a body that is not an error document still gives
        an error carrying the status and the header request id (and ``message``, when the
        document has no ``Message`` of its own)."""
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        fields = parse_error_document(text)
        request_id = fields.get("RequestId")
        headers = headers or {}
        if not request_id:
            # The CI host (the job operations) names its header x-ci-request-id.
            request_id = headers.get("x-cos-request-id") or headers.get("x-ci-request-id")
        return cls(
            status,
            fields.get("Code"),
            fields.get("Message") or message,
            resource=fields.get("Resource"),
            request_id=request_id,
            trace_id=fields.get("TraceId"),
            body=text,
            retry_after=retry_after_seconds(headers.get("retry-after")),
            server_date=headers.get("date"),
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only fields need a rebuild function; every field survives the round trip.
        state = {
            "code": self.code,
            "message": self.message,
            "resource": self.resource,
            "request_id": self.request_id,
            "trace_id": self.trace_id,
            "body": self.body,
            "retry_after": self.retry_after,
            "server_date": self.server_date,
        }
        return (_rebuild_service_error, (self.status, state))


class CosResponseError(CosError):
    """The service answered with success, but its document is not what the API documents: not
    XML, another root, or an element whose text is not the number it should hold.

    ``element`` names the element as a path (``Response/MediaInfo/Format/Duration``),
    ``problem`` says what is wrong with it, ``request_id`` is the answer's. Not retried: a
    server that writes a malformed answer once writes it again (a connection cut mid-answer is
    a :class:`CosConnectionError`, and is retried).
    """

    def __init__(self, element: str, problem: str, *, request_id: str | None = None) -> None:
        self.element = element
        self.problem = problem
        self.request_id = request_id
        message = f"malformed answer: {element}: {problem}"
        if request_id:
            message += f" (request id {request_id})"
        super().__init__(message)

    def with_request_id(self, request_id: str | None) -> CosResponseError:
        """The same error, carrying the answer's request id."""
        return CosResponseError(self.element, self.problem, request_id=request_id)

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_response_error, (self.element, self.problem, self.request_id))


def _rebuild_response_error(element: str, problem: str, request_id: str | None) -> CosResponseError:
    return CosResponseError(element, problem, request_id=request_id)


def _rebuild_service_error(status: int, state: dict[str, Any]) -> CosServiceError:
    return CosServiceError(status, **state)


def parse_error_document(text: str) -> dict[str, str]:
    """The fields of a COS ``<Error>`` document; ``{}`` when the text is not one.

    Documents with a DOCTYPE are refused outright, so no entity is ever expanded.
    """
    try:
        root = parse_untrusted(text)
    except (UnsafeXmlError, ET.ParseError):
        return {}
    if root.tag != "Error":
        return {}
    fields: dict[str, str] = {}
    for child in root:
        fields.setdefault(child.tag, (child.text or "").strip())
    return fields
