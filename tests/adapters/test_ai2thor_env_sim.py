"""AI2-THOR env: lazy imports offline, and a short real episode when the Unity build exists."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from envs.actions import LookDown, MoveForward, Pick, Stop, TurnLeft
from envs.ai2thor.config import AI2ThorConfig
from envs.ai2thor.doctor import diagnose


def test_pure_modules_do_not_import_ai2thor():
    code = (
        "import sys, envs.ai2thor, envs.ai2thor.config, envs.ai2thor.frames, "
        "envs.ai2thor.conversions, envs.ai2thor.navigability, envs.ai2thor.doctor; "
        "assert 'ai2thor' not in sys.modules, 'ai2thor imported eagerly'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_doctor_names_what_is_missing():
    problems = diagnose(AI2ThorConfig(local_executable_path="/nonexistent/thor.x86_64"))
    assert any("local_executable_path" in p or "/nonexistent" in p for p in problems)


def test_local_build_cannot_render_headless(tmp_path):
    build = tmp_path / "thor.x86_64"
    build.write_text("")
    problems = diagnose(AI2ThorConfig(local_executable_path=str(build)))
    assert len(problems) == 1
    assert "Linux64 (X11)" in problems[0] and "~/.ai2thor/releases" in problems[0]


def test_gpu_selection_needs_vulkaninfo_and_nvidia_smi(monkeypatch):
    import envs.ai2thor.doctor as doctor

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    monkeypatch.setattr(doctor.ctypes.util, "find_library", lambda name: f"lib{name}.so.1")
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    problems = doctor.blocking_problems(AI2ThorConfig())
    assert any("apt-get install vulkan-tools" in p for p in problems)
    assert any("nvidia-smi" in p for p in problems)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    assert doctor.blocking_problems(AI2ThorConfig()) == []


def _build_thor():
    problems = diagnose()
    if problems:
        pytest.skip("AI2-THOR cannot start here: " + "; ".join(problems))
    from envs.registry import make_env

    return make_env("ai2thor", AI2ThorConfig(scene="FloorPlan10", width=300, height=300))


@pytest.fixture(scope="module")
def thor_env():
    env = _build_thor()
    yield env
    env.close()


@pytest.mark.simulator
def test_conformance():
    from envs.conformance import check_env_conformance

    check_env_conformance(_build_thor(), seed=0)  # closes the env itself


@pytest.mark.simulator
def test_short_episode_in_floorplan10(thor_env):
    obs, info = thor_env.reset(seed=0)
    obs.validate()
    assert info["scene"] == "FloorPlan10"
    assert obs.instance_ids is not None and obs.instance_names
    gt = thor_env.ground_truth()
    assert set(obs.instance_names.values()) <= set(gt.objects)
    for action in (MoveForward(), TurnLeft(), LookDown(), Stop()):
        obs, _, _, _, step_info = thor_env.step(action)
        obs.validate()
        assert step_info["result"].success or step_info["result"].reason
    # Picking something across the room fails with AI2-THOR's own error message.
    far = max(gt.pickupables(), key=lambda o: np.linalg.norm(o.center[:2] - obs.agent.xy))
    _, _, _, _, step_info = thor_env.step(Pick(far.id))
    assert not step_info["result"].success and "PickupObject" in step_info["result"].reason
    nav = thor_env.navigability
    assert nav.is_navigable(obs.agent.xy)
    a, b = (
        nav.sample_navigable(np.random.default_rng(0)),
        nav.sample_navigable(np.random.default_rng(1)),
    )
    assert nav.geodesic_distance(a, b) >= np.linalg.norm(a - b) - 1e-6
