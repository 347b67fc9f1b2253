"""openapi/snapshot.yaml: a valid OpenAPI document that says what the product brief says.

The expected values below are written from the product brief's parameter table (and the vendor's
0..4096 limit on width and height), not read from the spec, so that an edit to the spec that
drifts from the brief fails here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = ROOT / "openapi" / "snapshot.yaml"
CONFIG_PATH = ROOT / "openapi" / "config.yaml"

# (type, required, default, enum, minimum, maximum); "—" in the brief is None here.
BriefRow = tuple[str, bool, Any, list[str] | None, int | None, int | None]
BRIEF_QUERY_PARAMETERS: dict[str, BriefRow] = {
    "ci-process": ("string", True, None, ["snapshot"], None, None),
    "time": ("number", True, None, None, 0, None),
    "width": ("integer", False, 0, None, 0, 4096),
    "height": ("integer", False, 0, None, 0, 4096),
    "format": ("string", False, "jpg", ["jpg", "png"], None, None),
    "rotate": ("string", False, "auto", ["auto", "off"], None, None),
    "mode": ("string", False, "exactframe", ["keyframe", "exactframe"], None, None),
}
ERROR_STATUSES = ["400", "403", "404", "4XX", "5XX"]
ERROR_FIELDS = {"Code", "Message", "Resource", "RequestId", "TraceId"}


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def operation(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["paths"]["/{ObjectKey}"]["get"]


@pytest.fixture(scope="module")
def parameters(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    resolved = [_resolve(spec, p) for p in operation["parameters"]]
    return {p["name"]: p for p in resolved}


def test_spec_is_a_valid_openapi_document(spec: dict[str, Any]) -> None:
    validate(spec)


def test_the_operations_are_snapshot_media_info_objects_the_listing_and_jobs(
    spec: dict[str, Any],
) -> None:
    operations = [
        (path, method, op["operationId"], op["tags"])
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in {"get", "put", "post", "delete", "head", "patch", "options", "trace"}
    ]
    # GetMediaInfo and GetObject are the same GET of the object URL; a fragment (never sent)
    # tells the operations apart, as OpenAPI has one GET per path.
    assert operations == [
        ("/{ObjectKey}", "get", "getSnapshot", ["snapshot"]),
        ("/{ObjectKey}", "put", "putObject", ["objects"]),
        ("/{ObjectKey}", "head", "headObject", ["objects"]),
        ("/{ObjectKey}#videoinfo", "get", "getMediaInfo", ["media-info"]),
        ("/{ObjectKey}#object", "get", "getObject", ["objects"]),
        ("/", "get", "getBucket", ["bucket"]),
        ("/jobs", "post", "createMediaJobs", ["jobs"]),
        ("/jobs", "get", "describeMediaJobs", ["jobs"]),
        ("/jobs/{JobId}", "get", "describeMediaJob", ["jobs"]),
        ("/jobs/{JobId}", "put", "cancelMediaJob", ["jobs"]),
    ]


def test_parameters_are_the_object_key_and_the_brief_query_parameters(
    parameters: dict[str, dict[str, Any]],
) -> None:
    assert set(parameters) == {"ObjectKey", *BRIEF_QUERY_PARAMETERS}
    assert parameters["ObjectKey"]["in"] == "path"
    assert all(parameters[name]["in"] == "query" for name in BRIEF_QUERY_PARAMETERS)


def test_object_key_is_a_bounded_string_without_control_characters(
    parameters: dict[str, dict[str, Any]],
) -> None:
    key = parameters["ObjectKey"]
    schema = key["schema"]
    assert key["required"] is True
    assert schema["type"] == "string"
    assert schema["minLength"] == 1
    assert 850 <= schema["maxLength"] <= 1024
    # The pattern is for schemathesis: no control characters, anything printable allowed.
    pattern = schema["pattern"].encode("ascii").decode("unicode_escape")
    assert pattern == "^[^\x00-\x1f\x7f]+$"
    for word in ("/", "unicode", "space", "+"):
        assert word in key["description"]


@pytest.mark.parametrize("name", list(BRIEF_QUERY_PARAMETERS))
def test_query_parameter_matches_the_brief(
    parameters: dict[str, dict[str, Any]], name: str
) -> None:
    type_, required, default, enum, minimum, maximum = BRIEF_QUERY_PARAMETERS[name]
    parameter = parameters[name]
    schema = parameter["schema"]
    assert schema["type"] == type_
    assert parameter.get("required", False) is required
    if default is not None:
        assert schema["default"] == default
    if enum is not None:
        assert schema["enum"] == enum
        # Inline, not a $ref: the generator drops the default of a $ref'd enum.
        assert "$ref" not in schema
    if minimum is not None:
        assert schema["minimum"] == minimum
    if maximum is not None:
        assert schema["maximum"] == maximum
    assert parameter["description"].strip()
    # The generator reads descriptions from schemas only; they become the docstrings.
    assert schema["description"] == parameter["description"]


def test_ci_process_is_required_and_has_only_the_value_snapshot(
    parameters: dict[str, dict[str, Any]],
) -> None:
    # A default on a one-value enum lets the generated client fill it in; still required.
    schema = parameters["ci-process"]["schema"]
    assert parameters["ci-process"]["required"] is True
    assert schema["enum"] == ["snapshot"]
    assert schema.get("default", "snapshot") == "snapshot"


def test_time_has_an_upper_bound_so_fuzzers_stay_reasonable(
    parameters: dict[str, dict[str, Any]],
) -> None:
    maximum = parameters["time"]["schema"]["maximum"]
    assert 3600 <= maximum <= 86400 * 366


def test_width_and_height_descriptions_carry_the_zero_rule(
    parameters: dict[str, dict[str, Any]],
) -> None:
    for name in ("width", "height"):
        description = " ".join(parameters[name]["description"].split())
        assert "Both width and height 0: the video's own size." in description
        assert "One of them 0: that one follows the video's aspect ratio from the other." in (
            description
        )


def test_mode_and_rotate_describe_each_value(parameters: dict[str, dict[str, Any]]) -> None:
    for name in ("mode", "rotate"):
        description = parameters[name]["description"]
        for value in BRIEF_QUERY_PARAMETERS[name][3] or []:
            assert f"`{value}`" in description


def test_200_is_a_jpeg_or_png_image(operation: dict[str, Any]) -> None:
    ok = operation["responses"]["200"]
    assert set(ok["content"]) == {"image/jpeg", "image/png"}
    for media in ok["content"].values():
        assert media["schema"] == {"type": "string", "format": "binary"}


def test_errors_are_xml_text_for_the_generator(
    spec: dict[str, Any], operation: dict[str, Any]
) -> None:
    assert set(operation["responses"]) == {"200", *ERROR_STATUSES}
    assert "default" not in operation["responses"]  # it would swallow unexpected statuses
    for status in ERROR_STATUSES:
        response = _resolve(spec, operation["responses"][status])
        assert set(response["content"]) == {"application/xml"}
        # A plain string: a $ref to the object schema would generate from_dict(response.text).
        assert response["content"]["application/xml"]["schema"]["type"] == "string"


def test_error_document_schema_names_the_cos_fields(spec: dict[str, Any]) -> None:
    schema = spec["components"]["schemas"]["CosErrorDocument"]
    assert schema["xml"] == {"name": "Error"}
    assert set(schema["properties"]) == ERROR_FIELDS
    assert {"Code", "Message", "RequestId"} <= set(schema["required"])


def test_every_response_carries_the_request_id_header(
    spec: dict[str, Any], operation: dict[str, Any]
) -> None:
    for status, response in operation["responses"].items():
        header = _resolve(spec, _resolve(spec, response)["headers"]["x-cos-request-id"])
        assert header["schema"]["type"] == "string", status


def test_security_is_a_header_or_a_query_signature_at_the_top_level_only(
    spec: dict[str, Any], operation: dict[str, Any]
) -> None:
    schemes = spec["components"]["securitySchemes"]
    header = schemes["cosAuthorizationHeader"]
    assert (header["type"], header["in"], header["name"]) == ("apiKey", "header", "Authorization")
    query = schemes["cosQuerySignature"]
    assert (query["type"], query["in"], query["name"]) == ("apiKey", "query", "q-signature")
    for field in (
        "q-sign-algorithm",
        "q-ak",
        "q-sign-time",
        "q-key-time",
        "q-header-list",
        "q-url-param-list",
        "q-signature",
    ):
        assert field in query["description"]
    token_places = {(s["in"], s["name"]) for n, s in schemes.items() if "Token" in n}
    # The job operations' CI host takes the token in a header of its own name.
    assert token_places == {
        ("header", "x-cos-security-token"),
        ("query", "x-cos-security-token"),
        ("header", "x-ci-security-token"),
    }
    alternatives = [set(requirement) for requirement in spec["security"]]
    assert {"cosAuthorizationHeader"} in alternatives
    assert {"cosQuerySignature"} in alternatives
    # An operation-level requirement would make the generated functions demand the generator's
    # bearer-token AuthenticatedClient.
    assert "security" not in operation


def test_servers_are_the_bucket_domain(spec: dict[str, Any]) -> None:
    server = spec["servers"][0]
    assert server["url"] == "https://{bucket}.cos.{region}.myqcloud.com"
    assert set(server["variables"]) == {"bucket", "region"}


def test_generator_config_maps_the_media_types_it_cannot_read() -> None:
    config = yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))
    assert config["package_name_override"] == "cos_snapshot_api"
    assert config["content_type_overrides"] == {
        "image/jpeg": "application/octet-stream",
        "image/png": "application/octet-stream",
        "application/xml": "text/plain",
        # CreateMediaJobs' XML body: the generator makes no request body of text.
        "application/xml; charset=utf-8": "application/octet-stream",
        "*/*": "application/octet-stream",
    }


# GetMediaInfo (vendor doc 436/55672): the element lists of its documented answer, written from
# the vendor's page (plus Video/Rotation, which the vendor's example answer carries).
MEDIA_INFO_ELEMENTS = {
    "MediaInfoVideo": (
        "Index CodecName CodecLongName CodecTimeBase CodecTagString CodecTag ColorPrimaries "
        "ColorRange ColorTransfer Profile Width Height HasBFrame RefFrames Sar Dar PixFormat "
        "FieldOrder Level Fps AvgFps Timebase StartTime Duration Bitrate NumFrames Language "
        "Rotation"
    ),
    "MediaInfoAudio": (
        "Index CodecName CodecLongName CodecTimeBase CodecTagString CodecTag SampleFmt "
        "SampleRate Channel ChannelLayout Timebase StartTime Duration Bitrate Language"
    ),
    "MediaInfoSubtitle": "Index Language",
    "MediaInfoFormat": (
        "NumStream NumProgram FormatName FormatLongName StartTime Duration Bitrate Size"
    ),
}


@pytest.fixture(scope="module")
def media_info_operation(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["paths"]["/{ObjectKey}#videoinfo"]["get"]


def test_get_media_info_takes_the_object_key_and_ci_process_videoinfo(
    spec: dict[str, Any], media_info_operation: dict[str, Any]
) -> None:
    parameters = {
        p["name"]: p for p in (_resolve(spec, p) for p in media_info_operation["parameters"])
    }
    assert set(parameters) == {"ObjectKey", "ci-process"}
    assert media_info_operation["parameters"][0] == {"$ref": "#/components/parameters/ObjectKey"}
    ci_process = parameters["ci-process"]
    assert (ci_process["in"], ci_process["required"]) == ("query", True)
    assert ci_process["schema"]["enum"] == ["videoinfo"]
    assert ci_process["schema"]["description"] == ci_process["description"]
    assert "security" not in media_info_operation


def test_get_media_info_answers_xml_text_and_the_errors_of_get_snapshot(
    spec: dict[str, Any], operation: dict[str, Any], media_info_operation: dict[str, Any]
) -> None:
    responses = media_info_operation["responses"]
    assert set(responses) == {"200", *ERROR_STATUSES}
    assert {s: responses[s] for s in ERROR_STATUSES} == {
        s: operation["responses"][s] for s in ERROR_STATUSES
    }
    ok = responses["200"]
    assert set(ok["content"]) == {"application/xml"}
    # A string for the generator, as the error documents; the structure is MediaInfoDocument.
    assert ok["content"]["application/xml"]["schema"]["type"] == "string"
    assert "MediaInfoDocument" in ok["content"]["application/xml"]["schema"]["description"]
    assert _resolve(spec, ok["headers"]["x-cos-request-id"])["schema"]["type"] == "string"


def test_media_info_document_is_response_mediainfo_stream_and_format(
    spec: dict[str, Any],
) -> None:
    schemas = spec["components"]["schemas"]
    document = schemas["MediaInfoDocument"]
    assert document["xml"] == {"name": "Response"}
    media_info = document["properties"]["MediaInfo"]
    assert media_info["properties"]["Stream"] == {"$ref": "#/components/schemas/MediaInfoStream"}
    assert media_info["properties"]["Format"] == {"$ref": "#/components/schemas/MediaInfoFormat"}
    stream = schemas["MediaInfoStream"]["properties"]
    for kind in ("Video", "Audio", "Subtitle"):
        # One element per stream, repeated without a wrapper.
        assert stream[kind]["type"] == "array"
        assert stream[kind]["xml"] == {"wrapped": False}
        assert stream[kind]["items"] == {"$ref": f"#/components/schemas/MediaInfo{kind}"}


@pytest.mark.parametrize("name", list(MEDIA_INFO_ELEMENTS))
def test_media_info_elements_are_the_vendors_and_all_text(spec: dict[str, Any], name: str) -> None:
    properties = spec["components"]["schemas"][name]["properties"]
    assert list(properties) == MEDIA_INFO_ELEMENTS[name].split()
    for element, schema in properties.items():
        # The service writes numbers as text ('129.200000', '30/1'); an element may be empty.
        assert schema["type"] == "string", element
        assert schema["description"].strip(), element


# GET Bucket (vendor doc 436/7734), written from the vendor's page: (type, enum, min, max).
LIST_PARAMETERS: dict[str, tuple[str, list[str] | None, int | None, int | None]] = {
    "prefix": ("string", None, None, None),
    "delimiter": ("string", None, None, None),
    "encoding-type": ("string", ["url"], None, None),
    "marker": ("string", None, None, None),
    "max-keys": ("integer", None, 1, 1000),
}
LIST_ELEMENTS = "Name Encoding-Type Prefix Marker MaxKeys Delimiter IsTruncated NextMarker"
LIST_OBJECT_ELEMENTS = "Key LastModified ETag Size Owner StorageClass"


@pytest.fixture(scope="module")
def list_operation(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["paths"]["/"]["get"]


def test_get_bucket_takes_the_vendors_query_parameters_all_optional(
    list_operation: dict[str, Any],
) -> None:
    parameters = {p["name"]: p for p in list_operation["parameters"]}
    assert list(parameters) == list(LIST_PARAMETERS)
    for name, (type_, enum, minimum, maximum) in LIST_PARAMETERS.items():
        parameter = parameters[name]
        schema = parameter["schema"]
        assert (parameter["in"], parameter.get("required", False)) == ("query", False), name
        assert schema["type"] == type_, name
        assert schema.get("enum") == enum, name
        assert schema.get("minimum") == minimum, name
        assert schema.get("maximum") == maximum, name
        assert schema["description"] == parameter["description"], name
        if type_ == "string" and enum is None:
            assert schema["maxLength"] == 850, name


def test_get_bucket_answers_xml_text_and_the_common_errors(
    spec: dict[str, Any], operation: dict[str, Any], list_operation: dict[str, Any]
) -> None:
    responses = list_operation["responses"]
    assert set(responses) == {"200", *ERROR_STATUSES}
    assert {s: responses[s] for s in ERROR_STATUSES} == {
        s: operation["responses"][s] for s in ERROR_STATUSES
    }
    schema = responses["200"]["content"]["application/xml"]["schema"]
    assert schema["type"] == "string"
    assert "ListBucketResultDocument" in schema["description"]


def test_list_bucket_result_is_described_element_by_element(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    document = schemas["ListBucketResultDocument"]
    assert document["xml"] == {"name": "ListBucketResult"}
    properties = document["properties"]
    assert list(properties) == [*LIST_ELEMENTS.split(), "CommonPrefixes", "Contents"]
    for name in ("CommonPrefixes", "Contents"):
        assert properties[name]["type"] == "array"
        assert properties[name]["xml"] == {"wrapped": False}
    assert "EncodingType" in document["description"]  # the Go SDK's spelling, read too
    assert list(schemas["ListBucketCommonPrefix"]["properties"]) == ["Prefix"]
    contents = schemas["ListBucketObject"]["properties"]
    assert list(contents) == LIST_OBJECT_ELEMENTS.split()
    assert list(contents["Owner"]["properties"]) == ["ID", "DisplayName"]


def test_put_object_takes_a_binary_body_and_an_optional_content_md5(
    spec: dict[str, Any],
) -> None:
    put = spec["paths"]["/{ObjectKey}"]["put"]
    parameters = [_resolve(spec, p) for p in put["parameters"]]
    assert [(p["name"], p["in"]) for p in parameters] == [
        ("ObjectKey", "path"),
        ("Content-MD5", "header"),
    ]
    assert put["requestBody"]["content"]["application/octet-stream"]["schema"] == {
        "type": "string",
        "format": "binary",
    }
    assert "x-cos-meta-" in put["description"]
    assert set(put["responses"]["200"]["headers"]) == {"x-cos-request-id", "ETag"}


def test_head_object_answers_without_a_body(spec: dict[str, Any]) -> None:
    head = spec["paths"]["/{ObjectKey}"]["head"]
    for status, response in head["responses"].items():
        assert "content" not in response, status
        assert "x-cos-request-id" in response["headers"], status
    assert {"Content-Length", "ETag", "Last-Modified"} <= set(head["responses"]["200"]["headers"])


# The snapshot job's ranges as the vendor's pages give them (436/75023), written here from
# those pages rather than read from the spec: (minimum, maximum, exclusive minimum).
JOB_RANGES: dict[tuple[str, str], tuple[int, int, bool]] = {
    ("SnapshotConfig", "TimeInterval"): (0, 3600, True),
    ("SnapshotConfig", "Count"): (1, 10000, False),
    ("SnapshotConfig", "Width"): (128, 4096, False),
    ("SnapshotConfig", "Height"): (128, 4096, False),
    ("SnapshotConfig", "BlackLevel"): (30, 100, False),
    ("SnapshotConfig", "PixelBlackThreshold"): (0, 255, False),
    ("SpriteSnapshotConfig", "CellWidth"): (8, 4096, False),
    ("SpriteSnapshotConfig", "CellHeight"): (8, 4096, False),
    ("SpriteSnapshotConfig", "Padding"): (0, 1024, False),
    ("SpriteSnapshotConfig", "Margin"): (0, 1024, False),
    ("SpriteSnapshotConfig", "Columns"): (1, 10000, False),
    ("SpriteSnapshotConfig", "Lines"): (1, 10000, False),
}


@pytest.mark.parametrize(("schema", "field"), list(JOB_RANGES))
def test_job_ranges_are_the_vendors(spec: dict[str, Any], schema: str, field: str) -> None:
    minimum, maximum, exclusive = JOB_RANGES[schema, field]
    prop = spec["components"]["schemas"][schema]["properties"][field]
    assert (prop["minimum"], prop["maximum"]) == (minimum, maximum)
    assert prop.get("exclusiveMinimum", False) is exclusive


def test_job_documents_name_every_element_of_the_issue(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert set(schemas["JobRequestDocument"]["properties"]) == {
        "Tag", "Input", "Operation", "QueueId", "CallBack", "CallBackFormat", "CallBackType",
    }  # fmt: skip
    assert {"TemplateId", "Snapshot", "Output", "UserData", "JobLevel"} <= set(
        schemas["JobOperation"]["properties"]
    )
    assert set(schemas["SnapshotConfig"]["properties"]["Mode"]["enum"]) == {
        "Interval", "Average", "KeyFrame",
    }  # fmt: skip
    assert schemas["SpriteSnapshotConfig"]["required"] == ["Color", "Columns", "Lines"]
    assert set(schemas["JobOutput"]["properties"]) == {"Region", "Bucket", "Object", "SpriteObject"}
    assert schemas["JobsDetail"]["properties"]["State"]["enum"] == [
        "Submitted", "Running", "Success", "Failed", "Pause", "Cancel",
    ]  # fmt: skip
    assert {"NonExistJobIds", "NextToken", "JobsDetail"} == set(
        schemas["JobsResponseDocument"]["properties"]
    )
    assert {"ObjectPrefix", "ObjectName", "Md5Info", "SpriteOutputFile"} <= set(
        schemas["JobOutputFile"]["properties"]
    )


def test_job_operations_go_to_the_ci_host_with_the_ci_token(spec: dict[str, Any]) -> None:
    for path in ("/jobs", "/jobs/{JobId}"):
        (server,) = spec["paths"][path]["servers"]
        assert server["url"] == "https://{bucket}.ci.{region}.myqcloud.com"
    scheme = spec["components"]["securitySchemes"]["ciSecurityTokenHeader"]
    assert (scheme["in"], scheme["name"]) == ("header", "x-ci-security-token")
    cancel = spec["paths"]["/jobs/{JobId}"]["put"]["parameters"][1]
    assert (cancel["name"], cancel["required"], cancel["schema"]["enum"]) == ("cancel", True, [""])
