"""The agent's own metric free-space map, built from its own depth frames and poses.

A 2-D grid on the floor plane. Every ingested depth frame is back-projected with the frame's
camera pose (the memory's frame of reference: with a drifting pose the map drifts with the rest
of memory): points near the floor count as *floor* hits in their cell, points between
``floor_height`` and ``robot_height`` as *obstacle* hits; the cells under the agent's own body
are free and *visited*. Obstacle hits are counted per height band (``height_bins`` between
``floor_height`` and ``robot_height``), and a band of a cell the camera later sees through (its
depth reaches well beyond the band's bottom, middle and top; :mod:`.spatial_clear`) is cleared:
a container door seen open and later closed, or a moved thing, leaves no phantom wall. A cell is
*occupied* once a band has ``min_obstacle_hits`` obstacle hits,
*seen* once it has a floor hit; everything else is *unknown*. Obstacles win over floor (the
floor under a table is visible, but the agent cannot stand there).

The grid grows with what is seen, in whole blocks of cells on a fixed lattice (cell ``(r, c)``
of the lattice covers ``[c*res, (c+1)*res) x [r*res, (r+1)*res)``), so the same frames always
give the same arrays, and a reopened memory continues exactly (:meth:`FreeSpaceMap.state`,
:func:`free_space_from_state`). Planning on the map (the :class:`envs.base.Navigability`
interface the policies use, with unknown cells passable at a higher cost) is
:mod:`embodied_mem.memory.spatial_nav`.
"""

from __future__ import annotations

import base64
import functools
import math
import zlib
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from embodied_mem.memory.spatial_clear import seen_through
from embodied_mem.memory.spatial_depth import median3_strided
from embodied_mem.memory.spatial_nav import MapNavigation
from envs.camera import pixel_grid, pixels_to_world
from envs.types import Observation

_MAX_HITS = np.iinfo(np.uint16).max
_BLOCK = 32
"""Cells the grid grows by at a time (keeps growth rare and the lattice fixed)."""


@dataclass
class FreeSpaceConfig:
    """How the agent's free-space map is built from depth and used for planning."""

    resolution: float = 0.05
    """Cell size, metres (an occupied cell blocks all of itself, so coarse cells close gaps
    the agent fits through: at 0.1 m it could not stand where the walls let it)."""
    floor_height: float = 0.1
    """Points less than this above the agent's floor are floor (metres)."""
    robot_height: float = 1.8
    """Points between ``floor_height`` and this are obstacles; higher ones (ceiling) are not."""
    max_range: float = 5.0
    """Depth readings farther than this (metres) are not used (noisy, sparse)."""
    floor_range: float = 4.0
    """Floor points farther than this are not used: at grazing angles they are so sparse that
    they would leave a sieve of unknown cells (each one a false frontier)."""
    pixel_stride: int = 2
    """Back-project every n-th pixel row and column."""
    height_bins: int = 4
    """Height bands obstacle hits are counted in (a band is cleared on its own, so seeing
    under a table top never clears the top)."""
    min_obstacle_hits: int = 2
    """Obstacle points a cell needs to count as occupied (one stray depth pixel is not a wall)."""
    agent_radius: float = 0.2
    """The agent's own radius (metres): plans keep this far from occupied cells."""
    unknown_cost: float = 2.0
    """Cost per metre through unknown cells, relative to 1 through seen floor (plans prefer
    known floor but may cross unknown space, optimistically)."""
    comfort_margin: float = 0.1
    """Metres beyond the agent's radius within which plans pay extra to pass an obstacle, so
    they take the middle of narrow passages (the map's edges are a cell off, see
    :class:`~embodied_mem.memory.spatial_nav.PlanningGrid`); 0 = hug edges."""
    comfort_cost: float = 2.0
    """Extra cost per metre (relative to 1) of a step right at the agent's radius from an
    obstacle, falling linearly to 0 at ``comfort_margin``."""
    margin: float = 1.5
    """Metres of unknown cells kept around everything seen (room to plan past the seen edge)."""

    def __post_init__(self) -> None:
        for name in ("resolution", "max_range", "floor_range", "robot_height", "margin"):
            if not getattr(self, name) > 0:
                raise ValueError(f"FreeSpaceConfig.{name} must be > 0, got {getattr(self, name)}")
        if not 0 <= self.floor_height < self.robot_height:
            raise ValueError("FreeSpaceConfig needs 0 <= floor_height < robot_height")
        if self.pixel_stride < 1 or self.min_obstacle_hits < 1 or self.height_bins < 1:
            raise ValueError(
                "FreeSpaceConfig.pixel_stride, min_obstacle_hits and height_bins must be >= 1"
            )
        if self.comfort_margin < 0 or self.comfort_cost < 0:
            raise ValueError("FreeSpaceConfig needs comfort_margin >= 0 and comfort_cost >= 0")
        if self.agent_radius < 0 or self.unknown_cost < 1:
            raise ValueError("FreeSpaceConfig needs agent_radius >= 0 and unknown_cost >= 1")


class FreeSpaceMap(MapNavigation):
    """Floor/obstacle hit counts per cell, grown from the agent's own frames.

    Attributes:
        floor_hits: (H, W) uint16 counts (saturating).
        obstacle_hits: (height_bins, H, W) uint16 counts per height band (saturating).
        visited: (H, W) bool, cells the agent's body covered.
        offset: lattice (row, col) of cell (0, 0).
        version: bumped whenever any cell changes (planning caches key on it).
    """

    def __init__(self, config: FreeSpaceConfig | None = None) -> None:
        self.config = config or FreeSpaceConfig()
        self.floor_hits = np.zeros((0, 0), dtype=np.uint16)
        self.obstacle_hits = np.zeros((self.config.height_bins, 0, 0), dtype=np.uint16)
        self.visited = np.zeros((0, 0), dtype=bool)
        self.bumped = np.zeros((0, 0), dtype=bool)
        """(H, W) bool, cells where a refused move says something stands (see mark_blocked)."""
        self.offset = (0, 0)
        self.version = 0
        self.dirty = False
        """Changed since the last commit to the store."""
        self.depth_noise = 0.0
        """Relative depth noise (std) the sensor's data sheet gives (see :meth:`expect_depth_noise`)."""

    # ----------------------------------------------------------------- layers
    @property
    def shape(self) -> tuple[int, int]:
        return self.floor_hits.shape  # type: ignore[return-value]

    @property
    def origin(self) -> np.ndarray:
        """World (x, y) of the lower-left corner of cell (0, 0)."""
        return np.array([self.offset[1], self.offset[0]], dtype=float) * self.config.resolution

    @property
    def resolution(self) -> float:
        return float(self.config.resolution)

    @property
    def seen(self) -> np.ndarray:
        """(H, W) bool: floor was seen in the cell."""
        return self.floor_hits > 0

    @property
    def occupied(self) -> np.ndarray:
        """(H, W) bool: an obstacle between floor and robot height was seen in the cell."""
        return (self.obstacle_hits >= self.min_obstacle_hits).any(axis=0)

    @property
    def min_obstacle_hits(self) -> int:
        """Obstacle points a cell needs: twice the configured count under noisy depth, whose
        scatter otherwise grows every surface by a fringe of cells that shuts narrow passages
        (1 % noise cut a house's one passage into a corner: 342 of 2971 connected pairs of
        places lost; with this and :meth:`update`'s median filter, none)."""
        return self.config.min_obstacle_hits * (2 if self.depth_noise > 0 else 1)

    def expect_depth_noise(self, relative_std: float) -> None:
        """Tell the map the depth sensor's relative noise (a data-sheet value: 0.01 is 1 cm at
        1 m). Noisy depth is median-filtered (3x3) before it is folded in."""
        if not relative_std >= 0:
            raise ValueError(f"relative depth noise must be >= 0, got {relative_std}")
        self.depth_noise = float(relative_std)

    @property
    def known(self) -> np.ndarray:
        return self.seen | self.occupied | self.visited

    def extent(self) -> tuple[slice, slice]:
        """(rows, cols) slices of the bounding box of known cells (empty slices if none)."""
        rows, cols = np.nonzero(self.known)
        if not len(rows):
            return slice(0, 0), slice(0, 0)
        return slice(int(rows.min()), int(rows.max()) + 1), slice(
            int(cols.min()), int(cols.max()) + 1
        )

    def seen_area(self) -> float:
        """Square metres of cells known so far."""
        return float(self.known.sum()) * self.config.resolution**2

    # ----------------------------------------------------------------- updates
    def update(self, obs: Observation) -> None:
        """Fold one depth frame (its depth, intrinsics, camera pose and agent pose) in."""
        cfg = self.config
        k, s = obs.intrinsics, cfg.pixel_stride
        depth = np.asarray(obs.depth, dtype=np.float64)
        # Under noise, the 3x3 median (edges repeated) at the pixels the map uses.
        depth = median3_strided(depth, s) if self.depth_noise > 0 else depth[::s, ::s]
        vs, us = pixel_grid(k.height, k.width, s)
        ok = np.isfinite(depth) & (depth > 0) & (depth <= cfg.max_range)
        # Ranges along the floor, for the floor-range cut (optical depth is close enough).
        rng = depth[ok]
        pts = pixels_to_world(us[ok], vs[ok], rng, k, obs.cam_to_world)
        height = pts[:, 2] - float(obs.agent.position[2])
        floor = (height < cfg.floor_height) & (rng <= cfg.floor_range)
        obstacle = (height >= cfg.floor_height) & (height < cfg.robot_height)
        body = self._body_cells(obs.agent.xy)
        # Every point's cell at once (the numbers _lattice gives each), then the two kinds.
        cells = self._lattice(pts[:, :2])
        floor_cells, obstacle_cells = cells[floor], cells[obstacle]
        self._cover(floor_cells, obstacle_cells, body)
        self._add(self.floor_hits, floor_cells)
        # Bands seen through lose their hits first; this frame's own hits then win.
        self.obstacle_hits[seen_through(self, obs)] = 0
        self._add_banded(self._band(height[obstacle]), obstacle_cells)
        r, c = self._local(body)
        self.visited[r, c] = True
        # Nothing stands where the agent stands (a stale obstacle, e.g. a moved object).
        self.obstacle_hits[:, r, c] = 0
        self.bumped[r, c] = False
        self.version += 1
        self.dirty = True

    def mark_blocked(self, xy: np.ndarray, heading: np.ndarray, distance: float) -> None:
        """A move of ``distance`` metres from ``xy`` along unit ``heading`` was refused: mark an
        obstacle where the agent's front would have been (straight ahead and 15 degrees either
        side), so plans stop sending it there. The agent's own bumper, in effect: depth misses
        what is below the camera's view or hides in a cell's width. Bumps are notes of this
        task (:attr:`bumped`, see :meth:`forget_bumps`), not memory: they are neither stored nor
        replayed (a replay of the frames rebuilds the same map), and standing on a bumped cell
        clears it."""
        reach = float(distance) + self.config.agent_radius
        h = np.asarray(heading, dtype=float)[:2]
        pts = []
        for angle in (-0.26, 0.0, 0.26):
            c, s = np.cos(angle), np.sin(angle)
            pts.append(
                np.asarray(xy, dtype=float)[:2]
                + reach * np.array([c * h[0] - s * h[1], s * h[0] + c * h[1]])
            )
        cells = self._lattice(np.asarray(pts))
        self._cover(cells)
        r, c = self._local(cells)
        self.bumped[r, c] = True
        self.version += 1
        self.dirty = True

    def forget_bumps(self) -> None:
        """Drop the refused-move notes (:meth:`mark_blocked`): they are for the walks of one
        task. A refusal is often a graze of an edge the map placed a few centimetres off, and
        a note kept for the rest of the episode shut a doorway the agent never stood in again
        (6 of 10 'no path' failures of the demo suite; the map alone had a path)."""
        if self.bumped.any():
            self.bumped[:] = False
            self.version += 1

    def band_edges(self) -> np.ndarray:
        """(height_bins + 1,) heights above the floor (metres) bounding the obstacle bands."""
        cfg = self.config
        return _band_edges(cfg.floor_height, cfg.robot_height, cfg.height_bins)

    def _band(self, height: np.ndarray) -> np.ndarray:
        edges = self.band_edges()
        # minimum/maximum: np.clip's numbers without its per-call overhead.
        band = np.searchsorted(edges, height, side="right") - 1
        return np.minimum(np.maximum(band, 0), len(edges) - 2)

    def _lattice(self, xy: np.ndarray) -> np.ndarray:
        """(N, 2) int64 lattice (row, col) of world points (N, 2)."""
        ij = np.floor(np.asarray(xy, dtype=float).reshape(-1, 2) / self.config.resolution)
        return ij[:, ::-1].astype(np.int64)

    def _local(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return cells[:, 0] - self.offset[0], cells[:, 1] - self.offset[1]

    def _body_cells(self, xy: np.ndarray) -> np.ndarray:
        """Lattice cells whose centres lie under the agent's body (at least its own cell)."""
        res = self.config.resolution
        centre = self._lattice(np.asarray(xy, dtype=float)[None, :2])[0]
        n = int(math.ceil(self.config.agent_radius / res))
        cells = _square_offsets(n) + centre  # row-major over the (2n + 1)^2 square
        d = (cells[:, ::-1] + 0.5) * res - np.asarray(xy, dtype=float)[:2]
        # sqrt(dx * dx + dy * dy): the numbers np.linalg.norm(axis=1) gives, without its
        # slow reduction along a length-2 axis.
        keep = np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]) <= max(
            0.75 * self.config.agent_radius, 0.5 * res
        )
        keep[n * (2 * n + 1) + n] = True  # the agent's own cell, the square's middle
        return cells[keep]

    def _cover(self, *cells: np.ndarray) -> None:
        """Grow the grid (in whole blocks) so the (N, 2) ``cells`` arrays and a margin
        around them fit."""
        m = int(math.ceil(self.config.margin / self.config.resolution))
        # Per column, in Python ints: a (N, 2) array's min(axis=0) runs a length-2 inner
        # loop N times, ten times slower than reducing each column.
        filled = [c for c in cells if len(c)]
        r_lo = min(int(c[:, 0].min()) for c in filled) - m
        c_lo = min(int(c[:, 1].min()) for c in filled) - m
        r_hi = max(int(c[:, 0].max()) for c in filled) + m + 1
        c_hi = max(int(c[:, 1].max()) for c in filled) + m + 1
        if self.floor_hits.size:
            (r0, c0), (h, w) = self.offset, self.shape
            if r_lo >= r0 and c_lo >= c0 and r_hi <= r0 + h and c_hi <= c0 + w:
                return
            r_lo, c_lo = min(r_lo, r0), min(c_lo, c0)
            r_hi, c_hi = max(r_hi, r0 + h), max(c_hi, c0 + w)
        r_lo, c_lo = r_lo // _BLOCK * _BLOCK, c_lo // _BLOCK * _BLOCK
        r_hi, c_hi = -(-r_hi // _BLOCK) * _BLOCK, -(-c_hi // _BLOCK) * _BLOCK
        self._resize((r_lo, c_lo), (r_hi - r_lo, c_hi - c_lo))

    def _resize(self, offset: tuple[int, int], shape: tuple[int, int]) -> None:
        r0, c0 = offset[0] - self.offset[0], offset[1] - self.offset[1]
        h, w = self.shape
        for name in ("floor_hits", "obstacle_hits", "visited", "bumped"):
            old = getattr(self, name)
            new = np.zeros((*old.shape[:-2], *shape), dtype=old.dtype)
            if old.size:
                new[..., -r0 : -r0 + h, -c0 : -c0 + w] = old
            setattr(self, name, new)
        self.offset = offset

    def _add(self, layer: np.ndarray, cells: np.ndarray) -> None:
        """Count one hit per point in its cell (saturating at the dtype's maximum)."""
        if not len(cells):
            return
        r, c = self._local(cells)
        # Only the touched cells change: a whole-grid bincount per frame and layer cost more
        # than the frame's points once the grid grew to a house.
        flat, counts = np.unique(r * layer.shape[1] + c, return_counts=True)
        view = layer.reshape(-1)  # a view: layers are C-contiguous
        view[flat] = np.minimum(view[flat].astype(np.int64) + counts, _MAX_HITS)

    def _add_banded(self, band: np.ndarray, cells: np.ndarray) -> None:
        """:meth:`_add` of each band's ``cells`` (N, 2) to its layer of ``obstacle_hits``,
        all bands in one pass: every (band, cell) gets the same count a per-band pass gives."""
        if not len(cells):
            return
        r, c = self._local(cells)
        layers = self.obstacle_hits
        flat, counts = np.unique(
            (band * layers.shape[1] + r) * layers.shape[2] + c, return_counts=True
        )
        view = layers.reshape(-1)  # a view: the (bands, H, W) array is C-contiguous
        view[flat] = np.minimum(view[flat].astype(np.int64) + counts, _MAX_HITS)

    # ----------------------------------------------------------------- frontiers
    def frontier_clusters(self, min_cells: int, exclude_radius: float) -> list[np.ndarray]:
        """Frontiers as world (K, 2) cell centres per cluster: seen floor next to unknown.

        Unknown holes of one cell inside seen floor (sparse depth) are closed first; cells
        within ``exclude_radius`` of where the agent stood are left out (the camera cannot see
        the floor at its feet). Clusters are 8-connected, at least ``min_cells`` big, in a
        deterministic order.
        """
        from scipy import ndimage  # on use: a slow import the CLI's config loading skips

        if not self.floor_hits.size:
            return []
        known = ndimage.binary_closing(self.known, structure=np.ones((3, 3)), border_value=1)
        free = self.seen & ~self.occupied
        frontier = free & ndimage.binary_dilation(~known, structure=np.ones((3, 3)))
        radius = int(math.ceil(exclude_radius / self.config.resolution))
        if radius > 0 and self.visited.any():
            frontier &= ~ndimage.binary_dilation(self.visited, iterations=radius)
        labels, n = ndimage.label(frontier, structure=np.ones((3, 3)))
        out = []
        for i in range(1, n + 1):
            rows, cols = np.nonzero(labels == i)
            if len(rows) >= min_cells:
                out.append(self.cell_centres(rows, cols))
        return out

    def unknown_near(self, xy: np.ndarray, radius: float) -> bool:
        """Whether any unknown cell lies within ``radius`` metres of ``xy`` (square window)."""
        n = int(math.ceil(radius / self.config.resolution))
        r, c = self._local(self._lattice(np.asarray(xy, dtype=float)[None, :2]))
        r0, c0 = int(r[0]), int(c[0])
        window = self.known[max(r0 - n, 0) : r0 + n + 1, max(c0 - n, 0) : c0 + n + 1]
        return bool(window.size and not window.all())

    def cell_centres(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """World (N, 2) centres of local cells."""
        return self.origin + (np.stack([cols, rows], axis=1) + 0.5) * self.config.resolution

    # ----------------------------------------------------------------- persistence
    def state(self) -> dict[str, Any]:
        """JSON-ready, exact state (arrays zlib-compressed, base64)."""
        return {
            "config": asdict(self.config),
            "offset": list(self.offset),
            "shape": list(self.shape),
            "floor_hits": _pack(self.floor_hits),
            "obstacle_hits": _pack(self.obstacle_hits),
            "visited": _pack(self.visited),
            "depth_noise": self.depth_noise,
        }


@functools.lru_cache(maxsize=16)
def _square_offsets(n: int) -> np.ndarray:
    """Read-only (row, col) offsets of the (2n + 1)^2 square, row-major (``np.mgrid``'s
    order), shared: every frame asks for the same square."""
    dr, dc = np.mgrid[-n : n + 1, -n : n + 1]
    offsets = np.stack([dr.ravel(), dc.ravel()], axis=1)
    offsets.flags.writeable = False
    return offsets


@functools.lru_cache(maxsize=16)
def _band_edges(floor_height: float, robot_height: float, bins: int) -> np.ndarray:
    """Read-only band edges, shared (asked for on every frame and by every clearing test)."""
    edges = np.linspace(floor_height, robot_height, bins + 1)
    edges.flags.writeable = False
    return edges


def _pack(a: np.ndarray) -> str:
    return base64.b64encode(zlib.compress(np.ascontiguousarray(a).tobytes(), 6)).decode("ascii")


def _unpack(text: str, dtype: type, shape: tuple[int, ...]) -> np.ndarray:
    raw = zlib.decompress(base64.b64decode(text))
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def free_space_from_state(state: dict[str, Any]) -> FreeSpaceMap:
    """The map :meth:`FreeSpaceMap.state` describes, exactly.

    Raises:
        ValueError: the state is incomplete or its arrays do not fit its shape.
    """
    try:
        fmap = FreeSpaceMap(FreeSpaceConfig(**state["config"]))
        shape = (int(state["shape"][0]), int(state["shape"][1]))
        fmap.floor_hits = _unpack(state["floor_hits"], np.uint16, shape)
        bands = (fmap.config.height_bins, *shape)
        fmap.obstacle_hits = _unpack(state["obstacle_hits"], np.uint16, bands)
        fmap.visited = _unpack(state["visited"], np.bool_, shape)
        fmap.bumped = np.zeros(shape, dtype=bool)
        fmap.depth_noise = float(state.get("depth_noise", 0.0))
        fmap.offset = (int(state["offset"][0]), int(state["offset"][1]))
    except (KeyError, TypeError, zlib.error) as exc:
        raise ValueError(f"not a free-space map state ({type(exc).__name__}: {exc})") from exc
    return fmap
