"""AI2-THOR conversions on the real FloorPlan10 event metadata, built into real ``Event`` objects."""

from __future__ import annotations

import math

import numpy as np
import pytest

from envs.actions import (
    Close,
    LookDown,
    MoveForward,
    Open,
    Pick,
    Place,
    Stop,
    Teleport,
    TurnLeft,
    TurnRight,
)
from envs.ai2thor.config import AI2ThorConfig
from envs.ai2thor.conversions import (
    InstanceIdTable,
    action_to_thor,
    day_clock,
    ground_truth_from_metadata,
    observation_from_event,
    result_from_metadata,
)
from envs.ai2thor.frames import (
    agent_pose,
    camera_pose,
    intrinsics_from_metadata,
    unity_to_world,
    world_to_unity,
    yaw_to_rotation_y,
)

COFFEE = "CoffeeMachine|+00.89|+00.90|-02.13"


def _obs(thor_event):
    event, _ = thor_event
    table = InstanceIdTable()
    table.register_all([o["objectId"] for o in event.metadata["objects"]])
    return observation_from_event(event, table, day_clock(AI2ThorConfig()).now(), 0)


def test_intrinsics_match_vertical_fov(thor_metadata):
    k = intrinsics_from_metadata(thor_metadata)
    assert (k.width, k.height) == (600, 600)
    assert k.fx == pytest.approx(300.0) and k.fy == pytest.approx(300.0)
    # Pixel-centre convention of envs.types: the image centre is at (W-1)/2.
    assert (k.cx, k.cy) == (299.5, 299.5)


def test_unity_to_world_is_a_handedness_flip_and_involution():
    p = np.array([1.0, 2.0, 3.0])
    assert np.allclose(unity_to_world(p), [1.0, 3.0, 2.0])
    assert np.allclose(world_to_unity(unity_to_world(p)), p)
    assert np.linalg.det(np.eye(3)[[0, 2, 1]]) == pytest.approx(-1.0)


def test_agent_pose_and_camera_pose_from_metadata(thor_metadata):
    pose = agent_pose(thor_metadata)
    # rotation.y = 90 faces Unity +x, which is world +x: yaw 0.
    assert pose.yaw == pytest.approx(0.0)
    # z is the floor the agent stands on (Unity's y is its body centre, 0.9009992 up)
    assert pose.position == pytest.approx((0.0, -1.25, 0.0), abs=1e-6)
    t = camera_pose(thor_metadata)
    assert np.allclose(t[:3, 3], [0.0, -1.25, 1.5759993])
    assert np.allclose(t[:3, 2], [1.0, 0.0, 0.0])  # optical z forward = world +x
    assert np.allclose(t[:3, 1], [0.0, 0.0, -1.0])  # optical y down = world -z
    assert np.linalg.det(t[:3, :3]) == pytest.approx(1.0)


def test_horizon_and_yaw_conventions(thor_metadata):
    md = {
        **thor_metadata,
        "agent": {
            **thor_metadata["agent"],
            "rotation": {"x": 0, "y": 0.0, "z": 0},
            "cameraHorizon": 30.0,
        },
    }
    t = camera_pose(md)
    # rotation.y = 0 faces Unity +z = world +y; horizon 30 looks 30 degrees down.
    expected = [0.0, math.cos(math.radians(30)), -math.sin(math.radians(30))]
    assert np.allclose(t[:3, 2], expected)
    assert yaw_to_rotation_y(agent_pose(md).yaw) == pytest.approx(0.0)


def test_observation_from_real_event(thor_event):
    obs = _obs(thor_event)
    obs.validate()
    assert obs.depth.shape == (600, 600) and obs.depth.dtype == np.float32
    assert obs.rgb is not None and obs.rgb.shape == (600, 600, 3)
    assert obs.instance_ids is not None and obs.instance_ids.dtype == np.int32
    names = set(obs.instance_names.values())
    visible = {o["objectId"] for o in thor_event[0].metadata["objects"] if o["visible"]}
    assert COFFEE in names and names <= visible
    coffee_id = next(i for i, n in obs.instance_names.items() if n == COFFEE)
    # The same pixels as ai2thor's own mask decoder (real LazyInstanceSegmentationMasks).
    assert np.array_equal(obs.instance_ids == coffee_id, thor_event[0].instance_masks[COFFEE])


def test_depth_survives_the_real_decoder(thor_event):
    event, depth = thor_event
    obs = _obs(thor_event)
    assert np.allclose(obs.depth, depth, atol=1e-4)
    assert (obs.depth > 0).mean() > 0.2


def test_pose_pixel_point_round_trip_lands_in_box(thor_event):
    """Project each visible box centre, read depth there, back-project: the point is in the box."""
    event, _ = thor_event
    obs = _obs(thor_event)
    gt = ground_truth_from_metadata(event.metadata)
    k, t = obs.intrinsics, obs.cam_to_world
    world_to_cam = np.linalg.inv(t)
    checked = 0
    for oid, name in obs.instance_names.items():
        rec = gt.objects[name]
        pc = world_to_cam[:3, :3] @ rec.center + world_to_cam[:3, 3]
        u, v = int(round(k.fx * pc[0] / pc[2] + k.cx)), int(round(k.fy * pc[1] / pc[2] + k.cy))
        if not (0 <= u < k.width and 0 <= v < k.height) or obs.instance_ids[v, u] != oid:
            continue  # centre occluded by another box or off-screen
        z = obs.depth[v, u]
        p_cam = np.array([(u - k.cx) * z / k.fx, (v - k.cy) * z / k.fy, z])
        p_world = t[:3, :3] @ p_cam + t[:3, 3]
        assert rec.contains(p_world, margin=0.02), (name, p_world, rec.bbox_min, rec.bbox_max)
        checked += 1
    assert checked >= 5


def test_object_records(thor_metadata):
    gt = ground_truth_from_metadata(thor_metadata)
    assert len(gt.objects) == 67 and len(gt.rooms) == 1
    room = next(iter(gt.rooms.values()))
    assert room.room_type == "kitchen"
    coffee = gt.objects[COFFEE]
    assert coffee.category == "CoffeeMachine" and not coffee.pickupable
    assert gt.room_at(*coffee.center[:2]) == room.id
    knife = gt.objects["Knife|+00.87|+00.70|-00.60"]
    assert knife.parent_receptacle == "Drawer|+00.64|+00.76|-00.65" and knife.pickupable
    # The vase lists Floor and Shelf as parents; it rests on the shelf.
    assert gt.objects["Vase|-01.44|+00.18|+02.58"].parent_receptacle == "Shelf|-01.64|+00.17|+02.72"
    fridge = gt.objects["Fridge|+00.97|+00.00|+01.25"]
    assert fridge.openable and fridge.is_receptacle and not fridge.is_open
    # z is up: every object's box bottom is near or above the floor top (Unity y = 0).
    assert all(o.bbox_min[2] > -0.2 for o in gt.objects.values())
    assert all(
        np.all(np.asarray(o.bbox_min) <= np.asarray(o.bbox_max)) for o in gt.objects.values()
    )


def test_actions_map_to_thor():
    cfg = AI2ThorConfig()
    assert action_to_thor(MoveForward(), cfg, 0.9) == {"action": "MoveAhead", "moveMagnitude": 0.25}
    assert action_to_thor(TurnLeft(), cfg, 0.9)["action"] == "RotateLeft"
    assert action_to_thor(TurnRight(45), cfg, 0.9) == {"action": "RotateRight", "degrees": 45}
    assert action_to_thor(LookDown(), cfg, 0.9) == {"action": "LookDown", "degrees": 30.0}
    tp = action_to_thor(Teleport(1.0, -2.0, yaw=math.pi / 2, pitch=-math.radians(30)), cfg, 0.9)
    assert tp["action"] == "TeleportFull"
    assert tp["position"] == {"x": 1.0, "y": 0.9, "z": -2.0}
    assert tp["rotation"]["y"] == pytest.approx(0.0) and tp["horizon"] == pytest.approx(30.0)
    assert action_to_thor(Pick("Apple|1"), cfg, 0.9) == {
        "action": "PickupObject",
        "objectId": "Apple|1",
    }
    assert action_to_thor(Place("Fridge|1"), cfg, 0.9) == {
        "action": "PutObject",
        "objectId": "Fridge|1",
    }
    assert action_to_thor(Open("Fridge|1"), cfg, 0.9)["action"] == "OpenObject"
    assert action_to_thor(Close("Fridge|1"), cfg, 0.9)["action"] == "CloseObject"
    assert action_to_thor(Stop(), cfg, 0.9) == {"action": "Pass"}
    with pytest.raises(TypeError, match="expected one of"):
        action_to_thor("MoveAhead", cfg, 0.9)  # type: ignore[arg-type]


def test_failure_carries_error_message(thor_metadata):
    assert result_from_metadata(thor_metadata).success
    failed = {
        **thor_metadata,
        "lastAction": "PickupObject",
        "lastActionSuccess": False,
        "errorMessage": "Apple|1 is not visible",
    }
    result = result_from_metadata(failed)
    assert not result.success and "Apple|1 is not visible" in (result.reason or "")


def test_config_validation():
    with pytest.raises(ValueError, match="fov"):
        AI2ThorConfig(fov=0)
    with pytest.raises(ValueError, match="platform"):
        AI2ThorConfig(platform="Windows")


def test_held_object_and_clock(thor_event):
    event, _ = thor_event
    table = InstanceIdTable()
    md = event.metadata
    md["inventoryObjects"] = [{"objectId": "Apple|-01.09|+00.96|-00.02", "objectType": "Apple"}]
    clock = day_clock(AI2ThorConfig())  # 4800 steps span 06:00-22:00: 12 s each
    for _ in range(150):
        clock.tick()
    try:
        obs = observation_from_event(event, table, clock.now(), 150, room_id="FloorPlan10/room_0")
    finally:
        md["inventoryObjects"] = []
    assert obs.held_object == "Apple|-01.09|+00.96|-00.02"
    assert obs.time.time_of_day == "06:30" and obs.time.seconds == 1800.0
    assert obs.room_id in ground_truth_from_metadata(md).rooms


def test_configs_load_through_presets_and_overrides():
    from embodied_mem.config import ConfigError, load_config

    cfg = load_config(AI2ThorConfig, overrides=["scene=FloorPlan301", "fov=60"])
    assert cfg.scene == "FloorPlan301" and cfg.fov == 60.0
    with pytest.raises(ConfigError, match="grid_size"):
        load_config(AI2ThorConfig, overrides=["grid_size=-1"])


def _contains(outer, inner, slack=2):
    return (
        outer[0] <= inner[0] + slack
        and outer[1] <= inner[1] + slack
        and outer[2] >= inner[2] - slack
        and outer[3] >= inner[3] - slack
    )


def test_camera_model_matches_real_unity_masks(thor_event):
    """The upstream test's boxes come from the real Unity frame (fixtures SOURCE.md). A box's
    silhouette contains its mesh's, so our rendered AABB boxes must contain the real ones and
    stay close to them. A wrong FOV, pose or row flip breaks this."""
    event, _ = thor_event
    real_coffee = (509, 371, 599, 576)
    ours = event.instance_detections2D[COFFEE]
    assert (
        _contains(ours, real_coffee)
        and max(abs(a - b) for a, b in zip(ours, real_coffee, strict=True)) < 60
    )
    real_cabinets = [(473, 0, 599, 284), (0, 0, 145, 284), (164, 0, 467, 109)]
    ours_cab = event.class_detections2D["Cabinet"]
    for real in real_cabinets:
        assert any(
            _contains(box, real) and max(abs(a - b) for a, b in zip(box, real, strict=True)) < 60
            for box in ours_cab
        ), (real, ours_cab)
    # Upstream also finds no Stove and no Window in this frame.
    assert "Stove" not in event.class_detections2D and "Window" not in event.class_detections2D
