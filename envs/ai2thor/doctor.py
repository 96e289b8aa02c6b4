"""What is missing for AI2-THOR on this machine (used by ``embodied-mem doctor`` and tests).

Checks without starting Unity or downloading anything.
"""

from __future__ import annotations

import ctypes.util
import importlib.util
from pathlib import Path

from envs.ai2thor.config import AI2ThorConfig


def unity_build_path(config: AI2ThorConfig) -> Path | None:
    """The local Unity build the controller would use, or None if it would have to download."""
    if config.local_executable_path:
        path = Path(config.local_executable_path).expanduser()
        return path if path.exists() else None
    if importlib.util.find_spec("ai2thor") is None:
        return None
    import ai2thor.build  # noqa: PLC0415 - optional dependency, checked just above

    commit = getattr(ai2thor.build, "COMMIT_ID", None)
    if commit is None:
        return None
    name = ai2thor.build.build_name(config.platform, commit)
    # ai2thor keeps builds in ~/.ai2thor/releases/<name> (Controller.releases_dir).
    path = Path.home() / ".ai2thor" / "releases" / name
    return path if path.is_dir() else None


def diagnose(config: AI2ThorConfig | None = None) -> list[str]:
    """Problems that stop :class:`envs.ai2thor.env.AI2ThorEnv` from starting; empty if none."""
    config = config or AI2ThorConfig()
    if importlib.util.find_spec("ai2thor") is None:
        return ["ai2thor is not installed: pip install 'embodied-mem[ai2thor]'"]
    problems = []
    if config.platform == "CloudRendering" and ctypes.util.find_library("vulkan") is None:
        problems.append(
            "CloudRendering needs the Vulkan loader: apt-get install libvulkan1 "
            "(plus an NVIDIA driver with Vulkan support)"
        )
    if unity_build_path(config) is None:
        where = config.local_executable_path or f"~/.ai2thor/releases (platform {config.platform})"
        problems.append(
            f"no AI2-THOR Unity build at {where}; the first run downloads it (~1 GB, "
            "needs internet) or set local_executable_path"
        )
    return problems
