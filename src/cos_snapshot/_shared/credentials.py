"""Credentials: where a secret comes from, kept apart from how a request is signed."""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Mapping
from typing import Protocol, TypeAlias, runtime_checkable

import attrs

from .errors import CosClientError

__all__ = [
    "REFRESH_MARGIN",
    "Credentials",
    "CredentialsCache",
    "CredentialsProvider",
    "CredentialsSource",
    "redact",
]

#: Seconds before ``Credentials.expires_at`` at which a client asks its provider again.
REFRESH_MARGIN = 300.0

# Names of environment variables, not secrets.
ENV_SECRET_ID = "TENCENTCLOUD_SECRET_ID"  # noqa: S105
ENV_SECRET_KEY = "TENCENTCLOUD_SECRET_KEY"  # noqa: S105
ENV_SECURITY_TOKEN = "TENCENTCLOUD_SECURITY_TOKEN"  # noqa: S105


def redact(secret_id: str) -> str:
    """Show enough of an access key id to tell keys apart, never the whole of it."""
    if len(secret_id) <= 8:
        return "***"
    return f"{secret_id[:4]}***{secret_id[-4:]}"


@attrs.frozen(repr=False)
class Credentials:
    """A COS key pair, optionally with an STS session token.

    ``expires_at`` (unix seconds, optional) is when temporary credentials stop working: a
    client that got them from a :class:`CredentialsProvider` keeps using them until
    :data:`REFRESH_MARGIN` seconds before then, and asks the provider again for every attempt
    when it is ``None``. The secret key and the token never appear in ``repr``/``str``; the
    access key id is shown shortened.
    """

    secret_id: str = attrs.field()
    secret_key: str = attrs.field()
    token: str | None = attrs.field(default=None)
    expires_at: float | None = attrs.field(default=None, kw_only=True)

    @secret_id.validator
    def _check_secret_id(self, attribute: attrs.Attribute[str], value: str) -> None:
        _check_present("secret_id", value, header=True)

    @secret_key.validator
    def _check_secret_key(self, attribute: attrs.Attribute[str], value: str) -> None:
        _check_present("secret_key", value, header=False)

    @token.validator
    def _check_token(self, attribute: attrs.Attribute[str | None], value: str | None) -> None:
        if value is not None:
            _check_present("token", value, header=True)

    @expires_at.validator
    def _check_expires_at(self, attribute: attrs.Attribute[float | None], value: object) -> None:
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise InvalidCredentialError("expires_at", "must be unix seconds (a finite number)")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        """Read ``TENCENTCLOUD_SECRET_ID``, ``TENCENTCLOUD_SECRET_KEY`` and, if set,
        ``TENCENTCLOUD_SECURITY_TOKEN``.

        Raises :class:`~cos_snapshot.CosClientError` naming the variable that is missing.
        """
        env = os.environ if environ is None else environ
        missing = [name for name in (ENV_SECRET_ID, ENV_SECRET_KEY) if not env.get(name)]
        if missing:
            raise CosClientError(f"credentials: environment variable {missing[0]} is not set")
        try:
            return cls(env[ENV_SECRET_ID], env[ENV_SECRET_KEY], env.get(ENV_SECURITY_TOKEN) or None)
        except InvalidCredentialError as error:
            variable = _ENV_OF[error.field]
            raise CosClientError(
                f"credentials: environment variable {variable} {error.problem}"
            ) from None

    def __repr__(self) -> str:
        token = ", token=<redacted>" if self.token else ""
        expires = "" if self.expires_at is None else f", expires_at={self.expires_at!r}"
        return (
            f"Credentials(secret_id={redact(self.secret_id)!r}, secret_key=<redacted>"
            f"{token}{expires})"
        )

    __str__ = __repr__


class InvalidCredentialError(ValueError):
    """A credential field is unusable; the message names the field, never its value."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"credentials: {field} {problem}")
        self.field = field
        self.problem = problem


_ENV_OF = {"secret_id": ENV_SECRET_ID, "secret_key": ENV_SECRET_KEY, "token": ENV_SECURITY_TOKEN}


def _check_present(name: str, value: object, *, header: bool) -> None:
    """``header``: the value travels in an HTTP header (or URL), so it must be printable ASCII."""
    if not isinstance(value, str) or not value:
        raise InvalidCredentialError(name, "must be a non-empty string")
    if value != value.strip() or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise InvalidCredentialError(name, "has surrounding whitespace or control characters")
    if header and not value.isascii():
        raise InvalidCredentialError(name, "must be ASCII (it is sent in a header)")


@runtime_checkable
class CredentialsProvider(Protocol):
    """Anything with a ``refresh()`` method that returns the :class:`Credentials` to use now
    (e.g. fresh STS credentials). A plain callable with no arguments does as well."""

    def refresh(self) -> Credentials:
        """The credentials to sign the next attempts with."""
        ...


#: What a client's ``credentials`` argument takes: fixed credentials, or a provider asked
#: again before they expire (an object with ``refresh()`` or a callable).
CredentialsSource: TypeAlias = Credentials | CredentialsProvider | Callable[[], Credentials]


class CredentialsCache:
    """The credentials a provider gave, kept until :data:`REFRESH_MARGIN` seconds before their
    ``expires_at`` (not at all without one), and the provider asked again after that: one call
    at a time, whichever thread needs them."""

    def __init__(self, provider: CredentialsProvider | Callable[[], Credentials]) -> None:
        if isinstance(provider, CredentialsProvider):
            self._ask: Callable[[], Credentials] = provider.refresh
        elif callable(provider):
            self._ask = provider
        else:
            raise CosClientError(
                "credentials: give Credentials, a callable returning Credentials or an object "
                f"with a refresh() method, not a {type(provider).__name__}"
            )
        self.provider_name = type(provider).__name__
        self._current: Credentials | None = None
        self._lock = threading.Lock()

    def cached(self, now: float) -> Credentials | None:
        """The credentials to use at ``now`` without asking the provider, if any."""
        current = self._current
        if current is None or current.expires_at is None:
            return None
        return current if now < current.expires_at - REFRESH_MARGIN else None

    @property
    def last(self) -> Credentials | None:
        """The credentials the provider gave last (``None`` before it was asked)."""
        return self._current

    def get(self, now: float) -> Credentials:
        """The cached credentials, or new ones from the provider. Raises
        :class:`~cos_snapshot.CosClientError` when the provider fails or gives something else;
        the message names what it gave or raised, never a value."""
        with self._lock:
            cached = self.cached(now)
            if cached is not None:
                return cached
            try:
                given = self._ask()
            except Exception as exc:
                raise CosClientError(
                    f"credentials: the provider ({self.provider_name}) raised {type(exc).__name__}"
                ) from exc
            if not isinstance(given, Credentials):
                raise CosClientError(
                    f"credentials: the provider ({self.provider_name}) returned a "
                    f"{type(given).__name__}, not Credentials"
                )
            self._current = given
            return given

    def __repr__(self) -> str:
        return f"CredentialsCache(provider={self.provider_name})"
