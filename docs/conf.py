"""Sphinx configuration for the cos-snapshot documentation (built by `nox -s docs`)."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import cos_snapshot

# The command-line page shows the parser's defaults; some come from the environment.
for _name in ("COS_BUCKET", "COS_REGION", "COS_ENDPOINT_URL"):
    os.environ.pop(_name, None)
sys.path.insert(0, str(Path(__file__).parent))  # _cli_parser, for the command-line page

# sphinx-autodoc-typehints 3.6 still calls an API Sphinx 9 deprecates; the warning is theirs and
# says nothing about these pages.
warnings.filterwarnings("ignore", message=r".*sphinx_autodoc_typehints", module="sphinx")

project = "cos-snapshot"
author = "cos-snapshot developers"
copyright = "cos-snapshot developers"
release = cos_snapshot.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx_autodoc_typehints",
    "sphinxarg.ext",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build"]

# No smart quotes or dashes: the pages are full of commands and options, and "--live" must stay
# two hyphens (docutils would turn it into an en dash), '50%' straight quotes, to be copied.
smartquotes = False

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"cos-snapshot {release}"

# -- API reference -------------------------------------------------------------------------

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True}
autodoc_typehints = "description"
autodoc_preserve_defaults = False
typehints_use_signature = False
typehints_use_signature_return = False
always_document_param_types = True

# Every reference must resolve (`-n`). The build is offline (no intersphinx), so the types of
# other packages that appear in signatures are listed here, each by its exact name; anything
# of ours that fails to resolve is still an error.
nitpicky = True
nitpick_ignore = [
    ("py:data", "typing.Any"),
    ("py:data", "typing.Literal"),
    ("py:data", "Ellipsis"),
    *(
        ("py:class", name)
        for name in (
            "argparse.ArgumentParser",
            "collections.abc.AsyncIterable",
            "collections.abc.AsyncIterator",
            "collections.abc.Awaitable",
            "collections.abc.Callable",
            "collections.abc.Generator",
            "collections.abc.Iterable",
            "collections.abc.Iterator",
            "collections.abc.Mapping",
            "collections.abc.MutableMapping",
            "collections.abc.Sequence",
            "datetime.datetime",
            "decimal.Decimal",
            "fractions.Fraction",
            "os.PathLike",
            "pathlib.Path",
            "pathlib.PurePath",
            "pathlib.PurePosixPath",
            # The client's timeouts, requests and URLs are the HTTP library's, httpx2.
            "httpx2.Request",
            "httpx2.Response",
            "httpx2.Timeout",
            "httpx2.URL",
            "PIL.Image.Image",
            "PIL.ImageFont.FreeTypeFont",
            "PIL.ImageFont.ImageFont",
            "_pytest.fixtures.FixtureRequest",
            "_pytest.tmpdir.TempPathFactory",
            "starlette.applications.Starlette",
        )
    ),
]
