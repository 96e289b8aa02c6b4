"""The memory agent acts on its own (drifting) pose estimate, except on the ORACLE map."""

from __future__ import annotations

import numpy as np
import pytest

from embodied_mem.agent.loop import MemoryAgent
from embodied_mem.agent.navigation_map import NavigationMapConfig
from embodied_mem.memory import AgentMemory
from embodied_mem.perception.pipeline import build_perceiver
from embodied_mem.perception.segmenters.noisy import NoisySegmenterConfig
from envs.actions import TurnLeft
from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.env import BuiltinHouseEnv

DRIFT = NoisySegmenterConfig(pose_drift_trans_std=0.05, pose_drift_yaw_std=0.02)


class Interactions:
    """A recorder keeping the frames interactions were logged with."""

    def __init__(self) -> None:
        self.frames = []

    def on_frame(self, obs) -> None:
        pass

    def on_interaction(self, kind, obs, point) -> None:
        self.frames.append(obs)

    def on_task(self, trace) -> None:
        pass


@pytest.mark.parametrize("nav_map", ["own", "oracle"])
def test_agent_logs_and_acts_with_the_pose_memory_was_built_with(nav_map: str) -> None:
    try:
        env = BuiltinHouseEnv(BuiltinEnvConfig(width=80, height=60))
    except Exception as exc:  # no EGL/OSMesa on this machine
        pytest.skip(f"built-in simulator unavailable: {exc}")
    with env:
        obs, _ = env.reset(seed=2)
        gt = env.ground_truth()
        perceiver = build_perceiver("noisy", ground_truth=gt, config=DRIFT)
        log = Interactions()
        agent = MemoryAgent(
            env,
            AgentMemory(gt.rooms.values()),
            perceiver,
            None,
            recorder=log,
            navigation=NavigationMapConfig(map=nav_map),
        )
        for _ in range(6):
            agent.observe(obs)
            obs = env.step(TurnLeft())[0]
        agent.observe(obs)
        estimate = perceiver.localize(obs)
        assert np.linalg.norm(estimate.agent.xy - obs.agent.xy) > 0.01
        # Interactions are memory's: always logged with the estimate.
        agent.record_interaction("pick", obs, (0.0, 0.0, 0.0))
        assert log.frames[-1].agent == estimate.agent
        np.testing.assert_allclose(log.frames[-1].cam_to_world, estimate.cam_to_world)
        # Policies act on the estimate on the own map; on the simulator's map, in its frame.
        acting = agent._acting_localize
        if nav_map == "own":
            assert acting is not None and acting(obs).agent == estimate.agent
        else:
            assert acting is None
