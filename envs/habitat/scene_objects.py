"""The scene's own rigid objects: furniture (receptacles) and movable clutter (pickables).

HSSD and ReplicaCAD scene instances add their furniture and clutter as rigid objects to the
same rigid object manager the adapter adds its pickables to. STATIC ones are furniture and
enter ground truth (receptacles if their category holds things, so Place onto them works);
the others are pickable with the same magic grasp as the configured objects. Categories come
from the dataset's semantic lexicon (``semantic_scene.categories``, indexed by the object's
``semantic_id``, as HSSD ships it) or, failing that, from the object's template handle
(``frl_apartment_table_01_:0000`` → ``table``). Each object then gets its own semantic id,
because datasets give class-level ids and instance masks need one id per object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envs.ground_truth import ObjectRecord
from envs.habitat.conversions import RECEPTACLE_CATEGORIES, category_name
from envs.habitat.grasp import RigidHandle, box_record

SCENE_SEMANTIC_BASE = 2_000_000
"""Semantic ids given to the scene's rigid objects (above scans' ids and added objects')."""


@dataclass
class Furniture:
    id: str
    category: str
    semantic_id: int
    obj: Any


def category_from_handle(handle: str) -> str:
    """A category word from a template handle: the first receptacle word, else the last word."""
    name = Path(handle.split("_:")[0]).name.removesuffix(".object_config.json")
    words = [w for w in re.split(r"[^a-z]+", name.lower()) if w]
    for word in words:
        if word in RECEPTACLE_CATEGORIES:
            return word
    return words[-1] if words else "object"


def _lexicon(semantic_scene: Any) -> dict[int, str]:
    categories = getattr(semantic_scene, "categories", None) or []
    return {int(c.index()): category_name(c) for c in categories if c is not None}


def scene_rigid_objects(
    hs: Any, sim: Any, exclude_ids: set[int]
) -> tuple[dict[str, Furniture], dict[str, RigidHandle]]:
    """(furniture by id, pickables by id) among the rigid objects the scene itself created."""
    rom = sim.get_rigid_object_manager()
    lexicon = _lexicon(sim.semantic_scene)
    furniture: dict[str, Furniture] = {}
    pickables: dict[str, RigidHandle] = {}
    for k, (handle, obj) in enumerate(sorted(rom.get_objects_by_handle_substring("").items())):
        if obj.object_id in exclude_ids:
            continue
        category = lexicon.get(int(obj.semantic_id)) or category_from_handle(handle)
        oid, sid = f"habitat/rigid/{handle}", SCENE_SEMANTIC_BASE + k
        obj.semantic_id = sid
        if obj.motion_type == hs.physics.MotionType.STATIC:
            furniture[oid] = Furniture(oid, category, sid, obj)
        else:
            pickables[oid] = RigidHandle(oid, category, sid, obj, spawned=False)
    return furniture, pickables


def furniture_record(item: Furniture) -> ObjectRecord:
    # articulated parts (doors, drawers) are not driven here, so nothing counts as openable
    return box_record(
        item.id,
        item.category,
        item.obj,
        is_receptacle=item.category in RECEPTACLE_CATEGORIES,
        attributes={"handle": item.id.removeprefix("habitat/rigid/")},
    )
