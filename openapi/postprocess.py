"""Our changes to the code openapi-python-client generates, applied after it has run.

``python openapi/postprocess.py <package dir>`` rewrites the generated package in place:

- it imports httpx2 instead of httpx (``import httpx`` and every ``httpx.`` name in the modules
  that import it), so that the package needs no httpx and no import hook;
- a path parameter is an object key: instead of ``quote(str(key), safe="")``, which would send
  ``dir/a.mp4`` as ``dir%2Fa.mp4``, the endpoint calls :func:`_quote_object_key`, whose source is
  copied into the module (the generated package imports nothing of ours); the operations on
  fixed paths (:data:`FIXED_PATH_ENDPOINTS`: the bucket itself, ``/``, and the job list,
  ``/jobs``) have no path parameter, and are checked to have none; the operations on job ids
  (:data:`JOB_ID_ENDPOINTS`, ``/jobs/{JobId}``) keep the generator's quoting (``safe=""``: ids
  are letters, digits, ``-`` and ``_``, joined by ``,``, which goes out as ``%2C`` as the
  official SDK sends it), checked to be there once;
- a number sent as its exact decimal text (GetSnapshot's ``time``, a ``number`` in the spec,
  which the contract suite generates from) is typed ``float | str``: the client passes the
  text it checked (``0.0000001``), which httpx2 sends as it is, where a float would print
  ``1e-07`` (see :data:`DECIMAL_TEXT`).

Every rewrite checks that the text it replaces is there and fails loudly when it is not: a
generator upgrade that changes that text must be looked at, never skipped in silence.
``noxfile.py`` (``_generate_into``) runs this right after the generator, then formats again.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path
from urllib.parse import quote

__all__ = [
    "DECIMAL_TEXT",
    "FIXED_PATH_ENDPOINTS",
    "JOB_ID_ENDPOINTS",
    "PostprocessError",
    "check_fixed_path_endpoint",
    "check_job_id_endpoint",
    "postprocess",
    "rewrite_decimal_text",
    "rewrite_endpoint_module",
    "rewrite_httpx_imports",
]

#: The generated package's client module; it imports httpx, as does every endpoint module
#: (``api/<tag>/<operation>.py``, openapi-python-client 0.29). Every endpoint module but those of
#: :data:`FIXED_PATH_ENDPOINTS` and :data:`JOB_ID_ENDPOINTS` is on the object's path, so it
#: quotes one path parameter, the key.
CLIENT_MODULE = "client.py"
#: The endpoint modules of the operations on a fixed path, by the path they address: the bucket
#: itself (``GET /``) and the job list (``POST /jobs``, ``GET /jobs``). No object key.
FIXED_PATH_ENDPOINTS = {
    "get_bucket.py": "/",
    "create_media_jobs.py": "/jobs",
    "describe_media_jobs.py": "/jobs",
}
#: The endpoint modules of the operations on job ids (``/jobs/{JobId}``): not an object key.
JOB_ID_ENDPOINTS = frozenset({"describe_media_job.py", "cancel_media_job.py"})

_IMPORT_HTTPX = re.compile(r"^import httpx$", re.MULTILINE)
_HTTPX_NAME = re.compile(r"\bhttpx\.")
_ANY_HTTPX_IMPORT = re.compile(r"^\s*(?:import httpx\b|from httpx\b)", re.MULTILINE)
_PATH_QUOTE = re.compile(r'\bquote\(str\((?P<name>\w+)\), safe=""\)')
_BEFORE_KWARGS = "\ndef _get_kwargs("
#: The number parameters sent as exact decimal text, by endpoint module (``<operation>.py``).
DECIMAL_TEXT = {"get_snapshot.py": ("time",)}


class PostprocessError(RuntimeError):
    """The generated text is not what this script knows how to rewrite."""


def _quote_object_key(key: str) -> str:
    """The URL path of the object ``key``, percent-encoded as the official COS SDK does.

    One leading ``/`` is dropped, ``/`` is kept as a separator, everything but ``A-Z a-z 0-9 - _
    . ~`` is percent-encoded as UTF-8, and ``./`` becomes ``.%2F`` (the SDK's rule) so that no
    ``.`` or ``..`` segment can be collapsed by httpx2. Beyond the SDK, which loses them, a last
    segment ``.`` or ``..`` has its dots encoded and a ``/`` still leading has its ``/`` encoded
    (httpx2 would read ``//x`` as a host), so that the decoded path is always ``/`` + ``key``
    without its leading ``/``.
    """
    key = key.removeprefix("/")
    if not key:
        raise ValueError("an object key must not be empty or '/'")
    path = quote(key, safe="/-_.~").replace("./", ".%2F")
    if path.startswith("/"):
        path = "%2F" + path[1:]
    head, slash, last = path.rpartition("/")
    if last in (".", ".."):
        path = head + slash + last.replace(".", "%2E")
    return path


def rewrite_httpx_imports(text: str, *, where: str = "<text>") -> str:
    """``text`` with ``import httpx`` made ``import httpx2`` and each ``httpx.`` name
    ``httpx2.``; raises :class:`PostprocessError` if it has no ``import httpx`` line, or still
    imports httpx some other way afterwards."""
    if len(_IMPORT_HTTPX.findall(text)) != 1:
        raise PostprocessError(f"{where}: expected one line `import httpx`, found none or several")
    text = _HTTPX_NAME.sub("httpx2.", _IMPORT_HTTPX.sub("import httpx2", text))
    if _ANY_HTTPX_IMPORT.search(text):
        raise PostprocessError(f"{where}: still imports httpx after the rewrite")
    return text


def rewrite_endpoint_module(text: str, *, where: str = "<text>") -> str:
    """``text`` with its one path-quoting call replaced by ``_quote_object_key`` and that
    function's source put before ``_get_kwargs``; raises :class:`PostprocessError` if either
    place is not found exactly once."""
    calls = _PATH_QUOTE.findall(text)
    if len(calls) != 1:
        raise PostprocessError(
            f'{where}: expected one path-quoting call `quote(str(<name>), safe="")`, '
            f"found {len(calls)}"
        )
    if text.count(_BEFORE_KWARGS) != 1:
        raise PostprocessError(
            f"{where}: expected one `def _get_kwargs(` to put the quoting before"
        )
    if "\nfrom urllib.parse import quote\n" not in text:
        raise PostprocessError(f"{where}: expected `from urllib.parse import quote`")
    text = _PATH_QUOTE.sub(lambda m: f"_quote_object_key(str({m['name']}))", text)
    source = inspect.getsource(_quote_object_key)
    return text.replace(_BEFORE_KWARGS, f"\n{source}\n\n{_BEFORE_KWARGS}")


def check_fixed_path_endpoint(text: str, url: str, *, where: str = "<text>") -> str:
    """``text`` unchanged once it is seen to address the fixed path ``url`` (``"/"``, the
    bucket's root, or ``"/jobs"``), with nothing quoted into its path; raises
    :class:`PostprocessError` otherwise (an operation that gained a path parameter must be quoted
    as an object key or a job id, so it leaves :data:`FIXED_PATH_ENDPOINTS`)."""
    if _PATH_QUOTE.search(text) or text.count(f'"url": "{url}",') != 1:
        raise PostprocessError(f'{where}: expected the fixed path `"url": "{url}"` and no quoting')
    return text


def check_job_id_endpoint(text: str, *, where: str = "<text>") -> str:
    """``text`` unchanged once it is seen to quote one path parameter, the job ids, with the
    generator's ``safe=""``, into ``/jobs/``; raises :class:`PostprocessError` otherwise."""
    if len(_PATH_QUOTE.findall(text)) != 1 or '"url": "/jobs/{' not in text:
        raise PostprocessError(
            f'{where}: expected one path-quoting call `quote(str(<name>), safe="")` in `/jobs/`'
        )
    return text


def rewrite_decimal_text(text: str, names: tuple[str, ...], *, where: str = "<text>") -> str:
    """``text`` with each parameter of ``names`` typed ``float | str`` instead of ``float``
    (in the signatures and the docstrings); raises :class:`PostprocessError` if a name has no
    ``<name>: float`` annotation to rewrite."""
    for name in names:
        annotation = re.compile(rf"\b{name}: float\b(?! \|)")
        if not annotation.search(text):
            raise PostprocessError(f"{where}: expected the annotation `{name}: float`")
        text = annotation.sub(f"{name}: float | str", text)
        text = re.sub(rf"\b{name} \(float\):", f"{name} (float | str):", text)
    return text


def endpoint_modules(package: Path) -> list[Path]:
    """The endpoint modules of the generated package, ``api/<tag>/<operation>.py``."""
    return sorted(p for p in (package / "api").glob("*/*.py") if p.name != "__init__.py")


def postprocess(package: Path) -> None:
    """Apply every rewrite to the generated package in the directory ``package``."""
    client = package / CLIENT_MODULE
    endpoints = endpoint_modules(package)
    if not client.is_file() or not endpoints:
        raise PostprocessError(
            f"{package}: no {CLIENT_MODULE} or no api/<tag>/<operation>.py (the generator's "
            "layout changed?)"
        )
    client.write_text(rewrite_httpx_imports(client.read_text("utf-8"), where=str(client)), "utf-8")
    for path in endpoints:
        text = rewrite_httpx_imports(path.read_text("utf-8"), where=str(path))
        if path.name in FIXED_PATH_ENDPOINTS:
            text = check_fixed_path_endpoint(text, FIXED_PATH_ENDPOINTS[path.name], where=str(path))
        elif path.name in JOB_ID_ENDPOINTS:
            text = check_job_id_endpoint(text, where=str(path))
        else:
            text = rewrite_endpoint_module(text, where=str(path))
        if path.name in DECIMAL_TEXT:
            text = rewrite_decimal_text(text, DECIMAL_TEXT[path.name], where=str(path))
        path.write_text(text, "utf-8")
    for path in sorted(package.rglob("*.py")):
        if _ANY_HTTPX_IMPORT.search(path.read_text("utf-8")):
            raise PostprocessError(f"{path}: imports httpx, and this script does not rewrite it")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python openapi/postprocess.py <generated package directory>", file=sys.stderr)
        return 2
    try:
        postprocess(Path(argv[0]))
    except PostprocessError as exc:
        print(f"postprocess: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
