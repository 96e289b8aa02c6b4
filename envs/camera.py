"""The pinhole camera, once for every package: pixels + depth ↔ world points.

Frames follow DESIGN.md: the optical frame is x right, y down, z forward; ``cam_to_world`` is
the (4, 4) rigid transform optical frame → world (``Observation.cam_to_world``). Perception
back-projects masks with these, policies judge visibility and explore with them, the
replay and visualisation code reprojects with them.

Rigid transforms are applied as element-wise column arithmetic, not ``(N, 3) @ (3, 3)``: the
tiny matrix product goes to multithreaded BLAS, which on a loaded machine was measured
10-100x slower than these few vector operations.
"""

from __future__ import annotations

import functools

import numpy as np

from envs.types import CameraIntrinsics


@functools.lru_cache(maxsize=16)
def pixel_grid(height: int, width: int, stride: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of every ``stride``-th pixel, ``np.mgrid[0:height:stride, 0:width:stride]``.

    Read-only and shared: per-frame code asks for the same grid thousands of times an
    episode, and building it anew was a visible part of each frame.
    """
    rows, cols = np.mgrid[0:height:stride, 0:width:stride]
    rows.flags.writeable = False
    cols.flags.writeable = False
    return rows, cols


def transform_columns(
    transform: np.ndarray, x: np.ndarray, y: np.ndarray, z: np.ndarray
) -> np.ndarray:
    """Apply a 4x4 rigid ``transform`` to points given as coordinate columns → (N, 3) float64."""
    out = np.empty((len(x), 3), dtype=np.float64)
    if not (transform.dtype == x.dtype == y.dtype == z.dtype == np.float64):
        # Other dtypes keep numpy's promotion of the plain expression (float32 products).
        r, t = transform[:3, :3], transform[:3, 3]
        for k in range(3):
            out[:, k] = r[k, 0] * x + r[k, 1] * y + r[k, 2] * z + t[k]
        return out
    acc = np.empty(len(x), dtype=np.float64)
    term = np.empty(len(x), dtype=np.float64)
    for k, (rx, ry, rz, t) in enumerate(transform[:3, :4].tolist()):
        # ((rx * x + ry * y) + rz * z) + t: the plain expression's operations in its order,
        # in two reused buffers instead of six new arrays per row.
        np.multiply(x, rx, out=acc)
        acc += np.multiply(y, ry, out=term)
        acc += np.multiply(z, rz, out=term)
        acc += t
        out[:, k] = acc
    return out


def apply_rigid(transform: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(N, 3) points through a 4x4 rigid transform → (N, 3) float64."""
    p = np.asarray(points, dtype=np.float64)
    return transform_columns(transform, p[:, 0], p[:, 1], p[:, 2])


def invert_rigid(transform: np.ndarray) -> np.ndarray:
    """Inverse of a 4x4 rigid transform: [R^T, -R^T t] (a new array the caller may change).

    A frame's pose is inverted several times (projections, clearing, visibility culls): the
    last few inverses are kept, keyed by the transform's numbers and memory layout (the
    layout can steer the small matrix product), and handed out as copies.
    """
    if not isinstance(transform, np.ndarray):
        return _invert_rigid(transform)
    key = (transform.dtype.str, transform.shape, transform.strides, transform.tobytes())
    inv = _INVERSES.get(key)
    if inv is None:
        inv = _invert_rigid(transform)
        if len(_INVERSES) >= 8:
            del _INVERSES[next(iter(_INVERSES))]  # the oldest
        _INVERSES[key] = inv
    return inv.copy()


_INVERSES: dict[tuple[object, ...], np.ndarray] = {}


def _invert_rigid(transform: np.ndarray) -> np.ndarray:
    inv = np.eye(4)
    inv[:3, :3] = transform[:3, :3].T
    inv[:3, 3] = -transform[:3, :3].T @ transform[:3, 3]
    return inv


def pixels_to_world(
    u: np.ndarray,
    v: np.ndarray,
    z: np.ndarray,
    intrinsics: CameraIntrinsics,
    cam_to_world: np.ndarray,
) -> np.ndarray:
    """Back-project pixels (column ``u``, row ``v``) at optical depth ``z`` (metres) → (N, 3)
    world points, float64. Callers drop invalid depth first."""
    z = np.asarray(z, dtype=np.float64)
    x = (u - intrinsics.cx) * (z / intrinsics.fx)
    y = (v - intrinsics.cy) * (z / intrinsics.fy)
    return transform_columns(np.asarray(cam_to_world, dtype=np.float64), x, y, z)


def world_to_pixels(
    points: np.ndarray, intrinsics: CameraIntrinsics, cam_to_world: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Project (N, 3) world points → (u, v, z): sub-pixel column and row, optical depth.

    All (N,) float64. Points at or behind the camera have ``z <= 0`` and meaningless (possibly
    inf/NaN) ``u, v``; callers filter on ``z`` and the image bounds.
    """
    cam = apply_rigid(invert_rigid(np.asarray(cam_to_world, dtype=np.float64)), points)
    z = cam[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        u = cam[:, 0] * intrinsics.fx / z + intrinsics.cx
        v = cam[:, 1] * intrinsics.fy / z + intrinsics.cy
    return u, v, z
