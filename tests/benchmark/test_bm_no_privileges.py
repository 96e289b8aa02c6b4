"""No privilege reaches the agent under test: the memory agents and their planner get an env
whose ground truth, simulator map and unwrapped simulator raise; evaluation (experience, task
generation, scoring) keeps the real one. Any leak fails the episode's tasks loudly."""

from __future__ import annotations

from typing import Any

import pytest

from embodied_mem.benchmark import episode_runner
from embodied_mem.benchmark.eval_runner import run_suite
from embodied_mem.config import load_config
from embodied_mem.run_config import RunConfig
from envs.wrappers import Wrapper


class PrivilegeLeak(AssertionError):
    """Ground truth or the simulator's map reached the agent under test."""


class NoPrivileges(Wrapper):
    """The env as the agent sees it: acting and observing only."""

    def ground_truth(self) -> Any:
        raise PrivilegeLeak("ground_truth() was called by the agent under test")

    @property
    def navigability(self) -> Any:
        raise PrivilegeLeak("the simulator's navigability reached the agent under test")

    @property
    def unwrapped(self) -> Any:
        raise PrivilegeLeak("the agent under test reached for the unwrapped simulator")


def test_memory_agents_run_without_ground_truth_or_the_simulator_map(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_agents = episode_runner.EpisodeRunner._agents  # noqa: SLF001
    guarded: list[NoPrivileges] = []

    def agents_without_privileges(self: Any, env: Any, gt: Any, spec: Any) -> Any:
        guarded.append(NoPrivileges(env))
        return real_agents(self, guarded[-1], gt, spec)

    monkeypatch.setattr(episode_runner.EpisodeRunner, "_agents", agents_without_privileges)
    crashes: list[str] = []
    real_plan = episode_runner.MemoryAgent._plan  # noqa: SLF001

    def plan(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = real_plan(self, *args, **kwargs)
        if result.failure_mode == "planner_crash":  # the loop turns planner raises into this
            crashes.append(result.message)
        return result

    monkeypatch.setattr(episode_runner.MemoryAgent, "_plan", plan)
    cfg = load_config(
        RunConfig,
        overrides=[
            "benchmark.name=noprivileges",
            "benchmark.episodes=1",
            "benchmark.seed=3",
            "benchmark.min_interactions=2",
            "benchmark.max_interactions=2",
            "benchmark.templates=[T01,T11,T26,T36,T44]",
            "baselines=[memory-oracle,no-memory]",
        ],
    )
    cfg.benchmark.env_options.update({"width": 160, "height": 120})
    summary = run_suite(cfg, tmp_path / "run")
    assert guarded, "the agents were not built through EpisodeRunner._agents"
    assert summary["failed_episodes"] == {}, summary["failed_episodes"]
    assert not crashes, crashes
    assert summary["navigation_map"] == {"memory-oracle": "own", "no-memory": "own"}
    memory = summary["baselines"]["memory-oracle"]["overall"]
    assert memory["tasks"] >= 4
    # The agent really works on its own map (not just survives): most tasks succeed.
    assert memory["success"] >= 0.5, memory
