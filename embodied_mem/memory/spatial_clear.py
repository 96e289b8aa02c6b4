"""Clearing the free-space map where the camera sees through a remembered obstacle.

An obstacle band of a cell (:class:`~embodied_mem.memory.spatial.FreeSpaceMap`) is *seen
through* when its lower part, middle and top, at the cell's centre, all project into the frame in
front of the camera and the depth there (the nearest reading in a 3x3 pixel window, so a
surface grazed at a shallow angle still counts as a surface) lies well beyond them. Then nothing
stands there now: a container door that was open, a thing that was moved. A surface inside the
cell is never seen through (its depth is at the cell, not beyond), and seeing under a table top
clears the band under the top, not the top's band.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from envs.camera import world_to_pixels
from envs.types import Observation

if TYPE_CHECKING:
    from embodied_mem.memory.spatial import FreeSpaceMap

BEYOND = 0.15
"""Metres the depth must reach past a point (plus 5 % of its distance) to count as seen through
(the cell's own half-width and depth noise stay inside)."""


def seen_through(fmap: FreeSpaceMap, obs: Observation) -> tuple[np.ndarray, ...]:
    """Index (bands, rows, cols) of the obstacle bands with hits this frame sees through."""
    empty = (np.zeros(0, dtype=np.int64),) * 3
    bands, rows, cols = np.nonzero(fmap.obstacle_hits)
    if not len(rows):
        return empty
    cfg = fmap.config
    xy = fmap.cell_centres(rows, cols)
    cam = np.asarray(obs.cam_to_world, dtype=float)[:3, 3]
    near = np.linalg.norm(xy - cam[:2], axis=1) <= cfg.max_range
    if not near.any():
        return empty
    bands, rows, cols, xy = bands[near], rows[near], cols[near], xy[near]
    depth = np.asarray(obs.depth, dtype=np.float64)
    # Invalid readings say nothing: they count as a surface at 0 m (never seen through).
    depth = np.where(np.isfinite(depth) & (depth > 0), depth, 0.0)
    nearest = ndimage.minimum_filter(depth, size=3, mode="nearest")
    edges = fmap.band_edges()
    floor = float(obs.agent.position[2])
    through = np.ones(len(rows), dtype=bool)
    # A quarter up from the band's bottom, not at it: just above the floor, the floor behind
    # a point is too close to it to tell it from a surface there.
    for frac in (0.25, 0.5, 1.0):
        z = floor + edges[bands] + frac * (edges[bands + 1] - edges[bands])
        u, v, d = world_to_pixels(np.column_stack([xy, z]), obs.intrinsics, obs.cam_to_world)
        k = obs.intrinsics
        inside = (d > 0.1) & (u >= 0) & (u <= k.width - 1) & (v >= 0) & (v <= k.height - 1)
        ui = np.clip(np.round(np.nan_to_num(u)), 0, k.width - 1).astype(int)
        vi = np.clip(np.round(np.nan_to_num(v)), 0, k.height - 1).astype(int)
        through &= inside & (nearest[vi, ui] > d + BEYOND + 0.05 * d)
    return bands[through], rows[through], cols[through]
