"""Is an optional part of the package installed? The one check every command and helper that
needs an extra makes, with the one message that says what to install."""

from __future__ import annotations

import importlib.util

__all__ = ["EXTRAS", "missing_modules", "needs_extra"]

#: The modules each extra brings that our code imports (its top-level import names).
EXTRAS: dict[str, tuple[str, ...]] = {
    "emulator": ("av", "PIL", "starlette", "uvicorn"),
    "cli": ("PIL",),
    "contract": ("pytest", "hypothesis", "schemathesis", "qcloud_cos", "av", "PIL", "uvicorn"),
}


def missing_modules(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here, in :data:`EXTRAS`' order."""
    return [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]


def needs_extra(extra: str, what: str) -> str | None:
    """One line saying that ``what`` needs ``extra`` and how to install it, naming the missing
    modules; ``None`` when everything ``extra`` brings is installed."""
    missing = missing_modules(extra)
    if not missing:
        return None
    return (
        f"{what} needs the {extra} extra: pip install 'cos-snapshot[{extra}]' "
        f"(missing: {', '.join(missing)})"
    )
