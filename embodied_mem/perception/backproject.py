"""Masked depth → world points: pinhole back-projection, voxel downsampling, outlier removal.

Frames follow DESIGN.md: the optical frame is x right, y down, z forward and
``cam_to_world`` maps it to the z-up world. Invalid depth (0, NaN, inf, negative) is never an
error: those pixels are dropped and counted in :class:`BackprojectStats` so callers can log how
much of a mask had no reading.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from envs.types import CameraIntrinsics, check_rigid_transform

logger = logging.getLogger(__name__)


@dataclass
class BackprojectStats:
    """What one back-projection kept and dropped."""

    n_masked: int = 0
    """Pixels selected by the mask."""
    n_invalid: int = 0
    """Masked pixels dropped because depth was 0, NaN, inf, negative or beyond ``max_depth``."""
    n_points: int = 0
    """Points returned."""


def _check_depth(depth: np.ndarray, intrinsics: CameraIntrinsics) -> None:
    if not isinstance(depth, np.ndarray) or depth.ndim != 2:
        raise ValueError(
            f"depth must be a 2-D array (H, W) in metres, got {type(depth).__name__} "
            f"with shape {getattr(depth, 'shape', None)}"
        )
    if not np.issubdtype(depth.dtype, np.floating):
        raise ValueError(
            f"depth must be float metres, got dtype {depth.dtype}; convert millimetre "
            "PNGs with depth.astype(np.float32) / 1000"
        )
    if depth.shape != (intrinsics.height, intrinsics.width):
        raise ValueError(
            f"depth shape {depth.shape} does not match intrinsics "
            f"({intrinsics.height}, {intrinsics.width})"
        )


def valid_depth(depth: np.ndarray, max_depth: float | None = None) -> np.ndarray:
    """(H, W) bool: finite, strictly positive and (optionally) not beyond ``max_depth``."""
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(depth) & (depth > 0)
        if max_depth is not None:
            ok &= depth <= max_depth
    return ok


def backproject(
    depth: np.ndarray,
    intrinsics: CameraIntrinsics,
    cam_to_world: np.ndarray,
    mask: np.ndarray | None = None,
    *,
    max_depth: float | None = None,
    stride: int = 1,
    stats: BackprojectStats | None = None,
) -> np.ndarray:
    """Back-project masked depth pixels to world points.

    Args:
        depth: (H, W) float metres.
        intrinsics: pinhole intrinsics matching ``depth``.
        cam_to_world: (4, 4) rigid transform, optical frame → world.
        mask: (H, W) bool pixels to use; None = the whole image.
        max_depth: readings beyond this (metres) are treated as invalid.
        stride: take every ``stride``-th row and column (cheap subsampling for large masks).
        stats: if given, filled with masked / invalid / kept counts.

    Returns:
        (N, 3) float64 world points.

    Raises:
        ValueError: shape or dtype mismatch, non-rigid pose, or a mask that is not (H, W) bool.
    """
    _check_depth(depth, intrinsics)
    check_rigid_transform(cam_to_world, "cam_to_world")
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    if mask is not None:
        mask = np.asarray(mask)
        if mask.shape != depth.shape or mask.dtype != np.bool_:
            raise ValueError(f"mask must be {depth.shape} bool, got {mask.shape} {mask.dtype}")
    # Index the selected pixels first so per-detection work scales with the mask, not the image.
    if mask is None:
        v, u = np.nonzero(np.ones(depth[::stride, ::stride].shape, dtype=bool))
        v, u = v * stride, u * stride
    else:
        v, u = np.nonzero(mask)
        if stride > 1:
            keep = (v % stride == 0) & (u % stride == 0)
            v, u = v[keep], u[keep]
    n_selected = len(v)
    z = depth[v, u]
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(z) & (z > 0)
        if max_depth is not None:
            ok &= z <= max_depth
    v, u, z = v[ok], u[ok], z[ok].astype(np.float64)
    cam = np.stack(
        [(u - intrinsics.cx) * z / intrinsics.fx, (v - intrinsics.cy) * z / intrinsics.fy, z],
        axis=1,
    )
    pts = cam @ cam_to_world[:3, :3].T + cam_to_world[:3, 3]
    if stats is not None:
        stats.n_masked = n_selected
        stats.n_invalid = stats.n_masked - len(z)
        stats.n_points = len(z)
    return pts


def voxel_downsample(points: np.ndarray, voxel_size: float) -> np.ndarray:
    """(N, 3) → (M, 3) float64, one averaged point per occupied voxel (open3d)."""
    if voxel_size <= 0:
        raise ValueError(f"voxel_size must be positive, got {voxel_size}")
    if len(points) == 0:
        return np.zeros((0, 3))
    import open3d as o3d

    pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(np.asarray(points, dtype=np.float64)))
    return np.asarray(pcd.voxel_down_sample(voxel_size).points)


def remove_outliers(
    points: np.ndarray, nb_neighbors: int = 10, std_ratio: float = 2.0
) -> np.ndarray:
    """Statistical outlier removal (open3d): drop points far from their neighbours' mean distance.

    Clouds with fewer than ``nb_neighbors + 1`` points are returned unchanged because the
    statistic is meaningless on them.
    """
    if len(points) <= nb_neighbors:
        return np.asarray(points, dtype=np.float64)
    import open3d as o3d

    pcd = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(np.asarray(points, dtype=np.float64)))
    _, keep = pcd.remove_statistical_outlier(nb_neighbors=nb_neighbors, std_ratio=std_ratio)
    return np.asarray(points)[np.asarray(keep, dtype=np.int64)]


def project(
    points: np.ndarray, intrinsics: CameraIntrinsics, cam_to_world: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World points → pixel (u, v) integer columns/rows and camera depth z.

    Returns:
        (u, v, z): (N,) int64, (N,) int64, (N,) float64. Points behind the camera get z <= 0;
        callers filter on ``z > 0`` and the image bounds.
    """
    world_to_cam = np.linalg.inv(cam_to_world)
    cam = np.asarray(points, dtype=np.float64) @ world_to_cam[:3, :3].T + world_to_cam[:3, 3]
    z = cam[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.round(cam[:, 0] * intrinsics.fx / z + intrinsics.cx)
        v = np.round(cam[:, 1] * intrinsics.fy / z + intrinsics.cy)
    u = np.nan_to_num(u, nan=-1, posinf=-1, neginf=-1).astype(np.int64)
    v = np.nan_to_num(v, nan=-1, posinf=-1, neginf=-1).astype(np.int64)
    return u, v, z
