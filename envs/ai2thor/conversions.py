"""AI2-THOR events and metadata → project types; project actions → AI2-THOR actions.

Pure functions over ``ai2thor.server.Event``-like objects (anything with ``metadata``,
``depth_frame``, ``frame``, ``instance_segmentation_frame`` and ``color_to_object_id``), so
they run offline on recorded metadata. Nothing AI2-THOR-native is returned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from envs.actions import (
    Action,
    ActionResult,
    Close,
    LookDown,
    LookUp,
    MoveForward,
    Open,
    Pick,
    Place,
    Stop,
    Teleport,
    TurnLeft,
    TurnRight,
    check_action,
)
from envs.ai2thor.config import AI2ThorConfig
from envs.ai2thor.frames import (
    agent_pose,
    camera_pose,
    intrinsics_from_metadata,
    pitch_to_horizon,
    unity_aabb_to_world,
    unity_to_world,
    world_to_unity,
    yaw_to_rotation_y,
)
from envs.ai2thor.scenes import is_robothor, ithor_room_type
from envs.builtin.clock import DayClock
from envs.ground_truth import GroundTruth, ObjectRecord, RoomRecord
from envs.types import Observation, SimTime


class InstanceIdTable:
    """Stable int ids for AI2-THOR objectIds within one episode (1, 2, ...; 0 = background)."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def id_of(self, object_id: str) -> int:
        if object_id not in self._ids:
            self._ids[object_id] = len(self._ids) + 1
        return self._ids[object_id]

    def register_all(self, object_ids: list[str]) -> None:
        """Assign ids in sorted order so the numbering does not depend on what is seen first."""
        for oid in sorted(object_ids):
            self.id_of(oid)


def instance_ids_from_event(
    event: Any, table: InstanceIdTable
) -> tuple[np.ndarray, dict[int, str]]:
    """(H, W) int32 instance ids and id → objectId from the instance segmentation frame.

    Colours whose name has no ``|`` (walls, ceiling, class-only meshes) and colours missing
    from ``metadata["colors"]`` become background (0), because they are not objects.
    """
    seg = event.instance_segmentation_frame
    if seg is None:
        raise ValueError(
            "event has no instance_segmentation_frame; start the controller with "
            "renderInstanceSegmentation=True"
        )
    seg = np.asarray(seg, dtype=np.uint8)
    packed = (
        (seg[..., 0].astype(np.uint32) << 16) | (seg[..., 1].astype(np.uint32) << 8) | seg[..., 2]
    )
    keys, inverse = np.unique(packed, return_inverse=True)
    lut = np.zeros(len(keys), dtype=np.int32)
    names: dict[int, str] = {}
    for k, key in enumerate(keys):
        colour = (int(key >> 16) & 255, int(key >> 8) & 255, int(key) & 255)
        name = event.color_to_object_id.get(colour)
        if name is None or "|" not in name:
            continue
        lut[k] = table.id_of(name)
        names[int(lut[k])] = name
    return lut[inverse.reshape(packed.shape)], names


def depth_from_event(event: Any) -> np.ndarray:
    """(H, W) float32 metres; AI2-THOR's depth is z-depth, which is what the project uses."""
    if event.depth_frame is None:
        raise ValueError(
            "event has no depth_frame; start the controller with renderDepthImage=True"
        )
    depth = np.asarray(event.depth_frame, dtype=np.float32)
    return np.where(np.isfinite(depth) & (depth > 0), depth, 0.0).astype(np.float32)


def observation_from_event(
    event: Any, table: InstanceIdTable, time: SimTime, frame_index: int, room_id: str | None = None
) -> Observation:
    """One project :class:`Observation` from an AI2-THOR event."""
    md = event.metadata
    ids, names = (
        instance_ids_from_event(event, table)
        if event.instance_segmentation_frame is not None
        else (None, {})
    )
    rgb = (
        None if event.frame is None else np.ascontiguousarray(event.frame[..., :3], dtype=np.uint8)
    )
    held = md.get("inventoryObjects") or []
    obs = Observation(
        depth=np.ascontiguousarray(depth_from_event(event)),
        intrinsics=intrinsics_from_metadata(md),
        cam_to_world=camera_pose(md),
        agent=agent_pose(md),
        time=time,
        rgb=rgb,
        instance_ids=None if ids is None else np.ascontiguousarray(ids),
        instance_names=names,
        held_object=held[0]["objectId"] if held else None,
        frame_index=frame_index,
        room_id=room_id,
    )
    obs.validate()
    return obs


def room_type_of_scene(scene_name: str) -> str:
    """Room type of an iTHOR FloorPlan from its number (``FloorPlan10_physics`` → kitchen);
    RoboTHOR scenes are whole apartments; anything else is a "room"."""
    kind = ithor_room_type(scene_name)
    if kind is not None:
        return kind
    return "apartment" if is_robothor(scene_name.removesuffix("_physics")) else "room"


def rooms_from_metadata(md: Mapping) -> dict[str, RoomRecord]:
    """iTHOR FloorPlans and RoboTHOR apartments carry no room annotations: one room whose
    footprint is the scene bounds (its type from the FloorPlan number)."""
    corners = unity_to_world(np.asarray(md["sceneBounds"]["cornerPoints"], dtype=float))
    lo, hi = corners[:, :2].min(axis=0), corners[:, :2].max(axis=0)
    scene = str(md.get("sceneName", "scene")).removesuffix("_physics")
    room_type = room_type_of_scene(scene)
    footprint = [
        (float(lo[0]), float(lo[1])),
        (float(hi[0]), float(lo[1])),
        (float(hi[0]), float(hi[1])),
        (float(lo[0]), float(hi[1])),
    ]
    room_id = f"{scene}/room_0"
    return {
        room_id: RoomRecord(
            id=room_id, room_type=room_type, name=f"{room_type} ({scene})", footprint=footprint
        )
    }


def _words(camel: str) -> str:
    """``LivingRoom`` → ``living room``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(camel)).strip().lower() or "room"


def rooms_from_house(house: Mapping) -> dict[str, RoomRecord]:
    """A ProcTHOR house's rooms: ``id``, ``roomType`` and ``floorPolygon`` (Unity x/y/z points
    on the floor), as in the house JSON ``Controller.reset(scene=house)`` takes."""
    rooms = {}
    for k, room in enumerate(house["rooms"]):
        pts = unity_to_world(np.array([[p["x"], p["y"], p["z"]] for p in room["floorPolygon"]]))
        kind = _words(room.get("roomType", "room"))
        rid = str(room.get("id") or f"room|{k}")
        rooms[rid] = RoomRecord(
            id=rid,
            room_type=kind,
            name=f"{kind} {k}",
            footprint=[(float(x), float(y)) for x, y in pts[:, :2]],
        )
    return rooms


def resting_receptacle(obj: Mapping, boxes: Mapping[str, Mapping]) -> str | None:
    """The receptacle an object rests on among its ``parentReceptacles``.

    AI2-THOR lists every receptacle the object touches, in no particular order (a vase on a
    low shelf lists the Floor too). The most specific one wins: the receptacle with the
    smallest floor footprint whose footprint holds the object's centre.

    Args:
        obj: one ``metadata["objects"]`` entry.
        boxes: objectId → its Unity ``axisAlignedBoundingBox``.
    """
    parents = list(obj.get("parentReceptacles") or [])
    if len(parents) <= 1:
        return parents[0] if parents else None
    centre = obj["axisAlignedBoundingBox"]["center"]

    def footprint(pid: str) -> float:
        box = boxes.get(pid)
        if box is None:
            return float("inf")
        half_x, half_z = box["size"]["x"] / 2.0, box["size"]["z"] / 2.0
        inside = (
            abs(centre["x"] - box["center"]["x"]) <= half_x
            and abs(centre["z"] - box["center"]["z"]) <= half_z
        )
        return 4.0 * half_x * half_z if inside else float("inf")

    best = min(parents, key=footprint)
    return best if np.isfinite(footprint(best)) else parents[0]


def object_record(obj: Mapping, room_id: str | None, parent: str | None = None) -> ObjectRecord:
    """One ``metadata["objects"]`` entry → :class:`ObjectRecord` (boxes in world metres).

    ``parent`` overrides the resting receptacle (see :func:`resting_receptacle`); by default
    the first of ``parentReceptacles``.
    """
    lo, hi = unity_aabb_to_world(obj["axisAlignedBoundingBox"])
    pos = unity_to_world(obj["position"])
    parents = [parent] if parent else (obj.get("parentReceptacles") or [])
    attributes = {"name": str(obj.get("name", ""))}
    materials = obj.get("salientMaterials") or []
    if materials:
        attributes["material"] = str(materials[0]).lower()
    return ObjectRecord(
        id=obj["objectId"],
        category=obj["objectType"],
        room_id=room_id,
        position=(float(pos[0]), float(pos[1]), float(pos[2])),
        bbox_min=(float(lo[0]), float(lo[1]), float(lo[2])),
        bbox_max=(float(hi[0]), float(hi[1]), float(hi[2])),
        parent_receptacle=parents[0] if parents else None,
        pickupable=bool(obj.get("pickupable", False)),
        is_receptacle=bool(obj.get("receptacle", False)),
        openable=bool(obj.get("openable", False)),
        is_open=bool(obj.get("isOpen", False)),
        is_held=bool(obj.get("isPickedUp", False)),
        attributes=attributes,
    )


def ground_truth_from_metadata(
    md: Mapping, rooms: dict[str, RoomRecord] | None = None
) -> GroundTruth:
    """Objects and rooms of an event; ``rooms`` (e.g. a ProcTHOR house's) default to
    :func:`rooms_from_metadata`. Each object is in the room that holds its centre."""
    gt = GroundTruth(objects={}, rooms=dict(rooms) if rooms else rooms_from_metadata(md))
    boxes = {o["objectId"]: o["axisAlignedBoundingBox"] for o in md["objects"]}
    for o in md["objects"]:
        rec = object_record(o, None, resting_receptacle(o, boxes))
        rec.room_id = gt.room_at(*rec.center)
        gt.objects[rec.id] = rec
    return gt


MANIPULATION = (Pick, Place, Open, Close)


def action_to_thor(
    action: Action, config: AI2ThorConfig, agent_height_unity: float, agent_mode: str = "default"
) -> dict[str, Any]:
    """A project action → the keyword arguments of ``Controller.step``.

    ``agent_mode`` selects the agent's signatures: the LoCoBot (LocobotFPSAgentController.cs)
    moves with ``moveMagnitude`` only, teleports without ``standing`` and looks only in its
    fixed 30 degree steps (``degrees`` must be omitted). It has no manipulation actions; the
    env refuses those before they reach AI2-THOR.

    Raises:
        ValueError: a look angle the LoCoBot cannot do, or a manipulation action for it.
    """
    check_action(action)
    locobot = agent_mode == "locobot"
    if locobot and isinstance(action, MANIPULATION):
        raise ValueError(
            f"{type(action).__name__}: the LoCoBot (RoboTHOR) has no manipulation actions; "
            "use an iTHOR or ProcTHOR scene"
        )
    if isinstance(action, MoveForward):
        return {"action": "MoveAhead", "moveMagnitude": action.distance or config.grid_size}
    if isinstance(action, TurnLeft | TurnRight):
        name = "RotateLeft" if isinstance(action, TurnLeft) else "RotateRight"
        return {"action": name, "degrees": action.degrees or config.rotate_step_degrees}
    if isinstance(action, LookUp | LookDown):
        name = "LookUp" if isinstance(action, LookUp) else "LookDown"
        degrees = action.degrees or config.look_step_degrees
        if locobot:
            if abs(degrees - 30.0) > 1e-6:
                raise ValueError(
                    f"{name}: the LoCoBot looks in 30 degree steps only, not {degrees}"
                )
            return {"action": name}
        return {"action": name, "degrees": degrees}
    if isinstance(action, Teleport):
        p = world_to_unity((action.x, action.y, 0.0))
        args: dict[str, Any] = {
            "action": "TeleportFull",
            "position": {"x": float(p[0]), "y": agent_height_unity, "z": float(p[2])},
            "rotation": {"x": 0.0, "y": yaw_to_rotation_y(action.yaw), "z": 0.0},
            "horizon": pitch_to_horizon(action.pitch),
        }
        if not locobot:
            args["standing"] = True
        return args
    if isinstance(action, Pick):
        return {"action": "PickupObject", "objectId": action.object_id}
    if isinstance(action, Place):
        return {"action": "PutObject", "objectId": action.receptacle_id}
    if isinstance(action, Open):
        return {"action": "OpenObject", "objectId": action.target_id}
    if isinstance(action, Close):
        return {"action": "CloseObject", "objectId": action.target_id}
    assert isinstance(action, Stop)
    return {"action": "Pass"}  # the no-op of BaseFPSAgentController (Done does not exist)


def result_from_metadata(md: Mapping) -> ActionResult:
    """Success, or failure carrying AI2-THOR's ``errorMessage`` (prefixed with the action)."""
    if md.get("lastActionSuccess", False):
        return ActionResult.ok()
    msg = str(md.get("errorMessage") or "no error message")
    return ActionResult.fail(f"AI2-THOR {md.get('lastAction', 'action')} failed: {msg}")


def day_clock(config: AI2ThorConfig) -> DayClock:
    """The adapter's clock: ``steps_per_day`` actions span ``day_start``-``day_end``."""
    return DayClock(config.steps_per_day, config.day_start, config.day_end)
