"""Schemathesis over ``openapi/snapshot.yaml``: the server answers every generated request as the
spec says.

- Positive data (every parameter valid, the key one of the uploaded fixtures) must get 200 with
  an image whose bytes are what its Content-Type says and the format asked for.
- Negative data (a parameter, or the key, violating the spec) must get 400, 403 or 404, never a
  2xx or a 5xx.
- Every response: a documented status, content type, headers (``x-cos-request-id``) and body;
  XML error documents are parsed and checked against ``CosErrorDocument``.
- Uploads (PutObject) go under the run prefix, in ``~generated/``, never over a fixture; in
  live mode listings (GetBucket) stay under the run prefix too.
- ``ignored_auth``: the same request unsigned, or with a made-up signature, must be refused.

Requests are signed with the project's signer (``_signing.RequestsCosAuth``). Cases come from
the coverage phase (boundaries of every parameter, deterministic) and from fuzzing with a fixed
seed (``COS_CONTRACT_SEED``).
"""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET
import zlib
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
import schemathesis
import yaml
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import ignored_auth
from schemathesis.transport.serialization import serialize_binary

from ._asgi import SwitchableApp
from ._config import SEED, examples, in_process_targets
from ._expect import magic_type
from ._helpers import object_path
from ._spec import spec_bytes
from ._targets import GENERATED, Target
from ._videos import DURATION

TIME_BOUND = 2592000
ERROR_RESPONSES = ("InvalidArgument", "Forbidden", "NotFound", "ClientError", "ServerError")


def _contract_spec() -> dict[str, Any]:
    """The spec, with the error bodies declared as the documents they are.

    The spec types them ``string`` for the client generator's sake (its header comment says
    why) and describes their structure in ``CosErrorDocument``; the suite checks that
    structure.
    """
    raw: dict[str, Any] = yaml.safe_load(spec_bytes().decode("utf-8"))
    responses = raw["components"]["responses"]
    for name in ERROR_RESPONSES:
        responses[name]["content"] = {
            "application/xml": {"schema": {"$ref": "#/components/schemas/CosErrorDocument"}}
        }
    # GetMediaInfo's and GetBucket's answers likewise: strings for the generator, their
    # documents' schemas here.
    documents = {"getMediaInfo": "MediaInfoDocument", "getBucket": "ListBucketResultDocument"}
    for item in raw["paths"].values():
        operation = item.get("get", {})
        document = documents.get(operation.get("operationId"))
        if document is not None:
            operation["responses"]["200"]["content"] = {
                "application/xml": {"schema": {"$ref": f"#/components/schemas/{document}"}}
            }
    return raw


CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "mode": "all",
            "max-examples": examples(40),
            # Signatures come from our signer, not from generated header values.
            "with-security-parameters": False,
            "allow-x00": False,
            # COS ignores query parameters it does not know (the spec does not forbid them).
            "allow-extra-parameters": False,
        },
        "checks": {
            # A valid request for an existing video must succeed: nothing else will do.
            "positive_data_acceptance": {"expected-statuses": [200]},
            "negative_data_rejection": {"expected-statuses": [400, 403, 404]},
        },
        "phases": {
            # Methods the spec does not give a path (DELETE on a key, PUT on the bucket) are real
            # operations: never send them here. PutObject is sent as an operation, its key moved
            # under the run prefix (``_prepare``).
            "coverage": {"unexpected-methods": []},
            "stateful": {"enabled": False},
        },
    }
)


#: The children of ``<Stream>`` that are lists in ``MediaInfoDocument`` (one element per stream).
_STREAM_KINDS = ("Video", "Audio", "Subtitle")


def _media_element(element: ET.Element, *, in_stream: bool = False) -> Any:
    """A ``<Response>`` element as JSON: a leaf as its text (``""`` when empty), a container
    as a mapping of its children; the streams in ``<Stream>`` as lists."""
    children = list(element)
    if not children:
        return element.text or ""
    result: dict[str, Any] = {}
    for child in children:
        value = _media_element(child, in_stream=child.tag == "Stream")
        if in_stream and child.tag in _STREAM_KINDS:
            result.setdefault(child.tag, []).append(value)
        elif child.tag in result:
            raise ValueError(f"<{element.tag}> holds <{child.tag}> twice")
        else:
            result[child.tag] = value
    return result


#: The children of ``<ListBucketResult>`` that repeat (one element per object or prefix).
_LISTING_LISTS = ("Contents", "CommonPrefixes")


def _listing(root: ET.Element) -> dict[str, Any]:
    """A ``<ListBucketResult>`` as ``ListBucketResultDocument`` describes it: leaves as text,
    ``Contents`` and ``CommonPrefixes`` as lists of mappings."""
    result: dict[str, Any] = {}
    for child in root:
        value = _media_element(child)
        if child.tag in _LISTING_LISTS:
            result.setdefault(child.tag, []).append(value)
        elif child.tag in result:
            raise ValueError(f"<ListBucketResult> holds <{child.tag}> twice")
        else:
            result[child.tag] = value
    return result


@schemathesis.deserializer("application/xml")
def cos_xml_document(ctx: schemathesis.DeserializationContext, response: Any) -> dict[str, Any]:
    """An ``<Error>`` document as a mapping of its elements, a GetMediaInfo ``<Response>`` as
    nested mappings (``MediaInfoDocument``), or a ``<ListBucketResult>``
    (``ListBucketResultDocument``), for schema validation."""
    text = response.content.decode("utf-8")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise ValueError("an XML answer must not carry a DOCTYPE")
    root = ET.fromstring(text)  # DOCTYPE refused above, so no entity is expanded
    if root.tag == "Response" and response.status_code == 200:
        document: dict[str, Any] = _media_element(root) or {}
        return document
    if root.tag == "ListBucketResult" and response.status_code == 200:
        return _listing(root)
    if root.tag != "Error":
        raise ValueError(f"the root element is <{root.tag}>, not <Error>")
    return {child.tag: child.text or "" for child in root}


@schemathesis.check
def image_matches_content_type(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 200's body is an image of the type its Content-Type names (magic bytes), and that type
    is the format asked for (``jpg`` when left out)."""
    if response.status_code != 200 or case.operation.definition.raw.get("operationId") != (
        "getSnapshot"
    ):
        return None  # GetMediaInfo's XML is checked by the deserializer and the schema
    declared = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    actual = magic_type(response.content)
    if actual != declared:
        raise AssertionError(
            f"Content-Type is {declared!r} but the body starts with {response.content[:8]!r}"
        )
    query = case.query or {}
    asked = query.get("format", "jpg")
    wanted = {"jpg": "image/jpeg", "png": "image/png"}.get(asked)
    if wanted is not None and declared != wanted:
        how = f"format={asked}" if "format" in query else "format left out (jpg)"
        raise AssertionError(f"{how} asks for {wanted}, got {declared}")
    return None


def _as_number(value: Any) -> Decimal | None:
    """A query value as the server reads it (coverage cases carry strings), if it is a number."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


#: The operations told apart from GetObject by their ``ci-process`` parameter.
_CI_OPERATIONS = frozenset({"getSnapshot", "getMediaInfo"})


def _schema(app: Any = None) -> Any:
    schema = schemathesis.openapi.from_dict(_contract_spec(), config=CONFIG)
    schema.app = app

    @schema.hook
    def filter_case(context: Any, case: Any) -> bool:
        query = case.query or {}
        operation_id = case.operation.definition.raw.get("operationId")
        # Without ci-process a GET is another operation (GetObject, the object's bytes).
        if operation_id in _CI_OPERATIONS and "ci-process" not in query:
            return False
        # An upload's key is put under the run prefix (``_prepare``), where a key that breaks
        # the spec no longer does (an empty key would even be PutBucket): GetSnapshot and the
        # others send the same invalid keys.
        if operation_id == "putObject" and _negative_at(case, ParameterLocation.PATH):
            return False
        # The spec bounds time only to keep generated values sane (the vendor sets no bound):
        # a larger time is not invalid input.
        time = _as_number(query.get("time"))
        return time is None or time <= TIME_BOUND

    return schema


IN_PROCESS_APP = SwitchableApp()
in_process_schema = _schema(IN_PROCESS_APP)
http_schema = _schema()


def _negative_at(case: Any, location: ParameterLocation) -> bool:
    return case.meta is not None and bool(case.meta.is_negative_at(location))


def _operation(case: Any) -> str | None:
    operation_id: str | None = case.operation.definition.raw.get("operationId")
    return operation_id


def _upload_key(case: Any, target: Target) -> str:
    """Where an upload goes: below the run prefix, in a directory of its own named by the
    generated key's digest (so that ``k`` and ``k/x``, which the emulator cannot hold at once,
    never meet), never over a fixture video. The body's ``Content-MD5`` is made right unless
    the case means it to be wrong."""
    generated = str(case.path_parameters.get("ObjectKey", ""))
    key = f"{target.prefix}{GENERATED}{zlib.crc32(generated.encode()):08x}/{generated}"
    if "Content-MD5" in (case.headers or {}) and not _negative_at(case, ParameterLocation.HEADER):
        digest = hashlib.md5(serialize_binary(case.body)).digest()
        case.headers["Content-MD5"] = base64.b64encode(digest).decode()
    return key


def _prepare(case: Any, target: Target) -> None:
    """Point a valid key at a fixture video, so valid requests can succeed; put an upload's
    key under the run prefix (and note it, so the session deletes it); in live mode, list only
    under the run prefix.

    Path parameters go into the URL as they are, so the key is percent-encoded here, the way
    the SDK and the typed client encode it (schemathesis encodes the keys it generates).
    """
    operation = _operation(case)
    if operation == "putObject":
        key = _upload_key(case, target)
        target.will_put(key)
        case.path_parameters = {"ObjectKey": object_path(key).removeprefix("/")}
    elif not _negative_at(case, ParameterLocation.PATH) and operation != "getBucket":
        generated = str(case.path_parameters.get("ObjectKey", ""))
        keys = sorted(video.key for video in target.videos.values())
        key = keys[zlib.crc32(generated.encode()) % len(keys)]
        case.path_parameters = {"ObjectKey": object_path(key).removeprefix("/")}
    if operation == "getBucket" and target.name == "live":
        # Another run's objects, or the bucket's own, are not this run's to list.
        query = case.query if case.query is not None else {}
        query["prefix"] = target.prefix + str(query.get("prefix", ""))
        case.query = query
    if not target.strict and not _negative_at(case, ParameterLocation.QUERY):
        # The tolerant reading allows a 400 past the end of the video: stay inside it.
        query = case.query or {}
        time = _as_number(query.get("time"))
        if time is not None and time >= DURATION:
            query["time"] = format(time % DURATION, "f")


@in_process_schema.parametrize()
@pytest.mark.parametrize("target", in_process_targets(), indirect=True)
def test_in_process_server_conforms_to_the_spec(case: Any, target: Target) -> None:
    IN_PROCESS_APP.current = target.app
    _prepare(case, target)
    case.call_and_validate(auth=target.requests_auth())


@http_schema.parametrize()
@pytest.mark.parametrize("target", ["uvicorn", "live"], indirect=True)
def test_http_server_conforms_to_the_spec(case: Any, target: Target) -> None:
    _prepare(case, target)
    # A public-read bucket (COS_CONTRACT_ANONYMOUS=1) rightly serves unsigned requests;
    # test_auth still checks that a made-up signature is refused there.
    excluded = [ignored_auth] if target.public_read else []
    case.call_and_validate(
        base_url=target.base_url, auth=target.requests_auth(), excluded_checks=excluded
    )
