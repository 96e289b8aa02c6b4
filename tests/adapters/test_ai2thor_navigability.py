"""Grid navigability over AI2-THOR reachable positions (shared OccupancyGrid)."""

from __future__ import annotations

import numpy as np
import pytest

from envs.ai2thor.navigability import grid_from_points, grid_from_reachable_positions


def _u_shaped_room():
    """A 9x9 lattice of 0.25 m points (offset like FloorPlan10's z = -1.25) with a wall at
    x = 1.0 for y < 1.75, so going from one side to the other needs a U-turn."""
    pts = [
        (i * 0.25, -1.25 + j * 0.25) for i in range(9) for j in range(9) if not (i == 4 and j < 7)
    ]
    return grid_from_reachable_positions([{"x": x, "y": 0.9, "z": y} for x, y in pts], 0.25)


def test_geodesic_goes_around_the_wall():
    nav = _u_shaped_room()
    a, b = np.array([0.5, -1.25]), np.array([1.5, -1.25])
    d = nav.geodesic_distance(a, b)
    assert d > 2.5 * np.linalg.norm(b - a) and np.isfinite(d)
    path = nav.shortest_path(a, b)
    assert path is not None
    assert np.allclose(path[0], a) and np.allclose(path[-1], b)
    assert max(p[1] for p in path) >= 0.5
    assert all(nav.is_navigable(p) for p in path)


def test_distance_field_matches_pairwise():
    nav = _u_shaped_room()
    goal = np.array([2.0, 0.75])
    field = nav.distances_from(goal)
    for xy in ([0.0, -1.25], [1.5, -1.0], [0.75, -0.25]):
        assert field.at(np.array(xy)) == pytest.approx(nav.geodesic_distance(np.array(xy), goal))


def test_navigable_snap_sample_and_unreachable():
    nav = _u_shaped_room()
    assert nav.is_navigable(np.array([0.05, -1.2]))
    assert not nav.is_navigable(np.array([1.0, -0.75]))  # inside the wall
    assert not nav.is_navigable(np.array([5.0, 5.0]))
    snapped = nav.snap(np.array([0.95, -0.75]))
    assert nav.is_navigable(snapped) and np.linalg.norm(snapped - [0.95, -0.75]) < 0.35
    rng = np.random.default_rng(0)
    assert all(nav.is_navigable(nav.sample_navigable(rng)) for _ in range(20))
    islands = grid_from_points(np.array([[0.0, 0.0], [0.25, 0.0], [3.0, 3.0]]), 0.25)
    assert islands.geodesic_distance(np.array([0.0, 0.0]), np.array([3.0, 3.0])) == np.inf
    assert islands.shortest_path(np.array([0.0, 0.0]), np.array([3.0, 3.0])) is None


def test_bad_positions_are_clear_errors():
    with pytest.raises(ValueError, match="GetReachablePositions"):
        grid_from_reachable_positions([], 0.25)
    with pytest.raises(ValueError, match="not on a 0.25 m grid"):
        grid_from_points(np.array([[0.0, 0.0], [0.125, 0.0]]), 0.25)
