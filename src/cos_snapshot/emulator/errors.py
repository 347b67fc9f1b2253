"""The errors the emulator answers with, and their COS XML documents.

Every route raises :class:`EmulatorError`; one exception handler renders it. Nothing else in the
emulator formats an error document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "EmulatorError",
    "access_denied",
    "invalid_argument",
    "no_such_key",
    "render_error",
    "xml_text",
]

_XML_PROLOG = "<?xml version='1.0' encoding='utf-8' ?>"

# Characters XML 1.0 cannot carry at all, even escaped (C0 controls other than tab, newline and
# carriage return, lone surrogates, U+FFFE/U+FFFF). A key or a parameter value may hold them.
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class EmulatorError(Exception):
    """A COS error: HTTP ``status``, COS ``code`` and a ``message`` for people.

    ``details`` are extra elements of the document, in order (``StringToSign`` and
    ``FormatString`` for ``SignatureDoesNotMatch``). ``headers`` are added to the response
    (``Retry-After`` for ``SlowDown``).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details or {})
        self.headers = dict(headers or {})


def invalid_argument(message: str) -> EmulatorError:
    return EmulatorError(400, "InvalidArgument", message)


def access_denied(message: str) -> EmulatorError:
    return EmulatorError(403, "AccessDenied", message)


def no_such_key() -> EmulatorError:
    return EmulatorError(404, "NoSuchKey", "The specified key does not exist.")


def xml_text(value: str) -> str:
    """``value`` as XML character data: characters XML cannot hold are dropped, markup escaped."""
    cleaned = _NOT_XML_CHAR.sub("", value)
    escaped = cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A bare carriage return would be read back as a newline.
    return escaped.replace("\r", "&#13;")


def render_error(error: EmulatorError, *, resource: str, request_id: str, trace_id: str) -> bytes:
    """The COS ``<Error>`` document for ``error``, UTF-8 encoded."""
    fields = {
        "Code": error.code,
        "Message": error.message,
        "Resource": resource,
        "RequestId": request_id,
        "TraceId": trace_id,
        **error.details,
    }
    body = "".join(f"<{name}>{xml_text(value)}</{name}>" for name, value in fields.items())
    return f"{_XML_PROLOG}\n<Error>{body}</Error>".encode()
