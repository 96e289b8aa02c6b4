"""Masked depth → world points: pinhole back-projection, voxel downsampling, outlier removal.

Frames follow DESIGN.md: the optical frame is x right, y down, z forward and
``cam_to_world`` maps it to the z-up world. Invalid depth (0, NaN, inf, negative) is never an
error: those pixels are dropped and counted in :class:`BackprojectStats` so callers can log how
much of a mask had no reading.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from envs.camera import pixels_to_world, world_to_pixels
from envs.types import CameraIntrinsics, check_rigid_transform

if TYPE_CHECKING:
    from embodied_mem.perception.types import Detection
    from envs.types import Observation

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
    check_pose: bool = True,
    sample_spacing: float | None = None,
    median_window: int = 1,
) -> np.ndarray:
    """Back-project masked depth pixels to world points.

    Args:
        depth: (H, W) float metres.
        intrinsics: pinhole intrinsics matching ``depth``.
        cam_to_world: (4, 4) rigid transform, optical frame → world.
        mask: (H, W) bool pixels to use; None = the whole image.
        max_depth: readings beyond this (metres) are treated as invalid.
        stride: take every ``stride``-th row and column (cheap subsampling for large masks).
        stats: if given, filled with masked / invalid / kept counts (invalid counts cover
            the whole mask, before any striding).
        sample_spacing: with a mask, grow the stride so that neighbouring samples are about
            this far apart (metres) at the mask's near depth; e.g. half the voxel size keeps
            every voxel of a later voxel downsampling occupied while skipping redundant pixels.
        check_pose: validate ``cam_to_world``; callers that already validated the frame
            (``Observation.validate``) pass False to skip repeating it per mask.
        median_window: with a mask, each kept pixel's depth becomes the median of the valid
            masked readings in the ``median_window`` square around it
            (:func:`masked_median_depth`); 1 keeps the raw readings.

    Returns:
        (N, 3) float64 world points.

    Raises:
        ValueError: shape or dtype mismatch, non-rigid pose, or a mask that is not (H, W) bool.
    """
    _check_depth(depth, intrinsics)
    if check_pose:
        check_rigid_transform(cam_to_world, "cam_to_world")
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    if median_window < 1 or median_window % 2 == 0:
        raise ValueError(f"median_window must be an odd number >= 1, got {median_window}")
    if mask is not None:
        mask = np.asarray(mask)
        if mask.shape != depth.shape or mask.dtype != np.bool_:
            raise ValueError(f"mask must be {depth.shape} bool, got {mask.shape} {mask.dtype}")
    if mask is None:
        # Whole frame: one validity pass over the (strided) grid, then index the valid pixels.
        grid = depth[::stride, ::stride]
        ok_grid = valid_depth(grid, max_depth)
        v, u = np.nonzero(ok_grid)
        n_selected = grid.size
        z = grid[ok_grid].astype(np.float64)
        v, u = v * stride, u * stride
    else:
        # Index the mask first so per-detection work scales with the mask, not the image.
        # Flat indices split into rows and columns are np.nonzero(mask) (same order), about
        # a sixth of its cost: its 2-D path tracks a multi-index per element.
        flat = np.flatnonzero(mask)
        v = flat // depth.shape[1]
        u = flat - v * depth.shape[1]
        n_selected = len(v)
        z = depth[v, u]
        ok = valid_depth(z, max_depth)
        n_valid = int(np.count_nonzero(ok))
        v, u, z = v[ok], u[ok], z[ok]
        if sample_spacing is not None and n_valid:
            stride = max(stride, _stride_for_spacing(z, intrinsics, sample_spacing))
        if stride > 1:
            keep = (v % stride == 0) & (u % stride == 0)
            v, u, z = v[keep], u[keep], z[keep]
        if median_window > 1 and len(z):
            z = masked_median_depth(depth, mask, v, u, median_window, max_depth)
        z = z.astype(np.float64)
    pts = pixels_to_world(u, v, z, intrinsics, cam_to_world)
    if stats is not None:
        stats.n_masked = n_selected
        stats.n_invalid = n_selected - (n_valid if mask is not None else len(z))
        stats.n_points = len(z)
    return pts


def detection_points(obs: Observation, det: Detection) -> np.ndarray:
    """(N, 3) world points of a detection: the segmenter's own if it gave them, else its mask
    back-projected with the frame's depth and pose (as the mapper does, without subsampling)."""
    if len(det.points):
        return det.points
    return backproject(obs.depth, obs.intrinsics, obs.cam_to_world, det.mask, check_pose=False)


def masked_median_depth(
    depth: np.ndarray,
    mask: np.ndarray,
    v: np.ndarray,
    u: np.ndarray,
    window: int,
    max_depth: float | None = None,
) -> np.ndarray:
    """(N,) float64: per pixel (``v``, ``u``), the median depth of the valid ``mask`` pixels in
    the ``window`` x ``window`` square around it (the pixel itself must be valid and masked).

    Depth sensors add independent noise per pixel that grows with range; fused over many
    frames it thickens every surface into a slab whose extremes inflate boxes and pull
    relations ("inside" the counter a book lies on). The median of a small neighbourhood
    removes most of it while keeping edges: only the mask's own pixels take part, so a
    surface behind the object never leaks in, and on a clean planar patch the median of a
    symmetric window is the centre reading itself.
    """
    if len(v) == 0:
        return np.zeros(0)
    r = window // 2
    h, w = depth.shape
    # Only the windows around the given pixels are read: crop the frame to their box grown by
    # r, mark every reading that must not count (off the mask, invalid, or off the image: a
    # border of r around the crop) with +inf, and gather all windows from it by flat index.
    # One take from a small padded crop costs a fraction of indexing the frame with (N, w*w)
    # row and column arrays, and the result is the same numbers.
    v0, v1 = max(int(v.min()) - r, 0), min(int(v.max()) + r + 1, h)
    u0, u1 = max(int(u.min()) - r, 0), min(int(u.max()) + r + 1, w)
    crop = depth[v0:v1, u0:u1]
    # validity on float64, as a float64 reading is compared with max_depth everywhere else
    use = mask[v0:v1, u0:u1] & valid_depth(crop.astype(np.float64), max_depth)
    padded = np.full((v1 - v0 + 2 * r, u1 - u0 + 2 * r), np.inf, dtype=depth.dtype)
    padded[r : r + v1 - v0, r : r + u1 - u0] = np.where(use, crop, np.inf)
    stride = padded.shape[1]
    offsets = _window_offsets(window, stride)
    corner = (v - v0) * stride + (u - u0)  # the window's top-left in the padded crop
    # Sorted in the depth's own dtype (converting to float64 afterwards gives the same
    # values: the conversion is exact and keeps the order), the unused readings last. The
    # readings are positive or +inf, whose IEEE bit patterns read as signed integers of the
    # same width are in the same order: sorting those is the same permutation, at half the
    # cost of a float sort (numpy's vectorised sort of small rows).
    bits = padded.view(np.dtype(f"i{padded.dtype.itemsize}"))
    vals = np.sort(bits.ravel().take(corner[:, None] + offsets[None, :]), axis=1)
    vals = vals.view(padded.dtype)
    count = np.count_nonzero(vals < np.inf, axis=1)
    rows = np.arange(len(vals))
    lower = vals[rows, (count - 1) // 2].astype(np.float64)
    upper = vals[rows, count // 2].astype(np.float64)
    return 0.5 * (lower + upper)


@functools.lru_cache(maxsize=1024)  # one entry per crop width; each is window**2 ints
def _window_offsets(window: int, row_stride: int) -> np.ndarray:
    """(window * window,) flat offsets of a square window's pixels in rows of ``row_stride``."""
    dv, du = np.meshgrid(np.arange(window), np.arange(window), indexing="ij")
    offsets = (dv * row_stride + du).ravel()
    offsets.flags.writeable = False  # shared between calls
    return offsets


def _stride_for_spacing(z: np.ndarray, intrinsics: CameraIntrinsics, spacing: float) -> int:
    """Pixel stride whose footprint at the nearer part of the mask is about ``spacing`` metres."""
    # The 10th percentile, not the minimum, so a few flying pixels do not force a fine grid.
    z_near = float(percentile_linear(z[:: max(1, len(z) // 200)], 10))
    return max(1, int(spacing * min(intrinsics.fx, intrinsics.fy) / max(z_near, 1e-6)))


def percentile_linear(x: np.ndarray, q: float) -> np.floating:
    """``np.percentile(x, q)`` of a non-empty 1-D array without NaN, the same number.

    numpy's default ("linear") method, step by step: the virtual index ``(n - 1) * q / 100``,
    the two order statistics around it, and numpy's interpolation between them in the
    array's dtype (from the nearer one). ``np.percentile`` spends ~100 us in its generic
    set-up per call, more than the partition itself on the few hundred depths of a mask,
    and the mapper asks once per detection.
    """
    n = len(x)
    virtual = (n - 1) * (q / 100)
    if virtual >= n - 1:
        lo = hi = -1
        gamma = virtual + 1.0  # numpy's weight for its index -1
    else:
        lo = math.floor(virtual)
        hi = lo + 1
        gamma = virtual - lo
    part = np.partition(x, (lo, hi)) if lo != hi else np.partition(x, n - 1)
    a, b = part[lo], part[hi]
    diff = b - a
    return b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma


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
    uf, vf, z = world_to_pixels(points, intrinsics, cam_to_world)
    return _pixel_index(uf), _pixel_index(vf), z


def _pixel_index(coord: np.ndarray) -> np.ndarray:
    """(N,) sub-pixel coordinates → nearest integer pixel, int64; NaN/inf become -1.

    Points at or near z = 0 map to inf/huge pixels; -1 is out of the image either way. The
    same numbers as ``np.nan_to_num(np.round(c), nan=-1, posinf=-1, neginf=-1)``, which
    spends most of its time in generic set-up; visibility projects every frame.
    """
    rounded = np.round(coord)
    rounded[~np.isfinite(rounded)] = -1
    with np.errstate(invalid="ignore"):  # huge finite values: out of the image either way
        return rounded.astype(np.int64)
