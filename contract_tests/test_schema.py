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
import copy
import hashlib
import re
import time
import xml.etree.ElementTree as ET
import zlib
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import jsonschema
import pytest
import schemathesis
import yaml
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
)
from schemathesis.transport.serialization import serialize_binary

from ._asgi import SwitchableApp
from ._config import SEED, examples, in_process_targets
from ._expect import magic_type
from ._helpers import object_path
from ._spec import spec_bytes
from ._targets import GENERATED, Target
from ._videos import DURATION, VIDEO_NAMES

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
    _job_documents(raw)
    return raw


def _job_documents(raw: dict[str, Any]) -> None:
    """The job operations' bodies as the documents they are: the request generated from
    ``JobRequestDocument`` (schemathesis writes it as XML by the schemas' ``xml`` names), the
    answers checked against ``JobsResponseDocument`` read as text (``_as_text``)."""
    schemas = raw["components"]["schemas"]
    jobs = raw["paths"]["/jobs"]
    request = _job_request(schemas)
    jobs["post"]["requestBody"]["content"] = {"application/xml": {"schema": request}}
    _JOB_REQUEST.update(_inlined(request, schemas))
    answer = {"application/xml": {"schema": _as_text(schemas["JobsResponseDocument"], schemas)}}
    for operation in (jobs["post"], jobs["get"], raw["paths"]["/jobs/{JobId}"]["get"]):
        # A copy each: the spec's YAML anchor makes the three one object.
        operation["responses"]["200"] = {**operation["responses"]["200"], "content": answer}


#: Left out of generated requests: what only answers carry, and what the emulator refuses by
#: design (it has no templates and calls back loopback URLs only; ``CallBackType`` is the
#: spec's number there, the emulator's ``Url``) or a live run must not send (a callback URL).
_NOT_GENERATED = {
    "JobRequestDocument": ("CallBack", "CallBackType"),
    "JobOperation": ("TemplateId", "TemplateName", "MediaInfo", "MediaResult"),
}


def _job_request(schemas: dict[str, Any]) -> dict[str, Any]:
    """``JobRequestDocument`` without the elements of :data:`_NOT_GENERATED`."""

    def without(name: str) -> dict[str, Any]:
        schema = dict(schemas[name])
        schema["properties"] = {
            key: value
            for key, value in schema["properties"].items()
            if key not in _NOT_GENERATED[name]
        }
        return schema

    request = without("JobRequestDocument")
    operation = without("JobOperation")
    # Without a template, the settings are the Snapshot element's.
    operation["required"] = [*operation.get("required", []), "Snapshot"]
    request["properties"]["Operation"] = operation
    return request


#: The generated requests' schema, ``$ref``s inlined (``_job_document_is_valid``).
_JOB_REQUEST: dict[str, Any] = {}


def _inlined(schema: Any, schemas: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inlined(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas)
        return {name: _inlined(value, schemas) for name, value in schema.items()}
    if isinstance(schema, list):
        return [_inlined(value, schemas) for value in schema]
    return schema


_PLAIN_INTEGER = re.compile(r"[0-9]+")
_PLAIN_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
_ABSENT = object()


def _as_read(element: ET.Element, schema: dict[str, Any]) -> Any:
    """An element of a sent ``<Request>`` as the server reads it, typed by ``schema``: text
    stripped, an empty leaf as no element (the vendor's own demo sends ``<TimeInterval>
    </TimeInterval>`` for 'not set'), numbers only as plain decimals (the spec says so),
    containers as mappings, an empty one too (a repeated element is no valid document)."""
    children = list(element)
    text = (element.text or "").strip()
    if "properties" in schema:
        if text:
            return text  # text where elements go: no valid value
        result: dict[str, Any] = {}
        for child in children:
            if child.tag not in schema["properties"]:
                continue  # an element the spec does not name: no server reads it
            if child.tag in result:
                raise ValueError(f"<{child.tag}> repeats")
            value = _as_read(child, schema["properties"][child.tag])
            if value is not _ABSENT:
                result[child.tag] = value
        return result
    if children:
        return [child.tag for child in children]  # elements where text goes: no valid value
    if not text:
        return _ABSENT
    kind = schema.get("type")
    if kind == "integer" and _PLAIN_INTEGER.fullmatch(text):
        return int(text)
    if kind == "number" and _PLAIN_DECIMAL.fullmatch(text):
        return Decimal(text)
    return text


def _job_document_is_valid(sent: bytes) -> bool:
    """Whether the ``<Request>`` sent is valid as its XML reads. XML carries no types: the
    document of a body schemathesis made invalid by a value's type (``UserData: 0``,
    ``Count: "5"``) may be a valid one, and one made valid may hold a number as the spec does
    not write them."""
    try:
        root = ET.fromstring(sent)
        document = _as_read(root, _JOB_REQUEST) if root.tag == "Request" else None
    except (ET.ParseError, ValueError):
        return False
    validator = jsonschema.Draft4Validator(_JOB_REQUEST)
    return isinstance(document, dict) and validator.is_valid(document)


#: A number as an answer writes it; empty when the job has no value for it.
_TEXT_PATTERNS = {"integer": "^[0-9]*$", "number": "^([0-9]+(\\.[0-9]+)?)?$"}


def _as_text(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """``schema`` as an answer's XML reads: every leaf is text, and empty where the job has
    no value (the emulator, like the vendor's examples, writes ``<Count></Count>`` for a count
    not given and ``<Object></Object>`` for an output not asked for). Numbers become strings of
    digits; a string's ``pattern`` also admits the empty text; ``$ref``s are inlined."""
    if "$ref" in schema:
        return _as_text(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas)
    kind = schema.get("type")
    if kind in _TEXT_PATTERNS:
        return {"type": "string", "pattern": _TEXT_PATTERNS[kind]}
    result = {
        name: value
        for name, value in schema.items()
        if name not in ("default", "minLength", "xml", "example")
    }
    if kind == "string" and "pattern" in schema:
        result["pattern"] = f"^$|{schema['pattern']}"
    if "properties" in schema:
        result["properties"] = {
            name: _as_text(child, schemas) for name, child in schema["properties"].items()
        }
    if "items" in schema:
        result["items"] = _as_text(schema["items"], schemas)
    return result


GENERATION: dict[str, Any] = {
    "mode": "all",
    # Signatures come from our signer, not from generated header values.
    "with-security-parameters": False,
    "allow-x00": False,
    # COS ignores query parameters it does not know (the spec does not forbid them).
    "allow-extra-parameters": False,
}
#: The job operations (tag ``jobs``) and how many examples each gets beyond the coverage
#: phase: few, since a submitted job costs a queue's time (``_job_body`` keeps it small).
JOB_OPERATIONS = ("createMediaJobs", "describeMediaJob", "describeMediaJobs", "cancelMediaJob")
JOB_EXAMPLES = examples(10)


def _job_operation(operation_id: str, accepted: list[int], *, coverage: bool) -> dict[str, Any]:
    return {
        "include-operation-id": operation_id,
        "generation": {**GENERATION, "max-examples": JOB_EXAMPLES},
        "checks": {
            "positive_data_acceptance": {"expected-statuses": accepted},
            "negative_data_rejection": {"expected-statuses": [400, 403, 404]},
        },
        "phases": {"coverage": {"enabled": coverage}},
    }


def _config(*, job_coverage: bool) -> schemathesis.Config:
    """The run's settings; ``job_coverage``: the job operations get the coverage phase too
    (every boundary of every element: a few hundred submissions), else fuzzing alone."""
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {**GENERATION, "max-examples": examples(40)},
            "checks": {
                # A valid request for an existing video must succeed: nothing else will do.
                "positive_data_acceptance": {"expected-statuses": [200]},
                "negative_data_rejection": {"expected-statuses": [400, 403, 404]},
            },
            "phases": {
                # Methods the spec does not give a path (DELETE on a key, PUT on the bucket) are
                # real operations: never send them here. PutObject is sent as an operation, its
                # key moved under the run prefix (``_prepare``).
                "coverage": {"unexpected-methods": []},
                "stateful": {"enabled": False},
            },
            "operations": [
                # Submissions are held to what their XML says instead (``_job_acceptance``).
                _job_operation("createMediaJobs", [200, 400], coverage=job_coverage),
                _job_operation("describeMediaJob", [200], coverage=job_coverage),
                _job_operation("describeMediaJobs", [200], coverage=job_coverage),
                # Cancelling a job that has ended is 400, an id nobody gave out 404.
                _job_operation("cancelMediaJob", [200, 400, 404], coverage=job_coverage),
            ],
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


#: The elements of a job's ``<Response>`` that repeat, by parent (``JobsResponseDocument``).
_JOB_LISTS = {
    "Response": ("JobsDetail", "NonExistJobIds"),
    "OutputFile": ("ObjectName", "Md5Info"),
    "SpriteOutputFile": ("ObjectName", "Md5Info"),
}


def _job_element(element: ET.Element) -> Any:
    """A job ``<Response>``'s element as JSON: leaves as text, the repeating elements as
    lists, an echoed ``MediaInfo`` as GetMediaInfo's."""
    children = list(element)
    if not children:
        return element.text or ""
    result: dict[str, Any] = {}
    for child in children:
        value = _media_element(child) if child.tag == "MediaInfo" else _job_element(child)
        if child.tag in _JOB_LISTS.get(element.tag, ()):
            result.setdefault(child.tag, []).append(value)
        elif child.tag in result:
            raise ValueError(f"<{element.tag}> holds <{child.tag}> twice")
        else:
            result[child.tag] = value
    return result


@schemathesis.deserializer("application/xml")
def cos_xml_document(ctx: schemathesis.DeserializationContext, response: Any) -> dict[str, Any]:
    """An ``<Error>`` document as a mapping of its elements, a GetMediaInfo ``<Response>`` as
    nested mappings (``MediaInfoDocument``), a job ``<Response>`` likewise
    (``JobsResponseDocument``) or a ``<ListBucketResult>`` (``ListBucketResultDocument``), for
    schema validation."""
    text = response.content.decode("utf-8")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise ValueError("an XML answer must not carry a DOCTYPE")
    root = ET.fromstring(text)  # DOCTYPE refused above, so no entity is expanded
    is_job = ctx.operation.definition.raw.get("operationId") in JOB_OPERATIONS
    if root.tag == "Response" and response.status_code == 200 and is_job:
        jobs: dict[str, Any] = _job_element(root) or {}
        return jobs
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


_CREATION_TIMES = ("startCreationTime", "endCreationTime")


def _is_time(value: Any) -> bool:
    """Whether a query value is left out or a real moment as the jobs write them."""
    if value is None:
        return True
    try:
        datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return False
    return True


def _schema(app: Any = None, *, job_coverage: bool) -> Any:
    config = _config(job_coverage=job_coverage)
    schema = schemathesis.openapi.from_dict(_contract_spec(), config=config)
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
        # The spec's pattern for a creation time cannot say how many days a month has.
        if operation_id == "describeMediaJobs" and not _negative_at(case, ParameterLocation.QUERY):
            return all(_is_time(query.get(name)) for name in _CREATION_TIMES)
        # The spec bounds time only to keep generated values sane (the vendor sets no bound):
        # a larger time is not invalid input.
        time = _as_number(query.get("time"))
        return time is None or time <= TIME_BOUND

    return schema


IN_PROCESS_APP = SwitchableApp()
in_process_schema = _schema(IN_PROCESS_APP, job_coverage=True)
# Over HTTP (the emulator again, or a live bucket, whose queue each job costs) the job
# operations are fuzzed only: the boundaries are the in-process target's.
http_schema = _schema(job_coverage=False)


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


#: Where the generated jobs read and write, below the run prefix.
JOBS_DIRECTORY = f"{GENERATED}jobs-schema/"
#: The most shots (and so sheets) a generated job over a video takes.
JOB_SHOTS = 3
#: Upper bounds put on a valid job's sizes, so that no generated job is costly.
_JOB_CAPS = {
    "Snapshot": {"Count": JOB_SHOTS, "Width": 256, "Height": 256},
    "SpriteSnapshotConfig": {
        "CellWidth": 64,
        "CellHeight": 64,
        "Padding": 4,
        "Margin": 4,
        "Columns": 2,
        "Lines": 2,
    },
}
_NUMBER = re.compile(r"\$\{[Nn]umber\}")
#: The ids of the jobs each target's generated submissions made.
_CREATED: dict[str, list[str]] = {}


def _capped(config: dict[str, Any], caps: dict[str, int]) -> None:
    for name, cap in caps.items():
        value = config.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            config[name] = min(value, cap)


def _job_body(case: Any, target: Target) -> bool:
    """Aim a generated ``<Request>`` at the run's objects; ``False`` if it must not be sent.

    Every key it names moves below the run prefix, into ``JOBS_DIRECTORY`` (outputs in a
    directory named by the body's digest). A valid body reads one of the fixtures (a video in
    one case of three, else the object that is not a video, whose job fails without writing),
    made whole by ``_runnable``. An invalid one reads a key that does not exist (the generated
    key behind the prefix), so that whatever a laxer server accepts reads and writes nothing
    outside the prefix either. In live mode the body also loses what would reach outside the
    run (another output bucket, a callback, a template), and a body whose keys are not text is
    not sent there. A valid body, like every live one, names no output bucket or region.
    """
    # A copy: the coverage phase builds other cases from the same objects.
    body = case.body = copy.deepcopy(case.body)
    live = target.name == "live"
    if not isinstance(body, dict):
        return not live  # (live) a one-element array is written as the <Request> it holds
    digest = zlib.crc32(repr(sorted(body.items(), key=str)).encode())
    valid = not _negative_at(case, ParameterLocation.BODY)
    source = body.get("Input")
    if isinstance(source, dict) and isinstance(source.get("Object"), str):
        if valid:
            video = digest % 3 == 0
            source["Object"] = target.video("plain").key if video else target.not_a_video_key
            _runnable(body, digest, capped=video)
        elif source["Object"]:
            source["Object"] = f"{target.prefix}{JOBS_DIRECTORY}in/{source['Object']}"
    elif live:
        return False
    operation = body.get("Operation")
    _known_colour(operation, digest)
    output = operation.get("Output") if isinstance(operation, dict) else None
    for name in ("Object", "SpriteObject"):
        value = output.get(name) if isinstance(output, dict) else None
        if isinstance(value, str) and value:
            key = f"{target.prefix}{JOBS_DIRECTORY}{digest:08x}/{_output_name(value, valid)}"
            output[name] = key  # type: ignore[index]
            for number in range(JOB_SHOTS + 1):
                target.will_put(_NUMBER.sub(str(number), key))
        elif live and value is not None and not isinstance(value, str):
            return False
    if isinstance(output, dict) and (live or valid):
        # Outputs go to the bucket the request is sent to: a generated bucket name is another
        # bucket, which a server may refuse (the emulator does, knowing its own) and which,
        # live, would reach outside the run.
        output.pop("Bucket", None)
        output.pop("Region", None)
    if live:
        for name in ("CallBack", "CallBackType"):
            body.pop(name, None)
        if isinstance(operation, dict):
            operation.pop("TemplateId", None)
    return True


def _known_colour(operation: Any, digest: int) -> None:
    """A sprite colour the server knows, in place of a generated one (any text to the schema,
    which cannot list ffmpeg's colour names): an empty one stays, to be refused."""
    snapshot = operation.get("Snapshot") if isinstance(operation, dict) else None
    sprite = snapshot.get("SpriteSnapshotConfig") if isinstance(snapshot, dict) else None
    if isinstance(sprite, dict) and isinstance(sprite.get("Color"), str) and sprite["Color"]:
        sprite["Color"] = f"#{digest & 0xFFFFFF:06x}"


#: Characters an output name loses in a valid body: COS keys hold no control characters, and
#: a ``/`` could make a segment the emulator cannot store (``a//b``, ``..``).
_UNSTORABLE = re.compile(r"[\x00-\x1f\x7f/]")


def _output_name(value: str, valid: bool) -> str:
    """A generated output name to put below the run prefix: in a valid body, storable and
    short enough that the prefix keeps it within a key's 850 bytes (around its first
    ``${Number}``)."""
    if not valid:
        return value
    number = _NUMBER.search(value)
    if number is not None:
        value = value[max(0, number.start() - 60) : number.end() + 60]
    return _UNSTORABLE.sub("_", value)


def _seconds(value: Any, most: float) -> Any:
    """A generated number of seconds as the plain decimal the spec asks for (schemathesis
    writes ``1e-05``), with at most six places (at least a microsecond) and at most ``most``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    number = min(Decimal(repr(value)), Decimal(most)).quantize(Decimal("0.000001"))
    return format(max(number, Decimal("0.000001")) if value > 0 else number, "f")


def _runnable(body: dict[str, Any], digest: int, *, capped: bool) -> None:
    """Make a valid body one that runs: the rules between its elements the schema cannot state
    followed (``Average`` has a ``Count``, ``IsCheckBlack`` a ``Start`` of 0, a sprite mode a
    ``SpriteSnapshotConfig``, each kind of output a name), its colour one the server knows
    (the schema cannot list ffmpeg's names), and, ``capped``, its count and sizes bounded
    (``_JOB_CAPS``, still in range) so that the job over a video is cheap."""
    operation = body.get("Operation")
    snapshot = operation.get("Snapshot") if isinstance(operation, dict) else None
    if not isinstance(operation, dict) or not isinstance(snapshot, dict):
        return
    for name, most in (("Start", 10 * DURATION), ("TimeInterval", 3600)):
        if name in snapshot:
            snapshot[name] = _seconds(snapshot[name], most)
    if capped or snapshot.get("Mode") == "Average":
        snapshot.setdefault("Count", JOB_SHOTS)
    if snapshot.get("IsCheckBlack") == "true":
        snapshot["Start"] = 0
    out_mode = snapshot.get("SnapshotOutMode", "OnlySnapshot")
    if out_mode != "OnlySnapshot":
        snapshot.setdefault("SpriteSnapshotConfig", {"Columns": 2, "Lines": 2})
    sprite = snapshot.get("SpriteSnapshotConfig")
    output = operation.setdefault("Output", {})
    if out_mode != "OnlySprite":
        output.setdefault("Object", "snap-${Number}.jpg")
    if out_mode != "OnlySnapshot":
        output.setdefault("SpriteObject", "sprite-${Number}.jpg")
    if capped:
        _capped(snapshot, _JOB_CAPS["Snapshot"])
        if isinstance(sprite, dict):
            _capped(sprite, _JOB_CAPS["SpriteSnapshotConfig"])


def _job_id(case: Any, target: Target) -> None:
    """Read or cancel, for a valid id, one of the jobs this run made (every other case); an
    invalid id, or a made-up one, names no job of anyone's."""
    created = _CREATED.get(target.name)
    if not created or _negative_at(case, ParameterLocation.PATH):
        return
    generated = str(case.path_parameters.get("JobId", ""))
    choice = zlib.crc32(generated.encode())
    if choice % 2 == 0:
        case.path_parameters = {"JobId": created[(choice // 2) % len(created)]}


def _prepare(case: Any, target: Target) -> None:
    """Point a valid key at a fixture video, so valid requests can succeed; put an upload's
    key under the run prefix (and note it, so the session deletes it); in live mode, list only
    under the run prefix.

    Path parameters go into the URL as they are, so the key is percent-encoded here, the way
    the SDK and the typed client encode it (schemathesis encodes the keys it generates).
    """
    operation = _operation(case)
    if operation in ("describeMediaJob", "cancelMediaJob"):
        _job_id(case, target)
        return
    if operation == "describeMediaJobs" and not _negative_at(case, ParameterLocation.QUERY):
        # A page token is valid only as a server gave it: ask for the first page instead.
        query = case.query or {}
        if query.get("nextToken"):
            query["nextToken"] = ""
    if operation in JOB_OPERATIONS:
        return
    if operation == "putObject":
        key = _upload_key(case, target)
        target.will_put(key)
        case.path_parameters = {"ObjectKey": object_path(key).removeprefix("/")}
    elif not _negative_at(case, ParameterLocation.PATH) and operation != "getBucket":
        generated = str(case.path_parameters.get("ObjectKey", ""))
        # The videos every test runs over, not the extras that ask one question each: the
        # 4200x64 one makes a valid height (1869) ask for a width no server need give.
        keys = sorted(video.key for video in target.videos.values() if video.name in VIDEO_NAMES)
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


def _call_and_validate(case: Any, target: Target, **kwargs: Any) -> None:
    """Send ``case`` and check the answer; note the job a submission made (so that describe
    and cancel name it, and a live run awaits it before deleting its outputs)."""
    operation = _operation(case)
    meant_valid = not _negative_at(case, ParameterLocation.BODY)
    if operation == "createMediaJobs" and not _job_body(case, target):
        return
    if operation == "createMediaJobs" and target.name == "live":
        _pace_jobs()
    response = case.call(**kwargs)
    if operation == "createMediaJobs" and response.status_code == 200:
        job_id = _created_job(response.content)
        if job_id is not None:
            _CREATED.setdefault(target.name, []).append(job_id)
            target.will_await_job(job_id)
    excluded = _excluded(target)
    if operation == "createMediaJobs":
        excluded += _job_acceptance(response, target, meant_valid=meant_valid)
    case.validate_response(response, transport_kwargs=kwargs, excluded_checks=excluded)


def _job_acceptance(response: Any, target: Target, *, meant_valid: bool) -> list[Any]:
    """Hold a submission's answer to what its XML says (``_job_document_is_valid``), not only
    to the body schemathesis meant: an invalid document must be refused (4xx); a valid one
    generated valid (and so made runnable, ``_runnable``) must be taken (strict: 200;
    tolerant: or 400); a valid one generated invalid may be either (it may break a rule
    between elements). The checks this replaces are returned, to be left out."""
    body = response.request.body or b""
    valid = _job_document_is_valid(body.encode() if isinstance(body, str) else body)
    status = response.status_code
    if valid and meant_valid and status not in ((200,) if target.strict else (200, 400)):
        raise AssertionError(f"a valid job document was refused ({status}):\n{body!r}")
    if not valid and 200 <= status < 300:
        raise AssertionError(f"an invalid job document was accepted ({status}):\n{body!r}")
    return [negative_data_rejection, positive_data_acceptance]


def _created_job(content: bytes) -> str | None:
    try:
        return ET.fromstring(content).findtext("JobsDetail/JobId")  # the server's own answer
    except ET.ParseError:
        return None  # the checks say what is wrong with it


_LAST_JOB_CALL: list[float] = []
#: The vendor accepts 10 submissions a second; a live run keeps well below.
_JOB_CALL_GAP_S = 0.25


def _pace_jobs() -> None:
    if _LAST_JOB_CALL:
        time.sleep(max(0.0, _LAST_JOB_CALL[-1] + _JOB_CALL_GAP_S - time.monotonic()))
    _LAST_JOB_CALL[:] = [time.monotonic()]


def _excluded(target: Target) -> list[Any]:
    # A public-read bucket (COS_CONTRACT_ANONYMOUS=1) rightly serves unsigned requests;
    # test_auth still checks that a made-up signature is refused there.
    return [ignored_auth] if target.public_read else []


@in_process_schema.parametrize()
@pytest.mark.parametrize("target", in_process_targets(), indirect=True)
def test_in_process_server_conforms_to_the_spec(case: Any, target: Target) -> None:
    IN_PROCESS_APP.current = target.app
    _prepare(case, target)
    _call_and_validate(case, target, auth=target.requests_auth())


@http_schema.parametrize()
@pytest.mark.parametrize("target", ["uvicorn", "live"], indirect=True)
def test_http_server_conforms_to_the_spec(case: Any, target: Target) -> None:
    _prepare(case, target)
    # The job operations go to the bucket's CI host (the same address on an emulator).
    url = target.ci_url if _operation(case) in JOB_OPERATIONS else target.base_url
    _call_and_validate(case, target, base_url=url, auth=target.requests_auth())
