"""The COS request signature (vendor doc "Request Signature"), as pure functions.

The signature is one linear computation, and each step is a value you can print::

    KeyTime      = "<start>;<end>"
    SignKey      = hex HMAC-SHA1(SecretKey, KeyTime)
    HttpString   = "<method>\\n<path>\\n<canonical params>\\n<canonical headers>\\n"
    StringToSign = "sha1\\n<KeyTime>\\n<hex SHA1(HttpString)>\\n"
    Signature    = hex HMAC-SHA1(SignKey, StringToSign)

The client's Authorization header, presigned URLs and the emulator's verifier all go through
:func:`compute_signature` (or :func:`compute_signatures`, the same for several header sets), so
there is exactly one canonicalisation.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote as _quote

__all__ = [
    "AUTH_FIELDS",
    "SignatureParts",
    "authorization_fields",
    "build_authorization",
    "canonicalize",
    "compute_signature",
    "compute_signatures",
    "cos_quote",
    "format_authorization",
    "parse_authorization",
    "select_signed",
    "signature_matches",
]

#: The fields of a COS signature, in the order COS writes them. The same names are used as
#: query parameters in a presigned URL.
AUTH_FIELDS = (
    "q-sign-algorithm",
    "q-ak",
    "q-sign-time",
    "q-key-time",
    "q-header-list",
    "q-url-param-list",
    "q-signature",
)


#: What :func:`cos_quote` leaves as it is, whole: most names and values a request signs.
_BARE = re.compile(r"[A-Za-z0-9_.~-]*")


def cos_quote(value: str) -> str:
    """Percent-encode as COS signing requires: UTF-8, uppercase hex, only ``A-Za-z0-9-_.~`` bare."""
    # A request signs a dozen names and values, nearly all bare: one regex match is a fraction
    # of quote()'s encode, strip and decode.
    if _BARE.fullmatch(value):
        return value
    return _quote(value, safe="-_.~")


def canonicalize(items: Mapping[str, str]) -> tuple[str, str]:
    """Return ``(key list, canonical string)`` for params or headers.

    Keys become ``lower(cos_quote(key))``, values ``cos_quote(value)``; pairs are sorted by the
    encoded key. The key list is ``k1;k2`` (what goes into ``q-url-param-list`` /
    ``q-header-list``); the canonical string is ``k1=v1&k2=v2``.
    """
    pairs = sorted((cos_quote(k).lower(), cos_quote(v)) for k, v in items.items())
    return ";".join(k for k, _ in pairs), "&".join(f"{k}={v}" for k, v in pairs)


@dataclass(frozen=True, slots=True)
class SignatureParts:
    """Every intermediate value of one signature, for debugging and for the verifier."""

    key_time: str
    header_list: str
    url_param_list: str
    http_string: str
    string_to_sign: str
    signature: str

    def __repr__(self) -> str:
        # The signature itself is safe to show (it is sent in the clear); the SignKey never is
        # stored here at all.
        return (
            f"SignatureParts(key_time={self.key_time!r}, header_list={self.header_list!r}, "
            f"url_param_list={self.url_param_list!r}, http_string={self.http_string!r}, "
            f"string_to_sign={self.string_to_sign!r}, signature={self.signature!r})"
        )


def _hmac_sha1_hex(key: str, message: str) -> str:
    """Hex HMAC-SHA1 of ``message`` under ``key`` (both UTF-8), as COS signing uses it."""
    return hmac.new(key.encode(), message.encode(), hashlib.sha1).hexdigest()


def compute_signature(
    *,
    secret_key: str,
    method: str,
    path: str,
    params: Mapping[str, str],
    headers: Mapping[str, str],
    key_time: str,
) -> SignatureParts:
    """Sign ``method path`` with every given param and header.

    ``path`` is the decoded object path, starting with ``/`` (``/视频/a b.mp4``), not
    percent-encoded. Every entry of ``params`` and ``headers`` is signed; choosing which ones to
    sign is the caller's business.
    """
    (parts,) = compute_signatures(
        secret_key=secret_key,
        method=method,
        path=path,
        params=params,
        header_sets=(headers,),
        key_time=key_time,
    )
    return parts


def compute_signatures(
    *,
    secret_key: str,
    method: str,
    path: str,
    params: Mapping[str, str],
    header_sets: Iterable[Mapping[str, str]],
    key_time: str,
) -> list[SignatureParts]:
    """:func:`compute_signature` of one request for each of ``header_sets`` (a verifier's
    readings of one request: the host with its port and without), in their order. What they
    share, the canonical params and the SignKey, is computed once."""
    param_list, canonical_params = canonicalize(params)
    sign_key = _hmac_sha1_hex(secret_key, key_time)
    head = f"{method.lower()}\n{path}\n{canonical_params}\n"
    signatures = []
    for headers in header_sets:
        header_list, canonical_headers = canonicalize(headers)
        http_string = f"{head}{canonical_headers}\n"
        # SHA-1 is what the COS protocol specifies; it is not our choice to make.
        digest = hashlib.sha1(http_string.encode()).hexdigest()  # noqa: S324
        string_to_sign = f"sha1\n{key_time}\n{digest}\n"
        signatures.append(
            SignatureParts(
                key_time=key_time,
                header_list=header_list,
                url_param_list=param_list,
                http_string=http_string,
                string_to_sign=string_to_sign,
                signature=_hmac_sha1_hex(sign_key, string_to_sign),
            )
        )
    return signatures


def authorization_fields(
    *,
    secret_id: str,
    secret_key: str,
    method: str,
    path: str,
    params: Mapping[str, str],
    headers: Mapping[str, str],
    start: int,
    end: int,
) -> dict[str, str]:
    """The signature as an ordered mapping of the ``q-*`` fields (see :data:`AUTH_FIELDS`)."""
    if end < start:
        raise ValueError(f"signature end ({end}) is before its start ({start})")
    key_time = f"{int(start)};{int(end)}"
    parts = compute_signature(
        secret_key=secret_key,
        method=method,
        path=path,
        params=params,
        headers=headers,
        key_time=key_time,
    )
    return {
        "q-sign-algorithm": "sha1",
        "q-ak": secret_id,
        "q-sign-time": key_time,
        "q-key-time": key_time,
        "q-header-list": parts.header_list,
        "q-url-param-list": parts.url_param_list,
        "q-signature": parts.signature,
    }


def format_authorization(fields: Mapping[str, str]) -> str:
    """Join ``q-*`` fields into an Authorization header value, in COS order."""
    return "&".join(f"{name}={fields[name]}" for name in AUTH_FIELDS)


def build_authorization(
    *,
    secret_id: str,
    secret_key: str,
    method: str,
    path: str,
    params: Mapping[str, str],
    headers: Mapping[str, str],
    start: int,
    end: int,
) -> str:
    """Return the value of the ``Authorization`` header for a COS request.

    ``params`` and ``headers`` map str to str (a valueless param is ``""``); all are signed.
    ``start`` and ``end`` are integer unix seconds, the key time ``start;end``.
    """
    return format_authorization(
        authorization_fields(
            secret_id=secret_id,
            secret_key=secret_key,
            method=method,
            path=path,
            params=params,
            headers=headers,
            start=start,
            end=end,
        )
    )


def parse_authorization(value: str) -> dict[str, str]:
    """Split an Authorization header value into its ``q-*`` fields.

    Raises :class:`ValueError` naming the first missing field. Unknown fields are ignored.
    """
    fields: dict[str, str] = {}
    for piece in value.split("&"):
        name, sep, field_value = piece.partition("=")
        if sep and name in AUTH_FIELDS and name not in fields:
            fields[name] = field_value
    missing = [name for name in AUTH_FIELDS if name not in fields]
    if missing:
        raise ValueError(f"signature is missing {missing[0]}")
    return fields


def signature_matches(expected: str, given: str) -> bool:
    """Compare two hex signatures in constant time (case-insensitive, as hex is)."""
    return hmac.compare_digest(expected.lower().encode(), given.lower().encode())


def select_signed(items: Iterable[tuple[str, str]], key_list: str) -> dict[str, str]:
    """Pick the entries of a request whose canonical key is in a ``q-*-list``.

    The verifier's half of :func:`canonicalize`: given what arrived and what the signer said it
    signed, return the mapping to pass back into :func:`compute_signature`. Listed keys that
    did not arrive are left out, which makes the signature fail as it should.
    """
    wanted = {k for k in key_list.split(";") if k}
    chosen: dict[str, str] = {}
    for key, value in items:
        if cos_quote(key).lower() in wanted:
            chosen[key] = value
    return chosen
