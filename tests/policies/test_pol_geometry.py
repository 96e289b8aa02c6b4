"""Projection and depth-only visibility on rendered box-world frames."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pol_boxworld import BoxWorldEnv

from envs.actions import Teleport
from envs.navigability import OccupancyGrid
from policies.geometry import (
    backproject,
    check_visibility,
    navigable_points,
    on_floor,
    project_point,
    walk_and_reach,
    wrap_angle,
    yaw_to,
)


def test_wrap_and_yaw() -> None:
    assert wrap_angle(3 * math.pi) == pytest.approx(math.pi)
    assert wrap_angle(-math.pi / 2 - 2 * math.pi) == pytest.approx(-math.pi / 2)
    assert yaw_to(np.array([0.0, 0.0]), np.array([0.0, 2.0])) == pytest.approx(math.pi / 2)


def test_backprojected_pixels_project_back(boxworld: BoxWorldEnv) -> None:
    obs = boxworld.step(Teleport(5.0, 1.5, 0.0, -0.3))[0]
    pts = backproject(obs, stride=7)
    assert len(pts) > 20
    for p in pts[:: max(len(pts) // 10, 1)]:
        u, v, z = project_point(obs, p)
        # Back-projection took every 7th pixel: the round trip lands on that pixel grid.
        assert u == pytest.approx(round(u / 7) * 7, abs=1e-6)
        assert v == pytest.approx(round(v / 7) * 7, abs=1e-6)
        assert obs.depth[int(round(v)), int(round(u))] == pytest.approx(z, abs=1e-4)


def test_visible_when_in_view_and_unoccluded(boxworld: BoxWorldEnv) -> None:
    mug = np.array([6.5, 1.5, 0.81])
    obs = boxworld.step(Teleport(5.2, 1.5, 0.0, -0.4))[0]
    check = check_visibility(obs, mug, near_tolerance=0.3, far_tolerance=0.3)
    assert check.visible, check.reason


def test_behind_and_outside_and_occluded(boxworld: BoxWorldEnv) -> None:
    mug = np.array([6.5, 1.5, 0.81])
    behind = boxworld.step(Teleport(5.2, 1.5, math.pi, 0.0))[0]
    assert "behind" in check_visibility(behind, mug, near_tolerance=0.3, far_tolerance=0.3).reason
    # From the other room the wall at x = 4 stands between: depth reads the wall, much nearer.
    walled = boxworld.step(Teleport(2.0, 1.5, 0.0, -0.2))[0]
    check = check_visibility(walled, mug, near_tolerance=0.3, far_tolerance=0.3)
    assert not check.visible and "occluded" in check.reason
    # Too close below the camera with the camera level: the mug falls under the frame.
    low = boxworld.step(Teleport(5.6, 1.5, 0.0, 0.3))[0]
    check = check_visibility(low, mug, near_tolerance=0.3, far_tolerance=0.3)
    assert not check.visible and check.vertical_offset < 0


def test_on_floor_keeps_free_points_and_snaps_furniture_to_its_edge(boxworld: BoxWorldEnv) -> None:
    nav = boxworld.navigability
    free = on_floor(nav, np.array([1.5, 3.5, 0.4]))  # floor in front of the sofa; z is dropped
    assert free.tolist() == [1.5, 3.5]
    snapped = on_floor(nav, np.array([1.5, 5.0]))  # the sofa's centre is not navigable
    assert not nav.is_navigable(np.array([1.5, 5.0])) and nav.is_navigable(snapped)
    assert np.linalg.norm(snapped - [1.5, 5.0]) < 1.0  # the nearest free floor, not anywhere


def test_navigable_points_answers_as_the_per_point_test() -> None:
    rng = np.random.default_rng(2)
    free = np.ones((40, 50), dtype=bool)
    for _ in range(10):  # furniture
        r, c = rng.integers(0, 35), rng.integers(0, 45)
        free[r : r + rng.integers(2, 6), c : c + rng.integers(2, 6)] = False
    grid = OccupancyGrid(free, (-1.0, -0.5), 0.05, 0.1)
    pts = rng.uniform([-1.5, -1.0], [2.0, 2.0], size=(2000, 2))  # some off the grid
    pts[:200] = np.round(pts[:200] / 0.05) * 0.05  # on cell edges and corners
    expected = [grid.is_navigable(p) for p in pts]
    assert any(expected) and not all(expected)
    assert navigable_points(grid, pts).tolist() == expected

    class PerPoint:  # a map with no grid lookup (habitat's pathfinder, say)
        def is_navigable(self, xy: np.ndarray) -> bool:
            return grid.is_navigable(xy)

    assert navigable_points(PerPoint(), pts).tolist() == expected  # type: ignore[arg-type]


def test_walk_and_reach_ignores_a_pocket_of_floor_nobody_can_walk_into() -> None:
    """Issue 14 (memory-noisy, full-0000): the agent's own map held a pocket of free floor
    inside the furniture the target stands on (noisy depth under a table); the nearest
    navigable points around the target lay in it, so every walk came out ``inf`` and arrivals
    were rejected as "seen but inf m to walk"."""
    free = np.ones((60, 60), dtype=bool)  # 3 m x 3 m, 5 cm cells
    free[10:50, 10:50] = False  # a 2 m table from (0.5, 0.5) to (2.5, 2.5)
    free[27:34, 34:41] = True  # a hole in it, 20-50 cm from the target
    grid = OccupancyGrid(free, (0.0, 0.0), 0.05, 0.05)
    target, agent = np.array([1.5, 1.5]), np.array([0.2, 1.5])
    hole = np.array([1.85, 1.5])
    assert grid.is_navigable(hole) and not np.isfinite(grid.distances_from(agent).at(hole))
    walk = walk_and_reach(grid, agent, target)
    # To the table's near edge (x = 0.45: 25 cm), then a metre's reach to its middle.
    assert walk == pytest.approx(0.25 + 1.05, abs=0.06)
