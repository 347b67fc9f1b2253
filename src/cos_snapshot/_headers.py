"""Reading the HTTP date headers that retries depend on."""

from __future__ import annotations

import email.utils
import time

__all__ = ["MAX_RETRY_AFTER_S", "retry_after_seconds", "server_clock_offset"]

#: A longer ``Retry-After`` is taken as this (a day): a client should not sleep for years.
MAX_RETRY_AFTER_S = 86400.0


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Parse a ``Retry-After`` header: delta seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return min(max(0.0, when.timestamp() - current), MAX_RETRY_AFTER_S)


def server_clock_offset(date_header: str | None, now: float) -> float | None:
    """Seconds to add to the local clock to match a server's ``Date`` header."""
    if not date_header:
        return None
    try:
        server_time = email.utils.parsedate_to_datetime(date_header).timestamp()
    except (TypeError, ValueError):
        return None
    return server_time - now
