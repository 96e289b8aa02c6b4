"""Frustum culling in ``expected_in_view`` never changes which tracks are reported."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from scipy.spatial.transform import Rotation

from embodied_mem.perception.backproject import valid_depth
from embodied_mem.perception.visibility import expected_in_view
from envs.camera import apply_rigid, invert_rigid
from envs.types import CameraIntrinsics

W, H = 64, 48
INTR = CameraIntrinsics(fx=50.0, fy=50.0, cx=31.5, cy=23.5, width=W, height=H)


def _brute_force(tracks, obs, max_depth, depth_margin, min_points, min_fraction) -> list[str]:
    """Project every point of every track, one track at a time (no culling)."""
    out = []
    for t in tracks:
        cam = apply_rigid(invert_rigid(obs.cam_to_world), t.points.astype(np.float64))
        seen = 0
        for x, y, z in cam:
            if z <= 1e-6 or (max_depth is not None and z > max_depth):
                continue
            u, v = (
                int(np.round(x * INTR.fx / z + INTR.cx)),
                int(np.round(y * INTR.fy / z + INTR.cy)),
            )
            if 0 <= u < W and 0 <= v < H:
                d = obs.depth[v, u]
                seen += bool(valid_depth(np.array([d]))[0] and d > z + depth_margin)
        if seen >= max(min_points, min_fraction * len(t.points)):
            out.append(t.id)
    return out


def test_culled_result_equals_brute_force() -> None:
    rng = np.random.default_rng(0)
    expected_total = 0
    for _ in range(40):
        tracks = []
        for k in range(12):
            c, ext = rng.uniform(-5, 5, 3), rng.uniform(0.05, 1.0, 3)
            pts = (c + rng.uniform(-1, 1, (int(rng.integers(5, 60)), 3)) * ext).astype(np.float32)
            tracks.append(
                SimpleNamespace(
                    id=f"obj_{k:04d}",
                    points=pts,
                    bbox_min=pts.min(0).astype(np.float64),
                    bbox_max=pts.max(0).astype(np.float64),
                )
            )
        pose = np.eye(4)
        pose[:3, :3] = Rotation.from_euler("xyz", rng.uniform(-np.pi, np.pi, 3)).as_matrix()
        pose[:3, 3] = rng.uniform(-1, 1, 3)
        depth = rng.uniform(0.2, 9.0, (H, W)).astype(np.float32)
        obs = SimpleNamespace(intrinsics=INTR, cam_to_world=pose, depth=depth)
        for kw in (
            dict(max_depth=6.0, depth_margin=0.2, min_points=2, min_fraction=0.05),
            dict(max_depth=None, depth_margin=0.2, min_points=0, min_fraction=0.0),
        ):
            got = expected_in_view(tracks, obs, **kw)
            assert got == _brute_force(tracks, obs, **kw)
            expected_total += len(got)
    assert expected_total > 0  # some tracks were in view, so the test compares something
