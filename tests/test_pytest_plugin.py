"""The pytest plugin: the README's example passes under plain pytest, and the fixtures do what
they say."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

ROOT = Path(__file__).resolve().parent.parent


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n(# test_thumbnails\.py\n.*?)```", text, re.DOTALL)
    assert match, "README: the 'Testing your own code' example is gone"
    return match.group(1)


def test_the_readme_example_passes_under_plain_pytest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_thumbnails=_readme_example())
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_the_readme_example_fails_when_the_emulator_reads_differently(
    pytester: pytest.Pytester,
) -> None:
    """The example's assertions can fail: with the other reading of exactframe (the first frame
    at or after the time), frame 25 still; at a time inside a frame they part."""
    example = _readme_example().replace(
        'get_snapshot("videos/intro.mp4", 1)', 'get_snapshot("videos/intro.mp4", "0.98")'
    )
    example = example.replace("== 25", "== 24")
    pytester.makepyfile(
        test_thumbnails=example,
        conftest="""
import pytest

@pytest.fixture
def cos_emulator_settings(request):
    return {"exactframe": "next", **getattr(request, "param", {})}
""",
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*assert 25 == 24*"])


def test_every_test_sees_an_empty_object_space_on_a_shared_server(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_space="""
import pytest

from cos_snapshot import CosServiceError

urls = []

@pytest.mark.parametrize("round", [1, 2])
def test_put_then_fetch(cos_emulator, round):
    urls.append(cos_emulator.endpoint_url)
    assert list(cos_emulator.root.iterdir()) == []
    cos_emulator.put("a/b.txt", b"x")
    with cos_emulator.client() as client, pytest.raises(CosServiceError):
        client.get_snapshot("a/b.txt", 0)

def test_one_server_for_the_same_settings():
    assert len(urls) == 2 and urls[0] == urls[1]

@pytest.mark.parametrize("cos_emulator_settings", [{"anonymous": True}], indirect=True)
def test_other_settings_get_another_server(cos_emulator):
    assert cos_emulator.credentials is None
    assert cos_emulator.endpoint_url not in urls
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_the_cos_emulator_marker_sets_the_settings_nearest_first(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_marked="""
import pytest

pytestmark = pytest.mark.cos_emulator(anonymous=True)

def test_the_modules_settings(cos_emulator, cos_emulator_settings):
    assert cos_emulator_settings == {"anonymous": True}
    assert cos_emulator.credentials is None

@pytest.mark.cos_emulator(exactframe="next")
def test_the_tests_own_marker_wins(cos_emulator_settings):
    assert cos_emulator_settings == {"exactframe": "next"}

@pytest.mark.parametrize("cos_emulator_settings", [{}], indirect=True)
def test_an_indirect_parameter_wins_over_markers(cos_emulator):
    assert cos_emulator.credentials is not None
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=3)


def test_settings_that_differ_only_in_a_secret_get_another_server(
    pytester: pytest.Pytester,
) -> None:
    """A key pair's repr hides its secret: servers are told apart by the settings' values."""
    pytester.makepyfile(
        test_keys="""
import pytest

from cos_snapshot import CosServiceError, Credentials

A = Credentials("AKIDpluginKeyPair000000000000000000", "secret-a")
B = Credentials("AKIDpluginKeyPair000000000000000000", "secret-b")
urls = {}

@pytest.mark.parametrize(
    "cos_emulator_settings", [{"credentials": (A,)}, {"credentials": (B,)}], indirect=True
)
def test_each_key_pair_is_the_servers(cos_emulator, cos_emulator_settings):
    (pair,) = cos_emulator_settings["credentials"]
    assert cos_emulator.credentials == pair
    urls[pair.secret_key] = cos_emulator.endpoint_url
    with cos_emulator.client() as client, pytest.raises(CosServiceError) as raised:
        client.get_snapshot("missing.mp4", 0)
    assert raised.value.code == "NoSuchKey"  # signed right: not SignatureDoesNotMatch

def test_two_servers():
    assert len(set(urls.values())) == 2
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_the_plugin_imports_nothing_heavy_until_a_fixture_is_used() -> None:
    """Loading the plugin (as pytest does for every session) pulls in none of the emulator's
    packages; the client package itself is light (httpx, attrs)."""
    probe = (
        "import sys, pytest; before = set(sys.modules); import cos_snapshot.testing.pytest_plugin;"
        "print(sorted(set(sys.modules) - before))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    assert "cos_snapshot" in loaded  # the probe sees what the import loads
    for heavy in ("av", "PIL", "starlette", "uvicorn", "qcloud_cos", "numpy"):
        assert f"'{heavy}'" not in loaded
        assert f"'{heavy}." not in loaded
    assert "'cos_snapshot.emulator" not in loaded


def test_without_the_emulator_extra_the_fixture_says_what_to_install(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
import importlib.util

real = importlib.util.find_spec

def find_spec(name, *args, **kwargs):
    return None if name == "av" else real(name, *args, **kwargs)

importlib.util.find_spec = find_spec
"""
    )
    pytester.makepyfile(test_needs="def test_it(cos_emulator):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*cos_emulator fixture needs the emulator extra*missing: av*"])


def test_importing_the_helpers_without_the_emulator_extra_fails_in_one_line_naming_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
import importlib.util

real = importlib.util.find_spec

def find_spec(name, *args, **kwargs):
    return None if name == "PIL" else real(name, *args, **kwargs)

importlib.util.find_spec = find_spec
"""
    )
    pytester.makepyfile(
        test_frames="from cos_snapshot.testing import read_frame_index\n\n"
        "def test_it():\n    pass\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR collecting test_frames.py _*",
            "cos_snapshot.testing.read_frame_index needs the emulator extra: *pip install "
            "'cos-snapshot[[]emulator[]]' (missing: PIL)",
        ]
    )
    assert "Traceback" not in result.stdout.str()
