"""habitat-sim's object templates and rigid object manager (fake).

Templates give a local box (primitives: cubeSolid is Magnum's [-1, 1]^3 cube, uvSphereSolid
and cylinderSolid unit radius); ``load_configs`` reads ``*.object_config.json`` files whose
``"fake_half_extents"`` gives the box (the real file names a mesh). Objects carry
``translation`` (magnum.Vector3), ``motion_type``, ``semantic_id``, ``object_id``, ``handle`` and
``root_scene_node.cumulative_bb`` (a magnum.Range3D in the object's local frame, as Magnum's
scene graph reports it in every version). Scene instances (HSSD furniture, ReplicaCAD clutter)
add their rigid objects to this same manager, which is why removing *all* objects also
removes the furniture.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import magnum as mn
import numpy as np

from habitat_sim.physics import MotionType

PRIMITIVES = {
    "cubeSolid": (1.0, 1.0, 1.0),
    "uvSphereSolid": (1.0, 1.0, 1.0),
    "cylinderSolid": (1.0, 1.0, 1.0),
}


class ObjectAttributes:
    __slots__ = ("handle", "scale", "half_extents", "render_asset")

    def __init__(self, handle: str, half_extents: Any) -> None:
        self.handle = handle
        self.scale = mn.Vector3(1.0, 1.0, 1.0)
        self.half_extents = np.asarray(half_extents, dtype=float)
        self.render_asset = handle


class ObjectTemplateManager:
    def __init__(self) -> None:
        self._templates: dict[str, ObjectAttributes] = {
            h: ObjectAttributes(h, e) for h, e in PRIMITIVES.items()
        }

    def get_template_handles(self, search_str: str = "", contains: bool = True) -> list[str]:
        return sorted(h for h in self._templates if (search_str in h) == contains)

    def load_configs(self, path: str) -> list[int]:
        file = Path(path)
        if not file.is_file():
            return []
        doc = json.loads(file.read_text())
        handle = str(file)
        self._templates[handle] = ObjectAttributes(
            handle, doc.get("fake_half_extents", (0.1, 0.1, 0.1))
        )
        return [self.get_template_id_by_handle(handle)]

    def get_template_id_by_handle(self, handle: str) -> int:
        return sorted(self._templates).index(handle)

    def get_template_handle_by_id(self, template_id: int) -> str:
        return sorted(self._templates)[template_id]

    def get_template_by_handle(self, handle: str) -> ObjectAttributes:
        src = self._templates[handle]
        copy = ObjectAttributes(handle, src.half_extents)
        copy.scale = src.scale
        return copy

    def register_template(self, template: ObjectAttributes, specified_handle: str = "") -> int:
        handle = specified_handle or template.handle
        template.handle = handle
        self._templates[handle] = template
        return self.get_template_id_by_handle(handle)

    def add(self, handle: str, half_extents: Any) -> None:
        self._templates.setdefault(handle, ObjectAttributes(handle, half_extents))


class _SceneNode:
    __slots__ = ("cumulative_bb",)

    def __init__(self, half: np.ndarray) -> None:
        self.cumulative_bb = mn.Range3D(-half, half)


class ManagedRigidObject:
    def __init__(self, object_id: int, handle: str, template: ObjectAttributes) -> None:
        self.object_id = object_id
        self.handle = handle
        self.is_alive = True
        self.creation_attributes = template
        self.translation = mn.Vector3(0.0, 0.0, 0.0)
        self.rotation = mn.Quaternion()
        self.motion_type = MotionType.DYNAMIC
        self.semantic_id = 0
        self.root_scene_node = _SceneNode(template.half_extents * np.asarray(template.scale))

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "translation" and not isinstance(value, mn.Vector3):
            raise TypeError(f"translation must be a magnum.Vector3, got {type(value).__name__}")
        if name == "motion_type" and not isinstance(value, MotionType):
            raise TypeError(f"motion_type must be a habitat_sim.physics.MotionType, got {value!r}")
        object.__setattr__(self, name, value)

    def box(self) -> tuple[np.ndarray, np.ndarray]:
        """World (lo, hi) in habitat coordinates (rotation is not modelled)."""
        bb, t = self.root_scene_node.cumulative_bb, np.asarray(self.translation, dtype=float)
        return np.asarray(bb.min, dtype=float) + t, np.asarray(bb.max, dtype=float) + t


class RigidObjectManager:
    def __init__(self, templates: ObjectTemplateManager) -> None:
        self._templates = templates
        self._objects: dict[int, ManagedRigidObject] = {}
        self._next_id = 0

    def add_object_by_template_handle(self, object_lib_handle: str) -> ManagedRigidObject | None:
        if object_lib_handle not in self._templates._templates:
            return None
        template = self._templates._templates[object_lib_handle]
        count = sum(
            o.creation_attributes.handle == object_lib_handle for o in self._objects.values()
        )
        obj = ManagedRigidObject(self._next_id, f"{object_lib_handle}_:{count:04d}", template)
        self._objects[self._next_id] = obj
        self._next_id += 1
        return obj

    def remove_object_by_id(self, object_id: int) -> None:
        obj = self._objects.pop(object_id)
        obj.is_alive = False

    def remove_object_by_handle(self, handle: str) -> None:
        self.remove_object_by_id(
            next(o.object_id for o in self._objects.values() if o.handle == handle)
        )

    def remove_all_objects(self) -> None:
        for object_id in list(self._objects):
            self.remove_object_by_id(object_id)

    def get_num_objects(self) -> int:
        return len(self._objects)

    def get_object_handles(self, search_str: str = "", contains: bool = True) -> list[str]:
        return sorted(
            o.handle for o in self._objects.values() if (search_str in o.handle) == contains
        )

    def get_objects_by_handle_substring(
        self, search_str: str = "", contains: bool = True
    ) -> dict[str, ManagedRigidObject]:
        return {o.handle: o for o in self._objects.values() if (search_str in o.handle) == contains}

    def get_object_by_id(self, object_id: int) -> ManagedRigidObject:
        return self._objects[object_id]

    def get_object_by_handle(self, handle: str) -> ManagedRigidObject:
        return next(o for o in self._objects.values() if o.handle == handle)

    def _all(self) -> list[ManagedRigidObject]:  # the fake simulator's own access
        return list(self._objects.values())
