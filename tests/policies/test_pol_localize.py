"""Policies act on the agent's own pose estimate (``localize``); evaluation keeps the env's."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from pol_boxworld import BoxWorldEnv

from envs.types import Observation
from policies.executor import execute
from policies.subgoals import NavigateToPose

OFFSET = np.array([0.4, -0.3])


def shifted(obs: Observation) -> Observation:
    """A pose estimate off by a constant OFFSET (a drifted localisation)."""
    x, y, z = obs.agent.position
    cam = np.array(obs.cam_to_world, dtype=float, copy=True)
    cam[:2, 3] += OFFSET
    agent = dataclasses.replace(obs.agent, position=(x + OFFSET[0], y + OFFSET[1], z))
    return dataclasses.replace(obs, agent=agent, cam_to_world=cam)


def test_navigation_reaches_the_goal_in_the_estimated_frame(boxworld: BoxWorldEnv) -> None:
    start = boxworld.observe()
    seen: list[Observation] = []
    outcome, obs = execute(
        boxworld,
        NavigateToPose(3.0, 1.0, yaw=0.0),
        start,
        150,
        observers=[seen.append],
        localize=shifted,
    )
    assert outcome.success, outcome.reason
    # Reached where the estimate says (3, 1); the env's pose is off by OFFSET.
    assert np.linalg.norm(obs.agent.xy + OFFSET - [3.0, 1.0]) <= 0.25
    assert np.linalg.norm(obs.agent.xy - [3.0, 1.0]) > 0.3
    # The returned frame, the observers' frames, the log and the path length are the env's.
    assert obs is seen[-1]
    assert outcome.details["actions"][-1]["position"] == pytest.approx(list(obs.agent.xy))
    walked = sum(
        float(np.linalg.norm(b.agent.xy - a.agent.xy))
        for a, b in zip([start, *seen[:-1]], seen, strict=True)
    )
    assert outcome.path_length == pytest.approx(walked)
