"""Clearing the free-space map where the camera sees through a remembered obstacle.

An obstacle band of a cell (:class:`~embodied_mem.memory.spatial.FreeSpaceMap`) is *seen
through* when its lower part, middle and top, at the cell's centre, all project into the frame in
front of the camera and the depth there (the nearest reading in a 3x3 pixel window, so a
surface grazed at a shallow angle still counts as a surface) lies well beyond them, or reaches
the floor behind them. Then nothing stands there now: a container door that was open, a thing
that was moved. A surface inside the cell is never seen through (its depth is at the cell, not
beyond), and seeing under a table top clears the band under the top, not the top's band.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from envs.camera import invert_rigid, world_to_pixels
from envs.types import Observation

if TYPE_CHECKING:
    from embodied_mem.memory.spatial import FreeSpaceMap

BEYOND = 0.15
"""Metres the depth must reach past a point (plus 5 % of its distance) to count as seen through
(the cell's own half-width and depth noise stay inside)."""
FLOOR_SHARE = 0.6
"""A ray passing a point low over the floor meets the floor soon behind it, often before
``BEYOND``: then reaching this share of the way from the point to that floor spot is enough.
(A bottom band was never cleared from nearby: an open fridge door, closed hours before, kept a
phantom sill of its bottom 40 cm that cut a room's corner off the agent's map.)"""
MIN_BEYOND = 0.06
"""Metres past a point the depth must reach in any case (a cell's half-diagonal and noise)."""


def seen_through(fmap: FreeSpaceMap, obs: Observation) -> tuple[np.ndarray, ...]:
    """Index (bands, rows, cols) of the obstacle bands with hits this frame sees through.

    Only the hit cells within ``max_range`` of the camera that may project into the frame
    (:func:`_may_be_in_view`) are tested, and the three test heights are checked in turn on
    the bands still in question: most obstacle cells (walls) are out of view or fail the
    first test, so the later projections and depth look-ups are few. The answer is the one
    the plain test of every hit band at every height gives.
    """
    cfg = fmap.config
    cam_to_world = np.asarray(obs.cam_to_world, dtype=float)
    cam = cam_to_world[:3, 3]
    window, r0, c0, rows, cols = _hit_cells_near(fmap, cam[:2], cfg.max_range)
    empty = np.zeros(0, dtype=np.int64)
    if not len(rows):
        return empty, empty, empty
    edges = fmap.band_edges()
    floor = float(obs.agent.position[2])
    # A quarter up from the band's bottom, not at it: just above the floor, the floor behind
    # a point is too close to it to tell it from a surface there.
    fracs = (0.25, 0.5, 1.0)
    heights = [floor + edges[:-1] + frac * (edges[1:] - edges[:-1]) for frac in fracs]
    xy = fmap.cell_centres(rows, cols)
    # sqrt(dx * dx + dy * dy) is the sum np.linalg.norm forms (the same bits), without its
    # slow reduction along a length-2 axis: a measurable part of every frame.
    d = xy - cam[:2]
    keep = np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]) <= cfg.max_range
    first = heights[0]
    keep &= _may_be_in_view(xy, float(first.min()), float(first.max()), obs, cam_to_world)
    rows, cols, xy = rows[keep], cols[keep], xy[keep]
    # The hit bands of the remaining cells, in the (band, row, col) order of a 3-D nonzero.
    bands, at = np.nonzero(window[:, rows - r0, cols - c0])
    rows, cols, xy = rows[at], cols[at], xy[at]
    k = obs.intrinsics
    depth = np.asarray(obs.depth)
    for z_of_band in heights:
        if not len(rows):
            break
        # The band's test height, the same numbers as floor + e[b] + frac * (e[b+1] - e[b]).
        z = z_of_band[bands]
        u, v, d = world_to_pixels(np.column_stack([xy, z]), k, cam_to_world)
        with np.errstate(invalid="ignore"):  # NaN u, v (points at the camera) are outside
            inside = (d > 0.1) & (u >= 0) & (u <= k.width - 1) & (v >= 0) & (v <= k.height - 1)
        keep = np.flatnonzero(inside)
        u, v, d = u[keep], v[keep], d[keep]
        ui, vi = np.round(u).astype(int), np.round(v).astype(int)
        beyond = _needed_beyond(d, z[keep], float(cam_to_world[2, 3]), floor)
        keep = keep[_nearest_depth(depth, vi, ui) > d + beyond]
        bands, rows, cols, xy = bands[keep], rows[keep], cols[keep], xy[keep]
    return bands, rows, cols


def _may_be_in_view(
    xy: np.ndarray, z_lo: float, z_hi: float, obs: Observation, cam_to_world: np.ndarray
) -> np.ndarray:
    """(N,) bool: False where no point above world ``xy`` (N, 2) at a height in
    ``[z_lo, z_hi]`` can pass :func:`seen_through`'s in-frame test (optical depth > 0.1 m,
    pixel inside the image); True may still fail it.

    In the camera's frame a point's coordinates, and so optical depth ``d`` and ``fx x + cx d``
    (>= 0 iff ``u >= 0`` when ``d > 0``) and the other image-edge terms, are linear in its
    height: where the test passes at some height each term is positive there, so its larger
    value at the two ends of the range is too. A cell whose terms fail at both ends (by a
    margin far above rounding) is out of view at every height in the range.
    """
    inv = invert_rigid(cam_to_world)
    r, t = inv[:3, :3], inv[:3, 3]
    k = obs.intrinsics
    x, y = xy[:, 0], xy[:, 1]
    base = [r[i, 0] * x + r[i, 1] * y + t[i] for i in range(3)]
    # ok[i]: term i holds at either end (depth; image left, right, top, bottom edge).
    ok = np.zeros((5, len(xy)), dtype=bool)
    eps = 1e-6  # metres (x pixels): rounding here and in the exact test is ~1e-12
    for z in (z_lo, z_hi):
        cx_, cy_, cd = (base[i] + r[i, 2] * z for i in range(3))
        ok[0] |= cd > 0.1 - eps
        ok[1] |= k.fx * cx_ + k.cx * cd >= -eps
        ok[2] |= (k.width - 1 - k.cx) * cd - k.fx * cx_ >= -eps
        ok[3] |= k.fy * cy_ + k.cy * cd >= -eps
        ok[4] |= (k.height - 1 - k.cy) * cd - k.fy * cy_ >= -eps
    return ok.all(axis=0)


def _needed_beyond(
    depth: np.ndarray, height: np.ndarray, camera_z: float, floor_z: float
) -> np.ndarray:
    """Metres past points at camera ``depth`` and world ``height`` the reading must reach.

    A ray from the camera through a point below it meets the floor at ``depth`` times
    (camera height / drop to the point), by similar triangles in the camera's depth.
    """
    drop = camera_z - height
    with np.errstate(divide="ignore", invalid="ignore"):
        to_floor = np.where(drop > 1e-6, depth * (camera_z - floor_z) / drop - depth, np.inf)
    return np.clip(FLOOR_SHARE * to_floor, MIN_BEYOND, BEYOND + 0.05 * depth)


def _hit_cells_near(
    fmap: FreeSpaceMap, xy: np.ndarray, radius: float
) -> tuple[np.ndarray, int, int, np.ndarray, np.ndarray]:
    """The cells with a hit obstacle band in the square of cells whose centres may lie within
    ``radius`` metres of world ``xy`` (a superset; callers test the distance).

    Returns:
        (window, r0, c0, rows, cols): the (bands, h, w) view of ``obstacle_hits`` over the
        square, whose cell (0, 0) is grid cell (r0, c0), and the grid rows and columns of its
        cells with a hit in any band, in row-major order.
    """
    res = fmap.config.resolution
    h, w = fmap.shape
    local = (np.asarray(xy, dtype=float) - fmap.origin) / res - 0.5  # (col, row) of xy
    lo = np.floor(local - radius / res) - 1
    hi = np.ceil(local + radius / res) + 2
    c0, r0 = (int(min(max(x, 0), n)) for x, n in zip(lo, (w, h), strict=True))
    c1, r1 = (int(min(max(x, 0), n)) for x, n in zip(hi, (w, h), strict=True))
    window = fmap.obstacle_hits[:, r0:r1, c0:c1]
    if not window.size:
        empty = np.zeros(0, dtype=np.int64)
        return window, r0, c0, empty, empty
    # Cells with a hit in any band (a 3-D nonzero is several times slower).
    hit = window[0] != 0
    for band in window[1:]:
        hit |= band != 0
    rows, cols = np.nonzero(hit)
    return window, r0, c0, rows + r0, cols + c0


def _nearest_depth(depth: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """(N,) float64: the smallest reading in the 3x3 pixel window around each (row, col) of
    ``depth`` (H, W), edges clamped, invalid readings as 0 m (they say nothing, so they count
    as a surface: never seen through) — ``scipy.ndimage.minimum_filter(size=3,
    mode="nearest")`` of the cleaned frame at just these pixels.

    Only the windows are read: cleaning and padding the whole frame cost more than the few
    thousand windows a frame asks for.
    """
    h, w = depth.shape
    r = np.minimum(np.maximum(rows + _WINDOW, 0), h - 1)  # (3, N)
    c = np.minimum(np.maximum(cols + _WINDOW, 0), w - 1)
    vals = np.asarray(depth).ravel().take((r[:, None, :] * w + c[None, :, :]).reshape(9, -1))
    with np.errstate(invalid="ignore"):
        vals = np.where(np.isfinite(vals) & (vals > 0), vals, 0.0)
    # (9, N): the minimum over the first axis is eight element-wise minimums.
    return vals.min(axis=0).astype(np.float64)


_WINDOW = np.arange(-1, 2)[:, None]
"""Row (or column) offsets of a 3x3 window, as a column."""
