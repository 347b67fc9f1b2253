"""Parsing XML from the other side of the wire, bounded.

A document with a DOCTYPE or an entity declaration is refused before parsing, so no entity is
ever expanded (the standard library's parser would expand internal entities: a "billion laughs"
document is a few hundred bytes). Elements nested deeper than ``max_depth`` are refused while
the document is read, so no reader of the tree recurses without bound (100,000 nested elements
are 1.3 MB of text, and a recursive reader's ``RecursionError``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import cast

__all__ = ["MAX_XML_DEPTH", "UnsafeXmlError", "parse_untrusted"]

#: The deepest nesting :func:`parse_untrusted` accepts by default. The documents COS sends are
#: at most five elements deep (``Response/MediaInfo/Stream/Video/Width``).
MAX_XML_DEPTH = 32
#: How much of the text the parser reads between two checks of the depth.
_FEED_BYTES = 64 << 10


class UnsafeXmlError(ValueError):
    """The document declares a DOCTYPE or an entity, or nests elements too deep, and was not
    parsed. ``element`` names where (a path of element names, ``Response/MediaInfo/…``), or is
    ``""`` for the whole document."""

    def __init__(self, problem: str, element: str = "") -> None:
        self.element = element
        super().__init__(problem)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def parse_untrusted(data: bytes | str, *, max_depth: int = MAX_XML_DEPTH) -> ET.Element:
    """The root element of ``data``. Raises :class:`UnsafeXmlError` for a document with a
    DOCTYPE or an entity declaration or with elements nested deeper than ``max_depth``, and
    ``xml.etree.ElementTree.ParseError`` for one that is not well-formed."""
    upper = data.upper()
    if isinstance(upper, bytes):
        unsafe = b"<!DOCTYPE" in upper or b"<!ENTITY" in upper
    else:
        unsafe = "<!DOCTYPE" in upper or "<!ENTITY" in upper
    if unsafe:
        raise UnsafeXmlError("the document has a DOCTYPE or an entity declaration")
    # DOCTYPE and ENTITY refused above.
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    path: list[str] = []
    root: ET.Element | None = None
    for start in range(0, len(data), _FEED_BYTES):
        parser.feed(data[start : start + _FEED_BYTES])
        for event, element in cast(Iterator[tuple[str, ET.Element]], parser.read_events()):
            if event == "end":
                path.pop()
                continue
            path.append(_local(element.tag))
            if root is None:
                root = element
            if len(path) > max_depth:
                shown = "/".join(path[:4]) + "/…"
                raise UnsafeXmlError(f"elements nested deeper than {max_depth} levels", shown)
    parser.close()
    if root is None:  # close() raises for an empty document; this keeps mypy sure
        raise ET.ParseError("no element found")
    return root
