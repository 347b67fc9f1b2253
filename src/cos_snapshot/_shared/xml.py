"""Parsing XML from the other side of the wire: a document with a DOCTYPE or an entity
declaration is refused before parsing, so no entity is ever expanded (the standard library's
parser would expand internal entities: a "billion laughs" document is a few hundred bytes)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

__all__ = ["UnsafeXmlError", "parse_untrusted"]


class UnsafeXmlError(ValueError):
    """The document declares a DOCTYPE or an entity, and was not parsed."""


def parse_untrusted(data: bytes | str) -> ET.Element:
    """The root element of ``data``. Raises :class:`UnsafeXmlError` for a document with a
    DOCTYPE or an entity declaration, and ``xml.etree.ElementTree.ParseError`` for one that is
    not well-formed."""
    upper = data.upper()
    if isinstance(upper, bytes):
        unsafe = b"<!DOCTYPE" in upper or b"<!ENTITY" in upper
    else:
        unsafe = "<!DOCTYPE" in upper or "<!ENTITY" in upper
    if unsafe:
        raise UnsafeXmlError("the document has a DOCTYPE or an entity declaration")
    return ET.fromstring(data)  # noqa: S314 - DOCTYPE and ENTITY refused above
