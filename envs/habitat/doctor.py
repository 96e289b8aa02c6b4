"""What stops habitat-sim here (used by ``embodied-mem doctor``, the benchmark's pre-flight and tests)."""

from __future__ import annotations

import ctypes.util
import importlib.util

from envs.habitat.config import CONDA_INSTALL, HabitatConfig


def _import_problems() -> tuple[list[str], list[str]]:
    """(blocking problems, version notes) from importing habitat-sim (no simulator is created)."""
    if importlib.util.find_spec("habitat_sim") is None:
        return [f"habitat-sim is not installed (not on PyPI): {CONDA_INSTALL}"], []
    try:
        import habitat_sim  # noqa: PLC0415 - optional dependency, checked just above

        from envs.habitat.conversions import check_habitat_version

        version = str(getattr(habitat_sim, "__version__", "unknown"))
        return [], [f"habitat-sim {version}: {n}" for n in check_habitat_version(version)]
    except (ImportError, OSError) as exc:
        return [f"habitat-sim is installed but does not import ({exc}): {CONDA_INSTALL}"], []
    except (RuntimeError, ValueError) as exc:
        return [str(exc)], []


def blocking_problems(config: HabitatConfig | None = None) -> list[str]:
    """Problems that stop :class:`envs.habitat.env.HabitatEnv` from starting; empty if none."""
    problems, _ = _import_problems()
    if problems:
        return problems
    if ctypes.util.find_library("EGL") is None:
        problems.append(
            "no libEGL: headless habitat-sim renders through EGL; install the GPU driver's EGL "
            "(e.g. libnvidia-gl-<ver>) or libegl1, see docs/simulators.md"
        )
    return problems


def diagnose(config: HabitatConfig | None = None) -> list[str]:
    """:func:`blocking_problems`, then what this habitat-sim version cannot do here."""
    problems = blocking_problems(config)
    return problems if problems else _import_problems()[1]
