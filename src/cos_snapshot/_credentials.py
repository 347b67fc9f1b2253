"""Credentials: where a secret comes from, kept apart from how a request is signed."""

from __future__ import annotations

import os
from collections.abc import Mapping

import attrs

from ._errors import CosClientError

__all__ = ["Credentials", "redact"]

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

    The secret key and the token never appear in ``repr``/``str``; the access key id is shown
    shortened.
    """

    secret_id: str = attrs.field()
    secret_key: str = attrs.field()
    token: str | None = attrs.field(default=None)

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
        return f"Credentials(secret_id={redact(self.secret_id)!r}, secret_key=<redacted>{token})"

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
