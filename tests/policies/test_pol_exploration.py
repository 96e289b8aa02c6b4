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
