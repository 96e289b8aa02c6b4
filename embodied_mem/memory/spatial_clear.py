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
    (:func:`_view_box`, then :func:`_may_be_in_view`) are tested, and the three test heights are checked in turn on
    the bands still in question: most obstacle cells (walls) are out of view or fail the
    first test, so the later projections and depth look-ups are few. The answer is the one
    the plain test of every hit band at every height gives.
    """
    cfg = fmap.config
    cam_to_world = np.asarray(obs.cam_to_world, dtype=float)
    cam = cam_to_world[:3, 3]
    edges = fmap.band_edges()
    floor = float(obs.agent.position[2])
    # A quarter up from the band's bottom, not at it: just above the floor, the floor behind
    # a point is too close to it to tell it from a surface there.
    fracs = (0.25, 0.5, 1.0)
    heights = [floor + edges[:-1] + frac * (edges[1:] - edges[:-1]) for frac in fracs]
    z_lo, z_hi = float(heights[0].min()), float(heights[0].max())
    terms = _view_terms(obs, cam_to_world)
    box = _view_box(fmap, _near_square(fmap, cam[:2], cfg.max_range), z_lo, z_hi, terms)
    window, rows, cols = _hit_cells(fmap, box)
    if not len(rows):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    xy = fmap.cell_centres(rows, cols)
    # sqrt(dx * dx + dy * dy) is the sum np.linalg.norm forms (the same bits), without its
    # slow reduction along a length-2 axis: a measurable part of every frame.
    d = xy - cam[:2]
    keep = np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]) <= cfg.max_range
    keep &= _may_be_in_view(xy, z_lo, z_hi, terms)
    rows, cols, xy = rows[keep], cols[keep], xy[keep]
    # The hit bands of the remaining cells, in the (band, row, col) order of a 3-D nonzero.
    bands, at = np.nonzero(window[:, rows - box[0], cols - box[2]])
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


def _view_terms(obs: Observation, cam_to_world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(A (5, 3), b (5,)): terms ``A @ p + b`` of a world point ``p`` that are all >= 0 where
    :func:`seen_through`'s in-frame test passes (optical depth ``d > 0.1``, pixel inside).

    In the camera's frame a point's coordinates ``(x, y, d)`` are linear in ``p``, and so are
    ``d - 0.1``, ``fx x + cx d`` (>= 0 iff ``u >= 0`` when ``d > 0``) and the other three
    image-edge terms: a box of points where one term is negative everywhere (its largest value
    is at a corner) is out of view.
    """
    # Python floats: a few numbers, where numpy's per-call cost is all there is.
    (*rx, tx), (*ry, ty), (*rd, td) = invert_rigid(cam_to_world)[:3].tolist()
    k = obs.intrinsics
    right, bottom = k.width - 1 - k.cx, k.height - 1 - k.cy
    a = [
        rd,
        [k.fx * x + k.cx * d for x, d in zip(rx, rd, strict=True)],
        [right * d - k.fx * x for x, d in zip(rx, rd, strict=True)],
        [k.fy * y + k.cy * d for y, d in zip(ry, rd, strict=True)],
        [bottom * d - k.fy * y for y, d in zip(ry, rd, strict=True)],
    ]
    b = [td - 0.1, k.fx * tx + k.cx * td, right * td - k.fx * tx, k.fy * ty + k.cy * td]
    b.append(bottom * td - k.fy * ty)
    return np.array(a), np.array(b)


_EPS = 1e-4
"""Slack (metres x pixels) of the view culls: far above the rounding (~1e-9 at tens of metres)
by which they and the exact test may differ, so neither drops a point that test keeps."""


def _may_be_in_view(
    xy: np.ndarray, z_lo: float, z_hi: float, terms: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """(N,) bool: False where no point above world ``xy`` (N, 2) at a height in
    ``[z_lo, z_hi]`` can pass the in-frame test (a term of :func:`_view_terms` is negative
    at both ends, so everywhere between); True may still fail it."""
    a, b = terms
    base = a[:, :1] * xy[:, 0] + a[:, 1:2] * xy[:, 1] + b[:, None]  # (5, N)
    best = np.maximum(base + a[:, 2:] * z_lo, base + a[:, 2:] * z_hi)
    return (best >= -_EPS).all(axis=0)


_BLOCK = 8
"""Cells per side of the blocks :func:`_view_box` tests."""


def _view_box(
    fmap: FreeSpaceMap,
    box: tuple[int, int, int, int],
    z_lo: float,
    z_hi: float,
    terms: tuple[np.ndarray, np.ndarray],
) -> tuple[int, int, int, int]:
    """The part (r0, r1, c0, c1) of the grid ``box`` covering its blocks of cells that may
    hold a point in view (cell centre, height in ``[z_lo, z_hi]``): each term of
    :func:`_view_terms` is largest at a corner of a block's box of points, so a block where
    one is negative at every corner is out of view. A camera sees a wedge of the square
    around it: the rest of the square is not searched."""
    r0, r1, c0, c1 = box
    if r0 >= r1 or c0 >= c1:
        return box
    a, b = terms
    res = fmap.config.resolution
    ox, oy = (float(v) for v in fmap.origin)
    rs = np.arange(r0, r1, _BLOCK)
    re = np.minimum(rs + _BLOCK, r1)
    cs = np.arange(c0, c1, _BLOCK)
    ce = np.minimum(cs + _BLOCK, c1)
    # Block middles and half-extents over its cell centres, metres.
    ym, hy = oy + 0.5 * (rs + re) * res, 0.5 * (re - 1 - rs) * res
    xm, hx = ox + 0.5 * (cs + ce) * res, 0.5 * (ce - 1 - cs) * res
    zm, hz = 0.5 * (z_lo + z_hi), 0.5 * (z_hi - z_lo)
    # Each term's largest value over a block: its x part, y part and z part, each largest.
    ax, ay, az = a[:, :1], a[:, 1:2], a[:, 2]
    along_x = ax * xm + np.abs(ax) * hx  # (5, col blocks)
    along_y = ay * ym + np.abs(ay) * hy  # (5, row blocks)
    rest = az * zm + np.abs(az) * hz + b  # (5,)
    best = along_y[:, :, None] + (along_x + rest[:, None])[:, None, :]  # (5, rows, cols)
    ok = (best >= -10 * _EPS).all(axis=0)
    if not ok.any():
        return r0, r0, c0, c0
    rows, cols = np.flatnonzero(ok.any(axis=1)), np.flatnonzero(ok.any(axis=0))
    return int(rs[rows[0]]), int(re[rows[-1]]), int(cs[cols[0]]), int(ce[cols[-1]])


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


def _near_square(fmap: FreeSpaceMap, xy: np.ndarray, radius: float) -> tuple[int, int, int, int]:
    """(r0, r1, c0, c1): the grid's square of cells whose centres may lie within ``radius``
    metres of world ``xy`` (a superset; callers test the distance)."""
    res = fmap.config.resolution
    h, w = fmap.shape
    local = (np.asarray(xy, dtype=float) - fmap.origin) / res - 0.5  # (col, row) of xy
    lo = np.floor(local - radius / res) - 1
    hi = np.ceil(local + radius / res) + 2
    c0, r0 = (int(min(max(x, 0), n)) for x, n in zip(lo, (w, h), strict=True))
    c1, r1 = (int(min(max(x, 0), n)) for x, n in zip(hi, (w, h), strict=True))
    return r0, r1, c0, c1


def _hit_cells(
    fmap: FreeSpaceMap, box: tuple[int, int, int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(window, rows, cols): the (bands, h, w) view of ``obstacle_hits`` over the grid
    ``box`` (r0, r1, c0, c1), and the grid rows and columns of its cells with a hit in any
    band, in row-major order."""
    r0, r1, c0, c1 = box
    window = fmap.obstacle_hits[:, r0:r1, c0:c1]
    if not window.size:
        empty = np.zeros(0, dtype=np.int64)
        return window, empty, empty
    # Cells with a hit in any band (a 3-D nonzero is several times slower).
    hit = window[0] != 0
    for band in window[1:]:
        hit |= band != 0
    rows, cols = np.nonzero(hit)
    return window, rows + r0, cols + c0


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
