"""Mutable state of one built-in house: MuJoCo model/data, object poses, doors, what is held."""

from __future__ import annotations

import copy
import logging
import math
from typing import Any

import mujoco
import numpy as np

from envs.builtin.config import BuiltinEnvConfig
from envs.builtin.house import House, PlacedObject, Receptacle
from envs.builtin.mjcf import CAMERA_BODY, build_mjcf, door_pose
from envs.types import AgentPose, optical_rotation

logger = logging.getLogger(__name__)

# Held objects are parked here, under the floor, where no camera in the house can see them.
HIDDEN_POS = (0.0, 0.0, -20.0)


def _quat_from_mat(mat: np.ndarray) -> np.ndarray:
    q = np.empty(4)
    mujoco.mju_mat2Quat(q, np.ascontiguousarray(mat, dtype=np.float64).ravel())
    return q


class HouseWorld:
    """The house's current state and its MuJoCo twin (kept in sync on every change).

    Args:
        house: the generated house; it is copied, so resets can start from the original.
        cfg: env config (camera intrinsics go into the model).
    """

    def __init__(self, house: House, cfg: BuiltinEnvConfig) -> None:
        self.house = copy.deepcopy(house)
        self.cfg = cfg
        self.model = mujoco.MjModel.from_xml_string(build_mjcf(self.house, cfg))
        self.data = mujoco.MjData(self.model)
        self.objects: dict[str, PlacedObject] = {o.id: o for o in self.house.objects}
        self.receptacles: dict[str, Receptacle] = {r.id: r for r in self.house.receptacles}
        self.is_open: dict[str, bool] = {r.id: False for r in self.house.receptacles if r.openable}
        self.held: str | None = None
        # Instance ids: receptacles first, then objects, in generation order (stable per seed).
        names = [r.id for r in self.house.receptacles] + [o.id for o in self.house.objects]
        self.instance_of: dict[str, int] = {n: i + 1 for i, n in enumerate(names)}
        self.name_of: dict[int, str] = {i: n for n, i in self.instance_of.items()}
        self._mocap: dict[str, int] = {}
        body_instance = np.zeros(self.model.nbody, dtype=np.int32)
        for b in range(self.model.nbody):
            name = self.model.body(b).name
            entity = name.split("/")[0]
            if entity in self.instance_of:
                body_instance[b] = self.instance_of[entity]
            if self.model.body_mocapid[b] >= 0:
                self._mocap[name] = int(self.model.body_mocapid[b])
        self.geom_instance = body_instance[self.model.geom_bodyid]
        mujoco.mj_forward(self.model, self.data)

    # ------------------------------------------------------------------ poses
    def set_camera(self, agent: AgentPose) -> np.ndarray:
        """Move the head camera to ``agent``; returns the (4, 4) optical cam-to-world."""
        rot = optical_rotation(agent.yaw, agent.pitch)
        pos = np.array([agent.position[0], agent.position[1], self.cfg.camera_height])
        k = self._mocap[CAMERA_BODY]
        self.data.mocap_pos[k] = pos
        # MuJoCo cameras look along -z with y up: flip the optical y and z axes.
        self.data.mocap_quat[k] = _quat_from_mat(rot @ np.diag([1.0, -1.0, -1.0]))
        pose = np.eye(4)
        pose[:3, :3], pose[:3, 3] = rot, pos
        return pose

    def sync(self) -> None:
        """Recompute world poses after mocap changes (kinematics only, no dynamics)."""
        mujoco.mj_kinematics(self.model, self.data)
        mujoco.mj_camlight(self.model, self.data)

    def move_object(self, oid: str, position: tuple[float, float, float] | None) -> None:
        """Put an object at ``position`` (its box centre), or park it out of sight (None)."""
        self.data.mocap_pos[self._mocap[oid]] = HIDDEN_POS if position is None else position

    def set_open(self, rid: str, is_open: bool) -> None:
        rec = self.receptacles[rid]
        pos, yaw = door_pose(rec, is_open)
        k = self._mocap[f"{rid}/door"]
        self.data.mocap_pos[k] = pos
        self.data.mocap_quat[k] = [math.cos(yaw / 2), 0.0, 0.0, math.sin(yaw / 2)]
        self.is_open[rid] = is_open

    # ------------------------------------------------------------------ snapshots
    def snapshot(self) -> dict[str, Any]:
        """Everything that actions change: object placements, doors, the held object, mocaps."""
        return {
            "objects": {oid: (o.position, o.parent, o.inside) for oid, o in self.objects.items()},
            "is_open": dict(self.is_open),
            "held": self.held,
            "mocap_pos": self.data.mocap_pos.copy(),
            "mocap_quat": self.data.mocap_quat.copy(),
        }

    def restore(self, snap: dict[str, Any]) -> None:
        """Put the world back to :meth:`snapshot`'s state (same house only)."""
        if set(snap["objects"]) != set(self.objects):
            raise ValueError(
                "snapshot is of another house; reset to the house it was taken in first"
            )
        for oid, (position, parent, inside) in snap["objects"].items():
            obj = self.objects[oid]
            obj.position, obj.parent, obj.inside = position, parent, inside
        self.is_open = dict(snap["is_open"])
        self.held = snap["held"]
        self.data.mocap_pos[:] = snap["mocap_pos"]
        self.data.mocap_quat[:] = snap["mocap_quat"]
        self.sync()

    # ------------------------------------------------------------------ queries
    def entity_footprint_distance(self, eid: str, xy: np.ndarray) -> float:
        """Floor distance from ``xy`` to the footprint of an object or receptacle."""
        fp = self.objects[eid].footprint if eid in self.objects else self.receptacles[eid].footprint
        return fp.distance_to(float(xy[0]), float(xy[1]))

    def entity_center(self, eid: str) -> np.ndarray:
        if eid in self.objects:
            return np.asarray(self.objects[eid].position, dtype=float)
        lo, hi = self.receptacles[eid].aabb()
        return (np.asarray(lo) + np.asarray(hi)) / 2

    def container_of(self, oid: str) -> Receptacle | None:
        """The openable receptacle an object is inside, if any."""
        obj = self.objects[oid]
        return self.receptacles[obj.parent] if obj.inside and obj.parent else None
