"""Navigability from habitat-sim's navmesh ``PathFinder`` (geodesic distances on the mesh).

Project queries are floor points (x, y); they are lifted to habitat coordinates at the
agent's current floor height (multi-storey scenes are queried on the agent's storey).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from envs.habitat.frames import habitat_to_world, world_to_habitat


@dataclass
class PathfinderDistanceField:
    """Geodesic distances to one goal, answered lazily and cached per 1 cm cell."""

    nav: PathfinderNavigability
    goal: np.ndarray
    _cache: dict[tuple[int, int], float] = field(default_factory=dict)

    def at(self, xy: np.ndarray) -> float | np.ndarray:
        """The distance at one (2,) point, or at each row of (N, 2) points."""
        pts = np.asarray(xy, dtype=float)
        if pts.ndim == 2:
            return np.array([self._one(p) for p in pts])
        return self._one(pts)

    def _one(self, xy: np.ndarray) -> float:
        key = (int(round(float(xy[0]) * 100)), int(round(float(xy[1]) * 100)))
        if key not in self._cache:
            self._cache[key] = self.nav.geodesic_distance(xy, self.goal)
        return self._cache[key]


class PathfinderNavigability:
    """:class:`envs.base.Navigability` over ``sim.pathfinder``.

    Args:
        pathfinder: a loaded ``habitat_sim.nav.PathFinder``.
        shortest_path_factory: ``habitat_sim.ShortestPath`` (passed in so this module does not
            import habitat-sim).
        floor_height: returns the habitat y of the floor to query (the agent's base height).
    """

    def __init__(
        self,
        pathfinder: Any,
        shortest_path_factory: Callable[[], Any],
        floor_height: Callable[[], float],
    ) -> None:
        if not pathfinder.is_loaded:
            raise RuntimeError(
                "the habitat navmesh is not loaded; set env.recompute_navmesh=true "
                "or ship a .navmesh next to the scene"
            )
        self._pf = pathfinder
        self._path = shortest_path_factory
        self._floor = floor_height

    def _lift(self, xy: np.ndarray) -> np.ndarray:
        p = world_to_habitat(np.array([float(xy[0]), float(xy[1]), 0.0]))
        p[1] = self._floor()
        return p.astype(np.float32)

    def is_navigable(self, xy: np.ndarray) -> bool:
        return bool(self._pf.is_navigable(self._lift(xy)))

    def snap(self, xy: np.ndarray) -> np.ndarray:
        snapped = np.asarray(self._pf.snap_point(self._lift(xy)), dtype=float)
        if not np.all(np.isfinite(snapped)):
            raise ValueError(f"no navigable point near {xy}; is the navmesh empty?")
        return habitat_to_world(snapped)[:2]

    def _find(self, a: np.ndarray, b: np.ndarray) -> Any:
        path = self._path()
        path.requested_start = self._lift(a)
        path.requested_end = self._lift(b)
        return path if self._pf.find_path(path) else None

    def geodesic_distance(self, a: np.ndarray, b: np.ndarray) -> float:
        path = self._find(a, b)
        if path is None or not np.isfinite(path.geodesic_distance):
            return float("inf")
        return float(path.geodesic_distance)

    def shortest_path(self, a: np.ndarray, b: np.ndarray) -> list[np.ndarray] | None:
        path = self._find(a, b)
        if path is None:
            return None
        return [habitat_to_world(np.asarray(p, dtype=float))[:2] for p in path.points]

    def distances_from(self, goal: np.ndarray) -> PathfinderDistanceField:
        return PathfinderDistanceField(self, np.asarray(goal, dtype=float))

    def sample_navigable(self, rng: np.random.Generator) -> np.ndarray:
        # The navmesh sampler has its own RNG; seed it from ours to stay deterministic.
        self._pf.seed(int(rng.integers(2**31 - 1)))
        p = np.asarray(self._pf.get_random_navigable_point(), dtype=float)
        return habitat_to_world(p)[:2]
