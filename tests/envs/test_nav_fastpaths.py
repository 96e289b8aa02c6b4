"""The occupancy grid's fast paths give exactly what the plain per-point versions give."""

from __future__ import annotations

import numpy as np
import pytest

from envs.navigability import OccupancyGrid


@pytest.fixture(scope="module")
def grid() -> OccupancyGrid:
    rng = np.random.default_rng(0)
    free = np.ones((80, 100), dtype=bool)
    free[[0, -1], :] = False
    free[:, [0, -1]] = False
    for _ in range(15):
        r, c = rng.integers(0, 75), rng.integers(0, 95)
        free[r : r + rng.integers(2, 10), c : c + rng.integers(2, 10)] = False
    free[40, 10:90] = False
    free[40, 48:52] = True  # a doorway: paths must bend through it
    return OccupancyGrid(free, (-2.5, -2.0), 0.05, 0.12)


def test_cell_matches_cells_of(grid: OccupancyGrid) -> None:
    rng = np.random.default_rng(1)
    pts = rng.uniform([-3.0, -2.5], [3.0, 2.5], size=(3000, 2))
    pts[:300] = np.round(pts[:300] / 0.05) * 0.05  # exactly on cell corners and edges
    rows, cols, inside = grid.cells_of(pts)
    for p, r, c, ok in zip(pts, rows, cols, inside, strict=True):
        assert grid._cell(p) == ((int(r), int(c)) if ok else None)
        assert grid.is_navigable(p) == bool(ok and grid.navigable[r, c])
    assert grid._cell(np.array([np.nan, 0.0])) is None
    assert grid._cell(np.array([np.inf, 0.0])) is None
    assert not grid.is_navigable(np.array([np.nan, np.nan]))


def _reference_shortcut(grid: OccupancyGrid, pts: list[np.ndarray]) -> list[np.ndarray]:
    """Plain string pulling: try every end point downward, one segment at a time."""
    out, i = [pts[0]], 0
    while i < len(pts) - 1:
        j = len(pts) - 1
        while j > i + 1 and not grid.is_free_segment(pts[i], pts[j]):
            j -= 1
        out.append(pts[j])
        i = j
    return out


def test_batched_shortcut_matches_reference(grid: OccupancyGrid) -> None:
    rng = np.random.default_rng(2)
    bent = 0
    for _ in range(30):
        a, b = grid.sample_navigable(rng), grid.sample_navigable(rng)
        raw = [a, *grid.cell_centers(*np.nonzero(grid.navigable))[rng.integers(0, 50, 12)], b]
        got, want = grid._shortcut(raw), _reference_shortcut(grid, raw)
        assert len(got) == len(want)
        assert all(np.array_equal(x, y) for x, y in zip(got, want, strict=True))
        path = grid.shortest_path(a, b)
        if path is not None:
            bent += len(path) > 2
            assert all(
                grid.is_free_segment(p, q) for p, q in zip(path[:-1], path[1:], strict=False)
            )
    assert bent > 0  # the doorway made some paths bend, so batches beyond the first ran


def test_shortcut_with_clearance_bound_matches_reference(grid: OccupancyGrid) -> None:
    """On a grid whose paths keep clear of obstacles (the agent's own map), a shortcut must
    also pass no tighter than the path it cuts: the coarse-then-full checks agree with the
    plain per-segment test of both rules."""
    from embodied_mem.memory.spatial_nav import PlanningGrid

    known = np.random.default_rng(4).random(grid.free.shape) < 0.8
    own = PlanningGrid(~grid.free, known, grid.origin, 0.05, 0.12, 3.0, comfort=(0.15, 1.0))

    def reference(pts: list[np.ndarray]) -> list[np.ndarray]:
        out, i = [pts[0]], 0
        while i < len(pts) - 1:
            tight = own._tightness(np.asarray(pts[i:]))
            j = len(pts) - 1
            while j > i + 1 and not (
                own.is_free_segment(pts[i], pts[j])
                and own._tightness(own._segment_points(pts[i], pts[j])).max()
                <= tight[: j - i + 1].max() + 1e-9
            ):
                j -= 1
            out.append(pts[j])
            i = j
        return out

    rng = np.random.default_rng(5)
    centres = own.cell_centers(*np.nonzero(own.navigable))
    for _ in range(30):
        a, b = own.sample_navigable(rng), own.sample_navigable(rng)
        raw = [a, *centres[rng.integers(0, len(centres), 12)], b]
        got, want = own._shortcut(raw), reference(raw)
        assert len(got) == len(want)
        assert all(np.array_equal(x, y) for x, y in zip(got, want, strict=True))


def test_distance_fields_are_cached_per_goal_cell(grid: OccupancyGrid) -> None:
    goal = grid.sample_navigable(np.random.default_rng(3))
    first = grid.distances_from(goal)
    assert grid.distances_from(goal + 0.001).cells is first.cells


@pytest.mark.parametrize("seed", range(6))
def test_navigable_mask_update_equals_the_whole_grid_transform(seed: int) -> None:
    """The windowed update after a few cells change (inside, at the border, blocked or
    cleared) gives exactly the mask of the whole-grid transform."""
    from envs.navigability import navigable_mask, navigable_mask_update

    rng = np.random.default_rng(seed)
    free = rng.random((90, 120)) > 0.03
    before = navigable_mask(free, 0.05, 0.175)
    for _ in range(20):
        after = free.copy()
        k = int(rng.integers(1, 6))
        rows, cols = rng.integers(0, 90, k), rng.integers(0, 120, k)
        if rng.random() < 0.3:  # at the border
            rows[0] = 0 if rng.random() < 0.5 else 89
        after[rows, cols] = ~after[rows, cols]
        got = navigable_mask_update(after, free, before, 0.05, 0.175)
        want = navigable_mask(after, 0.05, 0.175)
        assert np.array_equal(got, want)
        free, before = after, got
    assert navigable_mask_update(free, free, before, 0.05, 0.175) is before
