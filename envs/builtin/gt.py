"""Ground truth of a built-in house in the shared AI2-THOR-like records."""

from __future__ import annotations

import numpy as np

from envs.builtin import catalog
from envs.builtin.world import HouseWorld
from envs.ground_truth import GroundTruth, ObjectRecord, RoomRecord

RECEPTACLE_MATERIAL = {
    "CounterTop": "stone", "Sink": "ceramic", "Fridge": "metal", "Microwave": "metal",
    "Bed": "fabric", "Sofa": "fabric",
}


def color_name(rgb: tuple[float, float, float]) -> str:
    """The nearest named colour of ``rgb``."""
    names = list(catalog.COLORS)
    dists = [float(np.sum((np.asarray(catalog.COLORS[n]) - np.asarray(rgb)) ** 2)) for n in names]
    return names[int(np.argmin(dists))]


def build_ground_truth(world: HouseWorld, agent_xyz: tuple[float, float, float]) -> GroundTruth:
    """Every room, receptacle and object as it is now. A held object sits at the agent."""
    house = world.house
    rooms = {r.id: RoomRecord(r.id, r.room_type, r.name, r.footprint) for r in house.rooms}
    objects: dict[str, ObjectRecord] = {}
    for rec in house.receptacles:
        lo, hi = rec.aabb()
        objects[rec.id] = ObjectRecord(
            id=rec.id, category=rec.category, room_id=rec.room_id,
            position=tuple(float(v) for v in (np.asarray(lo) + np.asarray(hi)) / 2),  # type: ignore[arg-type]
            bbox_min=lo, bbox_max=hi, parent_receptacle=rec.parent, pickupable=False,
            is_receptacle=True, openable=rec.openable, is_open=world.is_open.get(rec.id, False),
            attributes={"color": color_name(rec.color), "material": RECEPTACLE_MATERIAL.get(rec.category, "wood"),
                        "shape": "rectangular"})
    for obj in house.objects:
        held = world.held == obj.id
        if held:
            pos = (agent_xyz[0], agent_xyz[1], agent_xyz[2])
            half = np.asarray(obj.size) / 2
            lo, hi = tuple(np.asarray(pos) - half), tuple(np.asarray(pos) + half)
        else:
            pos = obj.position
            lo, hi = obj.aabb()
        room = house.room_at(pos[0], pos[1])
        objects[obj.id] = ObjectRecord(
            id=obj.id, category=obj.category, room_id=room.id if room else None,
            position=tuple(float(v) for v in pos),  # type: ignore[arg-type]
            bbox_min=tuple(float(v) for v in lo), bbox_max=tuple(float(v) for v in hi),  # type: ignore[arg-type]
            parent_receptacle=None if held else obj.parent, pickupable=True, is_held=held,
            attributes={"color": obj.color_name, "material": obj.material,
                        "shape": catalog.SHAPE_WORDS[obj.shape]})
    return GroundTruth(objects=objects, rooms=rooms)
