"""An interaction the agent is told of as a pixel is placed with its own depth and drifted pose.

The benchmark's experience phase hands memory agents only ``(kind, frame index, pixel)``
(:class:`~embodied_mem.agent.interactions.ObservedInteraction`); the world point is the agent's
own back-projection, in the frame of reference its (drifting) memory lives in.
"""

from __future__ import annotations

import numpy as np
import pytest

from embodied_mem.agent.interactions import ObservedInteraction, hand_point
from embodied_mem.agent.loop import MemoryAgent
from embodied_mem.memory import AgentMemory
from embodied_mem.perception.pipeline import build_perceiver
from embodied_mem.perception.segmenters.noisy import NoisySegmenterConfig
from envs.actions import TurnLeft
from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.env import BuiltinHouseEnv
from envs.camera import pixels_to_world
from policies.manipulation import pixel_of

# Exact depth, so the only difference between the agent's point and the true one is its pose.
DRIFT = NoisySegmenterConfig(
    depth_noise_std=0.0, pose_drift_trans_std=0.05, pose_drift_yaw_std=0.02
)


def _back_project(obs, pixel, cam_to_world) -> np.ndarray:  # noqa: ANN001
    u, v = pixel
    z = np.array([float(obs.depth[v, u])])
    return pixels_to_world(
        np.array([u], float), np.array([v], float), z, obs.intrinsics, cam_to_world
    )[0]


@pytest.fixture()
def watching():  # noqa: ANN201
    """A memory agent with drifting pose that watched frames until a pickupable object showed;
    returns (agent, perceiver, the frame it showed in, that frame's own pose, its id, the next
    frame)."""
    try:
        env = BuiltinHouseEnv(BuiltinEnvConfig(width=80, height=60))
    except Exception as exc:  # no EGL/OSMesa on this machine
        pytest.skip(f"built-in simulator unavailable: {exc}")
    with env:
        obs, _ = env.reset(seed=2)
        gt = env.ground_truth()
        perceiver = build_perceiver("noisy", ground_truth=gt, config=DRIFT)
        agent = MemoryAgent(env, AgentMemory(gt.rooms.values()), perceiver, None)
        small = {o.id for o in gt.pickupables()}
        for _ in range(24):
            agent.observe(obs)
            own = perceiver.localize(obs)  # the pose memory got for this frame
            shown = sorted(n for n in obs.instance_names.values() if n in small)
            if shown and pixel_of(obs, shown[0]) is not None:
                break
            obs = env.step(TurnLeft())[0]
        else:
            pytest.skip("no pickupable object came into view")
        after = env.step(TurnLeft())[0]
        agent.observe(after)
        yield agent, perceiver, obs, own, shown[0], after


def test_pick_seen_in_the_frame_before_lands_where_the_agents_own_pose_puts_it(watching) -> None:  # noqa: ANN001
    agent, _, before, own, eid, after = watching
    pixel = pixel_of(before, eid)
    agent.record_observed_interaction(ObservedInteraction("pick", before.frame_index, pixel), after)
    event = agent.memory.episodic.events[-1]
    mine = _back_project(before, pixel, own.cam_to_world)
    truth = _back_project(before, pixel, before.cam_to_world)
    np.testing.assert_allclose(event.point, mine, atol=1e-6)
    assert np.linalg.norm(mine - truth) > 0.02, "the test needs a drifted pose to mean anything"
    assert event.start_frame == after.frame_index  # logged when it was done


def test_without_a_pixel_the_agent_takes_what_it_faced_then_its_hand(watching) -> None:  # noqa: ANN001
    agent, perceiver, before, own, _, after = watching
    agent.record_observed_interaction(ObservedInteraction("open", before.frame_index, None), after)
    k = before.intrinsics
    faced = _back_project(before, (k.width // 2, k.height // 2), own.cam_to_world)
    np.testing.assert_allclose(agent.memory.episodic.events[-1].point, faced, atol=1e-6)
    # A frame memory no longer holds: a hand's reach in front of the agent's own pose now.
    agent.record_observed_interaction(ObservedInteraction("close", -5, None), after)
    hand = hand_point(perceiver.localize(after))
    np.testing.assert_allclose(agent.memory.episodic.events[-1].point, hand, atol=1e-6)
