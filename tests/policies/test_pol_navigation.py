"""Navigation in the ray-cast box world: reaching, re-planning, giving up with a reason."""

from __future__ import annotations

import math

import numpy as np
from pol_boxworld import Box, BoxWorldEnv, count_steps, two_room_world

from embodied_mem.benchmark.success import check_object, check_receptacle, check_room
from envs.actions import Teleport
from policies.executor import execute
from policies.subgoals import (
    NavigateToFrame,
    NavigateToObject,
    NavigateToPose,
    NavigateToReceptacle,
    NavigateToRoom,
)

MUG = (6.5, 1.5, 0.81)


def test_reaches_object_across_rooms_and_meets_success_rule(boxworld: BoxWorldEnv) -> None:
    obs = boxworld.observe()
    outcome, obs = execute(boxworld, NavigateToObject(MUG, "Mug"), obs, 200)
    assert outcome.success, outcome.reason
    verdict = check_object(boxworld.ground_truth().objects["mug"], obs, boxworld.navigability)
    assert verdict.success, verdict.failures
    # Path length is the distance walked; it cannot beat the geodesic to the mug's nearest viewpoint.
    assert outcome.path_length >= 4.0
    assert outcome.details["actions"] and outcome.steps == len(outcome.details["actions"])


def test_reaches_receptacle_room_pose_and_frame(boxworld: BoxWorldEnv) -> None:
    obs = boxworld.observe()
    outcome, obs = execute(boxworld, NavigateToReceptacle((7.55, 5.0, 0.9), "Fridge"), obs, 200)
    assert outcome.success, outcome.reason
    gt = boxworld.ground_truth()
    assert check_receptacle(gt.objects["fridge"], obs, boxworld.navigability).success
    outcome, obs = execute(boxworld, NavigateToRoom("living", anchor=(2.0, 2.0)), obs, 200)
    assert outcome.success and check_room(gt.rooms["living"], obs).success
    outcome, obs = execute(boxworld, NavigateToPose(1.0, 3.0, yaw=math.pi / 2), obs, 200)
    assert outcome.success and np.linalg.norm(obs.agent.xy - [1.0, 3.0]) <= 0.25
    assert abs(obs.agent.yaw - math.pi / 2) < math.radians(1)
    outcome, obs = execute(boxworld, NavigateToFrame(7, 5.0, 3.0, 0.0), obs, 200)
    assert outcome.success and np.linalg.norm(obs.agent.xy - [5.0, 3.0]) <= 0.25


def test_replans_around_an_obstacle_missing_from_the_map() -> None:
    world = two_room_world()
    # A crate in the middle of the doorway's approach that the navigability map does not know.
    world.boxes.append(Box("crate", "Box", (5.0, 2.4, 0.0), (5.4, 3.6, 0.6), hidden=True))
    env = BoxWorldEnv(world, start=(6.0, 3.0, math.pi))
    obs, _ = env.reset()
    outcome, obs = execute(env, NavigateToPose(2.0, 3.0), obs, 250)
    assert outcome.success, outcome.reason
    assert outcome.details["blocked_moves"] >= 1 and outcome.details["replans"] >= 1
    assert np.linalg.norm(obs.agent.xy - [2.0, 3.0]) <= 0.25


def test_unreachable_target_ends_quickly_with_reason() -> None:
    world = two_room_world()
    # Seal the doorway: the kitchen (and the mug) can no longer be reached from the living room.
    world.boxes.append(Box("seal", "Wall", (3.9, 2.4, 0.0), (4.1, 3.6, 2.5)))
    env = BoxWorldEnv(world)
    obs, _ = env.reset()
    stepped = count_steps(env)
    outcome, _ = execute(env, NavigateToObject(MUG, "Mug"), obs, 300)
    assert not outcome.success and outcome.reason.startswith("unreachable")
    # "Quickly" = decided from the map alone: not one action was sent to the simulator.
    assert outcome.steps == 0 and stepped["n"] == 0
    outcome, _ = execute(env, NavigateToPose(6.0, 3.0), obs, 300)
    assert not outcome.success and "unreachable" in outcome.reason


def test_step_budget_exhausted_reports_reason(boxworld: BoxWorldEnv) -> None:
    outcome, _ = execute(boxworld, NavigateToObject(MUG, "Mug"), boxworld.observe(), 5)
    assert not outcome.success and "budget exhausted" in outcome.reason and outcome.steps == 5


def test_occluded_target_not_visible_from_any_viewpoint() -> None:
    world = two_room_world()
    # An opaque shelf box hides the remembered point on every side (a stale memory inside it).
    world.boxes.append(Box("cupboard", "Cabinet", (1.8, 1.2, 0.0), (3.0, 2.4, 2.4)))
    env = BoxWorldEnv(world)
    obs, _ = env.reset()
    outcome, _ = execute(env, NavigateToObject((2.4, 1.8, 1.0), "Mug"), obs, 400)
    assert not outcome.success
    assert outcome.reason.startswith("target not visible from any viewpoint")
    assert outcome.details["viewpoints_tried"] >= 2


def test_already_there_costs_no_steps(boxworld: BoxWorldEnv) -> None:
    obs = boxworld.step(Teleport(5.3, 1.5, 0.0, -0.4))[0]
    outcome, _ = execute(boxworld, NavigateToObject(MUG, "Mug"), obs, 50)
    assert outcome.success and outcome.steps == 0


def test_a_goal_on_furniture_ends_at_its_nearest_standable_point(boxworld: BoxWorldEnv) -> None:
    """The plan ends at the goal's nearest navigable point, out of the goal's tolerance: the
    walk stops there instead of stepping across it and back until the budget runs out."""
    from policies.navigation import Navigator
    from policies.runner import ActionRunner

    obs = boxworld.observe()
    runner = ActionRunner(boxworld, obs, 300)
    sofa_middle = np.array([1.5, 5.0])  # 0.5 m inside the sofa, 0.7 m from standable floor
    assert runner.navigability.geodesic_distance(obs.agent.xy, sofa_middle) == np.inf
    assert Navigator(runner).go_to(sofa_middle, tolerance=0.25) is None
    assert runner.steps < 100
    assert 0.6 < np.linalg.norm(runner.obs.agent.xy - sofa_middle) < 1.0


def test_reach_target_away_from_a_spot_walks_to_the_remembered_viewpoint(
    boxworld: BoxWorldEnv,
) -> None:
    """Where the env found the target too small in view (full-0006: a tomato low in a fridge,
    7 px past the side wall), the agent sees it "from here" by depth: asked to avoid the spot,
    it walks onto the remembered viewpoint 20 cm away instead of counting itself there."""
    from policies.navigation import NavigationConfig, Navigator
    from policies.runner import ActionRunner

    obs = boxworld.step(Teleport(5.6, 1.3, 0.0, -0.4))[0]
    runner = ActionRunner(boxworld, obs, 300)
    navigator = Navigator(runner)
    spec = NavigationConfig().object
    mug, here = np.array(MUG), obs.agent.xy.copy()
    known = ((5.6, 1.5, 0.0),)
    ok, why, info = navigator.reach_target(mug, spec, known=known)
    assert ok and info["viewpoints_tried"] == 0 and np.allclose(runner.obs.agent.xy, here)
    ok, why, info = navigator.reach_target(mug, spec, known=known, avoid=[here])
    assert ok, why
    assert info["viewpoint"] == [5.6, 1.5]
    assert np.linalg.norm(runner.obs.agent.xy - known[0][:2]) <= navigator.config.same_spot / 2
