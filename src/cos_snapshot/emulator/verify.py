"""Checking a request's COS signature, in the Authorization header or in the query string.

The canonical form is :mod:`cos_snapshot.signing`'s, the same code the client signs with. The
checks, in order, and what failing each answers (all 403):

1. no signature at all → ``AccessDenied`` (unless the emulator is anonymous, which skips
   every check);
2. a signature that cannot be read (missing ``q-*`` field, algorithm other than ``sha1``, key
   time not ``start;end``) → ``AccessDenied``;
3. an access key id the emulator does not know → ``InvalidAccessKeyId``;
4. a key that needs an STS token, sent without it or with another one → ``InvalidAccessKeyId``;
5. now outside ``[start - tolerance, end]`` → ``AccessDenied`` "Request has expired";
6. a signature that does not match → ``SignatureDoesNotMatch``, with the server's
   ``StringToSign`` and ``FormatString`` (the HttpString) in the error document.

Headers named in ``q-header-list`` and params named in ``q-url-param-list`` are taken from the
request; params not named are allowed. A signed ``host`` may carry the port or not (the Go SDK
signs it, the Python SDK does not).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .._shared.credentials import Credentials
from ..signing import (
    AUTH_FIELDS,
    SignatureParts,
    compute_signatures,
    cos_quote,
    parse_authorization,
    select_signed,
    signature_matches,
)
from .errors import EmulatorError, access_denied
from .settings import EmulatorSettings

__all__ = ["SECURITY_TOKEN", "RequestToVerify", "verify_request"]

SECURITY_TOKEN = "x-cos-security-token"  # noqa: S105 - a header name
CI_SECURITY_TOKEN = "x-ci-security-token"  # noqa: S105 - a header name

_KEY_TIME = re.compile(r"([0-9]{1,12});([0-9]{1,12})", re.ASCII)


@dataclass(frozen=True, slots=True)
class RequestToVerify:
    """What a signature covers: ``path`` is the decoded object path (``/视频/a b.mp4``),
    ``headers`` have lower-case names."""

    method: str
    path: str
    params: Mapping[str, str]
    headers: Mapping[str, str]


def _invalid_access_key(message: str) -> EmulatorError:
    return EmulatorError(403, "InvalidAccessKeyId", message)


def _signature_fields(request: RequestToVerify) -> tuple[dict[str, str], bool] | None:
    """The ``q-*`` fields and whether they came from the query string; None if unsigned."""
    header = request.headers.get("authorization", "")
    if header:
        try:
            return parse_authorization(header), False
        except ValueError as exc:
            raise access_denied(f"The Authorization header is malformed: {exc}.") from None
    if not any(name in request.params for name in AUTH_FIELDS):
        return None
    missing = [name for name in AUTH_FIELDS if name not in request.params]
    if missing:
        raise access_denied(f"The query-string signature is missing {missing[0]}.")
    return {name: request.params[name] for name in AUTH_FIELDS}, True


def _window(fields: Mapping[str, str]) -> tuple[int, int]:
    for name in ("q-sign-time", "q-key-time"):
        match = _KEY_TIME.fullmatch(fields[name])
        if match is None or int(match[1]) > int(match[2]):
            raise access_denied(f"The signature's {name} is not 'start;end' in unix seconds.")
    start, end = (int(part) for part in fields["q-key-time"].split(";"))
    sign_start, sign_end = (int(part) for part in fields["q-sign-time"].split(";"))
    return max(start, sign_start), min(end, sign_end)


def _host_variants(host: str) -> list[str]:
    """``host`` as sent, then without its port if it has one (the Python SDK signs the host
    name alone), and an IPv6 address without its brackets too (the SDK signs
    ``urlparse(url).hostname``, which drops them and lower-cases)."""
    variants = [host]
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and (not name.startswith("[") or name.endswith("]")):
        variants.append(name)
    else:
        name = host
    if name.startswith("[") and name.endswith("]"):
        variants.append(name[1:-1].lower())
    return variants


def _check_token(request: RequestToVerify, credential: Credentials) -> None:
    if credential.token is None:
        return
    given = (
        request.headers.get(SECURITY_TOKEN)
        or request.headers.get(CI_SECURITY_TOKEN)  # the job operations' header
        or request.params.get(SECURITY_TOKEN)
    )
    if not given:
        raise _invalid_access_key(
            "This access key id is temporary and needs its x-cos-security-token."
        )
    if not hmac.compare_digest(given.encode(), credential.token.encode()):
        raise _invalid_access_key("The x-cos-security-token does not belong to this access key id.")


def _candidates(
    request: RequestToVerify, fields: Mapping[str, str], from_query: bool, secret_key: str
) -> Sequence[SignatureParts]:
    params = request.params.items()
    if from_query:
        params = {k: v for k, v in request.params.items() if k not in AUTH_FIELDS}.items()
    signed_params = select_signed(params, fields["q-url-param-list"])
    signed_headers = select_signed(request.headers.items(), fields["q-header-list"])
    header_sets = [signed_headers]
    if "host" in signed_headers:
        header_sets = [
            {**signed_headers, "host": host} for host in _host_variants(signed_headers["host"])
        ]
    return compute_signatures(
        secret_key=secret_key,
        method=request.method,
        path=request.path,
        params=signed_params,
        header_sets=header_sets,
        key_time=fields["q-key-time"],
    )


def verify_request(
    request: RequestToVerify, settings: EmulatorSettings, *, now: float
) -> Credentials | None:
    """Return the credential that signed ``request`` (None if anonymous), or raise the COS
    error for the first check that fails (see the module docstring)."""
    if settings.anonymous:
        return None
    found = _signature_fields(request)
    if found is None:
        raise access_denied("The request is not signed.")
    fields, from_query = found
    if fields["q-sign-algorithm"].lower() != "sha1":
        raise access_denied("The signature's q-sign-algorithm must be sha1.")
    start, end = _window(fields)
    credential = settings.credential_for(fields["q-ak"])
    if credential is None:
        raise _invalid_access_key("The access key id you provided does not exist.")
    _check_token(request, credential)
    if now < start - settings.time_tolerance_s:
        raise access_denied("Request has expired: the signature's time window has not started.")
    if now > end:
        raise access_denied("Request has expired.")
    candidates = _candidates(request, fields, from_query, credential.secret_key)
    given = fields["q-signature"]
    # Every candidate is compared, so the time taken does not say which one matched.
    matches = [signature_matches(parts.signature, given) for parts in candidates]
    if not any(matches):
        expected = candidates[0]
        raise EmulatorError(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
            details={
                "StringToSign": expected.string_to_sign,
                "FormatString": _without_token(expected.http_string, credential),
            },
        )
    return credential


def _without_token(http_string: str, credential: Credentials) -> str:
    """The HttpString as shown in an error: a signed STS token is replaced by a placeholder,
    since error documents end up in logs."""
    if not credential.token:
        return http_string
    return http_string.replace(f"={cos_quote(credential.token)}", "=<redacted>")
