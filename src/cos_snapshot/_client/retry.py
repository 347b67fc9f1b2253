"""When to try a request again, and how long to wait first. Shared by the sync and async
clients: they differ only in how they sleep.

Clock errors: COS answers ``RequestTimeTooSkewed``, or ``AccessDenied`` "Request has expired",
when a signature's time window does not contain the server's time. A freshly signed request
only gets either if the local clock is off, so the client takes the server's ``Date`` header,
corrects its clock offset and tries once more (the Node.js SDK does the same, for both codes).
It does so only when the server's clock differs from the corrected local one by at least
:data:`SKEW_THRESHOLD_S`: otherwise the error is about something else and is raised. Nor when
the server's clock is more than :data:`MAX_CLOCK_CORRECTION_S` (a day) from the local one: one
answer's ``Date`` would then move every later signature, presigned URLs included, by as much as
it likes. A day covers what the correction is for (a clock set to local time as if it were UTC
is at most 14 h off; a machine without NTP drifts seconds a day); a clock further off is broken
or the server is lying, and either way the error is raised with a note saying so.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import attrs

from .._shared.errors import CosConnectionError, CosError, CosServiceError

__all__ = ["RetryPolicy", "RetryState", "is_clock_error", "is_retryable"]

# Statuses worth another try: the server is busy or broke, not the request.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
SKEW_CODE = "RequestTimeTooSkewed"
EXPIRED_MESSAGE = "Request has expired"
#: A server clock closer than this to ours is not a clock problem (the window has slack).
SKEW_THRESHOLD_S = 30.0
#: The largest clock offset a server's ``Date`` may set (see the module docstring): a day.
MAX_CLOCK_CORRECTION_S = 86400.0
#: Codes worth another try whatever the status (a 200 may carry an error document too).
RETRYABLE_CODES = frozenset({"SlowDown", "InternalError", "ServiceUnavailable"})


@attrs.frozen
class RetryPolicy:
    """Retry settings.

    ``max_attempts`` counts the first try (1 disables retries). Delays use exponential backoff
    with full jitter: a uniform draw from ``[0, min(max_backoff, base_backoff * 2**n)]``; a
    server's ``Retry-After`` raises the delay to at least what it asks. ``deadline`` bounds the
    whole call, waits included: no retry starts if its wait would end past it, and each
    attempt's connect/read/write/pool timeouts are capped at the time left.
    """

    max_attempts: int = attrs.field(default=3)
    base_backoff: float = 0.1
    max_backoff: float = 5.0
    deadline: float | None = 60.0

    @max_attempts.validator
    def _check_attempts(self, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError("retry: max_attempts must be an integer >= 1")

    def begin(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[float, float], float] = random.uniform,
    ) -> RetryState:
        return RetryState(self, clock, rng)


def is_clock_error(error: CosError) -> bool:
    """True for the answers COS gives a request signed with a clock that is off."""
    if not isinstance(error, CosServiceError) or error.status != 403:
        return False
    if error.code == SKEW_CODE:
        return True
    return error.code == "AccessDenied" and (error.message or "").startswith(EXPIRED_MESSAGE)


def is_retryable(error: CosError) -> bool:
    if isinstance(error, CosConnectionError):
        return True
    if isinstance(error, CosServiceError):
        return error.status in RETRYABLE_STATUSES or error.code in RETRYABLE_CODES
    return False


class RetryState:
    """The attempts of one call."""

    def __init__(
        self,
        policy: RetryPolicy,
        clock: Callable[[], float],
        rng: Callable[[float, float], float],
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._rng = rng
        self._started = clock()
        self.attempts = 1
        self.skew_corrected = False

    def delay_after(self, error: CosError) -> float:
        """How long to wait before the next attempt, or re-raise ``error`` when there is none."""
        if not is_retryable(error) or self.attempts >= self.policy.max_attempts:
            raise error
        ceiling = min(self.policy.max_backoff, self.policy.base_backoff * 2 ** (self.attempts - 1))
        delay = self._rng(0.0, ceiling)
        if isinstance(error, CosServiceError) and error.retry_after is not None:
            delay = max(delay, error.retry_after)
        if self.policy.deadline is not None:
            elapsed = self._clock() - self._started
            if elapsed + delay > self.policy.deadline:
                raise error
        self.attempts += 1
        return delay

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None without one); never negative."""
        if self.policy.deadline is None:
            return None
        return max(0.0, self.policy.deadline - (self._clock() - self._started))

    def may_correct_skew(self, error: CosError) -> bool:
        """True once per call for a clock error (see the module docstring): the caller checks
        the server's clock, fixes its offset and tries again at once."""
        if is_clock_error(error) and not self.skew_corrected:
            self.skew_corrected = True
            return True
        return False
