"""Reading HTTP date headers: the ones retries depend on, and the emulator's conditional GETs."""

from __future__ import annotations

import email.utils
import time

__all__ = ["MAX_RETRY_AFTER_S", "http_date", "retry_after_seconds", "server_clock_offset"]

#: A longer ``Retry-After`` is taken as this (a day): a client should not sleep for years.
MAX_RETRY_AFTER_S = 86400.0


def http_date(value: str | None) -> float | None:
    """An HTTP date (``Sat, 21 Nov 2026 10:00:00 GMT``) as unix seconds; ``None`` when absent
    or unreadable (RFC 9110 says to ignore such a date)."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Parse a ``Retry-After`` header: delta seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    when = http_date(value)
    if when is None:
        return None
    current = time.time() if now is None else now
    return min(max(0.0, when - current), MAX_RETRY_AFTER_S)


def server_clock_offset(date_header: str | None, now: float) -> float | None:
    """Seconds to add to the local clock to match a server's ``Date`` header."""
    server_time = http_date(date_header)
    return None if server_time is None else server_time - now
