"""Back-projection geometry, invalid-depth accounting and bad-input errors."""

from __future__ import annotations

import numpy as np
import pytest
from perc_helpers import INTR
from scipy.spatial.transform import Rotation

from embodied_mem.perception.backproject import (
    BackprojectStats,
    backproject,
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
