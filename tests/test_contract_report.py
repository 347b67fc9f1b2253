"""The behaviour report's GetMediaInfo questions: the serve flags named for each reading, the
reading the emulator cannot offer, and the JSON Schema that ships with the report."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from contract_tests._report import EMULATOR_DEFAULTS, BehaviourReport, Observation

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "contract_tests" / "report.schema.json").read_text()
)
OUTCOME = {"exit_status": 0, "passed": 1, "failed": 0, "skipped": 0, "failures": []}


def _target(readings: dict[str, str]) -> dict[str, object]:
    report = BehaviourReport()
    target = report.target("live", "https://example.invalid", strict=False)
    for question, reading in readings.items():
        target.readings[question] = Observation(reading, None, [f"GET /{question}"])
    document = report.as_json(OUTCOME)
    jsonschema.validate(document, SCHEMA)
    (only,) = document["targets"]
    return only


def test_the_emulators_defaults_need_no_flag() -> None:
    target = _target(dict(EMULATOR_DEFAULTS))
    assert target["emulator_flags"] == []
    assert target["emulator_cannot_offer"] == {}
    assert target["matches_emulator_defaults"] is True
    assert target["not_observed"] == []


def test_displayed_size_and_clockwise_rotation_are_serve_flags() -> None:
    target = _target({"media_size": "displayed", "rotation_sign": "clockwise"})
    assert target["emulator_flags"] == [
        "--media-size",
        "displayed",
        "--rotation-sign",
        "clockwise",
    ]
    assert target["emulator_cannot_offer"] == {}
    assert target["matches_emulator_defaults"] is False


def test_a_container_duration_is_a_reading_the_emulator_cannot_offer() -> None:
    target = _target({"media_duration": "container", "media_size": "stored"})
    assert target["emulator_flags"] == []
    assert target["emulator_cannot_offer"] == {
        "media_duration": "the emulator has no flag for container"
    }
    assert target["matches_emulator_defaults"] is False


def test_the_schema_refuses_a_reading_the_report_does_not_know() -> None:
    report = BehaviourReport()
    target = report.target("live", "https://example.invalid", strict=False)
    target.readings["media_size"] = Observation("stored", None, [])
    document = report.as_json(OUTCOME)
    document["targets"][0]["readings"]["media_size"]["reading"] = "sideways"
    with pytest.raises(jsonschema.ValidationError, match="sideways"):
        jsonschema.validate(document, SCHEMA)
