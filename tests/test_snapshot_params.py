"""The snapshot parameters defined once (``cos_snapshot._shared.snapshot_params``) are the spec's.

The emulator may not import the client or the generated code, so the values live in the shared
package; this holds them equal to the inline enums, defaults and bounds of openapi/snapshot.yaml,
and checks that the client, the emulator and the command line take theirs from there.
"""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from cos_snapshot import CosInvalidArgumentError, SnapshotArgs
from cos_snapshot._shared import snapshot_params as sp
from cos_snapshot.cli._common import add_snapshot_options
from cos_snapshot.emulator.errors import EmulatorError
from cos_snapshot.emulator.frames import SnapshotParams
from cos_snapshot.emulator.params import snapshot_params

SPEC_PATH = Path(__file__).resolve().parents[1] / "openapi" / "snapshot.yaml"


@pytest.fixture(scope="module")
def schemas() -> dict[str, dict[str, Any]]:
    spec = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    parameters = spec["paths"]["/{ObjectKey}"]["get"]["parameters"]
    return {p["name"]: p["schema"] for p in parameters if "name" in p}


@pytest.mark.parametrize(
    ("name", "values", "default"),
    [
        ("format", sp.FORMATS, sp.DEFAULT_FORMAT),
        ("rotate", sp.ROTATES, sp.DEFAULT_ROTATE),
        ("mode", sp.MODES, sp.DEFAULT_MODE),
    ],
)
def test_choices_and_defaults_are_the_spec_enums(
    schemas: dict[str, dict[str, Any]], name: str, values: tuple[str, ...], default: str
) -> None:
    assert "$ref" not in schemas[name]
    assert list(values) == schemas[name]["enum"]
    assert sp.CHOICES[name] == values
    assert default == schemas[name]["default"]


@pytest.mark.parametrize(
    ("name", "default"), [("width", sp.DEFAULT_WIDTH), ("height", sp.DEFAULT_HEIGHT)]
)
def test_dimension_bounds_and_defaults_are_the_spec_ones(
    schemas: dict[str, dict[str, Any]], name: str, default: int
) -> None:
    schema = schemas[name]
    assert (schema["minimum"], schema["maximum"]) == (sp.MIN_DIMENSION, sp.MAX_DIMENSION)
    assert schema["default"] == default


def test_the_literal_types_hold_the_same_values() -> None:
    assert get_args(sp.Format) == sp.FORMATS
    assert get_args(sp.Rotate) == sp.ROTATES
    assert get_args(sp.Mode) == sp.MODES


def test_client_checks_use_the_shared_values() -> None:
    args = SnapshotArgs.check("a.mp4", 1)
    assert (args.width, args.height, args.format, args.rotate, args.mode) == (
        sp.DEFAULT_WIDTH,
        sp.DEFAULT_HEIGHT,
        sp.DEFAULT_FORMAT,
        sp.DEFAULT_ROTATE,
        sp.DEFAULT_MODE,
    )
    for mode in sp.MODES:
        assert SnapshotArgs.check("a.mp4", 1, mode=mode).mode == mode
    SnapshotArgs.check("a.mp4", 1, width=sp.MAX_DIMENSION)
    with pytest.raises(CosInvalidArgumentError, match="width"):
        SnapshotArgs.check("a.mp4", 1, width=sp.MAX_DIMENSION + 1)


def test_emulator_parsing_uses_the_shared_values() -> None:
    params = snapshot_params({"time": "1"})
    assert params == SnapshotParams(Decimal(1))
    assert (params.width, params.height, params.format, params.rotate, params.mode) == (
        sp.DEFAULT_WIDTH,
        sp.DEFAULT_HEIGHT,
        sp.DEFAULT_FORMAT,
        sp.DEFAULT_ROTATE,
        sp.DEFAULT_MODE,
    )
    for name, values in sp.CHOICES.items():
        for value in values:
            assert getattr(snapshot_params({"time": "1", name: value}), name) == value
        with pytest.raises(EmulatorError, match=name):
            snapshot_params({"time": "1", name: "nope"})
        with pytest.raises(ValueError, match=name):
            SnapshotParams(Decimal(1), **{name: "nope"})  # type: ignore[arg-type]
    assert snapshot_params({"time": "1", "width": str(sp.MAX_DIMENSION)}).width == 4096
    with pytest.raises(EmulatorError, match="width"):
        snapshot_params({"time": "1", "width": str(sp.MAX_DIMENSION + 1)})


def test_command_line_options_use_the_shared_values() -> None:
    parser = argparse.ArgumentParser()
    add_snapshot_options(parser)
    actions = {action.dest: action for action in parser._actions}
    for name, values in sp.CHOICES.items():
        assert tuple(actions[name].choices or ()) == values
    args = parser.parse_args([])
    assert (args.width, args.height, args.format, args.rotate, args.mode) == (
        sp.DEFAULT_WIDTH,
        sp.DEFAULT_HEIGHT,
        sp.DEFAULT_FORMAT,
        sp.DEFAULT_ROTATE,
        sp.DEFAULT_MODE,
    )
    assert f"{sp.MIN_DIMENSION} to {sp.MAX_DIMENSION}" in (actions["width"].help or "")
