"""What is missing for habitat-sim on this machine (used by ``embodied-mem doctor`` and tests)."""

from __future__ import annotations

import ctypes.util
import importlib.util

from envs.habitat.config import CONDA_INSTALL


def diagnose() -> list[str]:
    """Problems that stop :class:`envs.habitat.env.HabitatEnv` from starting; empty if none.

    Imports habitat-sim if present (to read its version) but creates no simulator.
    """
    if importlib.util.find_spec("habitat_sim") is None:
        return [f"habitat-sim is not installed (not on PyPI): {CONDA_INSTALL}"]
    problems = []
    try:
        import habitat_sim  # noqa: PLC0415 - optional dependency, checked just above

        from envs.habitat.conversions import check_habitat_version

        problems += [
            f"habitat-sim {habitat_sim.__version__}: {note}"
            for note in check_habitat_version(habitat_sim.__version__)
        ]
    except (ImportError, OSError) as exc:
        problems.append(
            f"habitat-sim is installed but does not import ({exc}); reinstall: {CONDA_INSTALL}"
        )
    except RuntimeError as exc:
        problems.append(str(exc))
    if ctypes.util.find_library("EGL") is None:
        problems.append(
            "no libEGL found: headless habitat-sim renders through EGL; install the "
            "GPU driver's EGL (e.g. libnvidia-gl-<ver>) or libegl1, see docs/simulators.md"
        )
    return problems
