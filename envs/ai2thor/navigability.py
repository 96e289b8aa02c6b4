"""Navigability over AI2-THOR's reachable positions (``GetReachablePositions``).

AI2-THOR reports the grid points where the agent can stand (already accounting for its
body), ``grid_size`` apart. Each point becomes one free cell of an
:class:`envs.navigability.OccupancyGrid` whose cells are ``grid_size`` wide and centred on the
points, so geodesic distances, snapping and sampling are the shared grid implementation.
"""

from __future__ import annotations

import numpy as np

from envs.navigability import OccupancyGrid


def grid_from_points(points: np.ndarray, grid_size: float) -> OccupancyGrid:
    """An occupancy grid whose free cells are centred on the reachable world (x, y) points.

    Args:
        points: (N, 2) world (x, y) of reachable positions, on a ``grid_size`` lattice.
        grid_size: AI2-THOR's grid spacing in metres.
    """
    pts = np.asarray(points, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0:
        raise ValueError(
            f"reachable points must be a non-empty (N, 2) array, got {pts.shape}; "
            "call GetReachablePositions after the scene has loaded"
        )
    if grid_size <= 0:
        raise ValueError(f"grid_size must be positive, got {grid_size}")
    lo = pts.min(axis=0)
    ij = np.rint((pts - lo) / grid_size).astype(int)
    off_lattice = np.abs((pts - lo) / grid_size - ij).max()
    if off_lattice > 0.25:
        raise ValueError(
            f"reachable points are not on a {grid_size} m grid (off by "
            f"{off_lattice * grid_size:.3f} m); pass the controller's gridSize"
        )
    free = np.zeros((ij[:, 1].max() + 1, ij[:, 0].max() + 1), dtype=bool)
    free[ij[:, 1], ij[:, 0]] = True
    # Reachable points already keep the agent's body clear of obstacles: radius 0 here.
    return OccupancyGrid(
        free,
        origin=(lo[0] - grid_size / 2, lo[1] - grid_size / 2),
        resolution=grid_size,
        agent_radius=0.0,
    )


def grid_from_reachable_positions(
    positions: list[dict[str, float]], grid_size: float
) -> OccupancyGrid:
    """From the ``actionReturn`` of GetReachablePositions (Unity x/y/z dicts)."""
    # Unity (x, z) is world (x, y); see envs.ai2thor.frames.
    pts = np.array([[p["x"], p["z"]] for p in positions], dtype=float).reshape(-1, 2)
    return grid_from_points(pts, grid_size)
