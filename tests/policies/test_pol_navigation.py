"""Navigation in the ray-cast box world: reaching, re-planning, giving up with a reason."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from pol_boxworld import Box, BoxWorldEnv, count_steps, two_room_world

from embodied_mem.benchmark.success import check_object, check_receptacle, check_room
from envs.actions import Teleport
from policies.executor import ExecutorConfig, execute
from policies.navigation import NavigationConfig, Navigator
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


def test_a_deep_receptacle_is_reached_by_its_front_when_memory_gives_its_box() -> None:
    # Memory's centre of the fridge lies near its back (it was mapped with the door open, from
    # inside); the door the agent faces stands 0.6 m in front of that centre, more than the
    # receptacle's 0.5 m depth tolerance. With the remembered box, the door is the fridge.
    world = two_room_world()
    fridge = next(b for b in world.boxes if b.id == "fridge")
    fridge.lo, fridge.hi = (7.0, 4.5, 0.0), (7.9, 5.5, 1.8)
    deep_centre = (7.8, 5.0, 0.9)
    start = dict(start=(5.3, 5.0, 0.0))
    env = BoxWorldEnv(world, **start)
    obs, _ = env.reset()
    without, _ = execute(env, NavigateToReceptacle(deep_centre, "Fridge"), obs, 200)
    assert not without.success and "occluded" in without.reason
    env = BoxWorldEnv(world, **start)
    obs, _ = env.reset()
    box = ((7.0, 4.5, 0.0), (7.9, 5.5, 1.8))
    outcome, obs = execute(env, NavigateToReceptacle(deep_centre, "Fridge", box=box), obs, 200)
    assert outcome.success, outcome.reason
    assert check_receptacle(env.ground_truth().objects["fridge"], obs, env.navigability).success


def test_a_remembered_box_does_not_excuse_a_screen_in_front_of_it() -> None:
    # A screen 0.5 m in front of the deep fridge's door: the surface at the centre's pixel lies
    # outside the remembered box, so the fridge stays occluded with or without the box.
    world = two_room_world()
    fridge = next(b for b in world.boxes if b.id == "fridge")
    fridge.lo, fridge.hi = (7.0, 4.5, 0.0), (7.9, 5.5, 1.8)
    world.boxes.append(Box("screen", "Wall", (6.4, 4.4, 0.0), (6.5, 5.6, 2.0), hidden=True))
    env = BoxWorldEnv(world, start=(5.3, 5.0, 0.0))
    obs, _ = env.reset()
    deep_centre = np.array([7.8, 5.0, 0.9])
    box = ((7.0, 4.5, 0.0), (7.9, 5.5, 1.8))
    for b in (None, box):
        spec = replace(NavigationConfig().receptacle, box=b)
        check = Navigator.visibility(obs, deep_centre, spec)
        assert not check.visible and "occluded" in check.reason
    # Without the screen the same view sees the fridge only through its box.
    world.boxes.pop()
    env = BoxWorldEnv(world, start=(5.3, 5.0, 0.0))
    obs, _ = env.reset()
    assert not Navigator.visibility(obs, deep_centre, NavigationConfig().receptacle).visible
    spec = replace(NavigationConfig().receptacle, box=box)
    assert Navigator.visibility(obs, deep_centre, spec).visible


def test_a_view_judged_too_small_is_followed_by_a_nearer_one(boxworld: BoxWorldEnv) -> None:
    """A key chain seen at 17 pixels from 0.7 m (full-0000, seed 6161) needs a view from 0.3 m;
    the walk to the next viewpoint must not stop where the small view was, nor skip the
    viewpoints near it: an arrival check that asks for a nearer view gets one."""
    from policies.navigation import NEARER_VIEW
    from policies.runner import ActionRunner

    mug = np.array(MUG)
    obs = boxworld.step(Teleport(5.3, 1.5, 0.0, -0.4))[0]  # 1.2 m from the mug
    runner = ActionRunner(boxworld, obs, 300)
    navigator = Navigator(runner)
    spec = NavigationConfig().object
    views: list[float] = []

    def confirm(o) -> str | None:  # "seen, but too small" farther than 0.85 m
        d = float(np.linalg.norm(o.agent.xy - mug[:2]))
        views.append(d)
        return None if d <= 0.85 else f"the Mug shows at only 12 pixels here: {NEARER_VIEW}"

    ok, why, info = navigator.reach_target(mug, spec, confirm=confirm, known=((5.3, 1.5, 0.0),))
    assert ok, (why, views)
    assert views[0] > 1.1 and views[-1] <= 0.85
    assert all(b < a for a, b in zip(views, views[1:], strict=False)), views  # each nearer


def test_look_at_tilts_a_point_just_below_the_frame_into_it(boxworld: BoxWorldEnv) -> None:
    """A candle whose centre projected half a pixel below the frame's margin asked for a tilt
    under half a degree, which look_at skipped: "projects outside the image" at every
    viewpoint (seed 8383 full-0008). It must tilt enough to bring the point in."""
    from policies.geometry import project_point
    from policies.runner import ActionRunner

    obs = boxworld.step(Teleport(2.0, 2.0, 0.0, 0.0))[0]
    bottom = obs.intrinsics.height - 1 - 2.0  # the last row inside the 2-pixel margin
    lo, hi = -1.0, 1.5  # heights of a point 1 m ahead: below, above the wanted row
    for _ in range(60):
        mid = (lo + hi) / 2
        v = project_point(obs, np.array([3.0, 2.0, mid]))[1]
        lo, hi = (mid, hi) if v > bottom + 0.1 else (lo, mid)
    point = np.array([3.0, 2.0, lo])
    assert bottom < project_point(obs, point)[1] < bottom + 0.5

    navigator = Navigator(ActionRunner(boxworld, obs, 20))
    check = navigator.look_at(point, NavigationConfig().object)
    assert check.vertical_offset == 0.0, check
    assert navigator.obs.agent.pitch < 0.0


class _BumpRecorder:
    """The simulator's map with the own map's bumper: records every refused-move note."""

    def __init__(self, grid) -> None:  # noqa: ANN001
        self.grid = grid
        self.bumps: list[tuple[float, float]] = []

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self.grid, name)

    def mark_blocked(self, xy, heading, distance) -> None:  # noqa: ANN001
        self.bumps.append(tuple(np.round(xy, 2)))


def test_a_refusal_the_map_explains_leaves_no_bump_to_close_a_passage() -> None:
    """A move that grazes an obstacle the map already has was refused for its aim: a bump
    there (a fan of cells 0.45 m ahead) closed the only corridor to a candle (seed 8383
    full-0008, "every detour around the blocked places is closed"). Only a refusal the map
    cannot explain (a thing it lacks) is noted."""
    from policies.runner import ActionRunner

    world = two_room_world()
    world.boxes.append(Box("crate", "Box", (2.0, 1.0, 0.0), (2.4, 2.0, 0.6), hidden=True))
    env = BoxWorldEnv(world)
    obs, _ = env.reset()
    nav = _BumpRecorder(env.navigability)
    # Facing the dividing wall from 0.3 m: the map has it, the move is refused, no bump.
    obs = env.step(Teleport(3.6, 1.0, 0.0, 0.0))[0]
    navigator = Navigator(ActionRunner(env, obs, 20, nav=nav))
    assert navigator._blocked(obs.agent.xy, 0.25, np.array([6.0, 1.0]), "refused") is None
    assert nav.bumps == []
    # Refused again at the same spot: the next move is a short step, still no note; a third
    # time, the edge is nearer than the map has it (6161 full-0002 ran into it 13 times).
    navigator._blocked(obs.agent.xy, 0.25, np.array([6.0, 1.0]), "refused")
    assert nav.bumps == [] and navigator._short_step
    navigator._blocked(obs.agent.xy, 0.25, np.array([6.0, 1.0]), "refused")
    assert nav.bumps == [(3.6, 1.0)]
    nav.bumps.clear()
    # Facing the hidden crate across floor the map calls free: noted.
    obs = env.step(Teleport(1.6, 1.5, 0.0, 0.0))[0]
    navigator = Navigator(ActionRunner(env, obs, 20, nav=nav))
    navigator._blocked(obs.agent.xy, 0.25, np.array([3.0, 1.5]), "refused")
    assert nav.bumps == [(1.6, 1.5)]


def test_perception_decides_when_the_remembered_point_sank_just_under_a_surface(
    boxworld: BoxWorldEnv,
) -> None:
    """A noisy track's centre sank under the table top its credit card lies on: depth called
    it occluded from every viewpoint (seed 7272 full-0008). With a surface only a little in
    front of the point, the perception check decides; farther in front, or with no check, or
    a check that does not see the thing, depth's verdict stands."""
    from policies.geometry import VisibilityCheck
    from policies.runner import ActionRunner

    def occluded(gap: float) -> VisibilityCheck:
        why = f"occluded: depth {1.3 - gap:.2f} m in front of the target at 1.30 m"
        return VisibilityCheck(False, why, (80.0, 60.0), 1.3, 1.3 - gap)

    def judged(check: VisibilityCheck, confirm, **config) -> bool:  # noqa: ANN001, ANN003
        runner = ActionRunner(boxworld, boxworld.observe(), 10)
        return Navigator(runner, NavigationConfig(**config))._perceived(check, confirm).visible

    def sees(_obs) -> None:  # noqa: ANN001
        return None

    assert judged(occluded(0.2), sees)
    assert not judged(occluded(0.5), sees)  # a wall well in front: not the thing's surface
    assert not judged(occluded(0.2), lambda _o: "the CreditCard is not among what it sees")
    assert not judged(occluded(0.2), None)
    assert not judged(occluded(0.2), sees, perceived_behind=0.0)
    behind = VisibilityCheck(False, "depth 1.80 m lies behind the target at 1.30 m", None, 1.3, 1.8)
    assert not judged(behind, sees)  # nothing in front: not this rule's case


def test_perception_decides_when_the_wall_test_saw_the_wall_behind_the_thing(
    boxworld: BoxWorldEnv,
) -> None:
    """A noisy drawer against a wall was remembered out from it: its point's pixel read the
    wall behind, within the far tolerance, and the wall test rejected every view (seed 9494
    full-0005). Perception seeing the drawer there decides; without it, depth's verdict."""
    from policies.geometry import VisibilityCheck
    from policies.runner import ActionRunner

    why = "occluded: a surface taller than 1.45 m stands at the target's depth (a wall in front of it?)"
    wall = VisibilityCheck(False, why, (80.0, 60.0), 1.3, 1.7)
    runner = ActionRunner(boxworld, boxworld.observe(), 10)
    navigator = Navigator(runner, NavigationConfig())
    assert navigator._perceived(wall, lambda _o: None).visible
    assert not navigator._perceived(wall, lambda _o: "the Drawer is not among what it sees").visible
    assert not navigator._perceived(wall, None).visible


def _drawer_behind_a_bench() -> BoxWorldEnv:
    """A low drawer against the west wall, a lower bench in front of it (its top under the
    drawer's, so the drawer shows over it), floor beside the drawer only round the bench's
    ends; the agent starts east of the bench."""
    world = two_room_world()
    world.boxes = [b for b in world.boxes if b.id not in ("sofa", "apple")]
    world.boxes += [
        Box("drawer", "Drawer", (0.0, 2.7, 0.0), (0.4, 3.3, 0.6), receptacle=True),
        Box("bench", "Bench", (0.55, 0.0, 0.0), (1.15, 3.6, 0.35)),
    ]
    return BoxWorldEnv(world, start=(2.5, 3.0, math.pi))


def test_a_receptacle_seen_over_other_furniture_is_reached_from_beside_it() -> None:
    """Seed 4646 full-0005: a drawer seen over a desk from 1.2 m counted as reached; success is
    judged by the walk from the floor beside it (2.1 m round the desk), and five tasks failed.
    A view from where the walk-plus-reach to its centre exceeds ``max_centre_walk`` does not
    count; the agent goes round to the floor beside it."""
    drawer = NavigateToReceptacle((0.2, 3.0, 0.3), "Drawer")
    env = _drawer_behind_a_bench()
    obs, _ = env.reset()
    outcome, obs = execute(env, drawer, obs, 300)
    assert outcome.success, outcome.reason
    assert check_receptacle(env.ground_truth().objects["drawer"], obs, env.navigability).success
    assert obs.agent.xy[0] < 0.55  # beside it, not across the bench
    # Without the walk check the view across the bench is taken, and it fails the rule.
    lenient = replace(NavigationConfig().receptacle, max_centre_walk=None)
    env = _drawer_behind_a_bench()
    obs, _ = env.reset()
    config = ExecutorConfig(navigation=replace(NavigationConfig(), receptacle=lenient))
    outcome, obs = execute(env, drawer, obs, 300, config=config)
    assert outcome.success and obs.agent.xy[0] > 1.0
    assert not check_receptacle(env.ground_truth().objects["drawer"], obs, env.navigability).success
