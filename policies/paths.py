"""Shortest paths on the env's navigability, with detours around places found blocked.

The env's :class:`envs.base.Navigability` knows the static map only. When a move is blocked
by something the map lacks (a dropped object, a door the map thinks open), the policy
remembers a small disc there and plans a detour on a local grid sampled from the same
navigability, with that disc removed (``skimage.graph.MCP_Geometric`` does the search).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from skimage.graph import MCP_Geometric

from envs.base import Navigability
from policies.geometry import navigable_points, on_floor

logger = logging.getLogger(__name__)


@dataclass
class PathConfig:
    """How detours around blocked places are planned."""

    blocked_radius: float = 0.25
    """Metres around a point where a move was blocked that detours avoid."""
    resolution: float = 0.05
    """Cell size (metres) of the local grid used for detours."""
    margin: float = 3.0
    """Metres the detour grid extends beyond the start, goal and direct path."""
    clearance: float = 0.1
    """Extra metres careful plans keep from the map's non-navigable edge."""

    def __post_init__(self) -> None:
        if self.clearance < 0:
            raise ValueError(f"PathConfig.clearance must be >= 0, got {self.clearance}")
        for name in ("blocked_radius", "resolution", "margin"):
            if getattr(self, name) <= 0:
                raise ValueError(f"PathConfig.{name} must be > 0, got {getattr(self, name)}")


class PathPlanner:
    """Plans floor paths on ``nav``, avoiding discs where moves were blocked."""

    def __init__(self, nav: Navigability, config: PathConfig | None = None) -> None:
        self.nav = nav
        self.config = config or PathConfig()
        self.blocked: list[np.ndarray] = []

    def add_blocked(self, xy: np.ndarray) -> None:
        self.blocked.append(np.asarray(xy, dtype=float)[:2].copy())

    def plan(
        self, start: np.ndarray, goal: np.ndarray, careful: bool = False
    ) -> list[np.ndarray] | None:
        """Waypoints (x, y) from ``start`` to ``goal``, or None when no path exists.

        ``careful`` keeps ``config.clearance`` away from the map's edges: the env's shortest
        paths hug obstacles, and after a move grazed one the agent's small heading errors
        would graze it again.
        """
        start, goal = self._on_floor(start), self._on_floor(goal)
        path = self.nav.shortest_path(start, goal)
        if path is None:
            return None
        path = [np.asarray(p, dtype=float)[:2] for p in path]
        if careful:
            for clearance in (self.config.clearance, self.config.clearance / 2):
                safe = self._detour(start, goal, path, clearance)
                if safe is not None:
                    return safe
        if not self.blocked or not self._hits_blocked(path):
            return path
        return self._detour(start, goal, path)

    def path_closed(self, here: np.ndarray, path: list[np.ndarray]) -> bool:
        """Whether the rest of ``path`` (from ``here``) is blocked on the map as it is now (a
        map built while walking may have grown a wall across it). The first 10 cm are not
        judged: the agent may stand a hair off the map."""
        pts = [np.asarray(here, dtype=float)[:2], *(np.asarray(p, dtype=float)[:2] for p in path)]
        if len(pts) < 2:
            return False
        first = pts[1] - pts[0]
        length = float(np.linalg.norm(first))
        if length > 0:
            pts[0] = pts[0] + first * min(0.1, length) / length
        check = getattr(self.nav, "is_free_segment", None)
        if check is None:
            return not self._navigable(_densify(pts, self.config.resolution / 2)).all()
        return any(not check(a, b) for a, b in zip(pts[:-1], pts[1:], strict=False))

    def _navigable(self, xy: np.ndarray) -> np.ndarray:
        """(N,) bool navigability of many points; vectorised for grids (the simulator's
        :class:`~envs.navigability.OccupancyGrid` or the agent's own map: see
        :func:`~policies.geometry.navigable_points`)."""
        return navigable_points(self.nav, xy)

    def _on_floor(self, xy: np.ndarray) -> np.ndarray:
        """``xy`` itself if navigable, else the nearest navigable point (the agent may stand a
        hair off the map after a collision; a remembered goal may lie on furniture)."""
        return on_floor(self.nav, xy)

    def _hits_blocked(self, path: list[np.ndarray]) -> bool:
        pts = _densify(path, self.config.resolution / 2)
        blocked = np.asarray(self.blocked)
        d = np.linalg.norm(pts[:, None, :] - blocked[None, :, :], axis=2)
        return bool(np.any(d < self.config.blocked_radius))

    def _detour(
        self, start: np.ndarray, goal: np.ndarray, path: list[np.ndarray], clearance: float = 0.0
    ) -> list[np.ndarray] | None:
        """Plan on a local grid sampled from the map, minus blocked discs and a clearance band."""
        from scipy import ndimage  # on use: a slow import the CLI's config loading skips

        res = self.config.resolution
        pts = np.vstack([start, goal, *path])
        lo = pts.min(axis=0) - self.config.margin
        shape = np.ceil((pts.max(axis=0) + self.config.margin - lo) / res).astype(int) + 1
        centres = lo + (np.indices(shape).reshape(2, -1).T + 0.5) * res
        free = self._navigable(centres).reshape(shape)
        if clearance > 0:
            free &= ndimage.distance_transform_edt(free) * res > clearance
        if self.blocked:
            blocked = np.asarray(self.blocked)
            dist = np.linalg.norm(centres[:, None, :] - blocked[None, :, :], axis=2).min(axis=1)
            free &= (dist >= self.config.blocked_radius).reshape(shape)
        s_idx, g_idx = _cell(start, lo, res, shape), _cell(goal, lo, res, shape)
        # The agent stands at the start and the goal was chosen navigable: keep both (and the
        # cells right around them) open whatever the sampled, eroded map says.
        for idx in (s_idx, g_idx):
            free[max(idx[0] - 1, 0) : idx[0] + 2, max(idx[1] - 1, 0) : idx[1] + 2] |= clearance > 0
            free[idx] = True
        costs = np.where(free, 1.0, np.inf)
        mcp = MCP_Geometric(costs)
        cumulative, _ = mcp.find_costs([s_idx], [g_idx])
        if not np.isfinite(cumulative[g_idx]):
            logger.debug("no detour around %d blocked places", len(self.blocked))
            return None
        cells = np.asarray(mcp.traceback(g_idx), dtype=float)
        world = lo + (cells + 0.5) * res
        simplified = _simplify(list(world), free, lo, res)
        return [*simplified[1:-1], goal] if len(simplified) > 1 else [goal]


def _cell(xy: np.ndarray, lo: np.ndarray, res: float, shape: np.ndarray) -> tuple[int, int]:
    idx = np.clip(np.floor((xy - lo) / res).astype(int), 0, np.asarray(shape) - 1)
    return int(idx[0]), int(idx[1])


def _densify(path: list[np.ndarray], spacing: float) -> np.ndarray:
    """All points along the polyline ``path``, about ``spacing`` metres apart."""
    out = [np.asarray(path[0], dtype=float).reshape(1, -1)]
    for a, b in zip(path[:-1], path[1:], strict=False):
        n = max(int(np.ceil(np.linalg.norm(b - a) / spacing)), 1)
        # One array expression per leg (the same per-element arithmetic as point by point):
        # detour planning densifies hundreds of segments per plan.
        out.append(a + (b - a) * np.linspace(0, 1, n + 1)[1:, None])
    return np.concatenate(out)


def _simplify(
    points: list[np.ndarray], free: np.ndarray, lo: np.ndarray, res: float
) -> list[np.ndarray]:
    """Drop grid cells that a straight free segment can skip (string pulling)."""
    out = [points[0]]
    i = 0
    while i < len(points) - 1:
        j = len(points) - 1
        while j > i + 1 and not _segment_free(points[i], points[j], free, lo, res):
            j -= 1
        out.append(points[j])
        i = j
    return out


def _segment_free(
    a: np.ndarray, b: np.ndarray, free: np.ndarray, lo: np.ndarray, res: float
) -> bool:
    pts = _densify([a, b], res / 2)
    idx = np.floor((pts - lo) / res).astype(int)
    idx = np.clip(idx, 0, np.asarray(free.shape) - 1)
    return bool(np.all(free[idx[:, 0], idx[:, 1]]))
