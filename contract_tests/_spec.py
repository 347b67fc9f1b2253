"""The OpenAPI document the suite checks against.

Installed (package ``cos_snapshot_contract``), the spec travels inside the package and is read
through :mod:`importlib.resources`; in a clone of the repository the suite reads
``openapi/snapshot.yaml``, the same file the wheel carries.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["SPEC_NAME", "spec_bytes"]

SPEC_NAME = "snapshot.yaml"
_CHECKOUT_SPEC = Path(__file__).resolve().parent.parent / "openapi" / SPEC_NAME


def spec_bytes() -> bytes:
    """The spec, byte for byte."""
    installed = resources.files(__package__).joinpath(SPEC_NAME)
    if installed.is_file():
        return installed.read_bytes()
    return _CHECKOUT_SPEC.read_bytes()
