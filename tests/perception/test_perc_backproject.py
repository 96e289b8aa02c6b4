"""Back-projection geometry, invalid-depth accounting and bad-input errors."""

from __future__ import annotations

import numpy as np
import pytest
from perc_helpers import INTR
from scipy.spatial.transform import Rotation

from embodied_mem.perception.backproject import (
    BackprojectStats,
    backproject,
    masked_median_depth,
    project,
    remove_outliers,
    voxel_downsample,
)


def _pose(yaw_deg: float = 30.0, t=(1.0, 2.0, 0.5)) -> np.ndarray:
    m = np.eye(4)
    m[:3, :3] = Rotation.from_euler("zx", [yaw_deg, -100], degrees=True).as_matrix()
    m[:3, 3] = t
    return m


def test_depth_ramp_backprojects_to_known_plane_and_roundtrips():
    # A ramp in v: depth = 1 + v/100, so camera-frame y/z and z follow exactly.
    v = np.arange(INTR.height, dtype=np.float32)[:, None]
    depth = np.repeat(1.0 + v / 100.0, INTR.width, axis=1).astype(np.float32)
    cam = backproject(depth, INTR, np.eye(4))
    assert cam.shape == (INTR.width * INTR.height, 3)
    # Pixel (u=cx, v=cy) is straight ahead at its depth.
    centre = cam[np.argmin(np.hypot(cam[:, 0], cam[:, 1]))]
    assert centre[0] == pytest.approx(0.0, abs=0.01)
    pose = _pose()
    world = backproject(depth, INTR, pose)
    np.testing.assert_allclose(world, cam @ pose[:3, :3].T + pose[:3, 3], atol=1e-9)
    u, vv, z = project(world, INTR, pose)
    grid_v, grid_u = np.nonzero(np.ones(depth.shape, bool))
    np.testing.assert_array_equal(u, grid_u)
    np.testing.assert_array_equal(vv, grid_v)
    np.testing.assert_allclose(z, depth[grid_v, grid_u], rtol=1e-6)


def test_invalid_depth_is_dropped_and_counted():
    depth = np.full((INTR.height, INTR.width), 2.0, np.float32)
    depth[0, :4] = [0.0, np.nan, np.inf, -1.0]
    mask = np.zeros(depth.shape, bool)
    mask[0, :10] = True
    stats = BackprojectStats()
    pts = backproject(depth, INTR, np.eye(4), mask, stats=stats)
    assert (stats.n_masked, stats.n_invalid, stats.n_points) == (10, 4, 6)
    assert len(pts) == 6 and np.all(np.isfinite(pts))
    stats2 = BackprojectStats()
    backproject(depth, INTR, np.eye(4), mask, max_depth=1.5, stats=stats2)
    assert stats2.n_points == 0 and stats2.n_invalid == 10


@pytest.mark.parametrize(
    ("depth", "pose", "mask", "match"),
    [
        (np.ones((10, 10), np.float32), np.eye(4), None, "does not match intrinsics"),
        (np.ones((96, 128), np.uint16), np.eye(4), None, "float metres"),
        (np.ones((96, 128), np.float32), np.diag([2.0, 1, 1, 1]), None, "orthonormal"),
        (np.ones((96, 128), np.float32), np.eye(3), None, "4x4"),
        (np.ones((96, 128), np.float32), np.eye(4), np.ones((96, 128), np.uint8), "bool"),
    ],
)
def test_bad_inputs_raise_clear_errors(depth, pose, mask, match):
    with pytest.raises(ValueError, match=match):
        backproject(depth, INTR, pose, mask)


def test_empty_mask_gives_no_points():
    depth = np.ones((96, 128), np.float32)
    assert backproject(depth, INTR, np.eye(4), np.zeros((96, 128), bool)).shape == (0, 3)


def test_voxel_downsample_and_outlier_removal():
    rng = np.random.default_rng(0)
    cube = rng.uniform(0, 0.2, (2000, 3))
    down = voxel_downsample(cube, 0.05)
    assert 27 <= len(down) <= 125  # at most (0.2/0.05 + 1)^3 voxels occupied
    with_outlier = np.vstack([cube, [[5.0, 5.0, 5.0]]])
    cleaned = remove_outliers(with_outlier, 10, 2.0)
    assert not np.any(np.all(cleaned == 5.0, axis=1))
    assert len(cleaned) >= 0.9 * len(cube)
    with pytest.raises(ValueError, match="voxel_size"):
        voxel_downsample(cube, 0.0)


def test_masked_median_depth_removes_sensor_noise_but_keeps_the_mask_surface():
    # A box-shaped mask on a tilted plane, 3 m away, in front of a wall at 6 m.
    v, u = np.mgrid[0 : INTR.height, 0 : INTR.width]
    plane = (3.0 + 0.004 * u + 0.002 * v).astype(np.float32)
    mask = np.zeros(plane.shape, bool)
    mask[20:40, 30:60] = True
    clean = np.where(mask, plane, 6.0).astype(np.float32)
    vi, ui = np.nonzero(mask)
    inner = (vi >= 22) & (vi < 38) & (ui >= 32) & (ui < 58)
    # Clean depth: the interior (full windows) is untouched; the rim never takes the wall's depth.
    z = masked_median_depth(clean, mask, vi, ui, 5)
    np.testing.assert_allclose(z[inner], clean[vi, ui][inner], atol=1e-6)
    assert np.abs(z - clean[vi, ui]).max() < 0.02
    # 1 % proportional noise (3 cm here): the median cuts it by more than half everywhere.
    rng = np.random.default_rng(0)
    noisy = (clean * (1.0 + 0.01 * rng.standard_normal(clean.shape))).astype(np.float32)
    z = masked_median_depth(noisy, mask, vi, ui, 5)
    raw_err = np.std(noisy[vi, ui] - clean[vi, ui])
    assert np.std(z - clean[vi, ui]) < 0.5 * raw_err
    # Through backproject: the same points, filtered, and an even window is refused.
    pts = backproject(noisy, INTR, np.eye(4), mask, median_window=5)
    np.testing.assert_allclose(pts[:, 2], z)
    with pytest.raises(ValueError, match="odd"):
        backproject(noisy, INTR, np.eye(4), mask, median_window=4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_masked_median_depth_is_the_median_of_each_window_at_borders_and_gaps(dtype):
    # A mask touching two image borders, with holes (0, NaN, negative, -inf, inf) and readings
    # beyond max_depth: each pixel's value is the plain median of its window's usable readings
    # (the windows are sorted as the readings' bit patterns: no invalid one may take part).
    rng = np.random.default_rng(3)
    depth = rng.uniform(0.5, 9.0, (INTR.height, INTR.width)).astype(dtype)
    depth[rng.random(depth.shape) < 0.1] = 0.0
    depth[rng.random(depth.shape) < 0.05] = np.nan
    depth[rng.random(depth.shape) < 0.03] = -1.5
    depth[rng.random(depth.shape) < 0.02] = -np.inf
    depth[rng.random(depth.shape) < 0.02] = np.inf
    mask = np.zeros(depth.shape, bool)
    mask[: INTR.height // 2, INTR.width // 2 :] = (
        rng.random((INTR.height // 2, INTR.width // 2)) < 0.8
    )
    usable = mask & np.isfinite(depth) & (depth > 0) & (depth <= 8.0)
    vi, ui = np.nonzero(usable)
    z = masked_median_depth(depth, mask, vi, ui, 5, max_depth=8.0)
    for k in range(0, len(vi), 7):
        v, u = vi[k], ui[k]
        win = (slice(max(v - 2, 0), v + 3), slice(max(u - 2, 0), u + 3))
        assert z[k] == np.median(depth[win][usable[win]].astype(np.float64))
    assert masked_median_depth(depth, mask, vi[:0], ui[:0], 5).shape == (0,)
