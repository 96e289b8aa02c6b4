"""Ground truth of a built-in house in the shared AI2-THOR-like records."""

from __future__ import annotations

import numpy as np

from envs.builtin import catalog
from envs.builtin.house import PlacedObject, Receptacle
from envs.builtin.world import HouseWorld
from envs.ground_truth import GroundTruth, ObjectRecord, RoomRecord

RECEPTACLE_MATERIAL = {
    "CounterTop": "stone",
    "Sink": "ceramic",
    "Fridge": "metal",
    "Microwave": "metal",
    "Bed": "fabric",
    "Sofa": "fabric",
}


def _xyz(v: object) -> tuple[float, float, float]:
    x, y, z = (float(c) for c in np.asarray(v, dtype=float).reshape(3))
    return x, y, z


def color_name(rgb: tuple[float, float, float]) -> str:
    """The nearest named colour of ``rgb``."""
    names = list(catalog.COLORS)
    dists = [float(np.sum((np.asarray(catalog.COLORS[n]) - np.asarray(rgb)) ** 2)) for n in names]
    return names[int(np.argmin(dists))]


def _receptacle_record(world: HouseWorld, rec: Receptacle) -> ObjectRecord:
    lo, hi = rec.aabb()
    return ObjectRecord(
        id=rec.id,
        category=rec.category,
        room_id=rec.room_id,
        position=_xyz((np.asarray(lo) + np.asarray(hi)) / 2),
        bbox_min=lo,
        bbox_max=hi,
        parent_receptacle=rec.parent,
        pickupable=False,
        is_receptacle=True,
        openable=rec.openable,
        is_open=world.is_open.get(rec.id, False),
        attributes={
            "color": color_name(rec.color),
            "material": RECEPTACLE_MATERIAL.get(rec.category, "wood"),
            "shape": "rectangular",
        },
    )


def _object_record(
    world: HouseWorld, obj: PlacedObject, agent_xyz: tuple[float, float, float]
) -> ObjectRecord:
    held = world.held == obj.id
    if held:  # in the agent's hand, just below the camera
        pos: tuple[float, float, float] = agent_xyz
        half = np.asarray(obj.size) / 2
        lo, hi = _xyz(np.asarray(pos) - half), _xyz(np.asarray(pos) + half)
    else:
        pos = obj.position
        lo, hi = obj.aabb()
    room = world.house.room_at(pos[0], pos[1])
    return ObjectRecord(
        id=obj.id,
        category=obj.category,
        room_id=room.id if room else None,
        position=_xyz(pos),
        bbox_min=_xyz(lo),
        bbox_max=_xyz(hi),
        parent_receptacle=None if held else obj.parent,
        pickupable=True,
        is_held=held,
        attributes={
            "color": obj.color_name,
            "material": obj.material,
            "shape": catalog.SHAPE_WORDS[obj.shape],
        },
    )


def build_ground_truth(world: HouseWorld, agent_xyz: tuple[float, float, float]) -> GroundTruth:
    """Every room, receptacle and object as it is now. A held object sits at the agent."""
    house = world.house
    rooms = {r.id: RoomRecord(r.id, r.room_type, r.name, r.footprint) for r in house.rooms}
    objects = {rec.id: _receptacle_record(world, rec) for rec in house.receptacles}
    objects.update({obj.id: _object_record(world, obj, agent_xyz) for obj in house.objects})
    return GroundTruth(objects=objects, rooms=rooms)
