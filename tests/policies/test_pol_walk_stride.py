"""A walk's moves reach the observers at a stride; the frame where a walk ends always does."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pol_boxworld import BoxWorldEnv, two_room_world

from envs.actions import MoveForward, TurnLeft
from policies.executor import ExecutorConfig, execute
from policies.navigation import NavigationConfig
from policies.runner import ActionRunner
from policies.subgoals import NavigateToPose


def test_runner_keeps_skipped_frames_for_settle(boxworld: BoxWorldEnv) -> None:
    seen: list = []
    runner = ActionRunner(boxworld, boxworld.observe(), 20, observers=[seen.append])
    runner.act(MoveForward(distance=0.1), 3)
    runner.act(MoveForward(distance=0.1), 3)
    assert seen == [] and runner.obs.agent.xy[0] > 1.0  # the policy still has the new frame
    runner.act(MoveForward(distance=0.1), 3)
    assert seen == [runner.raw_obs]  # the third
    runner.act(MoveForward(distance=0.1), 3)
    runner.act(TurnLeft(degrees=10.0))  # no stride: seen at once, the skipped one dropped
    assert seen[-1] is runner.raw_obs and len(seen) == 2
    runner.act(MoveForward(distance=0.1), 3)
    runner.settle()
    assert seen[-1] is runner.raw_obs and len(seen) == 3
    runner.settle()  # nothing left to hand over
    assert len(seen) == 3


def test_a_stride_below_one_is_refused_before_acting(boxworld: BoxWorldEnv) -> None:
    runner = ActionRunner(boxworld, boxworld.observe(), 20)
    start = runner.raw_obs
    with pytest.raises(ValueError, match="stride must be >= 1"):
        runner.act(MoveForward(distance=0.1), 0)
    assert runner.steps == 0 and runner.raw_obs is start


def test_a_refused_move_is_always_seen() -> None:
    world = two_room_world()
    env = BoxWorldEnv(world, start=(0.4, 3.0, math.pi))  # facing the west wall, 0.4 m off
    env.reset()
    seen: list = []
    runner = ActionRunner(env, env.observe(), 20, observers=[seen.append])
    result = runner.act(MoveForward(distance=0.5), 3)
    assert not result.success and seen == [runner.raw_obs]


def _walk(stride: int) -> tuple[list, object, int]:
    env = BoxWorldEnv(two_room_world(), start=(4.5, 3.0, 0.0))
    obs, _ = env.reset()
    seen: list = []
    cfg = ExecutorConfig(navigation=NavigationConfig(walk_frame_stride=stride))
    outcome, obs = execute(
        env, NavigateToPose(7.5, 3.0), obs, 250, config=cfg, observers=[seen.append]
    )
    assert outcome.success, outcome.reason
    assert np.linalg.norm(obs.agent.xy - [7.5, 3.0]) <= 0.25
    return seen, obs, outcome.steps


def test_a_walk_feeds_every_third_move_and_its_last_frame() -> None:
    every, last, steps = _walk(1)
    assert len(every) == steps >= 11 and every[-1] is last
    strided, last, steps = _walk(3)  # the same straight 3 m walk down the kitchen
    assert strided[-1] is last
    assert [o.frame_index for o in strided[:3]] == [3, 6, 9]
    assert len(strided) <= steps // 3 + 1
