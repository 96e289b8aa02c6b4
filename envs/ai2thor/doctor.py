"""What stops AI2-THOR here (used by ``embodied-mem doctor``, the benchmark's pre-flight and tests).

Checks without starting Unity or downloading anything. Facts from ai2thor 5.0.0's own code:
a ``local_executable_path`` becomes ``ai2thor.build.ExternalBuild``, whose platform is Linux64
(X11) on Linux, so a local build never renders headless through CloudRendering; with
``gpu_device`` set, or ``CUDA_VISIBLE_DEVICES`` set (the controller then picks its first
device), ``Controller.unity_command`` runs ``vulkaninfo`` and ``nvidia-smi -L`` to map CUDA
devices to Vulkan devices and fails without them.
"""

from __future__ import annotations

import ctypes.util
import importlib.util
import os
import shutil
from pathlib import Path

from envs.ai2thor.config import DEFAULT_CONTROLLER, AI2ThorConfig

BUILD_DOWNLOAD = "~500 MB"
"""Size of the zipped CloudRendering/Linux64 Unity build ai2thor downloads on first use."""


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


def _gpu_selected(config: AI2ThorConfig) -> bool:
    visible = [
        d for d in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if d.strip().isdigit()
    ]
    return config.gpu_device is not None or bool(visible)


def _local_build_problems(config: AI2ThorConfig) -> list[str]:
    path = Path(str(config.local_executable_path)).expanduser()
    problems = []
    if not path.exists():
        problems.append(
            f"local_executable_path {str(path)!r} does not exist: point it at a Unity build"
        )
    if config.platform == "CloudRendering":
        problems.append(
            "a local build cannot render headless: ai2thor starts local_executable_path builds "
            "as Linux64 (X11). Use platform=Linux64 with a display, or on an offline machine copy "
            "~/.ai2thor/releases/thor-CloudRendering-<commit>/ from a machine that downloaded it "
            "and leave local_executable_path unset"
        )
    return problems


def _cloud_rendering_problems(config: AI2ThorConfig) -> list[str]:
    problems = []
    if ctypes.util.find_library("vulkan") is None:
        problems.append(
            "CloudRendering needs the Vulkan loader and a GPU driver with Vulkan: apt-get install "
            "libvulkan1 (plus the NVIDIA driver, >= 450)"
        )
    if _gpu_selected(config):
        if shutil.which("vulkaninfo") is None:
            problems.append(
                "vulkaninfo is missing (ai2thor runs it when gpu_device or CUDA_VISIBLE_DEVICES "
                "is set): apt-get install vulkan-tools"
            )
        if shutil.which("nvidia-smi") is None:
            problems.append(
                "nvidia-smi is missing (ai2thor runs it when gpu_device or CUDA_VISIBLE_DEVICES "
                "is set): install the NVIDIA driver utilities"
            )
    return problems


def blocking_problems(config: AI2ThorConfig | None = None) -> list[str]:
    """Problems that stop :class:`envs.ai2thor.env.AI2ThorEnv` from starting; empty if none."""
    config = config or AI2ThorConfig()
    if importlib.util.find_spec("ai2thor") is None:
        return ["ai2thor is not installed: pip install 'embodied-mem[ai2thor]'"]
    if config.controller != DEFAULT_CONTROLLER:
        return []  # a stand-in controller (e.g. the test suite's fake) starts no Unity
    if config.local_executable_path:
        return _local_build_problems(config)
    if config.platform == "CloudRendering":
        return _cloud_rendering_problems(config)
    if not os.environ.get("DISPLAY"):
        return [
            f"platform {config.platform} renders through X11 but DISPLAY is not set: run "
            "`Xvfb :0 &` and `export DISPLAY=:0`, or use platform=CloudRendering"
        ]
    return []


def diagnose(config: AI2ThorConfig | None = None) -> list[str]:
    """Everything worth knowing before a run: :func:`blocking_problems`, then the first-run
    download if no build is cached (which needs internet but does not stop a run)."""
    config = config or AI2ThorConfig()
    problems = blocking_problems(config)
    if problems or config.controller != DEFAULT_CONTROLLER:
        return problems
    if unity_build_path(config) is None:
        problems.append(
            f"no AI2-THOR Unity build in ~/.ai2thor/releases (platform {config.platform}): the "
            f"first run downloads it ({BUILD_DOWNLOAD}, needs internet); offline, copy that "
            "folder from a machine that has it"
        )
    return problems
