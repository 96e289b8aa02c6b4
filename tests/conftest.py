"""Shared test setup: headless rendering, offline model hubs, and one recorded demo run."""

from __future__ import annotations

import os

import pytest

# Headless MuJoCo (EGL; OSMesa also works) and no hub downloads, also when pytest runs outside make.
os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture()
def open_builtin_house():
    """Opens built-in house envs (160 x 120 unless told otherwise; the test is skipped where
    MuJoCo cannot render) and closes them after the test."""
    from envs.builtin.config import BuiltinEnvConfig
    from envs.builtin.env import BuiltinHouseEnv

    opened = []

    def open_house(**config):  # noqa: ANN003, ANN202
        try:
            env = BuiltinHouseEnv(BuiltinEnvConfig(**{"width": 160, "height": 120, **config}))
        except Exception as exc:  # no EGL/OSMesa on this machine
            pytest.skip(f"built-in simulator unavailable: {exc}")
        opened.append(env)
        return env

    yield open_house
    for env in opened:
        env.close()


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    """(run_dir, live memory) of a 160x120 built-in run with 2 pick-and-place pairs (~40
    frames reach memory: the scripted walk's and interactions' all, the task's walk every
    third), recorded once per session for the replay and viz tests."""
    from embodied_mem.replay.demo import DemoConfig, record_demo_run

    run_dir = tmp_path_factory.mktemp("replay") / "run"
    memory = record_demo_run(
        run_dir, DemoConfig(seed=0, walk_steps=20, interactions=2, task_budget=25)
    )
    return run_dir, memory


@pytest.fixture(scope="session")
def failing_eval_run(tmp_path_factory: pytest.TempPathFactory):
    """A one-episode eval run directory (128x96, 3 templates) in which tasks fail for sure:
    memory-oracle chooses its target but has 8 steps to get there, no-memory explores 20 steps.
    Used by the report and failure-picture tests (``media/`` holds what the run captured)."""
    from embodied_mem.benchmark.eval_runner import run_suite
    from embodied_mem.config import load_config
    from embodied_mem.run_config import RunConfig

    overrides = [
        "benchmark.name=failing",
        "benchmark.episodes=1",
        "benchmark.seed=5",
        "benchmark.min_interactions=2",
        "benchmark.max_interactions=2",
        "benchmark.templates=[T01,T08,T36]",
        "baselines=[memory-oracle,no-memory,frames-96]",
        "agent.task_budget=8",
        "planner.rule.explore_steps=20",
    ]
    cfg = load_config(RunConfig, overrides=overrides)
    cfg.benchmark.env_options.update({"width": 128, "height": 96})
    out = tmp_path_factory.mktemp("failing_eval") / "run"
    run_suite(cfg, out)
    return out


@pytest.fixture()
def walled_map():
    """A factory: the agent's own free-space map of seen floor with a wall across it and a door
    ``door_cells`` cells wide, and a point either side of the wall -> (map, west, east)."""
    import numpy as np

    from embodied_mem.memory.spatial import FreeSpaceConfig, FreeSpaceMap

    def build(door_cells: int):
        fmap = FreeSpaceMap(FreeSpaceConfig())
        fmap._cover(np.array([[0, 0], [79, 79]]))  # noqa: SLF001 - grow without frames
        fmap.floor_hits[:] = 5
        rows = np.arange(fmap.shape[0])
        door = (rows >= 70) & (rows < 70 + door_cells)
        fmap.obstacle_hits[1, ~door, 72] = 10
        fmap.version += 1
        west, east = fmap.cell_centres(np.array([50, 50]), np.array([50, 95]))
        return fmap, west, east

    return build
