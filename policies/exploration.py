"""Frontier-based exploration of unseen floor, from depth frames alone.

Frontiers are free cells next to unknown ones (8-connected clusters, ``scipy.ndimage.label``)
of the map the agent plans on when that map is its own (it offers ``frontier_clusters``: the
free-space map its memory builds from every frame it ingests). With the simulator's map
(ORACLE) a :class:`CoverageGrid` on the floor plane is kept from the frames seen while
exploring: back-projected points near the floor mark their cells *free*, points between
``floor_height`` and ``obstacle_height`` mark *obstacles*; cells no point fell in stay
*unknown*. The explorer walks to the cheapest cluster (geodesic distance on the map minus a
bonus for size), looks around, and repeats until the ``found`` callback fires, no frontier remains, or
the step budget ends. The camera is pitched down while exploring: at 1.5 m and pitch 0 a
60-degree camera sees no floor nearer than ~2.6 m, which would leave a frontier at the feet.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from envs.actions import LookDown, LookUp, TurnLeft
from envs.types import Observation
from policies.geometry import backproject
from policies.navigation import NavigationConfig, Navigator
from policies.runner import ActionRunner, BudgetExhausted
from policies.subgoals import PolicyOutcome

logger = logging.getLogger(__name__)


@dataclass
class ExplorationConfig:
    """Coverage grid and frontier selection settings."""

    resolution: float = 0.1
    """Coverage cell size, metres."""
    half_extent: float = 15.0
    """Half the side (metres) of the square coverage grid centred on the start position."""
    floor_height: float = 0.1
    """Points below this height (metres) are floor."""
    obstacle_height: float = 2.0
    """Points between floor_height and this are obstacles; higher ones (ceiling) are ignored."""
    max_range: float = 6.0
    """Depth readings farther than this (metres) are ignored (noisy, or through doors)."""
    pixel_stride: int = 4
    """Back-project every n-th pixel row and column."""
    min_cluster_cells: int = 4
    """Frontier clusters smaller than this are ignored (depth speckle)."""
    min_frontier_distance: float = 0.8
    """Frontier cells this close to a visited position are ignored (the camera's blind spot)."""
    size_bonus: float = 0.02
    """Metres of travel one frontier cell is worth when choosing a cluster."""
    pitch_degrees: float = -30.0
    """Camera pitch while exploring (negative looks down)."""
    look_around_turns: int = 12
    """Turns of 360/n degrees made on arrival at each frontier."""
    max_targets: int = 60
    """Most frontier clusters visited in one call."""

    def __post_init__(self) -> None:
        for name in ("resolution", "half_extent", "max_range"):
            if getattr(self, name) <= 0:
                raise ValueError(f"ExplorationConfig.{name} must be > 0, got {getattr(self, name)}")
        if not self.floor_height < self.obstacle_height:
            raise ValueError("ExplorationConfig.floor_height must be below obstacle_height")
        if self.pixel_stride < 1 or self.look_around_turns < 1 or self.max_targets < 1:
            raise ValueError(
                "ExplorationConfig.pixel_stride, look_around_turns, max_targets must be >= 1"
            )


class CoverageGrid:
    """What the agent has seen of the floor: free, obstacle, unknown (floor-plane grid)."""

    def __init__(self, centre_xy: np.ndarray, config: ExplorationConfig) -> None:
        self.config = config
        self.origin = np.asarray(centre_xy, dtype=float)[:2] - config.half_extent
        n = int(math.ceil(2 * config.half_extent / config.resolution))
        self.floor = np.zeros((n, n), dtype=bool)
        self.obstacle = np.zeros((n, n), dtype=bool)
        self.visited = np.zeros((n, n), dtype=bool)

    def cells(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ix, iy, inside) cell indices of world points (N, 2)."""
        ij = np.floor(
            (np.asarray(xy, float).reshape(-1, 2) - self.origin) / self.config.resolution
        ).astype(int)
        inside = np.all((ij >= 0) & (ij < self.floor.shape[0]), axis=1)
        return ij[:, 0], ij[:, 1], inside

    @property
    def resolution(self) -> float:
        return float(self.config.resolution)

    def centre(self, ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
        return self.origin + (np.stack([ix, iy], axis=-1) + 0.5) * self.config.resolution

    def update(self, obs: Observation) -> None:
        """Mark the floor and obstacle cells hit by this depth frame, and the agent's own cell."""
        cfg = self.config
        depth_ok = np.asarray(obs.depth)[:: cfg.pixel_stride, :: cfg.pixel_stride]
        pts = backproject(obs, cfg.pixel_stride)
        ranges = depth_ok[np.isfinite(depth_ok) & (depth_ok > 0)]
        pts = pts[ranges <= cfg.max_range]
        floor_z = obs.agent.position[2]
        is_floor = pts[:, 2] < floor_z + cfg.floor_height
        is_obst = ~is_floor & (pts[:, 2] < floor_z + cfg.obstacle_height)
        for mask, layer in ((is_floor, self.floor), (is_obst, self.obstacle)):
            ix, iy, inside = self.cells(pts[mask, :2])
            layer[ix[inside], iy[inside]] = True
        ix, iy, inside = self.cells(obs.agent.xy)
        if inside[0]:
            self.visited[ix[0], iy[0]] = True
            self.floor[ix[0], iy[0]] = True

    @property
    def known(self) -> np.ndarray:
        return self.floor | self.obstacle

    def seen_area(self) -> float:
        """Square metres of floor-plane cells seen so far."""
        return float(self.known.sum()) * self.config.resolution**2

    def frontier_clusters(self) -> list[np.ndarray]:
        """Frontier clusters as (K, 2) arrays of cell indices, each of at least min size."""
        from scipy import ndimage  # on use: a slow import the CLI's config loading skips

        free = self.floor & ~self.obstacle
        frontier = free & ndimage.binary_dilation(~self.known, structure=np.ones((3, 3)))
        radius = int(math.ceil(self.config.min_frontier_distance / self.config.resolution))
        near_visited = ndimage.binary_dilation(self.visited, iterations=radius)
        frontier &= ~near_visited
        labels, n = ndimage.label(frontier, structure=np.ones((3, 3)))
        if n == 0:
            return []
        cells = np.argwhere(labels > 0)
        order = np.argsort(labels[cells[:, 0], cells[:, 1]], kind="stable")
        cells = cells[order]
        counts = np.bincount(labels[cells[:, 0], cells[:, 1]], minlength=n + 1)[1:]
        clusters = np.split(cells, np.cumsum(counts)[:-1])
        return [c for c in clusters if len(c) >= self.config.min_cluster_cells]

    def frontier_points(self) -> list[np.ndarray]:
        """Frontier clusters as world (K, 2) cell centres."""
        return [self.centre(c[:, 0], c[:, 1]) for c in self.frontier_clusters()]

    def unknown_near(self, xy: np.ndarray, radius: float) -> bool:
        """Whether any unknown cell lies within ``radius`` metres of ``xy`` (square window)."""
        ix, iy, _ = self.cells(np.asarray(xy, dtype=float)[None, :2])
        n = int(math.ceil(radius / self.config.resolution))
        i, j = int(ix[0]), int(iy[0])
        window = self.known[max(i - n, 0) : i + n + 1, max(j - n, 0) : j + n + 1]
        return bool(window.size and not window.all())


class FrontierExplorer:
    """Explores with frontiers until ``found(obs)`` is true or nothing is left to see."""

    def __init__(
        self,
        runner: ActionRunner,
        config: ExplorationConfig | None = None,
        nav_config: NavigationConfig | None = None,
    ) -> None:
        self.runner = runner
        self.config = config or ExplorationConfig()
        self.navigator = Navigator(runner, nav_config)
        self._inspect: list[np.ndarray] = []
        self._inspected = 0
        nav = runner.navigability
        # The agent's own map is its coverage (kept up to date by whoever ingests the frames);
        # with the simulator's map, coverage is what this exploration sees.
        self.own_map = hasattr(nav, "frontier_clusters") and hasattr(nav, "unknown_near")
        self.coverage: Any = nav if self.own_map else CoverageGrid(runner.obs.agent.xy, self.config)
        if not self.own_map:
            self.coverage.update(runner.obs)

    def explore(
        self,
        found: Callable[[Observation], bool] | None = None,
        inspect: Sequence[Sequence[float]] = (),
    ) -> PolicyOutcome:
        """Run until found, no frontier (nor point to ``inspect``, when searching) remains, or
        the runner's budget ends."""
        self._inspect = [np.asarray(p, dtype=float) for p in inspect]
        self._inspected = 0
        if not self.own_map:
            self.runner.observers.append(self.coverage.update)
        start_area = self.coverage.seen_area()
        try:
            ok, reason = self._loop(found or (lambda _obs: False), found is not None)
        except BudgetExhausted as exc:
            ok, reason = False, f"{exc} while exploring"
        finally:
            if not self.own_map:
                self.runner.observers.remove(self.coverage.update)
        details: dict[str, object] = {
            "seen_area_m2": self.coverage.seen_area(),
            "start_area_m2": start_area,
            "frontier_clusters": len(self._frontiers()),
            "inspected": self._inspected,
        }
        return PolicyOutcome(ok, self.runner.steps, reason, self.runner.path_length, details)

    def _loop(
        self, found: Callable[[Observation], bool], searching: bool
    ) -> tuple[bool, str | None]:
        self._set_pitch(math.radians(self.config.pitch_degrees))
        if self._look_around(found):
            return True, None
        tried: list[np.ndarray] = []
        for _ in range(self.config.max_targets):
            choice = self._next_frontier(tried)
            if choice is None:
                if searching and self._inspect_points(found):
                    return True, None
                if searching:
                    return (
                        False,
                        "target not found: no frontiers remain (the reachable space is explored)"
                        + (
                            f" and {self._inspected} remembered places were looked at"
                            if self._inspected
                            else ""
                        ),
                    )
                return True, None
            goal, point = choice
            logger.debug("frontier %s at step %d", np.round(goal, 2), self.runner.steps)
            # Each goal is tried once: reached or not, what could be seen from there was seen.
            tried.append(goal)

            def stop(obs: Observation, point: np.ndarray = point) -> bool:
                return found(obs) or not self.coverage.unknown_near(point, 0.25)

            # Every frame: exploring is walking to see (a thing shows in passing).
            failure = self.navigator.go_to(goal, 0.3, stop_when=stop, stride=1)
            if failure is not None:
                logger.debug("frontier %s unreachable: %s", np.round(goal, 2), failure)
            if found(self.runner.obs) or self._look_around(found):
                return True, None
        return False, f"stopped after visiting {self.config.max_targets} frontiers"

    def _inspect_points(self, found: Callable[[Observation], bool]) -> bool:
        """Walk up to each point to inspect and look at it, until ``found``."""
        spec = self.navigator.config.receptacle
        for point in self._inspect:
            self._inspected += 1
            logger.debug("inspecting %s at step %d", np.round(point, 2), self.runner.steps)
            ok, why, _ = self.navigator.reach_target(point, spec)
            if not ok:
                logger.debug("inspect %s: %s", np.round(point, 2), why)
            if found(self.runner.obs):
                return True
        return False

    def _frontiers(self) -> list[np.ndarray]:
        """Frontier clusters as world (K, 2) points, each of at least the minimum size."""
        if not self.own_map:
            return self.coverage.frontier_points()
        # The minimum size is in coverage cells (config.resolution): the same area on the map.
        scale = (self.config.resolution / self.coverage.resolution) ** 2
        return self.coverage.frontier_clusters(
            int(math.ceil(self.config.min_cluster_cells * scale)),
            self.config.min_frontier_distance,
        )

    def _next_frontier(self, tried: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
        """Navigable goal and frontier point of the cheapest untried cluster, or None."""
        nav = self.runner.navigability
        here = self.runner.obs.agent.xy
        field = nav.distances_from(here)
        # size_bonus is per coverage cell (config.resolution); the map's cells may be smaller.
        cell_area = (self.coverage.resolution / self.config.resolution) ** 2
        best, best_cost = None, math.inf
        for pts in self._frontiers():
            k = int(np.argmin(np.linalg.norm(pts - here, axis=1)))
            goal = np.asarray(nav.snap(pts[k]), dtype=float)[:2]
            if tried and np.min(np.linalg.norm(np.asarray(tried) - goal, axis=1)) < 0.5:
                continue
            cost = float(field.at(goal)) - self.config.size_bonus * len(pts) * cell_area
            if cost < best_cost:
                best, best_cost = (goal, pts[k]), cost
        return best

    def _look_around(self, found: Callable[[Observation], bool]) -> bool:
        degrees = 360.0 / self.config.look_around_turns
        for _ in range(self.config.look_around_turns):
            if found(self.runner.obs):
                return True
            self.runner.act(TurnLeft(degrees=degrees))
        return found(self.runner.obs)

    def _set_pitch(self, pitch: float) -> None:
        delta = math.degrees(pitch - self.runner.obs.agent.pitch)
        if abs(delta) > 0.5:
            self.runner.act(LookUp(degrees=delta) if delta > 0 else LookDown(degrees=-delta))
