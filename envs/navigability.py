"""Occupancy-grid navigability: free floor, agent-radius inflation and geodesic distances.

The grid is a boolean image of the floor plane. Row ``i`` / column ``j`` covers the world square
``[ox + j*res, ox + (j+1)*res) x [oy + i*res, oy + (i+1)*res)``; a cell stands for its centre.
A cell is *navigable* when the agent's disc (``agent_radius``) centred there touches no blocked
cell. Geodesic distances come from scikit-image's ``MCP_Geometric`` (8-connected, diagonal steps
weighted by sqrt(2)), so they are symmetric and never shorter than the straight line.
"""

from __future__ import annotations

import functools
import logging
import math
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from skimage.graph import MCP_Geometric

logger = logging.getLogger(__name__)


def navigable_mask(free: np.ndarray, resolution: float, agent_radius: float) -> np.ndarray:
    """(H, W) bool: free cells whose centre is at least ``agent_radius`` from any blocked cell.

    Args:
        free: (H, W) bool free-floor mask; cells outside the array count as blocked.
        resolution: cell size in metres.
        agent_radius: clearance in metres.
    """
    from scipy import ndimage  # on use: a slow import the CLI's config loading skips

    # Distance (metres) from each cell centre to the nearest blocked cell centre; a blocked
    # cell's edge is half a cell nearer than its centre, hence the half-cell correction.
    # The grid border counts as blocked (the EDT alone would treat outside as free).
    padded = np.pad(free, 1, constant_values=False)
    clearance = ndimage.distance_transform_edt(padded)[1:-1, 1:-1] * resolution - 0.5 * resolution
    return free & (clearance >= agent_radius)


def navigable_mask_update(
    free: np.ndarray,
    before: np.ndarray,
    navigable_before: np.ndarray,
    resolution: float,
    agent_radius: float,
) -> np.ndarray:
    """:func:`navigable_mask` of ``free``, given the mask of ``before`` (same shape): only the
    cells near changed ones are recomputed, on a window around them.

    Exact: a cell is navigable iff no blocked cell (or the border) lies within ``reach`` cells
    of its centre, so only cells that near a changed cell can change, and the window keeps
    every blocked cell that near them (farther ones cannot decide the test). The distances
    are the same numbers the whole-grid transform gives.
    """
    changed = free != before
    if not changed.any():
        return navigable_before
    rows = np.flatnonzero(changed.any(axis=1))
    cols = np.flatnonzero(changed.any(axis=0))
    reach = (agent_radius + 0.5 * resolution) / resolution  # cells
    m = int(math.ceil(reach)) + 1
    h, w = free.shape
    zone = (
        max(rows[0] - m, 0),
        min(rows[-1] + m + 1, h),
        max(cols[0] - m, 0),
        min(cols[-1] + m + 1, w),
    )
    win = (max(zone[0] - m, 0), min(zone[1] + m, h), max(zone[2] - m, 0), min(zone[3] + m, w))
    if (win[1] - win[0]) * (win[3] - win[2]) > 0.5 * free.size:
        return navigable_mask(free, resolution, agent_radius)
    # The grid border counts as blocked: pad where the window reaches it.
    padded = np.pad(free[win[0] : win[1], win[2] : win[3]], 1, constant_values=False)
    inner = (slice(1, -1), slice(1, -1))
    if win[0] > 0:
        padded[0, :] = True
    if win[1] < h:
        padded[-1, :] = True
    if win[2] > 0:
        padded[:, 0] = True
    if win[3] < w:
        padded[:, -1] = True
    out = navigable_before.copy()
    zr = slice(zone[0] - win[0], zone[1] - win[0])
    zc = slice(zone[2] - win[2], zone[3] - win[2])
    sub_free = padded[inner][zr, zc]
    if padded.all():  # nothing blocked anywhere near: clearance is unbounded
        out[zone[0] : zone[1], zone[2] : zone[3]] = sub_free
        return out
    from scipy import ndimage  # on use: a slow import the CLI's config loading skips

    clearance = ndimage.distance_transform_edt(padded)[inner][zr, zc] * resolution
    clearance -= 0.5 * resolution
    out[zone[0] : zone[1], zone[2] : zone[3]] = sub_free & (clearance >= agent_radius)
    return out


COARSE = 8
"""Shortcut checks look at every COARSE-th sample of a segment first (one per cell: samples
are 1/8 cell apart); see :meth:`OccupancyGrid._farthest_visible`."""


@functools.lru_cache(maxsize=1024)
def _unit_steps(n: int) -> np.ndarray:
    """``np.linspace(0, 1, n)``, read-only and shared: segment checks ask for the same few
    lengths tens of thousands of times an episode, and linspace was a visible part of that."""
    steps = np.linspace(0.0, 1.0, n)
    steps.flags.writeable = False
    return steps


@dataclass(frozen=True)
class DistanceField:
    """Geodesic distances (metres) from every navigable cell to one goal; ``inf`` if unreachable.

    Attributes:
        grid: the grid the field was computed on.
        cells: (H, W) float64 metres from each cell centre to the goal cell centre.
        goal: the goal (x, y) the field was asked for.
    """

    grid: OccupancyGrid
    cells: np.ndarray
    goal: np.ndarray

    def at(self, xy: np.ndarray) -> np.ndarray | float:
        """Geodesic distance from ``xy`` ((2,) or (N, 2) world metres) to the goal.

        The offsets between each point and its cell centre are added (triangle inequality), so
        the value is never below the straight-line distance. Non-navigable points give ``inf``.
        """
        pts = np.asarray(xy, dtype=float)
        single = pts.ndim == 1
        pts = pts.reshape(-1, 2)
        rows, cols, inside = self.grid.cells_of(pts)
        out = np.full(len(pts), np.inf)
        ok = inside.copy()
        ok[inside] = self.grid.navigable[rows[inside], cols[inside]]
        if np.any(ok):
            centres = self.grid.cell_centers(rows[ok], cols[ok])
            goal_cell = self.grid.cells_of(self.goal[None])[:2]
            goal_centre = self.grid.cell_centers(goal_cell[0], goal_cell[1])[0]
            out[ok] = (
                self.cells[rows[ok], cols[ok]]
                + np.linalg.norm(pts[ok] - centres, axis=1)
                + float(np.linalg.norm(self.goal - goal_centre))
            )
        return float(out[0]) if single else out

    def nearest_reached(self, xy: np.ndarray) -> np.ndarray | None:
        """The centre of the cell nearest to ``xy`` (straight line) that reaches the goal, or
        None when no cell does."""
        rows, cols = np.nonzero(np.isfinite(self.cells))
        if not rows.size:
            return None
        centres = self.grid.cell_centers(rows, cols)
        gap = centres - np.asarray(xy, dtype=float)[:2]
        return centres[int(np.argmin(np.einsum("ij,ij->i", gap, gap)))]


class OccupancyGrid:
    """Free-floor grid implementing :class:`envs.base.Navigability`.

    Args:
        free: (H, W) bool, True where the floor is free (no wall, furniture or outside).
        origin: world (x, y) of the lower-left corner of cell (0, 0).
        resolution: cell size in metres.
        agent_radius: the agent's radius in metres; cells closer than this to any blocked cell
            are not navigable.
        cache_size: how many distance fields to keep (one per goal cell; a field is one
            float per cell, and a benchmark task's policy and scorer revisit a few dozen goals).
        navigable: the (H, W) bool mask :func:`navigable_mask` gives for exactly these
            ``free``, ``resolution`` and ``agent_radius``, when the caller has it already (a
            map rebuilt with the same obstacles); computed when None.
    """

    def __init__(
        self,
        free: np.ndarray,
        origin: tuple[float, float],
        resolution: float,
        agent_radius: float,
        cache_size: int = 64,
        navigable: np.ndarray | None = None,
    ) -> None:
        free = np.asarray(free)
        if free.ndim != 2 or free.dtype != bool:
            raise ValueError(f"free must be a 2-D bool array, got {free.shape} {free.dtype}")
        if not resolution > 0:
            raise ValueError(f"resolution must be positive metres, got {resolution}")
        if agent_radius < 0:
            raise ValueError(f"agent_radius must be >= 0 metres, got {agent_radius}")
        self.free = free
        self._last_cell = np.array([free.shape[1] - 1, free.shape[0] - 1])
        """(col, row) of the last cell, the upper clip of :meth:`cells_of`."""
        self.origin = np.asarray(origin, dtype=float)
        self._ox, self._oy = float(self.origin[0]), float(self.origin[1])
        self.resolution = float(resolution)
        self.agent_radius = float(agent_radius)
        if navigable is None:
            navigable = navigable_mask(free, self.resolution, self.agent_radius)
        elif navigable.shape != free.shape or navigable.dtype != bool:
            raise ValueError(
                f"navigable must be {free.shape} bool like free, got {navigable.shape}"
            )
        self.navigable: np.ndarray = navigable
        if not self.navigable.any():
            raise ValueError("no navigable cell: the free area is narrower than the agent")
        # Connected regions and the nearest-navigable-cell index are computed on first use
        # (cached_property below): the agent's own map is rebuilt after every frame that
        # changed it, and most of those grids only answer navigability and segment checks.
        self._costs = np.where(self.navigable, 1.0, np.inf)
        self._cache: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    @property
    def _path_costs(self) -> np.ndarray:
        """Cost per metre of each cell for :meth:`shortest_path` (distances use ``_costs``)."""
        return self._costs

    def _tightness(self, pts: np.ndarray) -> np.ndarray | None:
        """(N,) how tightly each point passes obstacles, for grids whose paths keep clear of
        them (0 = clear; see ``PlanningGrid``), else None: shortcuts may then hug edges."""
        return None

    @functools.cached_property
    def _components(self) -> tuple[np.ndarray, int, int]:
        """(labels, label of the largest region, number of regions) of the navigable cells
        (8-connected)."""
        from scipy import ndimage

        labels, n = ndimage.label(self.navigable, structure=np.ones((3, 3)))
        sizes = np.bincount(labels.ravel())[1:]
        return labels, int(np.argmax(sizes)) + 1, int(n)

    @property
    def _labels(self) -> np.ndarray:
        return self._components[0]

    @property
    def _main_label(self) -> int:
        return self._components[1]

    @property
    def n_components(self) -> int:
        """Number of 8-connected navigable regions."""
        return self._components[2]

    @functools.cached_property
    def _distance_search(self) -> MCP_Geometric:
        """One search over ``_costs`` for all of this grid's distance fields: building it
        (flat costs, edge maps) cost more than a third of a field, and every full search starts
        from the same reset state (an emptied heap, all costs unknown), so a field is the same
        numbers a new search gives."""
        return MCP_Geometric(self._costs, sampling=(self.resolution, self.resolution))

    @functools.cached_property
    def _path_search(self) -> MCP_Geometric:
        """One search over ``_path_costs`` for all of this grid's paths, for the same reason
        as :attr:`_distance_search`: a search stopped at its end cell also starts the next
        from the reset state, so paths are the ones a new search gives."""
        return MCP_Geometric(self._path_costs, sampling=(self.resolution, self.resolution))

    @functools.cached_property
    def _nearest(self) -> np.ndarray:
        """For snap(): (2, H, W) index of the nearest navigable cell of every cell."""
        from scipy import ndimage

        _, nearest = ndimage.distance_transform_edt(~self.navigable, return_indices=True)
        return nearest

    # ----------------------------------------------------------------- coordinates
    @property
    def shape(self) -> tuple[int, int]:
        return self.free.shape  # type: ignore[return-value]

    def cells_of(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, cols, inside) of world points (N, 2); rows/cols are clipped into the grid."""
        pts = np.asarray(xy, dtype=float).reshape(-1, 2)
        ij = np.floor((pts - self.origin) / self.resolution).astype(int)
        # Both columns clipped at once (minimum/maximum rather than np.clip, whose per-call
        # overhead dominated on the policies' many small queries); a point is inside where
        # clipping left its cell as it was. Fewer tiny array operations per call.
        clipped = np.minimum(np.maximum(ij, 0), self._last_cell)
        inside = (clipped[:, 0] == ij[:, 0]) & (clipped[:, 1] == ij[:, 1])
        return clipped[:, 1], clipped[:, 0], inside

    def cell_centers(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """World (N, 2) centres of the given cells."""
        rows = np.atleast_1d(rows)
        cols = np.atleast_1d(cols)
        return self.origin + (np.stack([cols, rows], axis=1) + 0.5) * self.resolution

    def _cell(self, xy: np.ndarray) -> tuple[int, int] | None:
        """(row, col) of one point, or None outside the grid (or non-finite).

        Scalar arithmetic on purpose: this runs per point in the policies' and scorers' hot
        loops, where building small arrays cost ~50x more. The float64 operations are the
        same as :meth:`cells_of`'s, so the cell is the same.
        """
        x, y = float(xy[0]), float(xy[1])
        fx = (x - self._ox) / self.resolution
        fy = (y - self._oy) / self.resolution
        if not (math.isfinite(fx) and math.isfinite(fy)):
            return None
        col, row = math.floor(fx), math.floor(fy)
        h, w = self.shape
        return (row, col) if 0 <= col < w and 0 <= row < h else None

    # ----------------------------------------------------------------- protocol
    def is_navigable(self, xy: np.ndarray) -> bool:
        cell = self._cell(xy)
        return cell is not None and bool(self.navigable[cell])

    def is_free_segment(self, a: np.ndarray, b: np.ndarray) -> bool:
        """True if every point of the straight segment a→b is navigable (sampled every 1/8 cell).

        A point on a cell corner counts as navigable if any cell touching it is: this matches
        the 8-connected moves of the distance field (a diagonal step between two navigable cells
        passes exactly through such a corner), so moves along :meth:`shortest_path` are not
        refused.
        """
        return bool(self._free_points(self._segment_points(a, b)).all())

    def _segment_points(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The samples :meth:`is_free_segment` checks along a→b (every 1/8 cell, ends included)."""
        a = np.asarray(a, dtype=float)
        d = np.asarray(b, dtype=float) - a
        # sqrt(d.dot(d)) is np.linalg.norm(d) for a real vector, without its generic set-up
        # (path shortcutting asks this for every candidate segment).
        n = max(2, int(math.ceil(math.sqrt(d.dot(d)) / (0.125 * self.resolution))) + 1)
        return a + _unit_steps(n)[:, None] * d

    def _free_points(self, pts: np.ndarray) -> np.ndarray:
        """(N,) bool per point: navigable, or on a corner touching a navigable cell."""
        rows, cols, inside = self.cells_of(pts)
        ok = inside & self.navigable[rows, cols]
        if ok.all():
            return ok
        bad = np.flatnonzero(~ok)  # only these can still be saved by being on a corner
        eps = 1e-6 * self.resolution
        nudges = np.array([(eps, eps), (eps, -eps), (-eps, eps), (-eps, -eps)])
        # The four nudged copies of the points in one look-up: (4, n) -> saved by any.
        nudged = (pts[bad][None, :, :] + nudges[:, None, :]).reshape(-1, 2)
        rows, cols, inside = self.cells_of(nudged)
        ok[bad] = (inside & self.navigable[rows, cols]).reshape(4, -1).any(axis=0)
        return ok

    def snap(self, xy: np.ndarray) -> np.ndarray:
        """The centre of the navigable cell nearest to ``xy`` (``xy`` itself if navigable)."""
        xy = np.asarray(xy, dtype=float)
        if self.is_navigable(xy):
            return xy.copy()
        r, c, _ = self.cells_of(xy[None])
        nr, nc = self._nearest[0][r[0], c[0]], self._nearest[1][r[0], c[0]]
        return self.cell_centers(np.array([nr]), np.array([nc]))[0]

    def distances_from(self, goal: np.ndarray) -> DistanceField:
        """Geodesic distance field to ``goal`` (snapped to the nearest navigable cell)."""
        goal = np.asarray(goal, dtype=float)
        cell = self._cell(self.snap(goal))
        assert cell is not None  # snap always returns a point inside the grid
        cells = self._cache.get(cell)
        if cells is None:
            costs, _ = self._distance_search.find_costs([cell])
            # find_costs answers with a view of the search's own buffer, which the next
            # search overwrites: keep a copy (same layout).
            cells = costs.copy(order="K")
            self._cache[cell] = cells
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(cell)
        return DistanceField(self, cells, goal)

    def geodesic_distance(self, a: np.ndarray, b: np.ndarray) -> float:
        """Walking distance a→b in metres (``inf`` if either is not navigable or no path)."""
        if not (self.is_navigable(a) and self.is_navigable(b)):
            return math.inf
        return float(self.distances_from(b).at(np.asarray(a, dtype=float)))

    def shortest_path(self, a: np.ndarray, b: np.ndarray) -> list[np.ndarray] | None:
        """Waypoints from ``a`` to ``b`` (both included), shortcut where the line is free."""
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
        ca, cb = self._cell(a), self._cell(b)
        if ca is None or cb is None or not (self.navigable[ca] and self.navigable[cb]):
            return None
        mcp = self._path_search
        costs, _ = mcp.find_costs([ca], [cb])
        if not np.isfinite(costs[cb]):
            return None
        cells = np.array(mcp.traceback(cb))
        centres = self.cell_centers(cells[:, 0], cells[:, 1])
        pts = [a, *centres[1:-1], b]
        if len(cells) > 1 and not self.is_free_segment(a, pts[1]):
            # The search's diagonal steps pass exactly through cell corners only from cell
            # centres: from a start off its cell's centre, the line to the next centre can
            # clip a blocked cell's corner, and a move along it is refused (in a squeeze
            # between two pieces of furniture, every time). Go by the start cell's centre.
            pts.insert(1, centres[0])
        return self._shortcut(pts)

    def _shortcut(self, pts: list[np.ndarray]) -> list[np.ndarray]:
        """Greedy string pulling: keep a waypoint only where the straight line would be blocked."""
        out = [pts[0]]
        i = 0
        while i < len(pts) - 1:
            j = self._farthest_visible(pts, i)
            out.append(pts[j])
            i = j
        return out

    def _farthest_visible(self, pts: list[np.ndarray], i: int) -> int:
        """Largest ``j > i + 1`` with a free segment ``pts[i]``→``pts[j]``, else ``i + 1``.

        Same answer as trying ``j`` downward one segment at a time, but the segments are
        checked in batches (1, 2, 4, ... at a time) with one grid lookup per batch: per-segment
        calls were the main cost of path planning.
        """
        j, batch = len(pts) - 1, 1
        tight = self._tightness(np.asarray(pts[i:]))
        # A shortcut may not pass obstacles closer than the path it cuts does: the bound of
        # the shortcut to pts[k] is the largest tightness of pts[i..k], a running maximum.
        reach = None if tight is None else np.maximum.accumulate(tight)
        while j > i + 1:
            cands = list(range(j, max(i + 1, j - batch), -1))
            samples = [self._segment_points(pts[i], pts[k]) for k in cands]
            bound = None if reach is None else reach[np.array(cands) - i]
            # Every COARSE-th sample first: a segment failing there fails on all its samples
            # (a blocked point, or a tighter one, is among them), and most candidates, long
            # lines across the map, do. Only the others are checked in full: the same answer
            # for a fraction of the grid lookups, which were most of path planning's cost.
            free = self._free_segments([s[::COARSE] for s in samples], bound)
            maybe = np.flatnonzero(free)
            if len(maybe):
                free[maybe] = self._free_segments(
                    [samples[k] for k in maybe], None if bound is None else bound[maybe]
                )
            if free.any():
                return cands[int(np.argmax(free))]
            j -= len(cands)
            batch *= 2
        return i + 1

    def _free_segments(self, samples: list[np.ndarray], bound: np.ndarray | None) -> np.ndarray:
        """(K,) bool per segment, given its (N_k >= 1, 2) sample points: every sample free
        (:meth:`_free_points`) and, with ``bound``, none tighter than its segment's bound."""
        flat = np.concatenate(samples)
        starts = np.cumsum([0] + [len(x) for x in samples[:-1]])
        free = np.logical_and.reduceat(self._free_points(flat), starts)
        if bound is not None:
            worst = np.maximum.reduceat(self._tightness(flat), starts)
            free &= worst <= bound + 1e-9
        return free

    def sample_navigable(self, rng: np.random.Generator) -> np.ndarray:
        """A random cell centre of the largest connected navigable region."""
        rows, cols = np.nonzero(self._labels == self._main_label)
        k = int(rng.integers(len(rows)))
        return self.cell_centers(rows[k : k + 1], cols[k : k + 1])[0]

    @property
    def main_component(self) -> np.ndarray:
        """(H, W) bool: the largest connected navigable region (where sampling draws from)."""
        return self._labels == self._main_label

    def nearest_in_main(
        self, xy: np.ndarray, within: tuple[float, float, float, float] | None = None
    ) -> np.ndarray | None:
        """The main-component cell centre nearest ``xy``, optionally inside box (x0, y0, x1, y1)."""
        rows, cols = np.nonzero(self.main_component)
        centres = self.cell_centers(rows, cols)
        if within is not None:
            x0, y0, x1, y1 = within
            keep = (
                (centres[:, 0] > x0)
                & (centres[:, 0] < x1)
                & (centres[:, 1] > y0)
                & (centres[:, 1] < y1)
            )
            centres = centres[keep]
        if len(centres) == 0:
            return None
        return centres[
            int(np.argmin(np.linalg.norm(centres - np.asarray(xy, dtype=float), axis=1)))
        ]

    def in_main_component(self, xy: np.ndarray) -> bool:
        cell = self._cell(xy)
        return cell is not None and int(self._labels[cell]) == self._main_label

    def __repr__(self) -> str:
        h, w = self.shape
        return (
            f"OccupancyGrid({w}x{h} cells at {self.resolution:.3f} m, "
            f"{int(self.navigable.sum())} navigable, radius {self.agent_radius:.2f} m)"
        )
