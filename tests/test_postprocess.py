"""openapi/postprocess.py: our rewrites of the generated package (httpx2, object-key quoting),
and that it fails loudly when the generator's text is not what it expects."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "generated" / "cos_snapshot_api"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "postprocess", ROOT / "openapi" / "postprocess.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # inspect.getsource needs to find it
    spec.loader.exec_module(module)
    return module


pp = _load_script()

# The shape of openapi-python-client 0.29's output, cut down to what the rewrites touch (and
# without the package-relative imports, so that it can be executed on its own).
ENDPOINT = '''from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx


def _get_kwargs(
    object_key: str,
    *,
    time: float = 0,
) -> dict[str, Any]:
    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/{object_key}".format(
            object_key=quote(str(object_key), safe=""),
        ),
        "params": {"time": time},
    }
    return _kwargs


def sync_detailed(client: Any, time: float) -> httpx.Response:
    """Args:
        time (float): The time point of the frame.

    Raises:
    httpx.TimeoutException: If the request takes longer than Client.timeout.
    """
    return client.get_httpx_client().request(**_get_kwargs("a"))
'''

CLIENT = """import ssl
from typing import Any

import httpx
from attrs import define, field


@define
class Client:
    _timeout: httpx.Timeout | None = field(default=None, kw_only=True, alias="timeout")
    _httpx_args: dict[str, Any] = field(factory=dict, kw_only=True, alias="httpx_args")

    def get_httpx_client(self) -> httpx.Client:
        return httpx.Client(timeout=self._timeout, **self._httpx_args)
"""


def _imports_of(text: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_httpx_is_imported_and_named_as_httpx2() -> None:
    text = pp.rewrite_httpx_imports(CLIENT)
    assert "httpx" not in _imports_of(text)
    assert "httpx2" in _imports_of(text)
    assert "_timeout: httpx2.Timeout | None" in text
    assert "return httpx2.Client(timeout=" in text


def test_the_generated_public_names_that_contain_httpx_are_kept() -> None:
    text = pp.rewrite_httpx_imports(CLIENT)
    assert "def get_httpx_client(self) -> httpx2.Client:" in text
    assert 'alias="httpx_args"' in text
    assert "**self._httpx_args" in text


def test_an_object_key_keeps_its_slashes_in_the_rewritten_endpoint() -> None:
    namespace: dict[str, object] = {}
    exec(compile(ENDPOINT, "endpoint", "exec"), namespace)
    assert namespace["_get_kwargs"]("dir/a b.mp4")["url"] == "/dir%2Fa%20b.mp4"  # type: ignore[operator]

    rewritten = pp.rewrite_endpoint_module(pp.rewrite_httpx_imports(ENDPOINT))
    namespace = {}
    exec(compile(rewritten, "endpoint", "exec"), namespace)
    get_kwargs = namespace["_get_kwargs"]
    assert get_kwargs("dir/a b.mp4")["url"] == "/dir/a%20b.mp4"  # type: ignore[operator]
    assert get_kwargs("a/..")["url"] == "/a/%2E%2E"  # type: ignore[operator]
    assert 'safe=""' not in rewritten


def test_the_quoting_function_is_defined_before_it_is_used() -> None:
    rewritten = pp.rewrite_endpoint_module(ENDPOINT)
    assert rewritten.index("def _quote_object_key(") < rewritten.index("def _get_kwargs(")
    assert rewritten.count("def _quote_object_key(") == 1


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (CLIENT.replace("import httpx\n", ""), "expected one line `import httpx`"),
        (CLIENT.replace("import httpx\n", "import httpx\nimport httpx\n"), "`import httpx`"),
        (CLIENT + "\nfrom httpx import URL\n", "still imports httpx"),
    ],
)
def test_the_import_rewrite_fails_loudly_on_unexpected_text(text: str, problem: str) -> None:
    with pytest.raises(pp.PostprocessError, match=problem):
        pp.rewrite_httpx_imports(text, where="client.py")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (ENDPOINT.replace('quote(str(object_key), safe="")', "quote(str(object_key))"), "found 0"),
        (ENDPOINT + '\nx = quote(str(other), safe="")\n', "found 2"),
        (ENDPOINT.replace("def _get_kwargs(", "def _kwargs_of("), "def _get_kwargs"),
        (ENDPOINT.replace("from urllib.parse import quote\n", ""), "urllib.parse import quote"),
    ],
)
def test_the_quoting_rewrite_fails_loudly_on_unexpected_text(text: str, problem: str) -> None:
    with pytest.raises(pp.PostprocessError, match=problem):
        pp.rewrite_endpoint_module(text, where="get_snapshot.py")


def _package(tmp_path: Path) -> Path:
    package = tmp_path / "cos_snapshot_api"
    (package / "api" / "snapshot").mkdir(parents=True)
    (package / "client.py").write_text(CLIENT)
    (package / "api" / "snapshot" / "get_snapshot.py").write_text(ENDPOINT)
    (package / "types.py").write_text("# The types that `httpx.Client(files=)` can accept\n")
    return package


def test_the_whole_package_is_rewritten_in_place(tmp_path: Path) -> None:
    package = _package(tmp_path)
    assert pp.main([str(package)]) == 0
    for path in package.rglob("*.py"):
        assert "httpx" not in _imports_of(path.read_text())
    endpoint = (package / "api" / "snapshot" / "get_snapshot.py").read_text()
    assert "_quote_object_key(str(object_key))" in endpoint


def test_a_module_it_does_not_know_that_imports_httpx_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = _package(tmp_path)
    (package / "models").mkdir()
    (package / "models" / "new.py").write_text("from httpx import URL\n")
    assert pp.main([str(package)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "models/new.py: imports httpx" in err


def test_a_missing_module_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    package = _package(tmp_path)
    (package / "client.py").unlink()
    assert pp.main([str(package)]) == 1
    assert "no client.py or no api/<tag>/<operation>.py" in capsys.readouterr().err


def test_every_endpoint_module_is_rewritten(tmp_path: Path) -> None:
    package = _package(tmp_path)
    (package / "api" / "media_info").mkdir()
    (package / "api" / "media_info" / "__init__.py").write_text(
        '"""Contains endpoint functions"""\n'
    )
    other = package / "api" / "media_info" / "get_media_info.py"
    other.write_text(ENDPOINT.replace('"/{object_key}"', '"/{object_key}#videoinfo"'))
    assert pp.main([str(package)]) == 0
    assert "import httpx2\n" in other.read_text()
    assert "_quote_object_key(str(object_key))" in other.read_text()


def test_an_endpoint_module_without_an_object_key_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = _package(tmp_path)
    (package / "api" / "snapshot" / "list_objects.py").write_text(
        ENDPOINT.replace('quote(str(object_key), safe="")', '"bucket"')
    )
    assert pp.main([str(package)]) == 1
    assert "list_objects.py: expected one path-quoting call" in capsys.readouterr().err


def test_a_bucket_endpoint_is_left_without_quoting(tmp_path: Path) -> None:
    package = _package(tmp_path)
    (package / "api" / "bucket").mkdir()
    bucket = package / "api" / "bucket" / "get_bucket.py"
    bucket.write_text(
        ENDPOINT.replace(
            '"url": "/{object_key}".format(\n'
            '            object_key=quote(str(object_key), safe=""),\n'
            "        ),",
            '"url": "/",',
        )
    )
    assert pp.main([str(package)]) == 0
    text = bucket.read_text()
    assert "import httpx2\n" in text
    assert '"url": "/",' in text
    assert "_quote_object_key" not in text


def test_a_bucket_endpoint_that_gained_a_path_parameter_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = _package(tmp_path)
    (package / "api" / "bucket").mkdir()
    (package / "api" / "bucket" / "get_bucket.py").write_text(ENDPOINT)
    assert pp.main([str(package)]) == 1
    assert 'get_bucket.py: expected the fixed path `"url": "/"`' in capsys.readouterr().err


def test_the_job_list_endpoint_is_checked_to_address_jobs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = _package(tmp_path)
    (package / "api" / "jobs").mkdir()
    jobs = package / "api" / "jobs" / "create_media_jobs.py"
    unquoted = ENDPOINT.replace(
        '"url": "/{object_key}".format(\n'
        '            object_key=quote(str(object_key), safe=""),\n'
        "        ),",
        '"url": "/jobs",',
    )
    jobs.write_text(unquoted)
    assert pp.main([str(package)]) == 0
    assert '"url": "/jobs",' in jobs.read_text()
    again = _package(tmp_path / "again")
    (again / "api" / "jobs").mkdir()
    (again / "api" / "jobs" / "create_media_jobs.py").write_text(
        unquoted.replace('"url": "/jobs",', '"url": "/",')
    )
    assert pp.main([str(again)]) == 1
    assert 'expected the fixed path `"url": "/jobs"`' in capsys.readouterr().err


def test_a_job_id_endpoint_keeps_the_generators_quoting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Job ids are not object keys: `a,b` goes out as `a%2Cb`, as the official SDK sends it.
    package = _package(tmp_path)
    (package / "api" / "jobs").mkdir()
    jobs = package / "api" / "jobs" / "describe_media_job.py"
    by_id = ENDPOINT.replace('"/{object_key}"', '"/jobs/{object_key}"')
    jobs.write_text(by_id)
    assert pp.main([str(package)]) == 0
    text = jobs.read_text()
    assert 'quote(str(object_key), safe="")' in text
    assert "_quote_object_key" not in text
    again = _package(tmp_path / "again")
    (again / "api" / "jobs").mkdir()
    (again / "api" / "jobs" / "describe_media_job.py").write_text(ENDPOINT)  # not under /jobs/
    assert pp.main([str(again)]) == 1
    assert "describe_media_job.py: expected one path-quoting call" in capsys.readouterr().err


def test_the_snapshot_time_is_typed_to_take_its_decimal_text(tmp_path: Path) -> None:
    package = _package(tmp_path)
    assert pp.main([str(package)]) == 0
    endpoint = (package / "api" / "snapshot" / "get_snapshot.py").read_text()
    assert endpoint.count("time: float | str") == 2
    assert "time (float | str):" in endpoint
    assert "time: float," not in endpoint
    # Once is enough: run on its own output, it finds nothing left to rewrite.
    with pytest.raises(pp.PostprocessError, match="`time: float`"):
        pp.rewrite_decimal_text(endpoint, ("time",), where="get_snapshot.py")


def test_an_endpoint_whose_decimal_parameter_changed_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = _package(tmp_path)
    endpoint = package / "api" / "snapshot" / "get_snapshot.py"
    endpoint.write_text(ENDPOINT.replace("time: float", "time: str"))
    assert pp.main([str(package)]) == 1
    assert "get_snapshot.py: expected the annotation `time: float`" in capsys.readouterr().err


def test_the_generated_snapshot_request_sends_the_time_text_as_it_is() -> None:
    from cos_snapshot_api.api.snapshot import get_snapshot  # noqa: PLC0415

    kwargs = get_snapshot._get_kwargs("a.mp4", time="0.0000001")
    assert kwargs["params"]["time"] == "0.0000001"
    assert "time: float | str" in inspect.getsource(get_snapshot)


def test_usage_without_a_directory_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert pp.main([]) == 2
    assert "usage:" in capsys.readouterr().err


# --- the committed generated/ is what the script makes ---------------------------------------


def test_no_generated_module_imports_httpx() -> None:
    modules = sorted(GENERATED.rglob("*.py"))
    assert modules
    for path in modules:
        assert "httpx" not in _imports_of(path.read_text("utf-8")), path
    assert "httpx2" in _imports_of((GENERATED / "client.py").read_text("utf-8"))


@pytest.mark.parametrize(
    "module",
    [
        "snapshot/get_snapshot.py",
        "media_info/get_media_info.py",
        "objects/put_object.py",
        "objects/head_object.py",
        "objects/get_object.py",
    ],
)
def test_the_generated_endpoints_hold_the_scripts_quoting_function(module: str) -> None:
    endpoint = (GENERATED / "api" / module).read_text("utf-8")
    assert inspect.getsource(pp._quote_object_key) in endpoint
    assert '"url": f"/{_quote_object_key(str(object_key))}' in endpoint
