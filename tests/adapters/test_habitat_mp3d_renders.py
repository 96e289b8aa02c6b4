"""Back-projection of real habitat-sim renders (two Matterport3D scenes) through our frames."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from envs.habitat.conversions import SemanticTable, semantic_to_instances
from envs.habitat.frames import (
    camera_from_agent,
    habitat_to_world,
    intrinsics_from_hfov,
    sensor_cam_to_world,
)
from envs.types import AgentPose, Observation, SimTime

SCENES = ["17DRP5sb8fy", "1LXtFkjw3qL"]


def _load(frames_dir, scene):
    state = json.loads((frames_dir / f"{scene}-state.json").read_text())
    depth = np.load(frames_dir / f"{scene}-depth_sensor.npy")
    semantic = np.load(frames_dir / f"{scene}-semantic_sensor.npy")
    # SOURCE.md: the render follows one 0.25 m move_forward from the stored state.
    pos, rot = camera_from_agent(state["pos"], state["rot"], 1.5)
    pos = pos + Rotation.from_quat(state["rot"]).apply([0.0, 0.0, -0.25])
    return state, depth, semantic, sensor_cam_to_world(pos, rot)


def _world_points(depth, t):
    k = intrinsics_from_hfov(depth.shape[1], depth.shape[0], 90.0)
    v, u = np.nonzero(depth > 0)
    z = depth[v, u].astype(float)
    cam = np.stack([(u - k.cx) * z / k.fx, (v - k.cy) * z / k.fy, z], axis=1)
    return cam @ t[:3, :3].T + t[:3, 3]


@functools.lru_cache(maxsize=4)
def _scene_plane(frames_dir: Path, scene: str):
    """RANSAC is the slow part; both tests of a scene share one fit."""
    _, depth, _, t = _load(frames_dir, scene)
    return _largest_plane(_world_points(depth, t))


def _largest_plane(points):
    o3d = pytest.importorskip("open3d")
    o3d.utility.random.seed(0)
    # Every 3rd point keeps the planes and makes RANSAC three times faster.
    cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(points[::3]))
    plane, inliers = cloud.segment_plane(distance_threshold=0.02, ransac_n=3, num_iterations=1000)
    return np.asarray(plane), len(inliers) / len(points[::3])


@pytest.mark.parametrize("scene", SCENES)
def test_largest_plane_is_gravity_and_axis_aligned(habitat_frames_dir, scene):
    """Matterport3D houses are axis aligned: with correct intrinsics and frames, the dominant
    plane (ceiling or wall) has a normal along a world axis."""
    plane, share = _scene_plane(habitat_frames_dir, scene)
    normal = plane[:3] / np.linalg.norm(plane[:3])
    assert share > 0.1
    assert np.max(np.abs(normal)) > np.cos(np.radians(2.0)), normal


def test_floor_and_ceiling_heights_17drp(habitat_frames_dir):
    state, depth, _, t = _load(habitat_frames_dir, "17DRP5sb8fy")
    floor = habitat_to_world(state["pos"])[2]
    pts = _world_points(depth, t)
    assert t[2, 3] - floor == pytest.approx(1.5)
    # The visible floor (lowest points) lies at the agent's base height, below the camera.
    assert np.percentile(pts[:, 2], 3) == pytest.approx(floor, abs=0.1)
    plane, _ = _scene_plane(habitat_frames_dir, "17DRP5sb8fy")
    assert abs(plane[2]) > 0.999  # the ceiling: horizontal
    assert -plane[3] / plane[2] - floor == pytest.approx(2.4, abs=0.2)


@pytest.mark.parametrize("scene", SCENES)
def test_semantic_ids_map_to_instances(habitat_frames_dir, scene):
    _, depth, semantic, t = _load(habitat_frames_dir, scene)
    present = [int(s) for s in np.unique(semantic) if s != 0]
    table = SemanticTable(
        object_ids={s: f"habitat/obj_{s}" for s in present[::2]},
        categories={s: "thing" for s in present[::2]},
    )
    ids, names = semantic_to_instances(semantic, table)
    assert ids.dtype == np.int32 and np.array_equal(ids, semantic.astype(np.int64))
    assert sorted(names) == present and 0 not in names
    assert names[present[0]] == f"habitat/obj_{present[0]}"
    assert names[present[1]] == f"habitat/semantic_{present[1]}"
    obs = Observation(
        depth=depth,
        intrinsics=intrinsics_from_hfov(640, 480, 90.0),
        cam_to_world=t,
        agent=AgentPose((0.0, 0.0, 0.0), 0.0),
        time=SimTime(0.0, 0, "06:00"),
        instance_ids=ids,
        instance_names=names,
    )
    obs.validate()
    # Each instance is one compact thing in 3D: its points span less than a room.
    pts = _world_points(np.where(ids == present[-1], depth, 0), t)
    assert len(pts) > 0 and np.all(np.ptp(pts, axis=0) < 12.0)
