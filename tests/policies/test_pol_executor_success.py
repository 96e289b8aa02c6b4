"""The executor's dispatch and trace, and the TASKS.md success rules on synthetic frames."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pol_boxworld import BoxWorldEnv

from embodied_mem.benchmark.success import (
    SuccessThresholds,
    check_object,
    check_receptacle,
    check_room,
    object_distance,
)
from envs.actions import Teleport
from envs.ground_truth import RoomRecord
from policies.executor import execute
from policies.subgoals import Answer, NavigateToPose, StopSubgoal


def test_trace_records_every_action_and_path_length(boxworld: BoxWorldEnv) -> None:
    outcome, obs = execute(boxworld, NavigateToPose(3.0, 1.0, yaw=0.0), boxworld.observe(), 100)
    assert outcome.success and outcome.details["subgoal"] == "NavigateToPose"
    actions = outcome.details["actions"]
    assert len(actions) == outcome.steps
    moved = sum(
        a["args"].get("distance", 0.0)
        for a in actions
        if a["action"] == "MoveForward" and a["success"]
    )
    assert outcome.path_length == pytest.approx(moved, abs=1e-6)
    assert outcome.path_length == pytest.approx(2.0, abs=0.3)  # (1, 1) -> (3, 1) in a straight line
    assert actions[-1]["position"] == pytest.approx(list(obs.agent.xy))


def test_answer_stop_and_bad_input(boxworld: BoxWorldEnv) -> None:
    obs = boxworld.observe()
    outcome, same = execute(boxworld, Answer("fridge in the kitchen"), obs, 10)
    assert (
        outcome.success
        and outcome.steps == 0
        and outcome.details["answer"] == "fridge in the kitchen"
    )
    assert same is obs
    outcome, _ = execute(boxworld, StopSubgoal(), obs, 10)
    assert outcome.success and [a["action"] for a in outcome.details["actions"]] == ["Stop"]
    outcome, _ = execute(boxworld, StopSubgoal(), obs, 0)
    assert not outcome.success and "budget" in outcome.reason
    with pytest.raises(TypeError, match="not a subgoal"):
        execute(boxworld, "go to the fridge", obs, 10)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="budget"):
        execute(boxworld, StopSubgoal(), obs, -1)


def test_object_rule_distance_facing_visibility(boxworld: BoxWorldEnv) -> None:
    gt = boxworld.ground_truth()
    mug, nav = gt.objects["mug"], boxworld.navigability
    good = boxworld.step(Teleport(5.3, 1.5, 0.0, -0.5))[0]
    assert check_object(mug, good, nav).success
    turned = boxworld.step(Teleport(5.3, 1.5, math.pi / 2, -0.5))[0]
    verdict = check_object(mug, turned, nav)
    assert not verdict.success and any("not facing" in f for f in verdict.failures)
    assert any("not visible" in f for f in verdict.failures)
    far = boxworld.step(Teleport(4.4, 1.5, 0.0, -0.3))[0]
    verdict = check_object(mug, far, nav)
    assert verdict.distance > 2.0 and any("too far" in f for f in verdict.failures)
    # Stricter thresholds flip a success into a failure: thresholds are config, not constants.
    assert not check_object(mug, good, nav, SuccessThresholds(object_distance=0.5)).success


def test_geodesic_object_distance_goes_around_walls(boxworld: BoxWorldEnv) -> None:
    nav = boxworld.navigability
    # 1 m apart in a straight line, but the wall at x = 4 forces a walk through the door.
    d = object_distance(nav, np.array([3.5, 1.0]), np.array([4.5, 1.0]))
    assert d > 3.0
    assert object_distance(nav, np.array([5.2, 1.5]), np.array([6.5, 1.5])) == pytest.approx(
        1.3, abs=0.15
    )


def test_receptacle_and_room_rules(boxworld: BoxWorldEnv) -> None:
    gt = boxworld.ground_truth()
    fridge = gt.objects["fridge"]
    near = boxworld.step(Teleport(6.6, 5.0, 0.0, -0.2))[0]
    assert check_receptacle(fridge, near, boxworld.navigability).success
    far = boxworld.step(Teleport(5.0, 5.0, 0.0, 0.0))[0]
    verdict = check_receptacle(fridge, far, boxworld.navigability)
    assert not verdict.success and any("too far" in f for f in verdict.failures)
    assert check_room(gt.rooms["kitchen"], far).success
    assert not check_room(gt.rooms["living"], far).success
    with pytest.raises(ValueError, match="object_distance"):
        SuccessThresholds(object_distance=0.0)
    tri = RoomRecord("t", "hall", "hall", [(0, 0), (10, 0), (0, 10)])
    assert tri.contains_xy(1, 1) and not tri.contains_xy(8, 8)
