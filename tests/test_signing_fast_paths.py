"""The signer's fast paths give exactly what the general code gives."""

from __future__ import annotations

import hashlib
import hmac

import httpx2
from hypothesis import given
from hypothesis import strategies as st

from cos_snapshot._auth import query_params
from cos_snapshot.signing import _hmac_sha1_hex, canonicalize, cos_quote

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
_PLAIN = st.text(alphabet="abcXYZ019-_.~", max_size=8)


def _canonicalize_slowly(items: dict[str, str]) -> tuple[str, str]:
    pairs = sorted((cos_quote(k).lower(), cos_quote(v)) for k, v in items.items())
    return ";".join(k for k, _ in pairs), "&".join(f"{k}={v}" for k, v in pairs)


@given(st.dictionaries(st.one_of(_PLAIN, _TEXT), st.one_of(_PLAIN, _TEXT), max_size=6))
def test_canonicalize_equals_the_general_rule(items: dict[str, str]) -> None:
    assert canonicalize(items) == _canonicalize_slowly(items)


@given(st.dictionaries(_PLAIN.map(str.lower), _PLAIN, max_size=6))
def test_canonicalize_of_plain_lower_case_names_equals_the_general_rule(
    items: dict[str, str],
) -> None:
    assert canonicalize(items) == _canonicalize_slowly(items)


@given(st.lists(st.tuples(_TEXT, _TEXT), max_size=6))
def test_query_params_decode_as_httpx_does(pairs: list[tuple[str, str]]) -> None:
    url = httpx2.URL("https://example.com/a", params=pairs)
    assert query_params(url.query) == dict(url.params.multi_items())


@given(st.text(alphabet="a=&+%20b;~", max_size=20))
def test_query_params_of_raw_query_strings_decode_as_httpx_does(query: str) -> None:
    url = httpx2.URL("https://example.com/a?" + query)
    assert query_params(url.query) == dict(url.params.multi_items())


@given(st.text(max_size=100), st.text(max_size=100))
def test_hmac_sha1_equals_the_hmac_module(key: str, message: str) -> None:
    key_bytes, message_bytes = key.encode(), message.encode()
    expected = hmac.new(key_bytes, message_bytes, hashlib.sha1).hexdigest()
    assert _hmac_sha1_hex(key, message) == expected
