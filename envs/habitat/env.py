"""habitat-sim environment adapter behind :class:`envs.base.Env`.

``habitat_sim`` is imported only when the env is built; its absence raises
:class:`envs.extras.MissingExtraError` with the conda command. Observations, ground truth and
navigability are converted at the boundary (see :mod:`envs.habitat.frames`).
"""

from __future__ import annotations

import logging
import math
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
from envs.base import Env
from envs.builtin.clock import DayClock
from envs.extras import require_extra
from envs.ground_truth import GroundTruth, ObjectRecord
from envs.habitat import grasp, sim_setup
from envs.habitat.config import CONDA_INSTALL, HabitatConfig
from envs.habitat.conversions import (
    SemanticTable,
    check_habitat_version,
    semantic_object_record,
    semantic_to_instances,
)
from envs.habitat.frames import (
    agent_pose,
    habitat_rotation_from_yaw,
    habitat_to_world,
    intrinsics_from_hfov,
    sensor_cam_to_world,
    world_to_habitat,
)
from envs.habitat.navigability import PathfinderNavigability
from envs.habitat.rooms import rooms_from_regions, scene_room
from envs.habitat.scene_objects import furniture_record, scene_rigid_objects
from envs.types import Observation

logger = logging.getLogger(__name__)

MOVES = {
    MoveForward: "move_forward",
    TurnLeft: "turn_left",
    TurnRight: "turn_right",
    LookUp: "look_up",
    LookDown: "look_down",
}


def import_habitat_sim() -> tuple[Any, Any]:
    """``(habitat_sim, magnum)`` or :class:`MissingExtraError` naming the conda command."""
    hs = require_extra(
        "habitat_sim", "habitat", hint=f"habitat-sim is not on PyPI: {CONDA_INSTALL}"
    )
    mn = require_extra("magnum", "habitat", hint=f"magnum ships with habitat-sim: {CONDA_INSTALL}")
    return hs, mn


class HabitatEnv(Env):
    """A habitat-sim scene as a project environment (RGB, depth, semantic; discrete actions).

    Pickable objects are ``config.objects`` (added at every reset) and the scene's own movable
    rigid objects; the scene's static rigid objects are furniture (see
    :mod:`envs.habitat.scene_objects`).

    Raises:
        MissingExtraError: habitat-sim is not installed.
        RuntimeError: unsupported habitat-sim version, or the scene/navmesh cannot be loaded.
    """

    def __init__(self, config: HabitatConfig | None = None) -> None:
        self.config = config or HabitatConfig()
        self.config.require_scene()
        self._hs, self._mn = import_habitat_sim()
        self.unsupported = check_habitat_version(str(getattr(self._hs, "__version__", "0.3.0")))
        for note in self.unsupported:
            logger.warning("habitat-sim %s: %s", self._hs.__version__, note)
        self._sim = self._hs.Simulator(sim_setup.make_configuration(self._hs, self.config))
        self._closed = False
        sim_setup.ensure_navmesh(self._hs, self._sim, self.config)
        self._nav = PathfinderNavigability(
            self._sim.pathfinder,
            self._hs.ShortestPath,
            lambda: float(self._agent_state().position[1]),
        )
        self._semantic = SemanticTable.from_semantic_objects(self._semantic_objects())
        self._furniture, self._scene_pickables = scene_rigid_objects(self._hs, self._sim, set())
        self._objects: dict[str, grasp.RigidHandle] = dict(self._scene_pickables)
        self._held: str | None = None
        self._parents: dict[str, str | None] = {}
        self._raw: dict[str, Any] | None = None
        self._step = 0
        self.clock = DayClock(self.config.steps_per_day, self.config.day_start, self.config.day_end)

    # -- helpers -------------------------------------------------------------------------
    def _semantic_objects(self) -> list[Any]:
        scene = self._sim.semantic_scene
        return list(scene.objects) if scene is not None else []

    def _agent_state(self) -> Any:
        return self._sim.get_agent(0).get_state()

    def set_clock(self, day: int, time: str) -> None:
        """Jump the day clock to ``day`` at ``time`` (``"HH:MM"``)."""
        self.clock.set(day, time)

    # -- Env API -------------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        """Options: ``start`` = (x, y, yaw) in world coordinates (default a seeded random
        point), ``day`` and ``time`` (where the clock starts)."""
        self._check_open()
        options = dict(options or {})
        start = options.pop("start", None)
        day, time = int(options.pop("day", 0)), options.pop("time", None)
        if options:
            raise ValueError(f"unknown reset options {sorted(options)}; known: start, day, time")
        self.clock.reset(day, time)
        self._raw = None
        grasp.remove_spawned(self._sim, self._objects)  # never the scene's furniture
        self._sim.reset()
        rng = np.random.default_rng(seed)
        if seed is not None:
            self._sim.seed(int(seed))
        spawned = grasp.spawn_objects(self._hs, self._mn, self._sim, self.config)
        self._objects = {**self._scene_pickables, **spawned}
        self._held, self._step = None, 0
        self._parents = {}
        self._parents = self._resting_places()
        floor = None
        if start is None:
            # Sample in 3D so that multi-storey scenes can start on any storey.
            self._sim.pathfinder.seed(int(rng.integers(2**31 - 1)))
            p = habitat_to_world(np.asarray(self._sim.pathfinder.get_random_navigable_point()))
            start, floor = (float(p[0]), float(p[1]), float(rng.uniform(-math.pi, math.pi))), p[2]
        placed = self._teleport(Teleport(x=start[0], y=start[1], yaw=start[2]), floor)
        if not placed.success:
            raise ValueError(f"cannot start the agent at {start}: {placed.reason}")
        return self.observe(), {
            "scene": self.config.scene,
            "seed": seed,
            "unsupported": list(self.unsupported),
        }

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(
                "this HabitatEnv is closed; build a new one with make_env('habitat')"
            )

    def step(self, action: Action) -> tuple[Observation, float, bool, bool, dict[str, Any]]:
        check_action(action)
        self._check_open()
        self._raw = None
        result = self._apply(action)
        self._step += 1
        self.clock.tick()
        if self._held is not None:
            state = self._agent_state()
            grasp.carry(self._mn, self._objects[self._held], state.position, state.rotation)
            self._raw = None  # the carried object moved after the step's render
        return self.observe(), 0.0, False, False, {"result": result}

    def _apply(self, action: Action) -> ActionResult:
        if type(action) in MOVES:
            amount = getattr(action, "distance", None) or getattr(action, "degrees", None)
            collided, self._raw = sim_setup.act(self._sim, MOVES[type(action)], amount)
            return (
                ActionResult.fail("blocked: moving forward collided with the scene")
                if collided
                else ActionResult.ok()
            )
        if isinstance(action, Teleport):
            return self._teleport(action)
        if isinstance(action, Pick):
            return self._pick(action.object_id)
        if isinstance(action, Place):
            return self._place(action.receptacle_id)
        if isinstance(action, Open | Close):
            return ActionResult.fail(
                f"{type(action).__name__}: articulated receptacles are not driven in habitat "
                "scenes here; use the builtin or ai2thor env"
            )
        assert isinstance(action, Stop)
        return ActionResult.ok()

    def _teleport(self, action: Teleport, floor_z: float | None = None) -> ActionResult:
        """Move the agent; ``floor_z`` (world) picks the storey, default the agent's own."""
        target = world_to_habitat([action.x, action.y, 0.0 if floor_z is None else floor_z])
        if floor_z is None:
            target[1] = float(self._agent_state().position[1])
        if not self._sim.pathfinder.is_navigable(target.astype(np.float32)):
            return ActionResult.fail(
                f"Teleport target ({action.x:.2f}, {action.y:.2f}) is not "
                "navigable; snap it with env.navigability.snap first"
            )
        state = self._hs.AgentState()
        state.position = target.astype(np.float32)
        common = require_extra("habitat_sim.utils.common", "habitat", hint=CONDA_INSTALL)
        state.rotation = common.quat_from_coeffs(habitat_rotation_from_yaw(action.yaw))
        self._sim.get_agent(0).set_state(state, reset_sensors=True)
        if abs(action.pitch) > 1e-9:
            name = "look_up" if action.pitch > 0 else "look_down"
            sim_setup.look(self._sim, name, math.degrees(abs(action.pitch)))
        return ActionResult.ok()

    def _resting_places(self) -> dict[str, str | None]:
        """The receptacle each pickable rests on (its box top just under the object)."""
        gt = self.ground_truth()
        receptacles = gt.receptacles()
        out: dict[str, str | None] = {}
        for oid in self._objects:
            out[oid] = grasp.resting_receptacle(gt.objects[oid], receptacles)
        return out

    def _camera_position(self) -> np.ndarray:
        state = self._agent_state().sensor_states["depth"]
        return habitat_to_world(np.asarray(state.position, dtype=float))

    def _pick(self, object_id: str) -> ActionResult:
        if self._held is not None:
            return ActionResult.fail(f"already holding {self._held}; Place it first")
        if object_id not in self._objects:
            return ActionResult.fail(
                f"{object_id!r} is not a pickable object (pickables: {sorted(self._objects)})"
            )
        handle = self._objects[object_id]
        lo, hi = grasp.world_box(handle.obj)
        if np.linalg.norm((lo + hi) / 2 - self._camera_position()) > self.config.grasp_distance:
            return ActionResult.fail(
                f"{object_id} is farther than grasp_distance "
                f"({self.config.grasp_distance} m); move closer"
            )
        handle.obj.motion_type = self._hs.physics.MotionType.KINEMATIC
        self._held = object_id
        self._parents[object_id] = None  # like AI2-THOR: a held object rests on nothing
        return ActionResult.ok()

    def _place(self, receptacle_id: str) -> ActionResult:
        if self._held is None:
            return ActionResult.fail("Place needs a held object; Pick one first")
        receptacle = self.ground_truth().objects.get(receptacle_id)
        if receptacle is None or receptacle.id == self._held:
            return ActionResult.fail(f"unknown receptacle {receptacle_id!r}")
        if (
            np.linalg.norm(receptacle.center - self._camera_position())
            > self.config.grasp_distance
            + float(np.linalg.norm(np.subtract(receptacle.bbox_max, receptacle.bbox_min))) / 2
        ):
            return ActionResult.fail(f"{receptacle_id} is out of reach; move closer")
        grasp.place_on(self._mn, self._objects[self._held], receptacle)
        self._parents[self._held] = receptacle_id
        self._held = None
        return ActionResult.ok()

    def observe(self) -> Observation:
        """The current frame; after a move it is the frame ``sim.step`` rendered (one render)."""
        self._check_open()
        raw = self._raw if self._raw is not None else self._sim.get_sensor_observations()
        self._raw = raw
        state = self._agent_state()
        cam = state.sensor_states["depth"]
        t = sensor_cam_to_world(np.asarray(cam.position, dtype=float), cam.rotation)
        table = SemanticTable(dict(self._semantic.object_ids), dict(self._semantic.categories))
        for h in self._objects.values():
            table.object_ids[h.semantic_id] = h.id
        for f in self._furniture.values():
            table.object_ids[f.semantic_id] = f.id
        ids, names = (
            semantic_to_instances(raw["semantic"], table) if "semantic" in raw else (None, {})
        )
        pose = agent_pose(
            np.asarray(state.position, dtype=float), state.rotation, pitch=sim_setup.sensor_pitch(t)
        )
        obs = Observation(
            depth=np.ascontiguousarray(raw["depth"], dtype=np.float32),
            intrinsics=intrinsics_from_hfov(
                self.config.width, self.config.height, self.config.hfov
            ),
            cam_to_world=t,
            agent=pose,
            time=self.clock.now(),
            rgb=np.ascontiguousarray(raw["color"][..., :3], dtype=np.uint8),
            instance_ids=ids,
            instance_names=names,
            held_object=self._held,
            frame_index=self._step,
            room_id=self._rooms_gt().room_at(*pose.position),
        )
        obs.validate()
        return obs

    def _rooms_gt(self) -> GroundTruth:
        regions = list(self._sim.semantic_scene.regions) if self._sim.semantic_scene else []
        rooms = rooms_from_regions(regions)
        if not rooms:
            # Scenes without region annotations (e.g. a bare .glb) are one room: the navmesh.
            lower, upper = self._sim.pathfinder.get_bounds()
            rooms = [scene_room(np.asarray(lower, dtype=float), np.asarray(upper, dtype=float))]
        return GroundTruth(objects={}, rooms={r.id: r for r in rooms})

    def ground_truth(self) -> GroundTruth:
        gt = self._rooms_gt()
        objects: dict[str, ObjectRecord] = {}
        for obj in self._semantic_objects():
            rec = semantic_object_record(obj, None) if obj is not None else None
            if rec is not None:
                objects[rec.id] = rec
        for item in self._furniture.values():
            objects[item.id] = furniture_record(item)
        for oid, handle in self._objects.items():
            objects[oid] = grasp.rigid_record(handle, oid == self._held, self._parents.get(oid))
        for rec in objects.values():
            rec.room_id = gt.room_at(*rec.center)
        gt.objects = objects
        return gt

    @property
    def navigability(self) -> PathfinderNavigability:
        return self._nav

    def close(self) -> None:
        if not getattr(self, "_closed", True):
            self._closed = True
            self._sim.close()
