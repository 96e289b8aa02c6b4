"""Shared test setup: headless rendering, offline model hubs, and one recorded demo run."""

from __future__ import annotations

import os

import pytest

# Headless MuJoCo (EGL; OSMesa also works) and no hub downloads, also when pytest runs outside make.
os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    """(run_dir, live memory) of a ~50-frame 160x120 built-in run with 2 pick-and-place pairs,
    recorded once per session for the replay and viz tests."""
    from embodied_mem.replay.demo import DemoConfig, record_demo_run

    run_dir = tmp_path_factory.mktemp("replay") / "run"
    memory = record_demo_run(
        run_dir, DemoConfig(seed=0, walk_steps=20, interactions=2, task_budget=25)
    )
    return run_dir, memory
