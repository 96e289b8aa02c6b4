"""Sensor images for the fake habitat-sim: boxes ray-cast in habitat's frame.

The camera looks along its local -z with y up (OpenGL), ``hfov`` is horizontal, depth is
planar (distance along the optical axis), semantic pixels carry the box's semantic id.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation


def render(
    position: np.ndarray,
    rotation: Rotation,
    resolution: tuple[int, int],
    hfov_deg: float,
    boxes: list[tuple[np.ndarray, np.ndarray, int]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(H, W, 4) uint8 colour, (H, W) float32 depth, (H, W) uint32 semantic ids.

    ``boxes`` are (lo, hi, semantic_id) in habitat coordinates.
    """
    h, w = resolution
    f = (w / 2.0) / math.tan(math.radians(hfov_deg) / 2.0)
    u, v = np.meshgrid(np.arange(w) + 0.5 - w / 2.0, np.arange(h) + 0.5 - h / 2.0)
    local = np.stack([u / f, -v / f, -np.ones_like(u)], axis=-1)  # unit length along -z
    dirs = local @ rotation.as_matrix().T
    inv = 1.0 / np.where(np.abs(dirs) < 1e-12, 1e-12, dirs)
    forward = rotation.apply([0.0, 0.0, -1.0])
    best = np.full((h, w), np.inf)
    sem = np.zeros((h, w), dtype=np.uint32)
    for lo, hi, sid in boxes:
        corners = np.array(
            [[a, b, c] for a in (lo[0], hi[0]) for b in (lo[1], hi[1]) for c in (lo[2], hi[2])]
        )
        if np.all((corners - position) @ forward <= 0.01):
            continue
        t1, t2 = (lo - position) * inv, (hi - position) * inv
        near, far = np.minimum(t1, t2).max(axis=-1), np.maximum(t1, t2).min(axis=-1)
        hit = (near <= far) & (near > 0.01) & (near < best)
        best[hit] = near[hit]
        sem[hit] = sid
    depth = np.where(np.isfinite(best), best, 0.0).astype(np.float32)
    colour = np.zeros((h, w, 4), dtype=np.uint8)
    shade = np.clip(1.0 - depth / 10.0, 0.3, 1.0)
    for k, mult in enumerate((97, 57, 23)):
        colour[..., k] = (((sem * mult) % 200 + 40) * shade).astype(np.uint8)
    colour[..., 3] = 255
    return colour, depth, sem


def as_array(v: Any) -> np.ndarray:
    return np.asarray(v, dtype=float)
