"""When to try a request again, and how long to wait first. Shared by the sync and async
clients: they differ only in how they sleep."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import attrs

from ._errors import CosConnectionError, CosError, CosServiceError

__all__ = ["RetryPolicy", "RetryState", "is_retryable"]

# Statuses worth another try: the server is busy or broke, not the request.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
SKEW_CODE = "RequestTimeTooSkewed"


@attrs.frozen
class RetryPolicy:
    """Retry settings.

    ``max_attempts`` counts the first try (1 disables retries). Delays use exponential backoff
    with full jitter: a uniform draw from ``[0, min(max_backoff, base_backoff * 2**n)]``; a
    server's ``Retry-After`` raises the delay to at least what it asks. ``deadline`` bounds the
    whole call, waits included: no retry starts if its wait would end past it.
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


def is_retryable(error: CosError) -> bool:
    if isinstance(error, CosConnectionError):
        return True
    if isinstance(error, CosServiceError):
        return error.status in RETRYABLE_STATUSES or error.code == "SlowDown"
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

    def may_correct_skew(self, error: CosError) -> bool:
        """True once per call for a ``RequestTimeTooSkewed`` answer: the caller fixes its clock
        offset and tries again at once."""
        if (
            isinstance(error, CosServiceError)
            and error.code == SKEW_CODE
            and not self.skew_corrected
        ):
            self.skew_corrected = True
            return True
        return False
