"""Planning on the agent's own free-space map: the :class:`envs.base.Navigability` interface.

:class:`MapNavigation` gives :class:`~embodied_mem.memory.spatial.FreeSpaceMap` the methods the
policies and the rule planner use on the simulator's :class:`envs.navigability.OccupancyGrid`
(``is_navigable``, ``snap``, ``geodesic_distance``, ``shortest_path``, ``distances_from``, the
``navigable`` array and the grid geometry), so they take either. Plans are optimistic: a cell
is passable unless an *occupied* cell lies within the agent's radius, so unknown space is
crossed (at ``unknown_cost`` per metre, seen floor costs 1) and the agent re-plans when new
frames show a wall there. Distances through unknown space are therefore cost-weighted metres.

The planning grid is rebuilt lazily, once per map version that is queried, and carries over
what the map change left as it was (see :meth:`MapNavigation._rebuilt_grid`).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

import numpy as np

from envs.navigability import DistanceField, OccupancyGrid, navigable_mask_update


class PlanningGrid(OccupancyGrid):
    """An :class:`OccupancyGrid` whose unknown cells cost ``unknown_cost`` per metre.

    Args:
        blocked: (H, W) bool, occupied cells.
        known: (H, W) bool, cells seen (floor or obstacle) or stood on.
        origin, resolution, agent_radius: as for :class:`OccupancyGrid`.
        unknown_cost: cost per metre of an unknown navigable cell (seen floor costs 1).
    """

    def __init__(
        self,
        blocked: np.ndarray,
        known: np.ndarray,
        origin: np.ndarray,
        resolution: float,
        agent_radius: float,
        unknown_cost: float,
        previous: PlanningGrid | None = None,
        comfort: tuple[float, float] = (0.0, 0.0),
    ) -> None:
        """``previous``: an earlier grid of the same map on the same lattice (origin, shape,
        resolution, radius); what depends only on the obstacles is carried over from it (all
        of it when they are the same, else the clearance mask around the changed cells is
        recomputed, see :func:`envs.navigability.navigable_mask_update`).

        ``comfort``: (margin metres, extra cost) — paths pay up to ``1 + extra`` times per
        metre for cells whose clearance exceeds the agent's radius by less than ``margin``
        (see :attr:`_path_costs`)."""
        clear = None
        if previous is not None:
            clear = navigable_mask_update(
                ~blocked, ~previous.blocked, previous.clear, resolution, agent_radius
            )
        origin_xy = (float(origin[0]), float(origin[1]))
        super().__init__(~blocked, origin_xy, resolution, agent_radius, navigable=clear)
        self.clear = self.navigable
        """(H, W) bool, cells with the agent's clearance; shared with later grids, never
        changed in place."""
        self.blocked = blocked
        self.known = known
        self.unknown_cost = unknown_cost
        self._costs = np.where(self.navigable, np.where(known, 1.0, unknown_cost), np.inf)
        self.comfort = comfort
        if previous is not None and np.array_equal(previous.navigable, self.navigable):
            for cached in ("_components", "_nearest"):  # functools.cached_property values
                if cached in previous.__dict__:
                    self.__dict__[cached] = previous.__dict__[cached]

    @functools.cached_property
    def _path_costs(self) -> np.ndarray:
        """``_costs`` raised near obstacles, so paths take the middle of narrow passages.

        The map places an edge up to a cell off the simulator's (a surface that just touches a
        cell is missed): a path along the map's edge runs into the real one, and in a squeeze
        between two pieces of furniture every such move was refused, each refusal a bump note
        that closed the squeeze for the rest of the task (full-0004: 12 tasks failed so). The
        middle of the passage is where both maps agree. Computed on first plan only: most
        grids of a growing map only answer navigability checks. Distances keep ``_costs``.
        """
        shortfall = self._shortfall
        if shortfall is None:
            return self._costs
        return self._costs * (1.0 + self.comfort[1] * shortfall)

    @functools.cached_property
    def _shortfall(self) -> np.ndarray | None:
        """(H, W) in [0, 1]: how far inside the comfort margin each cell is (1 at the agent's
        radius from an obstacle, 0 at the margin and beyond); None without a margin."""
        margin, extra = self.comfort
        if margin <= 0 or extra <= 0:
            return None
        from scipy import ndimage  # on use: a slow import the CLI's config loading skips

        padded = np.pad(~self.blocked, 1, constant_values=False)
        clearance = ndimage.distance_transform_edt(padded)[1:-1, 1:-1] * self.resolution
        clearance -= 0.5 * self.resolution + self.agent_radius  # beyond the agent's radius
        return np.clip((margin - clearance) / margin, 0.0, 1.0)

    def _tightness(self, pts: np.ndarray) -> np.ndarray | None:
        shortfall = self._shortfall
        if shortfall is None:
            return None
        rows, cols, _ = self.cells_of(pts)
        return shortfall[rows, cols]

    def same_lattice(
        self, shape: tuple[int, int], origin: np.ndarray, resolution: float, agent_radius: float
    ) -> bool:
        """Whether a grid of this geometry lies on this grid's cells (with its radius)."""
        return (
            self.shape == tuple(shape)
            and np.array_equal(self.origin, np.asarray(origin, dtype=float))
            and self.resolution == float(resolution)
            and self.agent_radius == float(agent_radius)
        )


class MapNavigation:
    """Navigability methods over a map's current :class:`PlanningGrid` (see module docstring).

    The host class provides ``occupied``, ``known``, ``origin``, ``config`` (``resolution``,
    ``agent_radius``, ``unknown_cost``), ``shape`` and ``version``.
    """

    _plan: tuple[int, PlanningGrid] | None = None
    _squeezed_plan: tuple[int, PlanningGrid] | None = None
    squeeze: bool = False
    """Plan at half a cell under the agent's radius (see :meth:`squeezing`)."""

    @contextlib.contextmanager
    def squeezing(self) -> Iterator[None]:
        """Within the block, every navigability answer is that of the map at half a cell
        under the agent's radius.

        The map over-covers every surface by up to a cell, so at the full radius a doorway
        narrowed by pose drift and depth noise can close (seed 7272 full-0005, memory-noisy:
        the only door of a room, open in the house, shut on the map; the room's tasks all
        failed "no path"; half a cell less opened it in 7 of 9 such failures). Plans hug
        walls closer this way and some moves are refused, so it is for when no plan exists
        at the full radius (see :meth:`policies.navigation.Navigator.go_to`).
        """
        before = self.squeeze
        self.squeeze = True
        try:
            yield
        finally:
            self.squeeze = before

    def planning_grid(self) -> PlanningGrid:
        """The grid of the map as it is now (rebuilt only when the map changed).

        Raises:
            ValueError: the map is empty (no frame was ingested yet).
        """
        host: Any = self
        if not host.floor_hits.size:
            raise ValueError(
                "the agent's free-space map is empty: ingest a frame before planning on it"
            )
        if self.squeeze:
            if self._squeezed_plan is None or self._squeezed_plan[0] != host.version:
                grid = self._rebuilt_grid(squeezed=True)
                self._squeezed_plan = (host.version, grid)
            return self._squeezed_plan[1]
        if self._plan is None or self._plan[0] != host.version:
            self._plan = (host.version, self._rebuilt_grid())
        return self._plan[1]

    def _rebuilt_grid(self, squeezed: bool = False) -> PlanningGrid:
        """The grid of the map now, reusing what the last one has in common with it.

        Some frames add hits only to cells already known and occupied: then the last grid
        (with its cached distance fields) is still exact. Frames that only reveal floor keep
        the obstacles, so the clearance mask (a distance transform) carries over; new or
        cleared obstacles change it only around them.
        """
        host: Any = self
        cfg = host.config
        # The full radius from an occupied cell's centre. An occupied cell holds a surface
        # somewhere inside it, and the simulator blocks every cell a surface touches, so both
        # maps over-cover a surface by up to a cell, on different lattices. Half a cell less
        # (as this was) let plans hug walls closer than the simulator allows: 4-6 % of the
        # 0.25 m moves the map called free were refused (each refusal a bump note that could
        # close a passage); at the full radius 0.1 %, and no pair of places the simulator
        # connects was cut off (four houses, 60 views each; issue 14).
        radius = cfg.agent_radius - (0.5 * cfg.resolution if squeezed else 0.0)
        blocked = host.occupied | host.bumped
        known = host.known
        kept = self._squeezed_plan if squeezed else self._plan
        last = None if kept is None else kept[1]
        if last is None or not last.same_lattice(
            blocked.shape, host.origin, cfg.resolution, radius
        ):
            last = None
        elif (
            last.unknown_cost == cfg.unknown_cost
            and last.comfort == (cfg.comfort_margin, cfg.comfort_cost)
            and np.array_equal(last.blocked, blocked)
            and np.array_equal(last.known, known)
        ):
            return last
        return PlanningGrid(
            blocked,
            known,
            host.origin,
            cfg.resolution,
            radius,
            cfg.unknown_cost,
            last,
            comfort=(cfg.comfort_margin, cfg.comfort_cost),
        )

    # The Navigability protocol and the OccupancyGrid extras the policies use.
    @property
    def navigable(self) -> np.ndarray:
        return self.planning_grid().navigable

    def cells_of(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.planning_grid().cells_of(xy)

    def is_navigable(self, xy: np.ndarray) -> bool:
        return self.planning_grid().is_navigable(xy)

    def is_free_segment(self, a: np.ndarray, b: np.ndarray) -> bool:
        return self.planning_grid().is_free_segment(a, b)

    def snap(self, xy: np.ndarray) -> np.ndarray:
        return self.planning_grid().snap(xy)

    def distances_from(self, goal: np.ndarray) -> DistanceField:
        return self.planning_grid().distances_from(goal)

    def geodesic_distance(self, a: np.ndarray, b: np.ndarray) -> float:
        return self.planning_grid().geodesic_distance(a, b)

    def shortest_path(self, a: np.ndarray, b: np.ndarray) -> list[np.ndarray] | None:
        return self.planning_grid().shortest_path(a, b)

    def sample_navigable(self, rng: np.random.Generator) -> np.ndarray:
        return self.planning_grid().sample_navigable(rng)
