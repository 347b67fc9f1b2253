"""Every public import path of the docs still imports: the new homes of the tools and the test
helpers, and the old paths kept as aliases of the same objects."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

ALIASES = [
    ("cos_snapshot.batch", "cos_snapshot.tools.batch"),
    ("cos_snapshot.sheet", "cos_snapshot.tools.sheet"),
    ("cos_snapshot.storyboard", "cos_snapshot.tools.storyboard"),
    ("cos_snapshot.demo", "cos_snapshot.tools.demo"),
    ("cos_snapshot.fixtures", "cos_snapshot.testing.videos"),
    ("cos_snapshot.contract", "cos_snapshot.testing.contract"),
    ("cos_snapshot.pytest_plugin", "cos_snapshot.testing.pytest_plugin"),
]


@pytest.mark.parametrize(("old", "new"), ALIASES)
def test_an_old_path_holds_the_same_objects_as_its_new_home(old: str, new: str) -> None:
    old_module, new_module = importlib.import_module(old), importlib.import_module(new)
    assert old_module.__all__ == new_module.__all__
    for name in new_module.__all__:
        assert getattr(old_module, name) is getattr(new_module, name), name


def test_the_testing_face_names_the_video_helpers() -> None:
    import cos_snapshot.testing as testing  # noqa: PLC0415
    import cos_snapshot.testing.videos as videos  # noqa: PLC0415

    # The video helpers, and the error raised for them without the emulator extra.
    assert sorted(testing.__all__) == sorted([*videos.__all__, "MissingExtraError"])
    for name in videos.__all__:
        assert getattr(testing, name) is getattr(videos, name), name
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = testing.nothing_here


def test_importing_the_testing_face_and_the_plugin_loads_neither_pyav_nor_pillow() -> None:
    # The plugin is loaded in every pytest run of a user who installed the package, with or
    # without the emulator extra: it must not import what the extra brings.
    script = (
        "import sys\n"
        "import cos_snapshot.testing, cos_snapshot.testing.pytest_plugin\n"
        "print(sorted(m for m in ('av', 'PIL') if m in sys.modules))\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert shown.strip() == "[]"


def test_the_pytest_entry_point_names_the_plugins_new_home() -> None:
    from importlib.metadata import entry_points  # noqa: PLC0415

    (plugin,) = [e for e in entry_points(group="pytest11") if e.name == "cos_snapshot"]
    assert plugin.value == "cos_snapshot.testing.pytest_plugin"
