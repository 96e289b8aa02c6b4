"""OccupancyGrid on synthetic floors with known answers, and on generated houses."""

from __future__ import annotations

import math

import numpy as np
import pytest

from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.house import rasterize_free
from envs.builtin.procgen import generate_house
from envs.navigability import OccupancyGrid


def _l_corridor() -> OccupancyGrid:
    """4 m x 4 m at 0.1 m with an L-shaped 1 m wide corridor: along y=0.5 then up x=3.5."""
    free = np.zeros((40, 40), dtype=bool)
    free[0:10, 0:40] = True  # rows = y, cols = x
    free[0:40, 30:40] = True
    return OccupancyGrid(free, (0.0, 0.0), 0.1, agent_radius=0.2)


def test_inflation_keeps_the_agent_off_walls():
    grid = _l_corridor()
    assert grid.is_navigable(np.array([1.0, 0.5]))
    assert not grid.is_navigable(np.array([1.0, 0.05])), "cell within the radius of the outer edge"
    assert not grid.is_navigable(np.array([1.0, 2.0])), "blocked region"
    assert not grid.is_navigable(np.array([-1.0, 0.5])), "outside the grid"


def test_geodesic_follows_the_corridor_not_the_straight_line():
    grid = _l_corridor()
    a, b = np.array([0.55, 0.55]), np.array([3.55, 3.55])
    d = grid.geodesic_distance(a, b)
    straight = float(np.linalg.norm(b - a))
    # The L is 3 m + 3 m; 8-connected paths may cut the inner corner, but never below the L's
    # inner-corner shortcut and never below the straight line.
    assert straight <= d
    assert 5.0 < d < 6.5
    assert grid.geodesic_distance(b, a) == pytest.approx(d, abs=1e-9)


def test_unreachable_and_path_waypoints_are_navigable():
    free = np.zeros((20, 40), dtype=bool)
    free[:, 0:15] = True
    free[:, 25:40] = True
    grid = OccupancyGrid(free, (0.0, 0.0), 0.1, agent_radius=0.1)
    a, b = np.array([0.7, 1.0]), np.array([3.2, 1.0])
    assert math.isinf(grid.geodesic_distance(a, b))
    assert grid.shortest_path(a, b) is None
    assert grid.n_components == 2
    corridor = _l_corridor()
    path = corridor.shortest_path(np.array([0.55, 0.55]), np.array([3.55, 3.55]))
    assert path is not None and len(path) >= 3, "must turn the corner"
    for p, q in zip(path[:-1], path[1:], strict=False):
        assert corridor.is_free_segment(p, q)
    length = sum(float(np.linalg.norm(q - p)) for p, q in zip(path[:-1], path[1:], strict=False))
    assert length <= corridor.geodesic_distance(path[0], path[-1]) + 1e-6


def test_snap_sample_and_distance_field():
    grid = _l_corridor()
    snapped = grid.snap(np.array([1.0, 2.5]))
    assert grid.is_navigable(snapped)
    assert abs(snapped[1] - 0.75) < 0.11, "nearest free floor is the corridor's far edge"
    rng = np.random.default_rng(0)
    pts = np.array([grid.sample_navigable(rng) for _ in range(50)])
    assert all(grid.is_navigable(p) for p in pts)
    field = grid.distances_from(np.array([3.5, 3.5]))
    many = field.at(pts)
    singles = [grid.geodesic_distance(p, np.array([3.5, 3.5])) for p in pts[:5]]
    np.testing.assert_allclose(many[:5], singles)


def test_bad_grid_inputs_are_rejected():
    with pytest.raises(ValueError, match="bool"):
        OccupancyGrid(np.ones((4, 4)), (0, 0), 0.1, 0.1)
    with pytest.raises(ValueError, match="resolution"):
        OccupancyGrid(np.ones((4, 4), bool), (0, 0), 0.0, 0.1)
    with pytest.raises(ValueError, match="narrower than the agent"):
        OccupancyGrid(np.ones((4, 4), bool), (0, 0), 0.1, 1.0)


@pytest.mark.parametrize("seed", [0, 3])
def test_house_geodesic_is_symmetric_and_at_least_straight_line(seed):
    cfg = BuiltinEnvConfig()
    house = generate_house(seed, cfg)
    free, origin = rasterize_free(house, cfg.grid_resolution)
    grid = OccupancyGrid(free, origin, cfg.grid_resolution, cfg.agent_radius)
    rng = np.random.default_rng(seed)
    for _ in range(6):
        a, b = grid.sample_navigable(rng), grid.sample_navigable(rng)
        dab, dba = grid.geodesic_distance(a, b), grid.geodesic_distance(b, a)
        assert math.isfinite(dab), "samples come from the main component, so a path exists"
        assert dab == pytest.approx(dba, rel=1e-9, abs=1e-9)
        assert dab >= float(np.linalg.norm(a - b)) - 1e-9


def test_house_doorways_connect_all_rooms():
    cfg = BuiltinEnvConfig()
    for seed in range(4):
        house = generate_house(seed, cfg)
        free, origin = rasterize_free(house, cfg.grid_resolution)
        grid = OccupancyGrid(free, origin, cfg.grid_resolution, cfg.agent_radius)
        reached = {
            house.room_at(*grid.snap(r.center)).id
            for r in house.rooms
            if grid.in_main_component(grid.snap(r.center))
        }
        assert len(reached) == len(house.rooms), f"seed {seed}: some room is cut off"


def test_steps_along_shortest_paths_are_never_refused():
    """Moves of 0.25 m along planned paths pass the same check MoveForward uses."""
    cfg = BuiltinEnvConfig()
    house = generate_house(3, cfg)
    free, origin = rasterize_free(house, cfg.grid_resolution)
    grid = OccupancyGrid(free, origin, cfg.grid_resolution, cfg.agent_radius)
    rng = np.random.default_rng(0)
    for _ in range(15):
        path = grid.shortest_path(grid.sample_navigable(rng), grid.sample_navigable(rng))
        assert path is not None
        for p, q in zip(path[:-1], path[1:], strict=True):
            length = float(np.linalg.norm(q - p))
            n = int(np.ceil(length / 0.25))
            stops = [p + (q - p) * min(1.0, k * 0.25 / length) for k in range(n + 1)]
            for s, t in zip(stops[:-1], stops[1:], strict=True):
                assert grid.is_free_segment(s, t), (s, t)


def test_nearest_in_main_stays_inside_the_box():
    grid = _l_corridor()
    p = grid.nearest_in_main(np.array([0.5, 3.5]), within=(0.0, 0.0, 2.0, 1.0))
    assert p is not None and grid.in_main_component(p) and p[0] < 2.0 and p[1] < 1.0
    assert grid.nearest_in_main(np.array([0.5, 3.5]), within=(0.0, 2.0, 1.0, 4.0)) is None


def test_paths_from_off_centre_starts_make_only_moves_the_grid_allows():
    """The search's diagonal steps pass exactly through cell corners only from cell centres;
    a path from a start off its cell's centre went straight to the next centre and could
    clip a blocked corner (about 1 % of paths here), a move the simulator refuses."""
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(40):
        free = np.ones((40, 40), dtype=bool)
        for _ in range(6):
            (r, c), (h, w) = rng.integers(2, 36, 2), rng.integers(2, 10, 2)
            free[r : r + h, c : c + w] = False
        try:
            grid = OccupancyGrid(free, (0.0, 0.0), 0.05, agent_radius=0.2)
        except ValueError:  # no navigable cell left
            continue
        rows, cols = np.nonzero(grid.main_component)
        for _ in range(20):
            i, j = rng.integers(len(rows), size=2)
            start = grid.cell_centers(rows[i : i + 1], cols[i : i + 1])[0]
            start = start + rng.uniform(-0.024, 0.024, 2)
            goal = grid.cell_centers(rows[j : j + 1], cols[j : j + 1])[0]
            path = grid.shortest_path(start, goal) if grid.is_navigable(start) else None
            if path is None:
                continue
            checked += 1
            for a, b in zip(path[:-1], path[1:], strict=True):
                assert grid.is_free_segment(a, b), (start, goal, a, b)
    assert checked > 500
