"""Rigid objects and FindingDory-style magic grasp in habitat-sim (needs habitat-sim).

Pickable objects are rigid objects added from templates. Pick makes the object kinematic
and carries it below the camera (out of view) as the agent moves; Place puts it on top of
the receptacle's box. No physics settles the object: the move is kinematic by design, as
in FindingDory, so the outcome is deterministic.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from envs.ground_truth import ObjectRecord
from envs.habitat.config import HabitatConfig, HabitatObjectSpec
from envs.habitat.frames import habitat_to_world, world_to_habitat

logger = logging.getLogger(__name__)

# Rigid objects get semantic ids above any id a scan's semantic mesh uses.
RIGID_SEMANTIC_BASE = 1_000_000
# Where a held object rides, in the agent frame (habitat: y up, -z forward), metres.
CARRY_OFFSET = (0.0, 0.8, -0.3)


def _xyz(v: np.ndarray) -> tuple[float, float, float]:
    return (float(v[0]), float(v[1]), float(v[2]))


@dataclass
class RigidHandle:
    """One pickable: our id, its category, semantic id, the habitat object, and whether the
    adapter added it (only those are removed again at reset)."""

    id: str
    category: str
    semantic_id: int
    obj: Any
    spawned: bool = True


def _template_handle(sim: Any, spec: HabitatObjectSpec) -> str:
    otm = sim.get_object_template_manager()
    if spec.template.endswith(".json"):
        ids = otm.load_configs(spec.template)
        if not ids:
            raise ValueError(f"no object template loaded from {spec.template!r}")
        handle = otm.get_template_handle_by_id(ids[0])
    else:
        handles = otm.get_template_handles(spec.template)
        if not handles:
            raise ValueError(
                f"no object template matches {spec.template!r}; primitives include "
                "cubeSolid, uvSphereSolid, cylinderSolid"
            )
        handle = handles[0]
    if spec.scale != 1.0:
        tmpl = otm.get_template_by_handle(handle)
        tmpl.scale = tmpl.scale * spec.scale
        handle = f"{handle}_x{spec.scale:g}"
        otm.register_template(tmpl, handle)
    return handle


def remove_spawned(sim: Any, handles: dict[str, RigidHandle]) -> None:
    """Remove the objects the adapter added, and only those: HSSD and ReplicaCAD scene
    instances create their furniture as rigid objects in the same manager."""
    rom = sim.get_rigid_object_manager()
    for handle in handles.values():
        if handle.spawned and getattr(handle.obj, "is_alive", True):
            rom.remove_object_by_id(handle.obj.object_id)


def spawn_objects(hs: Any, mn: Any, sim: Any, config: HabitatConfig) -> dict[str, RigidHandle]:
    """Add ``config.objects`` as kinematic rigid objects; returns them by id."""
    rom = sim.get_rigid_object_manager()
    out: dict[str, RigidHandle] = {}
    for k, spec in enumerate(config.objects):
        obj = rom.add_object_by_template_handle(_template_handle(sim, spec))
        if obj is None:
            raise RuntimeError(f"habitat-sim refused to add object {spec.template!r}")
        obj.motion_type = hs.physics.MotionType.KINEMATIC
        obj.translation = mn.Vector3(*world_to_habitat(spec.position))
        oid = spec.name or f"{spec.category}_{k}"
        obj.semantic_id = RIGID_SEMANTIC_BASE + k
        out[oid] = RigidHandle(oid, spec.category, RIGID_SEMANTIC_BASE + k, obj)
    return out


def world_box(obj: Any) -> tuple[np.ndarray, np.ndarray]:
    """World (min, max) of a rigid object's axis-aligned box (local bounds + translation)."""
    bb = obj.root_scene_node.cumulative_bb
    t = np.asarray(obj.translation, dtype=float)
    corners = np.array([np.asarray(bb.min, dtype=float), np.asarray(bb.max, dtype=float)]) + t
    w = habitat_to_world(corners)
    return w.min(axis=0), w.max(axis=0)


def box_record(oid: str, category: str, obj: Any, **flags: Any) -> ObjectRecord:
    """A rigid object's :class:`ObjectRecord` from its world box (position: bottom centre)."""
    lo, hi = world_box(obj)
    centre = (lo + hi) / 2.0
    return ObjectRecord(
        id=oid,
        category=category,
        room_id=None,
        position=(float(centre[0]), float(centre[1]), float(lo[2])),
        bbox_min=_xyz(lo),
        bbox_max=_xyz(hi),
        **flags,
    )


def rigid_record(handle: RigidHandle, held: bool, parent: str | None) -> ObjectRecord:
    return box_record(
        handle.id,
        handle.category,
        handle.obj,
        parent_receptacle=parent,
        pickupable=True,
        is_held=held,
    )


def carry(mn: Any, handle: RigidHandle, agent_position_h: Any, agent_rotation: Any) -> None:
    """Put a held object at :data:`CARRY_OFFSET` in the agent's frame."""
    from scipy.spatial.transform import Rotation

    from envs.habitat.frames import quat_xyzw

    offset = Rotation.from_quat(quat_xyzw(agent_rotation)).apply(CARRY_OFFSET)
    handle.obj.translation = mn.Vector3(*(np.asarray(agent_position_h, dtype=float) + offset))


def place_on(mn: Any, handle: RigidHandle, receptacle: ObjectRecord) -> None:
    """Rest the object centred on top of the receptacle's box."""
    lo, hi = world_box(handle.obj)
    # The object's origin may not be its box centre; keep the origin-to-bottom offset.
    origin_w = habitat_to_world(np.asarray(handle.obj.translation, dtype=float))
    target = np.array(
        [*receptacle.center[:2], receptacle.bbox_max[2] + (origin_w[2] - lo[2]) + 0.005]
    )
    target[:2] += origin_w[:2] - (lo[:2] + hi[:2]) / 2.0
    handle.obj.translation = mn.Vector3(*world_to_habitat(target))


def resting_receptacle(obj: ObjectRecord, receptacles: list[ObjectRecord]) -> str | None:
    """The receptacle ``obj`` stands on: the highest one whose top is within a few centimetres
    below the object's bottom and whose footprint holds the object's centre."""
    bottom = obj.bbox_min[2]
    under = [
        r
        for r in receptacles
        if r.id != obj.id
        and r.bbox_min[0] <= obj.center[0] <= r.bbox_max[0]
        and r.bbox_min[1] <= obj.center[1] <= r.bbox_max[1]
        and -0.05 <= bottom - r.bbox_max[2] <= 0.15
    ]
    return max(under, key=lambda r: r.bbox_max[2]).id if under else None
