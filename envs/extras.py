"""One clear error for optional dependencies that are not installed."""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtraError(ImportError):
    """An optional dependency is missing; the message names the extra that installs it."""


def require_extra(module: str, extra: str, *, hint: str | None = None) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming ``pip install 'embodied-mem[extra]'``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        msg = (
            f"'{module}' is required for this feature but is not installed: "
            f"pip install 'embodied-mem[{extra}]'"
        )
        if hint:
            msg += f" ({hint})"
        raise MissingExtraError(msg) from exc


class SimulatorUnavailableError(MissingExtraError):
    """A simulator cannot start on this machine; the message names what to install or set."""
