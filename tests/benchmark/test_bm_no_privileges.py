"""No privilege reaches the agent under test: the memory agents and their planner get an env
whose ground truth, simulator map and unwrapped simulator raise; evaluation (experience, task
generation, scoring) keeps the real one. Any leak fails the episode's tasks loudly.

The experience phase's interaction notices come from the evaluator's side of that wrapper, so
they are checked apart: they carry no world coordinates and no env ids, and the points memory
records are its own back-projections of the notices' pixels."""

from __future__ import annotations

from typing import Any

import numpy as np
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


KINDS = ("pick", "place", "open", "close")


def privileged_fields(notice: Any) -> list[str]:
    """Fields of an interaction notice that could carry ground truth: world coordinates or
    times (floats: a notice's pixel and frame index are whole numbers) or env ids (text other
    than the interaction's kind)."""
    leaks = []
    for name, value in vars(notice).items():
        parts = value if isinstance(value, tuple) else (value,)
        if any(isinstance(x, float) or (isinstance(x, str) and x not in KINDS) for x in parts):
            leaks.append(name)
    return leaks


class ExperienceWatch:
    """Watches what the experience phase hands the memory agents and what they record."""

    def __init__(self) -> None:
        self.agents: dict[str, Any] = {}
        self.notices: list[Any] = []
        self.mismatches: list[str] = []

    def wrap(self, on_observation: Any) -> Any:
        def watched(obs: Any, seen: Any) -> None:
            on_observation(obs, seen)
            if seen is None:
                return
            self.notices.append(seen)
            for name, agent in self.agents.items():
                self._check_point(name, agent, seen)

        return watched

    def wrap_interaction(self, on_interaction: Any) -> Any:
        """Notices that come without a frame (a place no frame showed): checked the same way."""

        def watched(seen: Any, obs: Any) -> None:
            on_interaction(seen, obs)
            self.notices.append(seen)
            for name, agent in self.agents.items():
                self._check_point(name, agent, seen)

        return watched

    def _check_point(self, name: str, agent: Any, seen: Any) -> None:
        """The point memory logged must be its own back-projection of the notice's pixel."""
        pixel = getattr(seen, "pixel", None)
        if agent.memory is None or pixel is None:
            return
        logged = agent.memory.episodic.events[-1].point
        own = agent.memory.point_at(seen.frame_index, *pixel)
        if own is None or not np.allclose(logged, own, atol=1e-9):
            self.mismatches.append(f"{name} {seen.kind}: logged {logged}, own {own}")


def test_memory_agents_run_without_ground_truth_or_the_simulator_map(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_agents = episode_runner.EpisodeRunner._agents  # noqa: SLF001
    guarded: list[NoPrivileges] = []
    watch = ExperienceWatch()

    def agents_without_privileges(self: Any, env: Any, gt: Any, spec: Any) -> Any:
        guarded.append(NoPrivileges(env))
        agents = real_agents(self, guarded[-1], gt, spec)
        watch.agents.update((n, a) for n, a in agents.items() if n.startswith("memory"))
        return agents

    real_experience = episode_runner.run_experience

    def experience(env: Any, spec: Any, on_observation: Any = None, *args: Any, **kw: Any) -> Any:
        watched = watch.wrap(on_observation) if on_observation is not None else None
        if kw.get("on_interaction") is not None:
            kw["on_interaction"] = watch.wrap_interaction(kw["on_interaction"])
        return real_experience(env, spec, watched, *args, **kw)

    monkeypatch.setattr(episode_runner.EpisodeRunner, "_agents", agents_without_privileges)
    monkeypatch.setattr(episode_runner, "run_experience", experience)
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
            # memory-noisy re-localises its drifting pose on its own map: no privilege either
            "baselines=[memory-oracle,memory-noisy,no-memory]",
        ],
    )
    cfg.benchmark.env_options.update({"width": 160, "height": 120})
    summary = run_suite(cfg, tmp_path / "run")
    assert guarded, "the agents were not built through EpisodeRunner._agents"
    # What the experience phase told the agents of their interactions: kind and pixel only.
    assert watch.notices, "no interaction notice reached the memory agents"
    leaks = {f for n in watch.notices for f in privileged_fields(n)}
    assert not leaks, f"interaction notices carry ground truth: {sorted(leaks)}"
    assert not watch.mismatches, watch.mismatches[:5]
    assert summary["failed_episodes"] == {}, summary["failed_episodes"]
    assert not crashes, crashes
    assert summary["navigation_map"] == {
        "memory-oracle": "own",
        "memory-noisy": "own",
        "no-memory": "own",
    }
    # The drifting pose was re-localised on the agent's own map under the same guard.
    assert watch.agents["memory-noisy"].perceiver.corrector.attempts > 0
    memory = summary["baselines"]["memory-oracle"]["overall"]
    assert memory["tasks"] >= 4
    # The agent really works on its own map (not just survives): most tasks succeed.
    assert memory["success"] >= 0.5, memory
