"""The one pinhole camera (envs.camera) that perception and policies both use."""

from __future__ import annotations

import numpy as np

from embodied_mem.perception.backproject import project
from envs.camera import apply_rigid, invert_rigid, pixels_to_world, world_to_pixels
from envs.types import CameraIntrinsics, optical_rotation
from policies.geometry import project_point


def _pose(yaw: float = 0.4, pitch: float = -0.2, t=(1.0, 2.0, 1.2)) -> np.ndarray:
    m = np.eye(4)
    m[:3, :3] = optical_rotation(yaw, pitch)
    m[:3, 3] = t
    return m


K = CameraIntrinsics.from_fov(160, 120, vfov_deg=60.0)


def test_back_projection_and_projection_are_inverse() -> None:
    rng = np.random.default_rng(0)
    u, v = rng.uniform(0, 159, 50), rng.uniform(0, 119, 50)
    z = rng.uniform(0.3, 6.0, 50)
    pts = pixels_to_world(u, v, z, K, _pose())
    u2, v2, z2 = world_to_pixels(pts, K, _pose())
    assert np.allclose(u2, u) and np.allclose(v2, v) and np.allclose(z2, z)


def test_rigid_inverse_undoes_the_transform() -> None:
    pts = np.random.default_rng(1).normal(size=(20, 3))
    back = apply_rigid(invert_rigid(_pose()), apply_rigid(_pose(), pts))
    assert np.allclose(back, pts)


def test_perception_and_policies_project_the_same_way() -> None:
    point = pixels_to_world(np.array([70.3]), np.array([40.8]), np.array([2.5]), K, _pose())
    u, v, z = project(point, K, _pose())
    uf, vf, zf = world_to_pixels(point, K, _pose())

    class _Obs:  # project_point reads only intrinsics and pose
        intrinsics = K
        cam_to_world = _pose()

    assert project_point(_Obs(), point[0]) == (uf[0], vf[0], zf[0])  # type: ignore[arg-type]
    assert (u[0], v[0]) == (70, 41) and z[0] == zf[0]


def test_points_behind_the_camera_have_no_pixel() -> None:
    behind = apply_rigid(_pose(), np.array([[0.1, 0.0, -1.0]]))
    assert world_to_pixels(behind, K, _pose())[2][0] < 0

    class _Obs:
        intrinsics = K
        cam_to_world = _pose()

    assert project_point(_Obs(), behind[0]) is None  # type: ignore[arg-type]
