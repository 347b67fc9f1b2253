"""The behaviour report: for each question the vendor's text leaves open, which reading a target
follows and the requests that showed it; the ``cos-snapshot serve`` flags that make the emulator
read it the same way; the outcome of the run.

``test_readings.py`` observes the readings; ``conftest.py`` writes the report as JSON to
``COS_CONTRACT_REPORT`` (schema: ``report.schema.json`` next to this file) and prints a short
table at the end of the output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cos_snapshot

__all__ = [
    "EMULATOR_DEFAULTS",
    "QUESTIONS",
    "READINGS",
    "REPORT_FORMAT",
    "BehaviourReport",
    "Observation",
    "emulator_flags",
]

REPORT_FORMAT = "cos-snapshot-contract-report/1"

#: The questions, in report order, and the readings each can have (``other`` carries what was
#: seen).
READINGS: dict[str, tuple[str, ...]] = {
    "exactframe": ("on-screen", "next", "other"),
    "keyframe": ("last-at-or-before", "next", "other"),
    "past_end": ("last-frame", "error", "other"),
    "one_side_zero": ("round-half-up", "floor", "ceil", "even", "other"),
    "both_sides": ("stretch", "fit", "fill", "other"),
    "mirrored": ("applied", "rotation-only", "ignored", "other"),
    "time_origin": ("first-frame", "container-zero", "other"),
    "sample_aspect": ("ignored", "applied", "other"),
    "media_size": ("stored", "displayed", "other"),
    "rotation_sign": ("counter-clockwise", "clockwise", "other"),
    "media_duration": ("video-stream", "container", "other"),
    "stream_bitrate": ("measured", "empty", "other"),
    "full_size": ("fit", "own-size", "error", "other"),
    "job_average_end": ("exclude", "include", "other"),
    "job_keyframe_count": ("bounds", "ignored", "other"),
    "job_sprite_spacing": ("ffmpeg", "css", "other"),
}
QUESTIONS = tuple(READINGS)

#: What the emulator reads by default (docs/emulator.md, "Semantics").
EMULATOR_DEFAULTS: dict[str, str] = {
    "exactframe": "on-screen",
    "keyframe": "last-at-or-before",
    "past_end": "last-frame",
    "one_side_zero": "round-half-up",
    "both_sides": "stretch",
    "mirrored": "applied",
    "time_origin": "first-frame",
    "sample_aspect": "ignored",
    "media_size": "stored",
    "rotation_sign": "counter-clockwise",
    "media_duration": "video-stream",
    "stream_bitrate": "measured",
    "full_size": "fit",
    "job_average_end": "exclude",
    "job_keyframe_count": "bounds",
    "job_sprite_spacing": "ffmpeg",
}

#: For each question and reading, the ``cos-snapshot serve`` arguments that make the emulator
#: read it so ([] for its default). A reading missing here is one the emulator cannot offer.
_SERVE_FLAGS: dict[str, dict[str, list[str]]] = {
    "exactframe": {"on-screen": [], "next": ["--exactframe", "next"]},
    "keyframe": {"last-at-or-before": []},
    "past_end": {"last-frame": [], "error": ["--past-end", "error"]},
    "one_side_zero": {
        "round-half-up": [],
        "floor": ["--one-side-zero", "floor"],
        "ceil": ["--one-side-zero", "ceil"],
        "even": ["--one-side-zero", "even"],
    },
    "both_sides": {
        "stretch": [],
        "fit": ["--both-sides", "fit"],
        "fill": ["--both-sides", "fill"],
    },
    "mirrored": {"applied": []},
    "time_origin": {"first-frame": []},
    "sample_aspect": {"ignored": []},
    "media_size": {"stored": [], "displayed": ["--media-size", "displayed"]},
    "rotation_sign": {
        "counter-clockwise": [],
        "clockwise": ["--rotation-sign", "clockwise"],
    },
    # Video/Duration as the container's: the emulator has no flag for it.
    "media_duration": {"video-stream": []},
    "stream_bitrate": {"measured": [], "empty": ["--stream-bitrate", "empty"]},
    # A video over 4096 on a side at its own size, or refused: the emulator has no flag for it.
    "full_size": {"fit": []},
    "job_average_end": {"exclude": [], "include": ["--job-average-end", "include"]},
    "job_keyframe_count": {"bounds": [], "ignored": ["--job-keyframe-count", "ignored"]},
    "job_sprite_spacing": {"ffmpeg": [], "css": ["--job-sprite-spacing", "css"]},
}
#: The emulator's past-end error, the only one ``--past-end error`` gives.
_EMULATOR_PAST_END_ERROR = "400 InvalidArgument"


@dataclass
class Observation:
    """One question answered: the reading, what was seen when it is ``other`` (or the error of
    ``past_end=error``), and the requests that showed it."""

    reading: str
    seen: str | None = None
    requests: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"reading": self.reading, "seen": self.seen, "requests": list(self.requests)}


def emulator_flags(readings: dict[str, Observation]) -> tuple[list[str], dict[str, str]]:
    """The serve arguments that make the emulator read as observed, and for each question it
    cannot match, why."""
    flags: list[str] = []
    cannot: dict[str, str] = {}
    for question in QUESTIONS:
        observed = readings.get(question)
        if observed is None:
            continue
        offered = _SERVE_FLAGS[question].get(observed.reading)
        if observed.reading == "error" and observed.seen != _EMULATOR_PAST_END_ERROR:
            cannot[question] = (
                f"the target answers {observed.seen}; --past-end error answers "
                f"{_EMULATOR_PAST_END_ERROR}"
            )
        if offered is None:
            seen = f" ({observed.seen})" if observed.seen else ""
            cannot[question] = f"the emulator has no flag for {observed.reading}{seen}"
        else:
            flags += offered
    return flags, cannot


@dataclass
class TargetReport:
    name: str
    endpoint_url: str
    strict: bool
    readings: dict[str, Observation] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        flags, cannot = emulator_flags(self.readings)
        observed = {q: self.readings[q].as_json() for q in QUESTIONS if q in self.readings}
        return {
            "name": self.name,
            "endpoint_url": self.endpoint_url,
            "strict": self.strict,
            "readings": observed,
            "not_observed": [q for q in QUESTIONS if q not in self.readings],
            "emulator_flags": flags,
            "emulator_cannot_offer": cannot,
            "matches_emulator_defaults": all(
                self.readings[q].reading == EMULATOR_DEFAULTS[q] for q in observed
            )
            and not cannot,
        }


@dataclass
class BehaviourReport:
    """Everything one run learned; filled in while the tests run."""

    targets: dict[str, TargetReport] = field(default_factory=dict)

    def target(self, name: str, endpoint_url: str, strict: bool) -> TargetReport:
        if name not in self.targets:
            self.targets[name] = TargetReport(name, endpoint_url, strict)
        return self.targets[name]

    def as_json(self, outcome: dict[str, Any]) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "cos_snapshot_version": cos_snapshot.__version__,
            "outcome": outcome,
            "targets": [t.as_json() for t in self.targets.values()],
        }

    def write(self, path: Path, outcome: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.as_json(outcome), ensure_ascii=False, indent=2, sort_keys=True)
        path.write_text(text + "\n", encoding="utf-8")

    def table(self) -> list[str]:
        """The readings as a few lines of text, one per question, a column per target."""
        if not self.targets:
            return []
        names = list(self.targets)
        width = max(len(q) for q in QUESTIONS)
        lines = [f"{'question':<{width}}  " + "  ".join(f"{n:<20}" for n in names)]
        for question in QUESTIONS:
            cells = []
            for name in names:
                observed = self.targets[name].readings.get(question)
                text = "(not observed)" if observed is None else observed.reading
                if observed is not None and observed.seen:
                    text += f" ({observed.seen})"
                cells.append(f"{text:<20}")
            lines.append(f"{question:<{width}}  " + "  ".join(cells))
        for name in names:
            report = self.targets[name].as_json()
            flags = " ".join(report["emulator_flags"]) or "(none: the defaults)"
            lines.append(f"{name}: the emulator reads the same way with: serve {flags}")
            for question, why in report["emulator_cannot_offer"].items():
                lines.append(f"{name}: {question}: {why}")
        return lines
