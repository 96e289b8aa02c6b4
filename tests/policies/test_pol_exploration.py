"""Frontier exploration in the ray-cast box world."""

from __future__ import annotations

import numpy as np
import pytest
from pol_boxworld import BoxWorldEnv

from envs.types import Observation
from policies.executor import execute
from policies.exploration import CoverageGrid, ExplorationConfig, FrontierExplorer
from policies.runner import ActionRunner
from policies.subgoals import Explore

CFG = ExplorationConfig(pixel_stride=1)  # the box world renders only 80 x 60 pixels


def test_coverage_grid_marks_floor_and_obstacles(boxworld: BoxWorldEnv) -> None:
    grid = CoverageGrid(np.array([1.0, 1.0]), CFG)
    assert grid.seen_area() == 0.0
    grid.update(boxworld.observe())
    assert grid.seen_area() > 1.0
    # Everything the camera hit lies inside the flat or on its walls.
    xs, ys = np.nonzero(grid.known)
    world = grid.centre(xs, ys)
    assert world[:, 0].min() > -0.3 and world[:, 0].max() < 8.3
    assert world[:, 1].min() > -0.3 and world[:, 1].max() < 6.3
    assert grid.obstacle.any() and grid.frontier_clusters()


def test_exploration_covers_the_flat_and_stops_when_no_frontier_remains(
    boxworld: BoxWorldEnv,
) -> None:
    runner = ActionRunner(boxworld, boxworld.observe(), 600)
    explorer = FrontierExplorer(runner, CFG)
    start = explorer.coverage.seen_area()
    # A detector that never fires: exploration must end by itself, saying the target is not there.
    outcome = explorer.explore(lambda obs: False)
    assert not outcome.success
    assert outcome.reason.startswith("target not found: no frontiers remain")
    # The flat is 8 x 6 m; furniture and blind corners keep coverage a little below that.
    assert outcome.details["seen_area_m2"] > 0.85 * 48 > 10 * start
    assert outcome.details["frontier_clusters"] == 0
    assert outcome.steps < 600


def test_exploration_finds_target_in_other_room(boxworld: BoxWorldEnv) -> None:
    mug_index = list(boxworld.boxes).index("mug") + 1

    def sees_mug(obs: Observation) -> bool:  # a perfect detector stands in for perception
        return int((obs.instance_ids == mug_index).sum()) >= 3

    assert not sees_mug(boxworld.observe())
    outcome, obs = execute(
        boxworld,
        Explore(category="Mug", max_steps=400),
        boxworld.observe(),
        1000,
        target_found=sees_mug,
    )
    assert outcome.success, outcome.reason
    assert sees_mug(obs) and outcome.steps > 0


def test_exploration_budget_and_missing_detector(boxworld: BoxWorldEnv) -> None:
    outcome, _ = execute(boxworld, Explore(max_steps=10), boxworld.observe(), 1000)
    assert not outcome.success and "budget exhausted" in outcome.reason and outcome.steps == 10
    with pytest.raises(ValueError, match="target_found"):
        execute(boxworld, Explore(category="Mug"), boxworld.observe(), 100)


def test_search_looks_at_remembered_places_once_no_frontier_is_left(
    boxworld: BoxWorldEnv,
) -> None:
    """With the floor covered and the target still unseen, a search walks up to each place it
    is given (remembered receptacles) and looks at it before giving up."""
    fridge_front = (7.55, 5.0, 0.9)
    runner = ActionRunner(boxworld, boxworld.observe(), 800)
    outcome = FrontierExplorer(runner, CFG).explore(lambda obs: False, inspect=[fridge_front])
    assert not outcome.success and outcome.details["frontier_clusters"] == 0
    assert outcome.details["inspected"] == 1
    assert outcome.reason.endswith("and 1 remembered places were looked at")
    assert np.linalg.norm(runner.obs.agent.xy - np.array(fridge_front[:2])) < 1.5


def test_search_stops_at_the_place_that_shows_the_target(boxworld: BoxWorldEnv) -> None:
    runner = ActionRunner(boxworld, boxworld.observe(), 800)
    fridge_front, sofa = (7.55, 5.0, 0.9), (1.5, 5.0, 0.8)

    def near_sofa(obs: Observation) -> bool:  # stands in for "the thing on the sofa is seen"
        return runner.steps > 0 and np.linalg.norm(obs.agent.xy - np.array(sofa[:2])) < 1.5

    explorer = FrontierExplorer(runner, CFG)
    explorer._frontiers = lambda: []  # noqa: SLF001 - a mapped flat: nothing left to cover
    outcome = explorer.explore(near_sofa, inspect=[sofa, fridge_front])
    assert outcome.success and outcome.details["inspected"] == 1


def test_exploring_feeds_every_frame(boxworld: BoxWorldEnv) -> None:
    # Walks to a goal feed memory at a stride (NavigationConfig.walk_frame_stride); exploring
    # walks to see, so none of its frames is skipped (a thing can show in passing).
    seen: list[Observation] = []
    runner = ActionRunner(boxworld, boxworld.observe(), 120, observers=[seen.append])
    FrontierExplorer(runner, CFG).explore(lambda obs: False)
    assert runner.steps > 20 and len(seen) == runner.steps
