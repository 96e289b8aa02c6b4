"""habitat-sim frame conventions, intrinsics, versions and semantic mapping (no habitat-sim)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from envs.habitat.config import HabitatConfig, HabitatObjectSpec
from envs.habitat.conversions import (
    SemanticTable,
    check_habitat_version,
    semantic_object_record,
    semantic_to_instances,
)
from envs.habitat.frames import (
    camera_from_agent,
    habitat_rotation_from_yaw,
    habitat_to_world,
    intrinsics_from_hfov,
    sensor_cam_to_world,
    world_to_habitat,
    yaw_from_habitat_rotation,
)
from envs.habitat.rooms import room_from_region, scene_room


def test_y_up_to_z_up_is_a_proper_rotation_and_round_trips():
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(50, 3))
    assert np.allclose(world_to_habitat(habitat_to_world(pts)), pts)
    assert np.allclose(habitat_to_world([0.0, 1.0, 0.0]), [0.0, 0.0, 1.0])  # up stays up
    assert np.allclose(habitat_to_world([0.0, 0.0, -1.0]), [0.0, 1.0, 0.0])  # forward → +y
    m = habitat_to_world(np.eye(3))
    assert np.linalg.det(m) == pytest.approx(1.0)


@pytest.mark.parametrize("yaw", [0.0, 0.7, math.pi / 2, -2.5, math.pi])
def test_yaw_round_trip(yaw):
    q = habitat_rotation_from_yaw(yaw)
    assert math.remainder(yaw_from_habitat_rotation(q) - yaw, 2 * math.pi) == pytest.approx(
        0.0, abs=1e-9
    )


def test_camera_pose_looks_where_the_agent_faces():
    yaw = 0.3
    pos, rot = camera_from_agent(
        [1.0, 0.1, -2.0], habitat_rotation_from_yaw(yaw), 1.5, pitch=math.radians(20)
    )
    t = sensor_cam_to_world(pos, rot)
    assert np.allclose(t[:3, 3], [1.0, 2.0, 1.6])
    forward = t[:3, 2]
    assert math.atan2(forward[1], forward[0]) == pytest.approx(yaw)
    assert math.asin(forward[2]) == pytest.approx(math.radians(20))  # positive pitch looks up
    assert t[2, 1] < 0  # optical y (image down) points down in the world
    assert np.linalg.det(t[:3, :3]) == pytest.approx(1.0)


def test_accepts_numpy_quaternion_like_objects():
    xyzw = habitat_rotation_from_yaw(1.0)
    q = SimpleNamespace(x=xyzw[0], y=xyzw[1], z=xyzw[2], w=xyzw[3])
    assert yaw_from_habitat_rotation(q) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="unit length"):
        yaw_from_habitat_rotation([0.0, 0.0, 0.0, 2.0])


def test_intrinsics_from_hfov():
    k = intrinsics_from_hfov(640, 480, 90.0)
    assert k.fx == pytest.approx(320.0) and k.fy == pytest.approx(320.0)
    assert (k.cx, k.cy) == (319.5, 239.5)


def test_version_check():
    assert check_habitat_version("0.3.2") == []
    notes = check_habitat_version("0.2.5")
    assert notes and any("0.3.x" in n for n in notes)
    with pytest.raises(RuntimeError, match="conda install"):
        check_habitat_version("0.1.7")
    with pytest.raises(ValueError, match="cannot parse"):
        check_habitat_version("nightly")


def _category(name: str) -> SimpleNamespace:
    return SimpleNamespace(name=lambda: name)


def test_semantic_table_regions_and_objects():
    aabb = SimpleNamespace(center=np.array([1.0, 0.5, -2.0]), sizes=np.array([2.0, 1.0, 4.0]))
    objects = [
        None,
        SimpleNamespace(
            semantic_id=7, id="0_3_7", category=_category("Kitchen Counter"), aabb=aabb
        ),
    ]
    table = SemanticTable.from_semantic_objects(objects)
    assert table.object_ids == {7: "habitat/0_3_7"} and table.categories == {7: "kitchen_counter"}
    rec = semantic_object_record(objects[1], None)
    assert rec.is_receptacle and rec.bbox_min == pytest.approx((0.0, 0.0, 0.0))
    assert rec.bbox_max == pytest.approx((2.0, 4.0, 1.0))
    region = SimpleNamespace(id="0_3", category=_category("kitchen"), aabb=aabb)
    room = room_from_region(region, 0)
    assert room.room_type == "kitchen" and room.contains_xy(1.0, 2.0) and not room.contains_xy(3, 2)
    loop = SimpleNamespace(
        id="r",
        category=None,
        aabb=aabb,
        poly_loop_points=[[0, 0, 0], [4, 0, 0], [4, 0, -4], [0, 0, -4]],
    )
    assert room_from_region(loop, 1).contains_xy(3.5, 3.5)
    # habitat-sim 0.3 gives the loop as 2D (x, z) points on the floor plane.
    flat = SimpleNamespace(
        id="f", category=None, aabb=aabb, poly_loop_points=[(0, 0), (4, 0), (4, -4), (0, -4)]
    )
    assert room_from_region(flat, 2).contains_xy(3.5, 3.5)
    assert not room_from_region(flat, 2).contains_xy(3.5, -0.5)


def test_semantic_ids_errors():
    with pytest.raises(ValueError, match="int32"):
        semantic_to_instances(np.full((2, 2), 2**31 + 5, dtype=np.uint32), SemanticTable())
    with pytest.raises(ValueError, match=r"\(H, W\) integers"):
        semantic_to_instances(np.zeros((2, 2), dtype=np.float32), SemanticTable())


def test_config_validation():
    with pytest.raises(ValueError, match="hfov"):
        HabitatConfig(hfov=200)
    with pytest.raises(ValueError, match="scene is empty"):
        HabitatConfig().require_scene()
    cfg = HabitatConfig(
        scene="x.glb",
        objects=[{"template": "cubeSolid", "position": (1, 2, 0.5), "category": "Mug"}],
    )
    assert isinstance(cfg.objects[0], HabitatObjectSpec)


def test_habitat_config_loads_objects_from_overrides():
    from embodied_mem.config import load_config

    cfg = load_config(
        HabitatConfig,
        overrides=[
            "scene=room.glb",
            "objects=[{template: cubeSolid, position: [1, 2, 0.1], category: Mug}]",
        ],
    )
    assert cfg.objects[0].category == "Mug" and cfg.objects[0].position == (1.0, 2.0, 0.1)


def test_unannotated_scene_is_one_room_from_navmesh_bounds():
    room = scene_room([-3.0, 0.0, -3.0], [3.0, 0.2, 1.0])
    assert room.contains_xy(0.0, 2.5) and not room.contains_xy(0.0, -1.5)
