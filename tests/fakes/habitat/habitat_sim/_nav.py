"""habitat-sim's ``PathFinder`` (fake): a navigable grid per storey instead of a Recast navmesh.

Each storey's walkable rectangles minus everything within the agent radius of an obstacle
(boxes between its floor and the agent's height) form a 5 cm grid. Queries are in habitat
coordinates; a point belongs to the storey whose floor is within ``max_y_delta`` of its y.
Paths stay on one storey (stairs are not modelled); geodesic distances come from scikit-image's
minimum-cost-path search with diagonal steps, like a navmesh's shortest path on a fine grid.
"""

from __future__ import annotations

from typing import Any

import magnum as mn
import numpy as np

from habitat_sim._scene import Box, Storey
from habitat_sim._version import RANGE3D_AABB

RES = 0.05


def _vec(p: Any) -> Any:
    """The return type of the version: magnum.Vector3 from 0.3.3 (Mn bindings), numpy before."""
    arr = np.asarray(p, dtype=np.float32)
    return mn.Vector3(arr) if RANGE3D_AABB else arr


class _Grid:
    def __init__(self, storey: Storey, obstacles: list[Box], radius: float, height: float) -> None:
        rects = np.asarray(storey.walkable, dtype=float)
        self.y = storey.floor_y
        self.origin = rects[:, :2].min(axis=0)
        shape = np.ceil((rects[:, 2:].max(axis=0) - self.origin) / RES).astype(int) + 1
        xs = self.origin[0] + RES * np.arange(shape[0])
        zs = self.origin[1] + RES * np.arange(shape[1])
        gx, gz = np.meshgrid(xs, zs, indexing="ij")
        free = np.zeros(shape, dtype=bool)
        for x0, z0, x1, z1 in rects:
            free |= (
                (gx >= x0 + radius)
                & (gx <= x1 - radius)
                & (gz >= z0 + radius)
                & (gz <= z1 - radius)
            )
        for box in obstacles:
            if box.hi[1] <= self.y + 0.05 or box.lo[1] >= self.y + height:
                continue  # below the floor surface or above the agent
            free &= ~(
                (gx > box.lo[0] - radius)
                & (gx < box.hi[0] + radius)
                & (gz > box.lo[2] - radius)
                & (gz < box.hi[2] + radius)
            )
        self.free = free

    def cell(self, p: np.ndarray) -> tuple[int, int]:
        ij = np.rint((np.asarray([p[0], p[2]]) - self.origin) / RES).astype(int)
        return int(ij[0]), int(ij[1])

    def ok(self, ij: tuple[int, int]) -> bool:
        i, j = ij
        return 0 <= i < self.free.shape[0] and 0 <= j < self.free.shape[1] and bool(self.free[i, j])

    def point(self, ij: tuple[int, int]) -> np.ndarray:
        return np.array([self.origin[0] + RES * ij[0], self.y, self.origin[1] + RES * ij[1]])


class PathFinder:
    def __init__(self) -> None:
        self._grids: list[_Grid] = []
        self._rng = np.random.default_rng(0)

    def build(
        self, storeys: list[Storey], obstacles: list[Box], radius: float, height: float
    ) -> bool:
        self._grids = [_Grid(s, obstacles, radius, height) for s in storeys]
        return any(g.free.any() for g in self._grids)

    @property
    def is_loaded(self) -> bool:
        return bool(self._grids)

    def _grid(self, p: np.ndarray, max_y_delta: float = 0.5) -> _Grid | None:
        near = [g for g in self._grids if abs(g.y - p[1]) <= max_y_delta]
        return min(near, key=lambda g: abs(g.y - p[1])) if near else None

    def is_navigable(self, pt: Any, max_y_delta: float = 0.5) -> bool:
        p = np.asarray(pt, dtype=float)
        g = self._grid(p, max_y_delta)
        return g is not None and g.ok(g.cell(p))

    def snap_point(self, point: Any, island_index: int = -1) -> Any:
        p = np.asarray(point, dtype=float)
        grids = sorted(self._grids, key=lambda g: abs(g.y - p[1]))
        if not grids or not grids[0].free.any():
            return _vec(np.full(3, np.nan))
        g = grids[0]
        ii, jj = np.nonzero(g.free)
        k = int(np.argmin((ii - g.cell(p)[0]) ** 2 + (jj - g.cell(p)[1]) ** 2))
        return _vec(g.point((int(ii[k]), int(jj[k]))))

    def find_path(self, path: Any) -> bool:
        from skimage.graph import MCP_Geometric

        a, b = np.asarray(path.requested_start, float), np.asarray(path.requested_end, float)
        g = self._grid(a)
        if g is None or self._grid(b) is not g or not (g.ok(g.cell(a)) and g.ok(g.cell(b))):
            path.points, path.geodesic_distance = [], float("inf")
            return False
        cost = np.where(g.free, 1.0, np.inf)
        mcp = MCP_Geometric(cost)
        dist, _ = mcp.find_costs([g.cell(a)], [g.cell(b)])
        d = float(dist[g.cell(b)])
        if not np.isfinite(d):
            path.points, path.geodesic_distance = [], float("inf")
            return False
        cells = mcp.traceback(g.cell(b))
        keep = cells[::6] + [cells[-1]]
        path.points = [_vec(g.point(c)) for c in keep]
        path.geodesic_distance = d * RES
        return True

    def try_step(self, start: Any, end: Any) -> Any:
        """The furthest navigable point on the straight segment start→end (no sliding)."""
        a, b = np.asarray(start, float), np.asarray(end, float)
        last = a
        steps = max(2, int(np.linalg.norm(b - a) / (RES / 2)) + 1)
        for t in np.linspace(0.0, 1.0, steps)[1:]:
            p = a + t * (b - a)
            if not self.is_navigable(p):
                break
            last = p
        return _vec(last)

    try_step_no_sliding = try_step

    def seed(self, new_seed: int) -> None:
        self._rng = np.random.default_rng(int(new_seed))

    def get_random_navigable_point(self, max_tries: int = 10, island_index: int = -1) -> Any:
        cells = [(g, ij) for g in self._grids for ij in zip(*np.nonzero(g.free), strict=True)]
        g, ij = cells[int(self._rng.integers(len(cells)))]
        return _vec(g.point((int(ij[0]), int(ij[1]))))

    def get_bounds(self) -> tuple[Any, Any]:
        lo = np.min([[g.origin[0], g.y, g.origin[1]] for g in self._grids], axis=0)
        hi = np.max(
            [
                [g.origin[0] + RES * g.free.shape[0], g.y, g.origin[1] + RES * g.free.shape[1]]
                for g in self._grids
            ],
            axis=0,
        )
        return _vec(lo), _vec(hi)
