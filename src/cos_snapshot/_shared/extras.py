"""Is an optional part of the package installed? The one check every command and helper that
needs an extra makes, with the one message that says what to install."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["EXTRAS", "install_command", "missing_modules", "needs_extra"]

#: The modules each extra brings that our code imports (its top-level import names).
EXTRAS: dict[str, tuple[str, ...]] = {
    "emulator": ("av", "PIL", "starlette", "uvicorn"),
    "cli": ("PIL",),
    "contract": ("pytest", "hypothesis", "schemathesis", "qcloud_cos", "av", "PIL", "uvicorn"),
}


def missing_modules(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here, in :data:`EXTRAS`' order."""
    return [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]


def _installer(prefix: Path, environ: Mapping[str, str]) -> str:
    """What installed this environment, as far as its place says: ``pipx`` (a venv under
    pipx's ``venvs``), ``uv tool`` (under uv's ``tools``), ``uv`` (a venv uv made, or a
    ``uv run``), else ``pip``."""
    parts = prefix.parts
    if "venvs" in parts and any("pipx" in part for part in parts):
        return "pipx"
    if "tools" in parts and any(part in {"uv", ".uv"} for part in parts):
        return "uv tool"
    try:
        config = (prefix / "pyvenv.cfg").read_text(encoding="utf-8", errors="replace")
    except OSError:
        config = ""
    if environ.get("UV") or any(line.startswith("uv =") for line in config.splitlines()):
        return "uv"
    return "pip"


def install_command(
    extra: str,
    *,
    prefix: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The command that adds ``extra`` with the installer this environment came from (pipx,
    a uv tool, uv, else pip), for the one-line hints; ``prefix`` and ``environ`` default to
    this interpreter's ``sys.prefix`` and ``os.environ``."""
    wanted = f"'cos-snapshot[{extra}]'"
    installer = _installer(
        Path(sys.prefix if prefix is None else prefix), os.environ if environ is None else environ
    )
    return {
        "pipx": f"pipx install --force {wanted}",
        "uv tool": f"uv tool install --force {wanted}",
        "uv": f"uv pip install {wanted}",
    }.get(installer, f"pip install {wanted}")


def needs_extra(extra: str, what: str) -> str | None:
    """One line saying that ``what`` needs ``extra`` and how to install it, naming the missing
    modules; ``None`` when everything ``extra`` brings is installed."""
    missing = missing_modules(extra)
    if not missing:
        return None
    return (
        f"{what} needs the {extra} extra: {install_command(extra)} (missing: {', '.join(missing)})"
    )
